/**
 * The routing core: who hears what, when (freedmr-reference.md §1.5–1.14, §2.5, §5.4).
 *
 * Model: every talkgroup is a conference in one global namespace; a subscription maps
 * (port, slot, talkgroup at the port) ↔ conference. A hotspot's static or user-activated TG N is
 * (slot, N) ↔ N; dial-a-TG is (TS2, 9) ↔ reflector N; a configured bridge is a named conference
 * whose members are (port or access rule, slot, TG); link ports (OpenBridge, upstream) reach every
 * conference through their talkgroup map (default: every TG on TS1, one to one).
 *
 * A stream is (port, slot, stream id). At its first frame the router resolves its conferences and
 * computes the target list once (indexed lookups: subscriptions by conference, the few link ports,
 * the subscriber map for unit calls) and keeps it true as subscriptions end; per packet it copies
 * the frame into each target's egress buffer, patches the slot, applies the prepared LC rewrite
 * when the destination differs and emits. Bytes 11–14 keep the source's repeater id: every port
 * stamps its own id in `emit` (HBP session, upstream link, OpenBridge), and an FBP v5 link carries
 * the source hotspot on as its source repeater. Contention is per (port, slot): one stream at a
 * time, first come first served, the port's own transmission wins, group hang time after each
 * call; a busy target is retried on every frame (late entry); a target whose subscription ends
 * leaves the stream at once. Loop control: the
 * same stream from a second port (or on the other slot of one port) is refused (first arrival wins,
 * a local hotspot always wins over a link) and finished streams are remembered. A stream over the
 * maximum duration stops being routed but keeps its own slot until the sender stops.
 *
 * Deterministic: no clock, no I/O; time is an argument, randomness comes from deps.prng. The
 * per-packet path allocates nothing: records are pooled, keys are numbers.
 * @module
 */
import { aclPermits } from "../acl.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import { CallType, copyDmrdTo55, DataType, DMRD_OFFSET_FLAGS, FLAG_SLOT_TS2, FrameType, type DmrdFrame } from "../../wire/dmrd.ts";
import { csbkIsPreamble, dataHeaderBlocksToFollow } from "./data_call.ts";
import { FinishReason } from "./finished_streams.ts";
import { DEFAULT_ACCESS_RULE_ROUTING, DEFAULT_LINK_TALKGROUP_MAP, inRanges, type LinkTalkgroupMap, type RoutingOptions } from "./options.ts";
import { parseOptions } from "./options_parser.ts";
import { RecordingState } from "./parrot.ts";
import { BRIDGE_CONFERENCE_BASE, PortState, SubKind, SubOrigin, type Stream } from "./state.ts";
import type { RoutingStats } from "./stats.ts";
import type { DialResult, Router, RouterDeps, StreamInfo, SubscriberLocation, SubscriptionInfo } from "./types.ts";
import { attachBridgeMembers, bridgeTrigger } from "./bridges.ts";
import { canTake, resetSlot } from "./contention.ts";
import { defaultReflector, dialable, dialCall, linkDial, unlinkDial, unscheduleRelink } from "./dial.ts";
import { isLocalOnly, linkToLocal, localToLink, mappedSlot, mappedTalkgroup } from "./link_map.ts";
import { quenchStream, quenchTarget } from "./link_quench.ts";
import { FIRST_RADIO_ID, TG_MAX } from "./numbering.ts";
import { freeRecording, parrotTick, startRecording } from "./parrot_playback.ts";
import { livePort, portStateAt, rfSlotOf } from "./port_lookup.ts";
import { RouterContext, type RouterExtras } from "./router_context.ts";
import { publish, publishStreamEnd, publishStreamStart, publishSubscription } from "./router_events.ts";
import { cutStream, endStream } from "./stream_end.ts";
import { allocStream, initStream, isDataStart } from "./stream_table.ts";
import { addTarget, dropTarget, hasConference, prepareRewrites, releaseTargets } from "./stream_targets.ts";
import { expireTimers } from "./subscription_timers.ts";
import { addStatic, findSub, insertSub, removeSub, setExpiry } from "./subscriptions.ts";
import { talkgroupAllowed } from "./talkgroup_acl.ts";
import { expiryFrom, userActivate } from "./user_activation.ts";
/** Radio ids below this are dial numbers / services, not radios (freedmr-reference.md §1.14). */
/** Housekeeping (timers in minutes, subscriber TTL) runs at most this often. */
const HOUSEKEEPING_INTERVAL_MS = 500;
/** Most key-locked option sets remembered across logins (anti-hijack, FreeDMR KEY=). */
const MAX_REMEMBERED_KEYS = 65536;

export { FIRST_RADIO_ID } from "./numbering.ts";
export type { RouterExtras } from "./router_context.ts";

export function createRouter(options: RoutingOptions, deps: RouterDeps & RouterExtras): Router {
  return new RoutingCore(options, deps);
}

class RoutingCore implements Router {
  readonly options: RoutingOptions;
  readonly #ctx: RouterContext;

  constructor(options: RoutingOptions, deps: RouterDeps & RouterExtras) {
    this.options = options;
    this.#ctx = new RouterContext(options, deps);
  }

  onPortUp(nowMs: number, port: RouterPort): void {
    const index = port.portIndex;
    if (index < 0 || index >= this.#ctx.options.capacities.maxPorts) {
      this.#ctx.stats.droppedUnknownPort++;
      return;
    }
    // port states are created as indexes are first used (the pool hands out dense indexes)
    while (this.#ctx.ports.length <= index) this.#ctx.ports.push(new PortState(this.#ctx.ports.length));
    const ps = this.#ctx.ports[index]!;
    if (ps.up) this.onPortDown(nowMs, ps.port!);
    ps.port = port;
    ps.up = true;
    ps.trunk = port.kind === PortKind.OpenBridge;
    ps.link = port.kind === PortKind.OpenBridge || port.kind === PortKind.Upstream;
    ps.local = port.kind === PortKind.Hotspot;
    ps.ruleName = port.accessRule;
    ps.rule = (port.accessRule !== null ? this.#ctx.options.accessRules[port.accessRule] : undefined) ?? DEFAULT_ACCESS_RULE_ROUTING;
    ps.optionsTimerMinutes = null;
    ps.optionsSingle = null;
    ps.optionsDial = null;
    ps.optionsText = "";
    ps.dialSub = null;
    ps.relinkAtMs = 0;
    for (const slot of ps.slots) resetSlot(slot);
    if (ps.link) {
      ps.linkMap = this.#ctx.pendingMaps.get(port) ?? DEFAULT_LINK_TALKGROUP_MAP;
      ps.linkPosition = this.#ctx.links.length;
      this.#ctx.links.push(ps);
    } else {
      ps.linkMap = null;
    }
    const rule = ps.rule;
    for (const tg of rule.ts1Static) addStatic(this.#ctx, nowMs, ps, rfSlotOf(ps, 1), tg, SubOrigin.Config, "config");
    for (const tg of rule.ts2Static) addStatic(this.#ctx, nowMs, ps, rfSlotOf(ps, 2), tg, SubOrigin.Config, "config");
    attachBridgeMembers(this.#ctx, nowMs, ps);
    const dflt = defaultReflector(ps);
    if (dflt !== 0 && this.#ctx.options.dial.enabled && ps.local) linkDial(this.#ctx, nowMs, ps, dflt, "default");
  }

  onPortDown(nowMs: number, port: RouterPort): void {
    const ps = portStateAt(this.#ctx, port.portIndex);
    if (ps === null || !ps.up || ps.port !== port) return;
    // streams from this port end; streams to it forget it
    for (let i = this.#ctx.active.length - 1; i >= 0; i--) {
      const stream = this.#ctx.active[i]!;
      if (stream.ps === ps) {
        endStream(this.#ctx, nowMs, stream, "port-down");
        continue;
      }
      for (let t = stream.targetCount - 1; t >= 0; t--) if (stream.targetPorts[t] === ps) dropTarget(this.#ctx, stream, t);
    }
    for (const rec of this.#ctx.recordings) {
      if (rec.state !== RecordingState.Free && rec.ps === ps) freeRecording(this.#ctx, nowMs, rec, true);
    }
    ps.up = false; // nothing may join it again while its subscriptions go
    while (ps.subs.length > 0) removeSub(this.#ctx, nowMs, ps.subs[ps.subs.length - 1]!, null);
    ps.dialSub = null;
    unscheduleRelink(this.#ctx, ps);
    if (ps.linkPosition >= 0) {
      const last = this.#ctx.links.pop()!;
      if (last !== ps) {
        this.#ctx.links[ps.linkPosition] = last;
        last.linkPosition = ps.linkPosition;
      }
      ps.linkPosition = -1;
    }
    for (const slot of ps.slots) resetSlot(slot);
    ps.up = false;
    ps.port = null;
    ps.linkMap = null;
  }

  setPortTalkgroupMap(port: RouterPort, map: LinkTalkgroupMap | null): void {
    if (map === null) this.#ctx.pendingMaps.delete(port);
    else this.#ctx.pendingMaps.set(port, map);
    const ps = portStateAt(this.#ctx, port.portIndex);
    if (ps !== null && ps.up && ps.port === port && ps.link) ps.linkMap = map ?? DEFAULT_LINK_TALKGROUP_MAP;
  }

  onOptions(nowMs: number, port: RouterPort, text: string): void {
    const ps = livePort(this.#ctx, port);
    if (ps === null) return;
    const rule = ps.rule ?? DEFAULT_ACCESS_RULE_ROUTING;
    const dial = this.#ctx.options.dial;
    const parsed = parseOptions(text, {
      prohibitedTalkgroups: this.#ctx.options.optionsProhibitedTalkgroups,
      dialable: (n) => dialable(this.#ctx, n),
    });
    const rejected = parsed.rejected;
    const emit = (): void => {
      this.#ctx.stats.optionsTokensRejected += rejected.length;
      publish(this.#ctx, { type: "options.applied", atMs: nowMs, portIndex: port.portIndex, portName: port.name, options: parsed.text, rejected });
    };
    if (!rule.allowOptions) {
      rejected.push("options: not allowed for this access rule; ignored");
      parsed.ts1 = parsed.ts2 = null;
      emit();
      return;
    }
    // KEY: the first options carrying a key lock this repeater's options (FreeDMR anti-hijack)
    const lockedKey = this.#ctx.optionKeys.get(port.repeaterId);
    if (lockedKey !== undefined && parsed.key !== lockedKey) {
      rejected.length = 0;
      rejected.push(parsed.key === null ? "options: KEY required (options are locked); ignored" : "KEY: does not match; options ignored");
      emit();
      return;
    }
    if (lockedKey === undefined && parsed.key !== null) {
      if (this.#ctx.optionKeys.size >= MAX_REMEMBERED_KEYS) {
        const oldest = this.#ctx.optionKeys.keys().next().value;
        if (oldest !== undefined) this.#ctx.optionKeys.delete(oldest);
      }
      this.#ctx.optionKeys.set(port.repeaterId, parsed.key);
    }
    ps.optionsText = parsed.text;
    if (parsed.timerMinutes !== null) ps.optionsTimerMinutes = parsed.timerMinutes;
    if (parsed.single !== null) ps.optionsSingle = parsed.single;
    if (parsed.ts1 !== null || parsed.ts2 !== null) {
      // a simplex hotspot has one RF slot: both lists land on it
      const want1 = parsed.ts1;
      const want2 = parsed.ts2;
      for (let i = ps.subs.length - 1; i >= 0; i--) {
        const sub = ps.subs[i]!;
        if (sub.kind !== SubKind.Static || sub.origin !== SubOrigin.Options) continue;
        const list = port.simplex ? [...(want1 ?? []), ...(want2 ?? [])] : sub.slot === 1 ? want1 : want2;
        const mentioned = port.simplex ? want1 !== null || want2 !== null : list !== null;
        if (mentioned && !(list ?? []).includes(sub.talkgroupId)) removeSub(this.#ctx, nowMs, sub, "options");
      }
      if (want1 !== null) for (const tg of want1) addStatic(this.#ctx, nowMs, ps, rfSlotOf(ps, 1), tg, SubOrigin.Options, "options");
      if (want2 !== null) for (const tg of want2) addStatic(this.#ctx, nowMs, ps, rfSlotOf(ps, 2), tg, SubOrigin.Options, "options");
    }
    if (parsed.dial !== null && dial.enabled && ps.local) {
      const before = defaultReflector(ps);
      ps.optionsDial = parsed.dial;
      const after = defaultReflector(ps);
      const linked = ps.dialSub?.conferenceId ?? 0;
      if (after !== before) {
        if (after === 0) {
          if (linked === before && linked !== 0) unlinkDial(this.#ctx, nowMs, ps, "default-removed", false);
        } else if (linked === 0 || linked === before) {
          linkDial(this.#ctx, nowMs, ps, after, "default");
        }
      } else if (after !== 0 && linked === 0 && ps.relinkAtMs === 0) {
        linkDial(this.#ctx, nowMs, ps, after, "default");
      }
      // the default link never expires; others keep their timer
      if (ps.dialSub !== null && ps.dialSub.conferenceId === after) setExpiry(this.#ctx, ps.dialSub, 0);
    }
    emit();
  }

  onFrame(nowMs: number, port: RouterPort, frame: DmrdFrame): void {
    const stats = this.#ctx.stats;
    stats.framesIn++;
    const ps = livePort(this.#ctx, port);
    if (ps === null) {
      stats.droppedUnknownPort++;
      return;
    }
    const slot: Slot = port.simplex ? 2 : frame.slot;
    let stream = ps.trunk ? this.#findTrunkStream(ps, slot, frame) : this.#findSlotStream(ps, slot, frame);
    if (stream === null) {
      if (!startsStream(frame)) {
        stats.droppedOrphan++;
        return;
      }
      stream = this.#startStream(nowMs, ps, slot, frame);
      if (stream === null || stream.refused) return; // counted by reason in #startStream
    } else {
      if (stream.refused) {
        stream.lastFrameAtMs = nowMs;
        if (stream.cut) stats.droppedMaxDuration++;
        else stats.droppedRefused++;
        return;
      }
      if (!this.#acceptInStream(stream, frame)) return;
    }
    this.#processFrame(nowMs, ps, stream, frame);
  }

  /** Hotspot / upstream: one stream per slot. */
  #findSlotStream(ps: PortState, slot: Slot, frame: DmrdFrame): Stream | null {
    const ss = ps.slots[slot - 1]!;
    const cur = ss.rxStream;
    if (cur === null) return null;
    const sameParties = frame.sourceId === cur.sourceId && frame.destinationId === cur.destinationId;
    if (frame.streamId === cur.currentStreamId && sameParties) {
      // stream id 0 (BrandMeister): a header after voice is a new call (unless it is an older
      // frame of this one, reordered on the way: the sending slot numbers its packets)
      if (frame.streamId === 0 && cur.sawVoice && frame.frameType === FrameType.DataSync && frame.dataType === DataType.VoiceLcHeader && !olderInStream(cur, frame)) return null;
      return cur;
    }
    if (sameParties && frame.callType === cur.callType && frame.frameType !== FrameType.DataSync) {
      // DMR+: the voice carries the id of the last of the repeated headers; when that header was
      // lost the voice still belongs to the call its earlier headers opened
      if (!cur.data && !cur.sawVoice && cur.sawHeader) {
        cur.currentStreamId = frame.streamId;
        return cur;
      }
      return null;
    }
    if (sameParties && frame.callType === cur.callType && frame.frameType === FrameType.DataSync) {
      const dt = frame.dataType;
      // data call: every CSBK and data header carries a new stream id (hbp-and-dmr.md §3.3)
      if (cur.data && (dt === DataType.Csbk || dt === DataType.DataHeader)) {
        cur.currentStreamId = frame.streamId;
        return cur;
      }
      // DMR+: a new stream id per repeated voice header; one that arrives after the voice but is
      // older than it was reordered on the way and still belongs to this call (dropped as stale)
      if (!cur.data && (dt === DataType.VoiceLcHeader || dt === DataType.PiHeader)) {
        if (!cur.sawVoice) {
          cur.currentStreamId = frame.streamId;
          return cur;
        }
        if (olderInStream(cur, frame)) return cur;
      }
    }
    return null;
  }

  /** OpenBridge: many streams per slot, found by stream id. */
  #findTrunkStream(ps: PortState, slot: Slot, frame: DmrdFrame): Stream | null {
    for (let s: Stream | null = this.#ctx.byStreamId.get(frame.streamId) ?? null; s !== null; s = s.nextSameId) {
      if (s.ps === ps && s.slot === slot && s.sourceId === frame.sourceId && s.destinationId === frame.destinationId) return s;
    }
    return null;
  }

  /** Duplicate control inside a stream (freedmr-reference.md §2.5 item 5). */
  #acceptInStream(stream: Stream, frame: DmrdFrame): boolean {
    const stats = this.#ctx.stats;
    const bytes = frame.bytes;
    const delta = (frame.sequence - stream.lastSequence) & 0xff;
    // repeated sequence number, or the same frame again (consecutive voice frames always differ in
    // their flags; data blocks may legitimately repeat content, so for them only the sequence counts)
    if (delta === 0 || (frame.frameType !== FrameType.DataSync && sameTail(stream.lastBytes, bytes))) {
      stats.droppedDuplicate++;
      return false;
    }
    if (delta >= 128) {
      stats.droppedStale++;
      return false;
    } else if (delta > 1) {
      stream.lost += delta - 1;
      stats.framesLost += delta - 1;
    }
    if (frame.frameType === FrameType.DataSync) {
      const dt = frame.dataType;
      if ((dt === DataType.VoiceLcHeader || dt === DataType.PiHeader) && stream.sawHeader) {
        stream.lastSequence = frame.sequence;
        stats.droppedDuplicate++;
        return false;
      }
    }
    return true;
  }

  #processFrame(nowMs: number, ps: PortState, stream: Stream, frame: DmrdFrame): void {
    if (nowMs - stream.startedAtMs > this.#ctx.options.maxStreamMs) {
      this.#ctx.stats.droppedMaxDuration++;
      cutStream(this.#ctx, nowMs, stream);
      return;
    }
    stream.frames++;
    stream.lastFrameAtMs = nowMs;
    stream.lastSequence = frame.sequence;
    copyTail(stream.lastBytes, frame.bytes);
    const frameType = frame.frameType;
    const dataType = frame.dataType;
    if (frameType !== FrameType.DataSync) stream.sawVoice = true;
    else if (dataType === DataType.VoiceLcHeader || dataType === DataType.PiHeader) stream.sawHeader = true;
    if (!ps.trunk) {
      const ss = ps.slots[stream.slot - 1]!;
      ss.hangUntilMs = nowMs + this.#ctx.options.hangTimeMs;
      ss.hangDestinationId = stream.hangDestinationId;
      ss.hangCallType = stream.hangCallType;
      ss.hangSourceId = stream.sourceId;
    }
    if (stream.sourceLc.observe(frame)) {
      for (let r = 0; r < stream.rewriteCount; r++) {
        stream.rewrites[r]!.prepare(stream.sourceLc, stream.rewriteDestinations[r]!, stream.rewriteCallTypes[r]! as CallType);
      }
    }
    if (stream.parrotIndex >= 0) {
      const rec = this.#ctx.recordings[stream.parrotIndex]!;
      if (!rec.record(frame.bytes) && !rec.truncated) {
        rec.truncated = true;
        this.#ctx.stats.parrotTruncated++;
      }
    }
    this.#deliver(nowMs, stream, frame);
    if (frameType === FrameType.DataSync) {
      if (dataType === DataType.TerminatorWithLc) {
        endStream(this.#ctx, nowMs, stream, "terminator");
      } else if (stream.data) {
        if (dataType === DataType.Csbk) {
          if (csbkIsPreamble(frame.bytes) !== 1) endStream(this.#ctx, nowMs, stream, "data-complete");
        } else if (dataType === DataType.DataHeader) {
          const blocks = dataHeaderBlocksToFollow(frame.bytes);
          stream.blocksRemaining = blocks;
          if (blocks === 0) endStream(this.#ctx, nowMs, stream, "data-complete");
        } else if (dataType === DataType.Rate12Data || dataType === DataType.Rate34Data || dataType === DataType.Rate1Data) {
          if (stream.blocksRemaining > 0 && --stream.blocksRemaining === 0) endStream(this.#ctx, nowMs, stream, "data-complete");
        }
      }
    }
  }

  #deliver(nowMs: number, stream: Stream, frame: DmrdFrame): void {
    const stats = this.#ctx.stats;
    const outbox = this.#ctx.deps.outbox;
    const hangTimeMs = this.#ctx.options.hangTimeMs;
    const n = stream.targetCount;
    for (let i = 0; i < n; i++) {
      const tps = stream.targetPorts[i];
      if (tps === null || tps === undefined) continue;
      if (stream.targetQuenched[i] !== 0) {
        stats.deliveriesQuenched++;
        continue;
      }
      const port = tps.port!;
      const slot = stream.targetSlots[i]! as Slot;
      const destinationId = stream.targetDestinations[i]!;
      if (!tps.trunk) {
        const ss = tps.slots[slot - 1]!;
        const callType = stream.targetCallTypes[i]! as CallType;
        if (ss.txStream !== stream) {
          if (!canTake(nowMs, ss, stream.sourceId, destinationId, callType)) {
            stats.deliveriesBusy++;
            continue;
          }
          ss.txStream = stream;
        }
        ss.hangUntilMs = nowMs + hangTimeMs;
        ss.hangDestinationId = destinationId;
        ss.hangCallType = callType;
        ss.hangSourceId = stream.sourceId;
      }
      const buffer = port.txBuffer(slot);
      // bytes 11–14 keep the source's repeater id: each port stamps its own id on its wire (HBP
      // session, upstream link) or carries the source on (FBP v5 source repeater, §2.3)
      copyDmrdTo55(frame.bytes, buffer);
      const flags = buffer[DMRD_OFFSET_FLAGS]!;
      buffer[DMRD_OFFSET_FLAGS] = slot === 2 ? flags | FLAG_SLOT_TS2 : flags & ~FLAG_SLOT_TS2;
      const rw = stream.targetRewrites[i]!;
      if (rw >= 0) stream.rewrites[rw]!.apply(frame, buffer);
      port.emit(nowMs, buffer, outbox);
      stats.framesOut++;
    }
  }

  #startStream(nowMs: number, ps: PortState, slot: Slot, frame: DmrdFrame): Stream | null {
    const stats = this.#ctx.stats;
    const port = ps.port!;
    const streamId = frame.streamId;
    // ---- loop control (freedmr-reference.md §2.5) ----
    let loopReason: string | null = null;
    if (streamId !== 0) {
      for (let s: Stream | null = this.#ctx.byStreamId.get(streamId) ?? null; s !== null; s = s.nextSameId) {
        if (s.sourceId !== frame.sourceId || s.refused) continue;
        if (s.ps === ps) {
          // the same stream on the other slot of one port (an upstream master that has us on the
          // talkgroup on both slots sends the call twice): a copy, the first slot keeps it
          if (ps.trunk || s.slot === slot) continue;
          loopReason = "duplicate-slot";
          break;
        }
        if (ps.local && !s.ps!.local) {
          // a local hotspot is never refused in favour of a link copy: the link copy yields
          this.#refuseActive(nowMs, s, "local-origin");
        } else {
          loopReason = "duplicate-stream";
          // the port already has this stream from elsewhere: stop sending it there (implicit quench)
          quenchTarget(s, ps, 0);
        }
        break;
      }
      if (loopReason === null && this.#ctx.finished.find(nowMs, streamId, frame.sourceId)) {
        const reason = this.#ctx.finished.foundReason;
        if (this.#ctx.finished.foundPortIndex === ps.index && reason === FinishReason.Timeout) {
          this.#ctx.finished.forget(streamId); // the same sender resumes after a gap
        } else if (reason === FinishReason.MaxDuration) {
          this.#ctx.finished.touch(nowMs, streamId);
          stats.droppedMaxDuration++;
          return null;
        } else if (this.#ctx.finished.foundPortIndex === ps.index) {
          stats.droppedDuplicate++; // a late frame of a stream this port already ended
          return null;
        } else {
          loopReason = "finished-stream";
        }
      }
    }
    const stream = allocStream(this.#ctx);
    if (stream === null) {
      stats.droppedStreamCapacity++;
      return null;
    }
    initStream(this.#ctx, nowMs, stream, ps, slot, frame);
    // ---- own transmission wins over what we deliver to this slot ----
    if (!ps.trunk) {
      const ss = ps.slots[slot - 1]!;
      if (ss.rxStream !== null && ss.rxStream !== stream) endStream(this.#ctx, nowMs, ss.rxStream, "superseded");
      ss.rxStream = stream;
      ss.txStream = null;
    }
    if (loopReason !== null) {
      stats.droppedLoop++;
      this.#refuseNew(nowMs, stream, frame, loopReason);
      return stream;
    }
    this.#ctx.subscribers.learn(nowMs, frame.sourceId, port, slot);
    // ---- ACLs (freedmr-reference.md §1.12): global first, then the access rule's ----
    const rule = ps.rule ?? DEFAULT_ACCESS_RULE_ROUTING;
    if (!aclPermits(this.#ctx.options.subscriberAcl, frame.sourceId) || !aclPermits(rule.subscriberAcl, frame.sourceId)) {
      stats.droppedAcl++;
      this.#refuseNew(nowMs, stream, frame, "subscriber-acl");
      return stream;
    }
    if (frame.callType === CallType.Group && !ps.link && !talkgroupAllowed(this.#ctx, ps, slot, frame.destinationId)) {
      stats.droppedAcl++;
      this.#refuseNew(nowMs, stream, frame, "talkgroup-acl");
      return stream;
    }
    // ---- what kind of call ----
    const dial = this.#ctx.options.dial;
    if (frame.callType === CallType.Unit) {
      if (!stream.data && ps.local && dial.enabled && frame.destinationId < FIRST_RADIO_ID) {
        // the hotspot's slot hangs on the dial TG afterwards, so the reflector is heard at once
        stream.hangDestinationId = dial.talkgroupId;
        stream.hangCallType = CallType.Group;
        publishStreamStart(this.#ctx, nowMs, stream);
        dialCall(this.#ctx, nowMs, ps, frame.destinationId);
        return stream;
      }
      this.#routeUnit(nowMs, stream, ps);
    } else {
      const parrot = this.#ctx.options.parrot;
      if (parrot.enabled && frame.destinationId === parrot.talkgroupId && !ps.link) {
        if (ps.local) startRecording(this.#ctx, nowMs, stream, ps, slot);
        publishStreamStart(this.#ctx, nowMs, stream);
        return stream;
      }
      if (!this.#routeGroup(nowMs, stream, ps, slot, frame)) {
        this.#refuseNew(nowMs, stream, frame, "talkgroup-not-routed");
        return stream;
      }
    }
    prepareRewrites(stream, frame);
    publishStreamStart(this.#ctx, nowMs, stream);
    return stream;
  }

  /** Mark a just-started stream refused: its frames are dropped until it ends; links hear once. */
  #refuseNew(nowMs: number, stream: Stream, frame: DmrdFrame, reason: string): void {
    stream.refused = true;
    stream.silent = true;
    this.#ctx.stats.streamsRefused++;
    this.#ctx.stats.streamsStarted--;
    const port = stream.port!;
    publish(this.#ctx, {
      type: "stream.refused",
      atMs: nowMs,
      streamId: stream.streamId,
      portIndex: port.portIndex,
      portName: port.name,
      sourceId: stream.sourceId,
      destinationId: stream.destinationId,
      slot: frame.slot,
      reason,
    });
    if (port.onStreamRefused !== undefined) port.onStreamRefused(nowMs, stream.streamId, frame.destinationId, this.#ctx.deps.outbox);
  }

  /** An active stream (from a link) yields to the same stream arriving from a local hotspot. */
  #refuseActive(nowMs: number, stream: Stream, reason: string): void {
    releaseTargets(stream);
    stream.targetCount = 0;
    if (!stream.silent) publishStreamEnd(this.#ctx, nowMs, stream, "superseded");
    if (!stream.refused) this.#ctx.stats.streamsEnded++;
    stream.refused = true;
    stream.silent = true;
    this.#ctx.stats.streamsRefused++;
    const port = stream.port!;
    publish(this.#ctx, {
      type: "stream.refused",
      atMs: nowMs,
      streamId: stream.streamId,
      portIndex: port.portIndex,
      portName: port.name,
      sourceId: stream.sourceId,
      destinationId: stream.destinationId,
      slot: stream.wireSlot,
      reason,
    });
    if (port.onStreamRefused !== undefined) port.onStreamRefused(nowMs, stream.streamId, stream.destinationId, this.#ctx.deps.outbox);
  }

  /** Unit voice/data: to where the destination radio was last heard (freedmr-reference.md §1.14). */
  #routeUnit(nowMs: number, stream: Stream, ps: PortState): void {
    const destinationId = stream.destinationId;
    const entry = this.#ctx.subscribers.lookup(nowMs, destinationId);
    if (entry !== null) {
      const tps = livePort(this.#ctx, entry.port!);
      if (tps !== null) {
        if (tps !== ps) addTarget(this.#ctx, stream, tps, rfSlotOf(tps, entry.slot), destinationId, CallType.Unit);
        return;
      }
    }
    if ((stream.data || this.#ctx.options.floodUnknownUnitVoice) && destinationId >= FIRST_RADIO_ID) {
      let offered = 0;
      for (const link of this.#ctx.links) {
        if (link === ps || link.port!.acceptsUnitDataFlood !== true) continue;
        addTarget(this.#ctx, stream, link, 1, destinationId, CallType.Unit);
        offered++;
      }
      if (offered > 0) return;
    }
    this.#ctx.stats.droppedNoRoute++;
  }

  /** Group voice/data: resolve conferences, then add their members. False = not routable at all. */
  #routeGroup(nowMs: number, stream: Stream, ps: PortState, slot: Slot, frame: DmrdFrame): boolean {
    const tg = frame.destinationId;
    const confs = this.#ctx.conferenceScratch;
    let n = 0;
    const dial = this.#ctx.options.dial;
    let routable = true;
    if (ps.link) {
      const map = ps.linkMap ?? DEFAULT_LINK_TALKGROUP_MAP;
      const local = linkToLocal(map, slot, tg);
      if (local >= 0 && !(map.localOnlyFilter && (isLocalOnly(tg) || isLocalOnly(local))) && aclPermits(map.ingressAcl, tg)) {
        confs[n++] = local;
      }
      // explicit subscriptions of the link (API) map their own TG
      for (const sub of ps.subs) {
        if (sub.kind !== SubKind.Bridge && sub.slot === slot && sub.talkgroupId === tg && n < confs.length && !hasConference(confs, n, sub.conferenceId)) {
          confs[n++] = sub.conferenceId;
        }
      }
    } else if (tg === dial.talkgroupId && slot === rfSlotOf(ps, dial.slot) && dial.enabled) {
      const dialSub = ps.dialSub;
      if (dialSub !== null) {
        confs[n++] = dialSub.conferenceId;
        if (dialSub.expiresAtMs !== 0) setExpiry(this.#ctx, dialSub, expiryFrom(this.#ctx, nowMs, ps));
      }
    } else if (inRanges(this.#ctx.options.reservedTalkgroups, tg) || tg === dial.talkgroupId || tg > TG_MAX) {
      routable = false;
    } else {
      confs[n++] = tg;
      if (ps.local && this.#ctx.options.userActivation) userActivate(this.#ctx, nowMs, ps, slot, tg);
    }
    // configured bridges: triggers first, then membership (freedmr-reference.md §1.8)
    for (const sub of ps.subs) {
      if (sub.kind !== SubKind.Bridge || sub.slot !== slot) continue;
      bridgeTrigger(this.#ctx, nowMs, sub, tg);
      if (sub.active && sub.talkgroupId === tg && n < confs.length && !hasConference(confs, n, sub.conferenceId)) {
        confs[n++] = sub.conferenceId;
        if (sub.member!.timeoutType === "on" && sub.member!.timeoutMinutes > 0) {
          setExpiry(this.#ctx, sub, nowMs + sub.member!.timeoutMinutes * 60_000);
        }
      }
    }
    if (n === 0) {
      if (!routable || ps.link) {
        this.#ctx.stats.droppedReserved++;
        return false;
      }
      return true; // e.g. TG 9 with no reflector linked: a local call, nothing to route
    }
    for (let c = 0; c < n; c++) stream.conferences[c] = confs[c]!;
    stream.conferenceCount = n;
    // explicit subscriptions first, so that a link named in a bridge gets the bridge's TG rather
    // than its talkgroup map's (a (port, slot) is served once, by the first that claims it)
    for (let c = 0; c < n; c++) this.#addSubscribedTargets(nowMs, stream, ps, confs[c]!);
    for (let c = 0; c < n; c++) if (confs[c]! < BRIDGE_CONFERENCE_BASE) this.#addLinkTargets(stream, ps, confs[c]!);
    return true;
  }

  #addSubscribedTargets(nowMs: number, stream: Stream, ps: PortState, conferenceId: number): void {
    const list = this.#ctx.conferences.get(conferenceId);
    if (list === undefined) return;
    for (const sub of list) {
      const tps = sub.ps!;
      if (tps === ps || !sub.active || (sub.expiresAtMs !== 0 && sub.expiresAtMs <= nowMs)) continue;
      if (!tps.link && !talkgroupAllowed(this.#ctx, tps, sub.slot, sub.talkgroupId)) continue;
      addTarget(this.#ctx, stream, tps, sub.slot, sub.talkgroupId, CallType.Group);
    }
  }

  #addLinkTargets(stream: Stream, ps: PortState, conferenceId: number): void {
    for (const link of this.#ctx.links) {
      if (link === ps) continue;
      const map = link.linkMap ?? DEFAULT_LINK_TALKGROUP_MAP;
      if (!localToLink(map, conferenceId)) continue;
      const linkTg = mappedTalkgroup;
      if (map.localOnlyFilter && (isLocalOnly(conferenceId) || isLocalOnly(linkTg))) continue;
      if (!aclPermits(map.egressAcl, linkTg)) continue;
      addTarget(this.#ctx, stream, link, mappedSlot, linkTg, CallType.Group);
    }
  }

  onTick(nowMs: number): void {
    const o = this.#ctx.options;
    this.#ctx.tickCount++;
    for (let i = this.#ctx.active.length - 1; i >= 0; i--) {
      const stream = this.#ctx.active[i];
      if (stream === undefined) continue;
      const silence = stream.data ? o.dataTimeoutMs : o.streamTimeoutMs;
      if (nowMs - stream.lastFrameAtMs > silence) endStream(this.#ctx, nowMs, stream, "timeout");
      else if (!stream.refused && nowMs - stream.startedAtMs > o.maxStreamMs) cutStream(this.#ctx, nowMs, stream);
    }
    if (nowMs >= this.#ctx.nextHousekeepingMs) {
      this.#ctx.nextHousekeepingMs = nowMs + HOUSEKEEPING_INTERVAL_MS;
      expireTimers(this.#ctx, nowMs);
      this.#ctx.subscribers.trim(nowMs);
    }
    if (this.#ctx.recordings.length > 0) parrotTick(this.#ctx, nowMs);
  }

  quench(nowMs: number, port: RouterPort, talkgroupId: number, streamId: number): boolean {
    return quenchStream(this.#ctx, nowMs, port, talkgroupId, streamId);
  }

  stats(): RoutingStats {
    return this.#ctx.stats;
  }

  subscribe(nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number, kind: "static" | "dynamic"): boolean {
    const ps = livePort(this.#ctx, port);
    if (ps === null || talkgroupId <= 0 || talkgroupId > TG_MAX || inRanges(this.#ctx.options.optionsProhibitedTalkgroups, talkgroupId)) return false;
    const rfSlot = rfSlotOf(ps, slot);
    if (kind === "static") return addStatic(this.#ctx, nowMs, ps, rfSlot, talkgroupId, SubOrigin.Api, "api");
    if (findSub(ps, rfSlot, talkgroupId, SubKind.Static) !== null) return true;
    const existing = findSub(ps, rfSlot, talkgroupId, SubKind.Dynamic);
    if (existing !== null) {
      setExpiry(this.#ctx, existing, expiryFrom(this.#ctx, nowMs, ps));
      return true;
    }
    const sub = insertSub(this.#ctx, ps, rfSlot, talkgroupId, talkgroupId, SubKind.Dynamic, SubOrigin.Api, expiryFrom(this.#ctx, nowMs, ps));
    if (sub === null) return false;
    publishSubscription(this.#ctx, nowMs, ps, rfSlot, talkgroupId, "add", "api");
    return true;
  }

  unsubscribe(nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number): boolean {
    const ps = livePort(this.#ctx, port);
    if (ps === null) return false;
    const rfSlot = rfSlotOf(ps, slot);
    const sub = findSub(ps, rfSlot, talkgroupId, SubKind.Static) ?? findSub(ps, rfSlot, talkgroupId, SubKind.Dynamic);
    if (sub === null) return false;
    removeSub(this.#ctx, nowMs, sub, "api");
    return true;
  }

  dial(nowMs: number, port: RouterPort, reflector: number): DialResult {
    const ps = livePort(this.#ctx, port);
    if (ps === null) return { ok: false, reason: "unknown-port" };
    if (!this.#ctx.options.dial.enabled) return { ok: false, reason: "disabled" };
    if (reflector === 0) {
      unlinkDial(this.#ctx, nowMs, ps, "api", true);
      return { ok: true, reflector: 0 };
    }
    if (!dialable(this.#ctx, reflector)) return { ok: false, reason: "not-dialable" };
    return linkDial(this.#ctx, nowMs, ps, reflector, "api") ? { ok: true, reflector } : { ok: false, reason: "capacity" };
  }

  resetPort(nowMs: number, port: RouterPort): void {
    const ps = livePort(this.#ctx, port);
    if (ps === null) return;
    for (let i = ps.subs.length - 1; i >= 0; i--) {
      const sub = ps.subs[i]!;
      if (sub.kind === SubKind.Dynamic) removeSub(this.#ctx, nowMs, sub, "reset");
    }
    if (ps.dialSub !== null) unlinkDial(this.#ctx, nowMs, ps, "reset", false);
    const dflt = defaultReflector(ps);
    if (dflt !== 0) linkDial(this.#ctx, nowMs, ps, dflt, "default");
  }

  subscriptions(port: RouterPort): SubscriptionInfo[] {
    const ps = livePort(this.#ctx, port);
    if (ps === null) return [];
    const kinds = ["static", "dynamic", "dial", "bridge"] as const;
    return ps.subs
      .map((sub) => ({
        slot: sub.slot,
        talkgroupId: sub.talkgroupId,
        conference:
          sub.kind === SubKind.Bridge ? `bridge:${this.#ctx.bridgeNames[sub.bridgeIndex] ?? "?"}` : sub.kind === SubKind.Dial ? `reflector:${sub.conferenceId}` : `tg:${sub.conferenceId}`,
        kind: kinds[sub.kind]!,
        active: sub.active,
        expiresAtMs: sub.expiresAtMs === 0 ? null : sub.expiresAtMs,
      }))
      .sort((a, b) => a.slot - b.slot || a.talkgroupId - b.talkgroupId || a.kind.localeCompare(b.kind));
  }

  dialedReflector(port: RouterPort): number {
    return livePort(this.#ctx, port)?.dialSub?.conferenceId ?? 0;
  }

  locateSubscriber(nowMs: number, radioId: number): SubscriberLocation | null {
    const entry = this.#ctx.subscribers.lookup(nowMs, radioId);
    if (entry === null || entry.port === null || livePort(this.#ctx, entry.port) === null) return null;
    return { portIndex: entry.port.portIndex, portName: entry.port.name, slot: entry.slot, lastHeardMs: entry.lastHeardMs };
  }

  activeStreams(): StreamInfo[] {
    const out: StreamInfo[] = [];
    for (const s of this.#ctx.active) {
      if (s.silent) continue;
      const targets: string[] = [];
      const pending: string[] = [];
      for (let t = 0; t < s.targetCount; t++) {
        const tps = s.targetPorts[t];
        if (tps === null || tps === undefined || s.targetQuenched[t] !== 0) continue;
        const slot = s.targetSlots[t]!;
        const label = `${tps.index}:${slot}`;
        if (tps.trunk || tps.slots[slot - 1]!.txStream === s) targets.push(label);
        else pending.push(label);
      }
      out.push({
        streamId: s.streamId,
        portIndex: s.port!.portIndex,
        portName: s.port!.name,
        slot: s.wireSlot,
        sourceId: s.sourceId,
        destinationId: s.destinationId,
        callType: s.callType === CallType.Unit ? "unit" : "group",
        kind: s.data ? "data" : "voice",
        startedAtMs: s.startedAtMs,
        frames: s.frames,
        targets,
        pending,
      });
    }
    return out.sort((a, b) => a.startedAtMs - b.startedAtMs || a.streamId - b.streamId);
  }

  bridgeState(name: string): { system: string; slot: Slot; talkgroupId: number; active: boolean }[] | null {
    const index = this.#ctx.bridgeNames.indexOf(name);
    if (index < 0) return null;
    const out: { system: string; slot: Slot; talkgroupId: number; active: boolean }[] = [];
    for (const sub of this.#ctx.conferences.get(BRIDGE_CONFERENCE_BASE + index) ?? []) {
      out.push({ system: sub.ps!.port!.name, slot: sub.slot, talkgroupId: sub.talkgroupId, active: sub.active });
    }
    return out.sort((a, b) => a.system.localeCompare(b.system) || a.slot - b.slot || a.talkgroupId - b.talkgroupId);
  }
}

/** Frames that may open a stream: voice header, PI header, a voice burst (late entry), CSBK, data/MBC header. */
function startsStream(frame: DmrdFrame): boolean {
  if (frame.frameType !== FrameType.DataSync) return true;
  const dt = frame.dataType;
  return dt === DataType.VoiceLcHeader || dt === DataType.PiHeader || isDataStart(dt);
}

/** The frame's sequence number is not newer than the stream's last (hbp-and-dmr.md §1.4: +1 per packet of the sending slot). */
function olderInStream(stream: Stream, frame: DmrdFrame): boolean {
  const delta = (frame.sequence - stream.lastSequence) & 0xff;
  return delta === 0 || delta >= 128;
}

/** DMRD bytes 15–52 (flags, stream id, payload) equal to the stored copy. */
function sameTail(stored: Uint8Array, bytes: Uint8Array): boolean {
  for (let i = 0; i < 38; i++) if (stored[i] !== bytes[15 + i]) return false;
  return true;
}

function copyTail(stored: Uint8Array, bytes: Uint8Array): void {
  for (let i = 0; i < 38; i++) stored[i] = bytes[15 + i]!;
}

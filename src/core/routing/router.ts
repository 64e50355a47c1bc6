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
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import { CallType, type DmrdFrame } from "../../wire/dmrd.ts";
import { DEFAULT_ACCESS_RULE_ROUTING, DEFAULT_LINK_TALKGROUP_MAP, inRanges, type LinkTalkgroupMap, type RoutingOptions } from "./options.ts";
import { parseOptions } from "./options_parser.ts";
import { RecordingState } from "./parrot.ts";
import { BRIDGE_CONFERENCE_BASE, PortState, SubKind, SubOrigin } from "./state.ts";
import type { RoutingStats } from "./stats.ts";
import type { DialResult, Router, RouterDeps, StreamInfo, SubscriberLocation, SubscriptionInfo } from "./types.ts";
import { attachBridgeMembers } from "./bridges.ts";
import { resetSlot } from "./contention.ts";
import { defaultReflector, dialable, linkDial, unlinkDial, unscheduleRelink } from "./dial.ts";
import { routeFrame } from "./frame_path.ts";
import { quenchStream } from "./link_quench.ts";
import { TG_MAX } from "./numbering.ts";
import { freeRecording, parrotTick } from "./parrot_playback.ts";
import { livePort, portStateAt, rfSlotOf } from "./port_lookup.ts";
import { RouterContext, type RouterExtras } from "./router_context.ts";
import { publish, publishSubscription } from "./router_events.ts";
import { cutStream, endStream } from "./stream_end.ts";
import { dropTarget } from "./stream_targets.ts";
import { expireTimers } from "./subscription_timers.ts";
import { addStatic, findSub, insertSub, removeSub, setExpiry } from "./subscriptions.ts";
import { expiryFrom } from "./user_activation.ts";
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
    routeFrame(this.#ctx, nowMs, port, frame);
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


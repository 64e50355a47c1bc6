/**
 * A stream's first frame: loop control (freedmr-reference.md §2.5), the port's own transmission,
 * ACLs (§1.12), then what kind of call it is (dial control, parrot, unit, group) and its targets;
 * refusing a stream (new, or an active link copy yielding to a local hotspot).
 * @module
 */
import { aclPermits } from "../../acl.ts";
import type { Slot } from "../../router_port.ts";
import { CallType, FrameType, type DmrdFrame } from "../../../wire/dmrd.ts";
import { FinishReason } from "./finished_streams.ts";
import { DEFAULT_ACCESS_RULE_ROUTING } from "../options.ts";
import type { PortState, Stream } from "../state.ts";
import { dialCall } from "../features/dial.ts";
import { routeGroup } from "./group_routing.ts";
import { quenchTarget } from "./link_quench.ts";
import { FIRST_RADIO_ID } from "./numbering.ts";
import { startRecording } from "../features/parrot_playback.ts";
import type { RouterContext } from "../router_context.ts";
import { portKindName, publish, publishStreamEnd, publishStreamStart } from "../router_events.ts";
import { endStream } from "./stream_end.ts";
import { allocStream, initStream } from "./stream_table.ts";
import { prepareRewrites, releaseTargets } from "./stream_targets.ts";
import { talkgroupAllowed } from "./talkgroup_acl.ts";
import { routeUnit } from "./unit_routing.ts";
import { startTalkerAlias } from "../voice/talker_alias_insertion.ts";
import { slotKey } from "../slot_table.ts";

/** The first frame of a stream: loop control, ACLs, classification and targets. null = dropped without a stream record. */
export function startStream(ctx: RouterContext, nowMs: number, ps: PortState, slot: Slot, frame: DmrdFrame): Stream | null {
  const stats = ctx.stats;
  const port = ps.port!;
  const streamId = frame.streamId;
  // ---- loop control (freedmr-reference.md §2.5) ----
  let loopReason: string | null = null;
  if (streamId !== 0) {
    for (let s: Stream | null = ctx.byStreamId.get(streamId) ?? null; s !== null; s = s.nextSameId) {
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
        refuseActive(ctx, nowMs, s, "local-origin");
      } else {
        loopReason = "duplicate-stream";
        // the port already has this stream from elsewhere: stop sending it there (implicit quench)
        quenchTarget(ctx, s, ps, 0);
      }
      break;
    }
    if (loopReason === null && ctx.finished.find(nowMs, streamId, frame.sourceId)) {
      const reason = ctx.finished.foundReason;
      if (ctx.finished.foundPortIndex === ps.index && reason === FinishReason.Timeout) {
        ctx.finished.forget(streamId); // the same sender resumes after a gap
      } else if (reason === FinishReason.MaxDuration) {
        ctx.finished.touch(nowMs, streamId);
        stats.droppedMaxDuration++;
        return null;
      } else if (ctx.finished.foundPortIndex === ps.index) {
        stats.droppedDuplicate++; // a late frame of a stream this port already ended
        return null;
      } else {
        loopReason = "finished-stream";
      }
    }
  } else if (!ps.trunk && frame.frameType !== FrameType.DataSync && ctx.zeroIdEnds.isStraggler(ps.index * 2 + slot - 1, frame, nowMs)) {
    stats.droppedDuplicate++; // a late copy of the call with stream id 0 that just ended here
    return null;
  }
  const stream = allocStream(ctx);
  if (stream === null) {
    stats.droppedStreamCapacity++;
    return null;
  }
  initStream(ctx, nowMs, stream, ps, slot, frame);
  stream.talkerAlias?.stop();
  // ---- own transmission wins over what we deliver to this slot ----
  if (!ps.trunk) {
    const k = slotKey(ps.index, slot);
    const slots = ctx.slots;
    const own = slots.rx(k);
    if (own !== null && own !== stream) endStream(ctx, nowMs, own, "superseded");
    slots.setRx(k, stream);
    slots.setTx(k, null);
  }
  if (loopReason !== null) {
    stats.droppedLoop++;
    refuseNew(ctx, nowMs, stream, frame, loopReason);
    return stream;
  }
  ctx.subscribers.learn(nowMs, frame.sourceId, port, slot);
  // ---- ACLs (freedmr-reference.md §1.12): global first, then the access rule's ----
  const rule = ps.rule ?? DEFAULT_ACCESS_RULE_ROUTING;
  if (!aclPermits(ctx.options.subscriberAcl, frame.sourceId) || !aclPermits(rule.subscriberAcl, frame.sourceId)) {
    stats.droppedAcl++;
    refuseNew(ctx, nowMs, stream, frame, "subscriber-acl");
    return stream;
  }
  if (frame.callType === CallType.Group && !ps.link && !talkgroupAllowed(ctx, ps, slot, frame.destinationId)) {
    stats.droppedAcl++;
    refuseNew(ctx, nowMs, stream, frame, "talkgroup-acl");
    return stream;
  }
  // ---- what kind of call ----
  const dial = ctx.options.dial;
  if (frame.callType === CallType.Unit) {
    if (!stream.data && ps.local && dial.enabled && frame.destinationId < FIRST_RADIO_ID) {
      // the hotspot's slot hangs on the dial TG afterwards, so the reflector is heard at once
      stream.hangDestinationId = dial.talkgroupId;
      stream.hangCallType = CallType.Group;
      publishStreamStart(ctx, nowMs, stream);
      dialCall(ctx, nowMs, ps, frame.destinationId, frame.sourceId, slot);
      return stream;
    }
    if (!stream.data && ps.local && !dial.enabled && frame.destinationId < FIRST_RADIO_ID) {
      // a dial number (reflector, 4000, 5000) while dial-a-TG is off: say so instead of nothing
      publish(ctx, { type: "dial.rejected", atMs: nowMs, portIndex: port.portIndex, portName: port.name, reflector: frame.destinationId, reason: "dial-disabled", repeaterId: port.repeaterId });
    }
    routeUnit(ctx, nowMs, stream, ps);
  } else {
    const parrot = ctx.options.parrot;
    if (parrot.enabled && frame.destinationId === parrot.talkgroupId && !ps.link) {
      if (ps.local) startRecording(ctx, nowMs, stream, ps, slot);
      publishStreamStart(ctx, nowMs, stream);
      return stream;
    }
    if (!routeGroup(ctx, nowMs, stream, ps, slot, frame)) {
      refuseNew(ctx, nowMs, stream, frame, "talkgroup-not-routed");
      return stream;
    }
  }
  prepareRewrites(stream, frame);
  startTalkerAlias(ctx, stream, frame);
  publishStreamStart(ctx, nowMs, stream);
  return stream;
}

/** Mark a just-started stream refused: its frames are dropped until it ends; links hear once. */
export function refuseNew(ctx: RouterContext, nowMs: number, stream: Stream, frame: DmrdFrame, reason: string): void {
  stream.refused = true;
  stream.silent = true;
  ctx.stats.streamsRefused++;
  ctx.stats.streamsStarted--;
  announceRefusal(ctx, nowMs, stream, frame.slot, frame.destinationId, reason);
}

/** An active stream (from a link) yields to the same stream arriving from a local hotspot. */
export function refuseActive(ctx: RouterContext, nowMs: number, stream: Stream, reason: string): void {
  releaseTargets(ctx, stream);
  stream.clearTargets();
  if (!stream.silent) publishStreamEnd(ctx, nowMs, stream, "superseded");
  if (!stream.refused) ctx.stats.streamsEnded++;
  stream.refused = true;
  stream.silent = true;
  ctx.stats.streamsRefused++;
  announceRefusal(ctx, nowMs, stream, stream.wireSlot, stream.destinationId, reason);
}

/**
 * Publish stream.refused and tell the refused port once (an OpenBridge link answers with BCSQ).
 * `linkTalkgroupId` is the talkgroup as the port numbers it (the frame's own destination).
 */
function announceRefusal(ctx: RouterContext, nowMs: number, stream: Stream, slot: Slot, linkTalkgroupId: number, reason: string): void {
  const port = stream.port!;
  publish(ctx, {
    type: "stream.refused",
    atMs: nowMs,
    streamId: stream.streamId,
    portIndex: port.portIndex,
    portName: port.name,
    sourceId: stream.sourceId,
    destinationId: stream.destinationId,
    slot,
    reason,
    repeaterId: port.repeaterId,
    portKind: portKindName(port.kind),
  });
  if (port.onStreamRefused !== undefined) port.onStreamRefused(nowMs, stream.streamId, linkTalkgroupId, ctx.deps.outbox);
}

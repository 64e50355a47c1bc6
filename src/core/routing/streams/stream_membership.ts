/**
 * Streams in progress follow subscription changes: a new subscription joins calls on its conference
 * at once (late entry); when one ends, targets it justified leave at once and the source stops
 * feeding a conference it no longer joins. Control plane only: the packet path never looks here.
 * @module
 */
import { aclPermits } from "../../acl.ts";
import type { Slot } from "../../router_port.ts";
import { CallType } from "../../../wire/dmrd.ts";
import { DEFAULT_LINK_TALKGROUP_MAP } from "../options.ts";
import { BRIDGE_CONFERENCE_BASE, SubKind, type PortState, type Stream, type Subscription } from "../state.ts";
import { isLocalOnly, linkToLocal, localToLink, mappedSlot, mappedTalkgroup } from "./link_map.ts";
import { rfSlotOf } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { addTarget, dropTarget, hasConference, removeConference } from "./stream_targets.ts";
import { talkgroupAllowed } from "./talkgroup_acl.ts";

/**
 * A subscription made while calls on its conference are in progress joins them at once (late
 * entry: dialling a reflector mid-QSO is heard immediately). Control plane: scans active streams.
 */
export function joinActiveStreams(ctx: RouterContext, sub: Subscription): void {
  const ps = sub.ps!;
  if (!sub.active || (!ps.link && !talkgroupAllowed(ctx, ps, sub.slot, sub.talkgroupId))) return;
  for (const stream of ctx.active) {
    if (stream.refused || stream.ps === ps || stream.callType !== CallType.Group || !hasConference(stream.conferences, stream.conferenceCount, sub.conferenceId)) continue;
    let present = false;
    for (let t = 0; t < stream.targetCount; t++) {
      if (stream.targetPort(t) === ps && stream.targetSlot(t) === sub.slot) present = true;
    }
    if (present) continue;
    const rewritesBefore = stream.rewriteCount;
    addTarget(ctx, stream, ps, sub.slot, sub.talkgroupId, CallType.Group);
    for (let r = rewritesBefore; r < stream.rewriteCount; r++) {
      const rewrite = stream.rewrites[r]!;
      if (rewrite.release !== undefined) rewrite.release();
      rewrite.prepare(stream.sourceLc, stream.rewriteDestinations[r]!, stream.rewriteCallTypes[r]! as CallType);
    }
  }
}

/**
 * A subscription of (ps, slot) to `conferenceId` ended (removed, deactivated). The target lists
 * of streams in progress are a cache of subscriptions taken at their start (and at late joins):
 * make them true again. A stream delivering to (ps, slot) only because of it stops doing so at
 * once, pending or not; a stream ps is sending stops feeding a conference it no longer joins
 * (dial link, bridge membership). Control plane only: subscriptions end rarely, packets never
 * look here, so the per-packet path stays a plain walk over the target list.
 */
export function subscriptionEnded(ctx: RouterContext, nowMs: number, ps: PortState, slot: Slot, conferenceId: number): void {
  for (const stream of ctx.active) {
    if (stream.refused || !hasConference(stream.conferences, stream.conferenceCount, conferenceId)) continue;
    if (stream.ps === ps) {
      // a stream never targets its own port: only its source side can be affected
      if (stream.slot === slot && !sourceJoins(ctx, stream, conferenceId)) {
        removeConference(stream, conferenceId);
        revalidateTargets(ctx, nowMs, stream, null, slot);
      }
      continue;
    }
    revalidateTargets(ctx, nowMs, stream, ps, slot);
  }
  // another subscription of the slot may now claim it in those streams (static TG N after the
  // dial link to N ended): join like any subscription made during a call
  if (!ps.up) return;
  for (let other = ps.firstSub; other !== null; other = other.nextInPort) {
    if (other.slot === slot && (other.expiresAtMs === 0 || other.expiresAtMs > nowMs)) joinActiveStreams(ctx, other);
  }
}

/** Does the stream's source still join `conferenceId` (the rules of routeGroup, source side)? */
export function sourceJoins(ctx: RouterContext, stream: Stream, conferenceId: number): boolean {
  const ps = stream.ps!;
  const slot = stream.slot;
  const tg = stream.destinationId;
  const dial = ctx.options.dial;
  if (ps.link) {
    const map = ps.linkMap ?? DEFAULT_LINK_TALKGROUP_MAP;
    if (linkToLocal(map, slot, tg) === conferenceId) return true;
  } else if (tg === dial.talkgroupId && slot === rfSlotOf(ps, dial.slot) && dial.enabled) {
    if (ps.dialSub !== null && ps.dialSub.conferenceId === conferenceId) return true;
  } else if (conferenceId === tg) {
    return true;
  }
  for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) {
    if (sub.slot !== slot || sub.talkgroupId !== tg || sub.conferenceId !== conferenceId) continue;
    if (sub.kind === SubKind.Bridge ? sub.active : ps.link) return true;
  }
  return false;
}

/**
 * Drop the group targets of `stream` (only those at (onlyPs, slot) when onlyPs is given) that no
 * subscription or link map justifies any more.
 */
export function revalidateTargets(ctx: RouterContext, nowMs: number, stream: Stream, onlyPs: PortState | null, slot: Slot): void {
  for (let t = stream.targetCount - 1; t >= 0; t--) {
    const tps = stream.targetPort(t);
    if (tps === null) continue;
    if (onlyPs !== null && (tps !== onlyPs || stream.targetSlot(t) !== slot)) continue;
    if (stream.targetCallType(t) !== CallType.Group) continue;
    if (targetJustified(ctx, nowMs, stream, tps, stream.targetSlot(t), stream.targetDestination(t))) continue;
    dropTarget(ctx, stream, t);
    ctx.stats.targetsUnsubscribed++;
  }
}

/** Is (tps, slot) as `destinationId` a member of one of the stream's conferences right now? */
export function targetJustified(ctx: RouterContext, nowMs: number, stream: Stream, tps: PortState, slot: Slot, destinationId: number): boolean {
  for (let c = 0; c < stream.conferenceCount; c++) {
    const conferenceId = stream.conferences[c]!;
    for (let sub = tps.firstSub; sub !== null; sub = sub.nextInPort) {
      if (sub.conferenceId !== conferenceId || sub.slot !== slot || sub.talkgroupId !== destinationId || !sub.active) continue;
      if (sub.expiresAtMs !== 0 && sub.expiresAtMs <= nowMs) continue;
      if (tps.link || talkgroupAllowed(ctx, tps, slot, destinationId)) return true;
    }
    if (tps.link && conferenceId < BRIDGE_CONFERENCE_BASE) {
      const map = tps.linkMap ?? DEFAULT_LINK_TALKGROUP_MAP;
      if (
        localToLink(map, conferenceId) &&
        mappedSlot === slot &&
        mappedTalkgroup === destinationId &&
        !(map.localOnlyFilter && (isLocalOnly(conferenceId) || isLocalOnly(destinationId))) &&
        aclPermits(map.egressAcl, destinationId)
      ) {
        return true;
      }
    }
  }
  return false;
}

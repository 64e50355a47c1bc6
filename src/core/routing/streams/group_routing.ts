/**
 * Group calls: resolve the conferences a stream joins (talkgroup, dialled reflector, link map,
 * bridges and their triggers, user activation), then add their subscribers and link ports.
 * @module
 */
import { aclPermits } from "../../acl.ts";
import type { Slot } from "../../router_port.ts";
import { CallType, type DmrdFrame } from "../../../wire/dmrd.ts";
import { DEFAULT_LINK_TALKGROUP_MAP, inRanges } from "../options.ts";
import { BRIDGE_CONFERENCE_BASE, SubKind, type PortState, type Stream } from "../state.ts";
import { bridgeTrigger } from "../features/bridges.ts";
import { inboundBridgeConference, markBridgeRelay } from "../features/bridge_trunk.ts";
import { isLocalOnly, linkToLocal, localToLink, mappedSlot, mappedTalkgroup } from "./link_map.ts";
import { TG_MAX } from "./numbering.ts";
import { rfSlotOf } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { addTarget, hasConference } from "./stream_targets.ts";
import { setExpiry } from "../subscriptions/subscriptions.ts";
import { talkgroupAllowed } from "./talkgroup_acl.ts";
import { expiryFrom, userActivate } from "../subscriptions/user_activation.ts";

/** Group voice/data: resolve conferences, then add their members. False = not routable at all. */
export function routeGroup(ctx: RouterContext, nowMs: number, stream: Stream, ps: PortState, slot: Slot, frame: DmrdFrame): boolean {
  const tg = frame.destinationId;
  const confs = ctx.conferenceScratch;
  let n = 0;
  const dial = ctx.options.dial;
  let routable = true;
  const inboundBridge = ps.link ? inboundBridgeConference(ctx, ps) : -1;
  if (inboundBridge >= 0) {
    // a bridge's frame from another node (features/bridge_trunk.ts): that bridge only
    stream.conferences[0] = inboundBridge;
    stream.conferenceCount = 1;
    addSubscribedTargets(ctx, nowMs, stream, ps, inboundBridge);
    return true;
  }
  if (ps.link) {
    const map = ps.linkMap ?? DEFAULT_LINK_TALKGROUP_MAP;
    const local = linkToLocal(map, slot, tg);
    if (local >= 0 && !(map.localOnlyFilter && (isLocalOnly(tg) || isLocalOnly(local))) && aclPermits(map.ingressAcl, tg)) {
      confs[n++] = local;
    }
    // explicit subscriptions of the link (API) map their own TG
    for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) {
      if (sub.kind !== SubKind.Bridge && sub.slot === slot && sub.talkgroupId === tg && n < confs.length && !hasConference(confs, n, sub.conferenceId)) {
        confs[n++] = sub.conferenceId;
      }
    }
  } else if (tg === dial.talkgroupId && slot === rfSlotOf(ps, dial.slot) && dial.enabled) {
    const dialSub = ps.dialSub;
    if (dialSub !== null) {
      confs[n++] = dialSub.conferenceId;
      if (dialSub.expiresAtMs !== 0) setExpiry(ctx, dialSub, expiryFrom(ctx, nowMs, ps));
    }
  } else if (inRanges(ctx.options.reservedTalkgroups, tg) || tg === dial.talkgroupId || tg > TG_MAX) {
    routable = false;
  } else {
    confs[n++] = tg;
    if (ps.local && ctx.options.userActivation) userActivate(ctx, nowMs, ps, slot, tg, stream);
  }
  // configured bridges: triggers first, then membership (freedmr-reference.md §1.8)
  for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) {
    if (sub.kind !== SubKind.Bridge || sub.slot !== slot) continue;
    bridgeTrigger(ctx, nowMs, sub, tg);
    if (sub.active && sub.talkgroupId === tg && n < confs.length && !hasConference(confs, n, sub.conferenceId)) {
      confs[n++] = sub.conferenceId;
      const member = ctx.bridgeMembers.get(sub)!;
      if (member.timeoutType === "on" && member.timeoutMinutes > 0) setExpiry(ctx, sub, nowMs + member.timeoutMinutes * 60_000);
    }
  }
  if (n === 0) {
    if (!routable || ps.link) {
      ctx.stats.droppedReserved++;
      return false;
    }
    return true; // e.g. TG 9 with no reflector linked: a local call, nothing to route
  }
  for (let c = 0; c < n; c++) stream.conferences[c] = confs[c]!;
  stream.conferenceCount = n;
  // explicit subscriptions first, so that a link named in a bridge gets the bridge's TG rather
  // than its talkgroup map's (a (port, slot) is served once, by the first that claims it)
  for (let c = 0; c < n; c++) addSubscribedTargets(ctx, nowMs, stream, ps, confs[c]!);
  for (let c = 0; c < n; c++) if (confs[c]! < BRIDGE_CONFERENCE_BASE) addLinkTargets(ctx, stream, ps, confs[c]!);
  markBridgeRelay(ctx, stream, ps);
  return true;
}

/** Add the conference's live, permitted subscribers (not the source port) as targets. */
export function addSubscribedTargets(ctx: RouterContext, nowMs: number, stream: Stream, ps: PortState, conferenceId: number): void {
  const list = ctx.conferences.get(conferenceId);
  if (list === undefined) return;
  for (const sub of list) {
    const tps = sub.ps!;
    if (tps === ps || !sub.active || (sub.expiresAtMs !== 0 && sub.expiresAtMs <= nowMs)) continue;
    if (!tps.link && !talkgroupAllowed(ctx, tps, sub.slot, sub.talkgroupId)) continue;
    addTarget(ctx, stream, tps, sub.slot, sub.talkgroupId, CallType.Group);
  }
}

/** Add every other link whose talkgroup map carries the conference (local-only filter, egress ACL). */
export function addLinkTargets(ctx: RouterContext, stream: Stream, ps: PortState, conferenceId: number): void {
  for (const link of ctx.links) {
    if (link === ps) continue;
    const map = link.linkMap ?? DEFAULT_LINK_TALKGROUP_MAP;
    if (!localToLink(map, conferenceId)) continue;
    const linkTg = mappedTalkgroup;
    if (map.localOnlyFilter && (isLocalOnly(conferenceId) || isLocalOnly(linkTg))) continue;
    if (!aclPermits(map.egressAcl, linkTg)) continue;
    addTarget(ctx, stream, link, mappedSlot, linkTg, CallType.Group);
  }
}

/**
 * The subscription store: (port, slot, TG at the port) ↔ conference, indexed by conference, by port
 * and by timer; insert, remove, find, set a timer, and static talkgroups. Control plane only.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { SubKind, Subscription, type PortState, type SubOrigin } from "../state.ts";
import { assert } from "../../../lib/assert.ts";
import { TG_MAX } from "../streams/numbering.ts";
import type { RouterContext } from "../router_context.ts";
import { publishSubscription } from "../router_events.ts";
import { joinActiveStreams, subscriptionEnded } from "../streams/stream_membership.ts";

/**
 * Records made at once when none is free: side by side in the heap rather than one among each
 * login's short-lived objects, which would keep mostly-empty heap blocks alive after a login burst.
 */
const SUBSCRIPTIONS_STEP = 256;

/** A free subscription record, null (counted) when the table is full. */
export function newSub(ctx: RouterContext): Subscription | null {
  const max = ctx.options.capacities.maxSubscriptions;
  if (ctx.subscriptionCount >= max) {
    ctx.stats.subscriptionsOverCapacity++;
    return null;
  }
  ctx.subscriptionCount++;
  const free = ctx.freeSubs;
  if (free.length === 0) {
    const add = Math.min(SUBSCRIPTIONS_STEP, max - ctx.subscriptionCount + 1);
    for (let i = 0; i < add; i++) free.push(new Subscription());
  }
  return free.pop()!;
}

/** Add a subscription to the conference, port and timer indexes; a non-bridge subscription joins calls in progress at once. */
export function insertSub(
  ctx: RouterContext,
  ps: PortState,
  slot: Slot,
  talkgroupId: number,
  conferenceId: number,
  kind: SubKind,
  origin: SubOrigin,
  expiresAtMs: number,
): Subscription | null {
  const sub = newSub(ctx);
  if (sub === null) return null;
  sub.ps = ps;
  sub.slot = slot;
  sub.talkgroupId = talkgroupId;
  sub.conferenceId = conferenceId;
  sub.kind = kind;
  sub.origin = origin;
  sub.active = true;
  sub.bridgeIndex = -1;
  sub.expiresAtMs = 0;
  sub.timedPosition = -1;
  let list = ctx.conferences.get(conferenceId);
  if (list === undefined) {
    list = [];
    ctx.conferences.set(conferenceId, list);
    ctx.interestVersion++;
  }
  sub.conferencePosition = list.length;
  list.push(sub);
  // at the end of the port's list: its subscriptions stay in the order they were made
  sub.nextInPort = null;
  let last = ps.firstSub;
  if (last === null) {
    ps.firstSub = sub;
  } else {
    while (last.nextInPort !== null) last = last.nextInPort;
    last.nextInPort = sub;
  }
  setExpiry(ctx, sub, expiresAtMs);
  if (kind !== SubKind.Bridge) joinActiveStreams(ctx, sub);
  return sub;
}

/** Remove a subscription; `reason` null = silently (port going down). */
export function removeSub(ctx: RouterContext, nowMs: number, sub: Subscription, reason: string | null): void {
  const ps = sub.ps!;
  if (reason !== null && sub.kind !== SubKind.Dial && sub.kind !== SubKind.Bridge) {
    publishSubscription(ctx, nowMs, ps, sub.slot, sub.talkgroupId, "remove", reason);
  }
  setExpiry(ctx, sub, 0);
  const list = ctx.conferences.get(sub.conferenceId)!;
  const lastC = list.pop()!;
  if (lastC !== sub) {
    list[sub.conferencePosition] = lastC;
    lastC.conferencePosition = sub.conferencePosition;
  }
  if (list.length === 0) {
    ctx.conferences.delete(sub.conferenceId);
    ctx.interestVersion++;
  }
  if (ps.firstSub === sub) {
    ps.firstSub = sub.nextInPort;
  } else {
    let before = ps.firstSub;
    while (before !== null && before.nextInPort !== sub) before = before.nextInPort;
    assert(before !== null, "a subscription is on its port's list");
    before.nextInPort = sub.nextInPort;
  }
  sub.nextInPort = null;
  if (ps.dialSub === sub) ps.dialSub = null;
  if (sub.kind === SubKind.Bridge) ctx.bridgeMembers.delete(sub);
  const slot = sub.slot;
  const conferenceId = sub.conferenceId;
  sub.ps = null;
  sub.conferencePosition = -1;
  ctx.subscriptionCount--;
  ctx.freeSubs.push(sub);
  subscriptionEnded(ctx, nowMs, ps, slot, conferenceId);
}

/** Set a subscription's timer (0 = none), keeping the timed list in step. */
export function setExpiry(ctx: RouterContext, sub: Subscription, expiresAtMs: number): void {
  sub.expiresAtMs = expiresAtMs;
  if (expiresAtMs !== 0 && sub.timedPosition < 0) {
    sub.timedPosition = ctx.timed.length;
    ctx.timed.push(sub);
  } else if (expiresAtMs === 0 && sub.timedPosition >= 0) {
    const last = ctx.timed.pop()!;
    if (last !== sub) {
      ctx.timed[sub.timedPosition] = last;
      last.timedPosition = sub.timedPosition;
    }
    sub.timedPosition = -1;
  }
}

/** The port's subscription of one kind on (slot, TG at the port). */
export function findSub(ps: PortState, slot: Slot, tg: number, kind: SubKind): Subscription | null {
  for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) if (sub.kind === kind && sub.slot === slot && sub.talkgroupId === tg) return sub;
  return null;
}

/** Add a static TG (taking over from a dynamic one on the same slot and TG). */
export function addStatic(ctx: RouterContext, nowMs: number, ps: PortState, slot: Slot, tg: number, origin: SubOrigin, reason: string): boolean {
  if (tg <= 0 || tg > TG_MAX) return false;
  const existing = findSub(ps, slot, tg, SubKind.Static);
  if (existing !== null) return true;
  const dynamic = findSub(ps, slot, tg, SubKind.Dynamic);
  // the static takes over from the dynamic one: added first, so calls in progress keep the slot
  let sub = insertSub(ctx, ps, slot, tg, tg, SubKind.Static, origin, 0);
  if (dynamic !== null) removeSub(ctx, nowMs, dynamic, null);
  if (sub === null && dynamic !== null) sub = insertSub(ctx, ps, slot, tg, tg, SubKind.Static, origin, 0);
  if (sub === null) return false;
  if (dynamic === null) publishSubscription(ctx, nowMs, ps, slot, tg, "add", reason);
  return true;
}

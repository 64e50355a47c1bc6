/**
 * User activation: keying up a talkgroup subscribes the slot for the UA timer (renewed with each
 * use); SINGLE mode keeps one; the UA timer itself (options, access rule, global default).
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { SubKind, SubOrigin, type PortState, type Stream, type Subscription } from "../state.ts";
import type { RouterContext } from "../router_context.ts";
import { publishSubscription, streamPortName } from "../router_events.ts";
import { findSub, insertSub, removeSub, setExpiry } from "./subscriptions.ts";

/** Keying up a TG (the call `stream`) subscribes the slot for the UA timer (renewed by each use); SINGLE keeps one. */
export function userActivate(ctx: RouterContext, nowMs: number, ps: PortState, slot: Slot, tg: number, stream: Stream): void {
  if (findSub(ps, slot, tg, SubKind.Static) !== null) return;
  const expires = expiryFrom(ctx, nowMs, ps);
  const single = ps.optionsSingle ?? ps.rule?.singleMode ?? ctx.options.singleModeDefault;
  let existing: Subscription | null = null;
  let count = 0;
  let oldest: Subscription | null = null;
  let next = ps.firstSub;
  while (next !== null) {
    const sub = next;
    next = sub.nextInPort; // first: removing `sub` unlinks it
    if (sub.kind !== SubKind.Dynamic || sub.slot !== slot) continue;
    if (sub.talkgroupId === tg) {
      existing = sub;
      continue;
    }
    // SINGLE: the TG keyed is the slot's only one, also when it was already subscribed (SINGLE
    // may have been switched on since the others were added)
    if (single) {
      removeSub(ctx, nowMs, sub, "single-mode");
      continue;
    }
    count++;
    if (oldest === null || (sub.expiresAtMs !== 0 && (oldest.expiresAtMs === 0 || sub.expiresAtMs < oldest.expiresAtMs))) oldest = sub;
  }
  if (existing !== null) {
    setExpiry(ctx, existing, expires);
    publishSubscription(ctx, nowMs, ps, slot, tg, "add", "renewed", streamPortName(stream)); // per call: the dashboard shows the new expiry
    return;
  }
  if (count >= ctx.options.capacities.maxDynamicPerSlot && oldest !== null) removeSub(ctx, nowMs, oldest, "replaced");
  const sub = insertSub(ctx, ps, slot, tg, tg, SubKind.Dynamic, SubOrigin.Traffic, expires);
  if (sub !== null) publishSubscription(ctx, nowMs, ps, slot, tg, "add", "user-activated", streamPortName(stream));
}

/** The UA timer of a port: its options (TIMER=), else its access rule, else the global default. */
export function uaTimerMs(ctx: RouterContext, ps: PortState): number {
  const minutes = ps.optionsTimerMinutes ?? ps.rule?.uaTimerMinutes ?? ctx.options.uaTimerMinutes;
  return minutes * 60_000;
}

/** When a timed subscription made now expires (0 = never: UA timer 0). */
export function expiryFrom(ctx: RouterContext, nowMs: number, ps: PortState): number {
  const ms = uaTimerMs(ctx, ps);
  return ms === 0 ? 0 : nowMs + ms;
}

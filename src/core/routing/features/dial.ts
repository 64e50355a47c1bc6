/**
 * Dial-a-TG (freedmr-reference.md §1.6): a private call to a reflector number links (TS2, TG 9) to
 * that reflector; unlink (4000), status (5000), the default reflector and its scheduled relink.
 * @module
 */
import { inRanges } from "../options.ts";
import { SubKind, SubOrigin, type PortState } from "../state.ts";
import { rfSlotOf } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { publish } from "../router_events.ts";
import { insertSub, removeSub, setExpiry } from "../subscriptions/subscriptions.ts";
import { expiryFrom, uaTimerMs } from "../subscriptions/user_activation.ts";
import type { Slot } from "../../router_port.ts";
import { replyToCaller, statusWords } from "./dial_replies.ts";

/** A reflector number that may be dialled (range, not-dialable list, not the parrot TG). */
export function dialable(ctx: RouterContext, n: number): boolean {
  const d = ctx.options.dial;
  return n >= d.minReflector && n <= d.maxReflector && !inRanges(d.notDialable, n) && n !== ctx.options.parrot.talkgroupId;
}

/** The reflector a port links by default: its options (DIAL=), else its access rule, 0 = none. */
export function defaultReflector(ps: PortState): number {
  return ps.optionsDial ?? ps.rule?.defaultReflector ?? 0;
}

/**
 * A private call to a number below FIRST_RADIO_ID from a hotspot: dial control. The caller
 * (`callerId` on `slot`) hears the answer when voice packs are loaded (dial_replies.ts).
 */
export function dialCall(ctx: RouterContext, nowMs: number, ps: PortState, number: number, callerId = 0, slot: Slot = 2): void {
  const d = ctx.options.dial;
  const port = ps.port!;
  if (number === d.unlinkId) {
    if (ps.dialSub !== null) {
      unlinkDial(ctx, nowMs, ps, "unlink", true);
      replyToCaller(ctx, nowMs, ps, callerId, slot, "unlink", ["unlinked"]);
    } else {
      publishDialStatus(ctx, nowMs, ps);
      replyToCaller(ctx, nowMs, ps, callerId, slot, "unlink", ["notlinked"]);
    }
    return;
  }
  if (number === d.statusId) {
    publishDialStatus(ctx, nowMs, ps);
    replyToCaller(ctx, nowMs, ps, callerId, slot, "status", statusWords(ps.dialSub?.conferenceId ?? 0));
    return;
  }
  if (!dialable(ctx, number)) {
    publish(ctx, { type: "dial.rejected", atMs: nowMs, portIndex: port.portIndex, portName: port.name, reflector: number, reason: "not-dialable", repeaterId: port.repeaterId });
    replyToCaller(ctx, nowMs, ps, callerId, slot, "busy", ["busy"]);
    return;
  }
  const linked = linkDial(ctx, nowMs, ps, number, "dialled");
  if (!linked) {
    publish(ctx, { type: "dial.rejected", atMs: nowMs, portIndex: port.portIndex, portName: port.name, reflector: number, reason: "subscription-table-full", repeaterId: port.repeaterId });
  }
  replyToCaller(ctx, nowMs, ps, callerId, slot, linked ? "link" : "busy", linked ? statusWords(number) : ["busy"]);
}

/** Link the port's dial TG to `reflector` (replacing any other link); false when the subscription table is full. */
export function linkDial(ctx: RouterContext, nowMs: number, ps: PortState, reflector: number, reason: string): boolean {
  const port = ps.port!;
  const expires = reflector === defaultReflector(ps) ? 0 : expiryFrom(ctx, nowMs, ps);
  const current = ps.dialSub;
  if (current !== null && current.conferenceId === reflector) {
    setExpiry(ctx, current, expires);
    return true;
  }
  if (current !== null) unlinkDial(ctx, nowMs, ps, "replaced", false);
  const slot = rfSlotOf(ps, ctx.options.dial.slot);
  const sub = insertSub(ctx, ps, slot, ctx.options.dial.talkgroupId, reflector, SubKind.Dial, SubOrigin.Traffic, expires);
  if (sub === null) return false;
  ps.dialSub = sub;
  unscheduleRelink(ctx, ps);
  publish(ctx, { type: "dial.link", atMs: nowMs, portIndex: port.portIndex, portName: port.name, reflector, action: "link", reason });
  return true;
}

/** Unlink; `scheduleDefault` relinks the default reflector after the UA timer (4000). */
export function unlinkDial(ctx: RouterContext, nowMs: number, ps: PortState, reason: string, scheduleDefault: boolean): void {
  const sub = ps.dialSub;
  if (sub === null) return;
  const reflector = sub.conferenceId;
  removeSub(ctx, nowMs, sub, null);
  ps.dialSub = null;
  const port = ps.port!;
  publish(ctx, { type: "dial.link", atMs: nowMs, portIndex: port.portIndex, portName: port.name, reflector, action: "unlink", reason });
  if (scheduleDefault && defaultReflector(ps) !== 0) {
    const ms = uaTimerMs(ctx, ps);
    if (ms > 0) scheduleRelink(ctx, ps, nowMs + ms);
  }
}

/** Answer a status call (5000): the linked and the default reflector. */
export function publishDialStatus(ctx: RouterContext, nowMs: number, ps: PortState): void {
  const port = ps.port!;
  publish(ctx, {
    type: "dial.status",
    atMs: nowMs,
    portIndex: port.portIndex,
    portName: port.name,
    reflector: ps.dialSub?.conferenceId ?? 0,
    defaultReflector: defaultReflector(ps),
    repeaterId: port.repeaterId,
  });
}

/** Relink the default reflector at `atMs` (after an unlink, once the UA timer has run). */
export function scheduleRelink(ctx: RouterContext, ps: PortState, atMs: number): void {
  ps.relinkAtMs = atMs;
  if (ps.relinkPosition < 0) {
    ps.relinkPosition = ctx.relinks.length;
    ctx.relinks.push(ps);
  }
}

/** Cancel a scheduled relink. */
export function unscheduleRelink(ctx: RouterContext, ps: PortState): void {
  ps.relinkAtMs = 0;
  if (ps.relinkPosition < 0) return;
  const last = ctx.relinks.pop()!;
  if (last !== ps) {
    ctx.relinks[ps.relinkPosition] = last;
    last.relinkPosition = ps.relinkPosition;
  }
  ps.relinkPosition = -1;
}

/**
 * Control plane calls (API, tests): subscribe/unsubscribe a talkgroup, dial a reflector, reset a
 * port's dynamic subscriptions and dial link.
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import { inRanges } from "./options.ts";
import { SubKind, SubOrigin } from "./state.ts";
import type { DialResult } from "./types.ts";
import { defaultReflector, dialable, linkDial, unlinkDial } from "./dial.ts";
import { TG_MAX } from "./numbering.ts";
import { livePort, rfSlotOf } from "./port_lookup.ts";
import type { RouterContext } from "./router_context.ts";
import { publishSubscription } from "./router_events.ts";
import { addStatic, findSub, insertSub, removeSub, setExpiry } from "./subscriptions.ts";
import { expiryFrom } from "./user_activation.ts";

/** API subscribe: a static TG, or a dynamic one on the UA timer (renewed when already there). */
export function subscribeTalkgroup(ctx: RouterContext, nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number, kind: "static" | "dynamic"): boolean {
  const ps = livePort(ctx, port);
  if (ps === null || talkgroupId <= 0 || talkgroupId > TG_MAX || inRanges(ctx.options.optionsProhibitedTalkgroups, talkgroupId)) return false;
  const rfSlot = rfSlotOf(ps, slot);
  if (kind === "static") return addStatic(ctx, nowMs, ps, rfSlot, talkgroupId, SubOrigin.Api, "api");
  if (findSub(ps, rfSlot, talkgroupId, SubKind.Static) !== null) return true;
  const existing = findSub(ps, rfSlot, talkgroupId, SubKind.Dynamic);
  if (existing !== null) {
    setExpiry(ctx, existing, expiryFrom(ctx, nowMs, ps));
    return true;
  }
  const sub = insertSub(ctx, ps, rfSlot, talkgroupId, talkgroupId, SubKind.Dynamic, SubOrigin.Api, expiryFrom(ctx, nowMs, ps));
  if (sub === null) return false;
  publishSubscription(ctx, nowMs, ps, rfSlot, talkgroupId, "add", "api");
  return true;
}

/** API unsubscribe: remove a static or dynamic subscription. */
export function unsubscribeTalkgroup(ctx: RouterContext, nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number): boolean {
  const ps = livePort(ctx, port);
  if (ps === null) return false;
  const rfSlot = rfSlotOf(ps, slot);
  const sub = findSub(ps, rfSlot, talkgroupId, SubKind.Static) ?? findSub(ps, rfSlot, talkgroupId, SubKind.Dynamic);
  if (sub === null) return false;
  removeSub(ctx, nowMs, sub, "api");
  return true;
}

/** API dial: link a reflector (0 unlinks and schedules the default relink), as if the hotspot had dialled it. */
export function dialFromApi(ctx: RouterContext, nowMs: number, port: RouterPort, reflector: number): DialResult {
  const ps = livePort(ctx, port);
  if (ps === null) return { ok: false, reason: "unknown-port" };
  if (!ctx.options.dial.enabled) return { ok: false, reason: "disabled" };
  if (reflector === 0) {
    unlinkDial(ctx, nowMs, ps, "api", true);
    return { ok: true, reflector: 0 };
  }
  if (!dialable(ctx, reflector)) return { ok: false, reason: "not-dialable" };
  return linkDial(ctx, nowMs, ps, reflector, "api") ? { ok: true, reflector } : { ok: false, reason: "capacity" };
}

/** FreeDMR API `reset`: drop the port's dynamic TGs and dial link, then relink its default reflector. */
export function resetPort(ctx: RouterContext, nowMs: number, port: RouterPort): void {
  const ps = livePort(ctx, port);
  if (ps === null) return;
  for (let i = ps.subs.length - 1; i >= 0; i--) {
    const sub = ps.subs[i]!;
    if (sub.kind === SubKind.Dynamic) removeSub(ctx, nowMs, sub, "reset");
  }
  if (ps.dialSub !== null) unlinkDial(ctx, nowMs, ps, "reset", false);
  const dflt = defaultReflector(ps);
  if (dflt !== 0) linkDial(ctx, nowMs, ps, dflt, "default");
}

/**
 * Control plane calls (API, tests): subscribe/unsubscribe a talkgroup, dial a reflector, reset a
 * port's dynamic subscriptions and dial link, drop a call in progress, self-care settings per
 * hotspot (hotspot_settings.ts) and the options KEY check that authenticates them.
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import { inRanges } from "./options.ts";
import { SubKind, SubOrigin } from "./state.ts";
import type { DialResult } from "./types.ts";
import { defaultReflector, dialable, linkDial, unlinkDial } from "./features/dial.ts";
import { TG_MAX } from "./streams/numbering.ts";
import { hotspotByRepeater, livePort, rfSlotOf } from "./hotspots/port_lookup.ts";
import type { RouterContext } from "./router_context.ts";
import { publishSubscription } from "./router_events.ts";
import { addStatic, findSub, insertSub, removeSub, setExpiry } from "./subscriptions/subscriptions.ts";
import { expiryFrom } from "./subscriptions/user_activation.ts";
import { EMPTY_HOTSPOT_SETTINGS, MAX_HOTSPOT_SETTINGS, isEmptySettings, type HotspotSettings } from "./hotspots/hotspot_settings.ts";
import { reapplyOptions } from "./hotspots/hotspot_options.ts";
import { cutStream } from "./streams/stream_end.ts";
import { publish } from "./router_events.ts";
import type { PortState } from "./state.ts";

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
  let next = ps.firstSub;
  while (next !== null) {
    const sub = next;
    next = sub.nextInPort; // first: removing `sub` unlinks it
    if (sub.kind === SubKind.Dynamic) removeSub(ctx, nowMs, sub, "reset");
  }
  if (ps.dialSub !== null) unlinkDial(ctx, nowMs, ps, "reset", false);
  const dflt = defaultReflector(ps);
  if (dflt !== 0) linkDial(ctx, nowMs, ps, dflt, "default");
}

/** Admin: stop routing a call in progress (its end is published with endedBy "dropped"); false when not found. */
export function dropCall(ctx: RouterContext, nowMs: number, streamId: number, portIndex: number | null): boolean {
  let dropped = false;
  for (let i = ctx.active.length - 1; i >= 0; i--) {
    const stream = ctx.active[i]!;
    if (stream.streamId !== streamId || stream.refused || stream.silent) continue;
    if (portIndex !== null && stream.ps?.index !== portIndex) continue;
    cutStream(ctx, nowMs, stream, "dropped");
    dropped = true;
  }
  return dropped;
}

/** The live hotspot port of a repeater id (null: not connected). */
export function hotspotPort(ctx: RouterContext, repeaterId: number): PortState | null {
  return hotspotByRepeater(ctx, repeaterId);
}

/** A hotspot's self-care settings (all null when none are set). */
export function hotspotSettings(ctx: RouterContext, repeaterId: number): HotspotSettings {
  return ctx.hotspotSettings.get(repeaterId) ?? EMPTY_HOTSPOT_SETTINGS;
}

/**
 * Replace a hotspot's self-care settings (all null = forget them) and apply them at once if it is
 * connected: statics, default reflector, timer and single mode follow on the next call. Publishes
 * `hotspot.settings`. False when the table is full of other hotspots' settings.
 */
export function setHotspotSettings(ctx: RouterContext, nowMs: number, repeaterId: number, settings: HotspotSettings): boolean {
  const previous = ctx.hotspotSettings.get(repeaterId) ?? EMPTY_HOTSPOT_SETTINGS;
  if (isEmptySettings(settings)) {
    ctx.hotspotSettings.delete(repeaterId);
  } else {
    if (!ctx.hotspotSettings.has(repeaterId) && ctx.hotspotSettings.size >= MAX_HOTSPOT_SETTINGS) return false;
    ctx.hotspotSettings.set(repeaterId, settings);
  }
  const ps = hotspotPort(ctx, repeaterId);
  if (ps !== null) {
    reapplyOptions(ctx, nowMs, ps, {
      ts1: previous.ts1Static !== null && settings.ts1Static === null,
      ts2: previous.ts2Static !== null && settings.ts2Static === null,
      dial: previous.defaultReflector !== null && settings.defaultReflector === null,
      timer: previous.uaTimerMinutes !== null && settings.uaTimerMinutes === null,
      single: previous.singleMode !== null && settings.singleMode === null,
    });
  }
  publish(ctx, { type: "hotspot.settings", atMs: nowMs, repeaterId, settings: { ...settings }, connected: ps !== null });
  return true;
}

/** True when `key` is the options KEY this repeater locked its options with (constant time over the key). */
export function optionKeyMatches(ctx: RouterContext, repeaterId: number, key: string): boolean {
  const locked = ctx.optionKeys.get(repeaterId);
  if (locked === undefined || key.length === 0) return false;
  let diff = locked.length ^ key.length;
  for (let i = 0; i < key.length; i++) diff |= key.charCodeAt(i) ^ locked.charCodeAt(i % Math.max(1, locked.length));
  return diff === 0;
}

/** Whether this hotspot's access rule lets it change its subscriptions (RPTO and self-care alike). */
export function optionsAllowed(ps: PortState | null): boolean {
  return ps === null || ps.rule === null || ps.rule.allowOptions;
}

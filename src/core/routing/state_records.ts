/**
 * The routing core's dynamic state as plain records, for a store to keep across restarts (SIGTERM,
 * crash, upgrade): per hotspot its options KEY lock, self-care settings and session state (options
 * text in force, user-activated talkgroups with their timers, dial-a-TG link, scheduled relink), and
 * the subscriber map (radio → hotspot, slot, when heard; FreeDMR's SUB_MAP, freedmr-reference.md
 * §1.14). Plain data only: numbers, strings, arrays — safe to serialise, no reference into the core.
 *
 * Time: the core runs on a monotonic clock (nowMs); records carry wall-clock ms, so timers keep
 * running in wall-clock time while the server is down. Every call takes both clocks as arguments
 * (deterministic: no clock is read here).
 *
 * - Export: `exportState` (everything) and `drainStateChanges` (what changed since the last drain:
 *   repeater ids marked by the events that change their state — router_events.ts — and by logins
 *   and logouts, plus subscriber-map entries heard since; exact, read from the owner of the state).
 * - Import: `importState` at start-up, before any hotspot logs in: KEY locks and self-care settings
 *   apply at once; session state waits per repeater id (bounded, expiring) until that hotspot logs
 *   in again (`applyPendingRestore`, from port_lifecycle.ts), then its options are applied again,
 *   its user-activated talkgroups come back with the time they had left, and its dial link too; the
 *   subscriber map is restored at once with its remaining TTL (entries are bound to the hotspot's
 *   port when it is back: port_lookup.ts `subscriberPort`).
 * @module
 */
import { PortKind, type Slot } from "../router_port.ts";
import { applyOptions } from "./hotspots/hotspot_options.ts";
import { MAX_HOTSPOT_SETTINGS, isEmptySettings, type HotspotSettings } from "./hotspots/hotspot_settings.ts";
import { defaultReflector, dialable, linkDial, scheduleRelink, unlinkDial } from "./features/dial.ts";
import type { RouterContext } from "./router_context.ts";
import { publishSubscription } from "./router_events.ts";
import { SubKind, SubOrigin, type PortState } from "./state.ts";
import { findSub, insertSub, setExpiry } from "./subscriptions/subscriptions.ts";
import { TG_MAX } from "./streams/numbering.ts";

/** A user-activated (dynamic) talkgroup; `expiresAtWallMs` 0 = never expires. */
export interface DynamicTalkgroupRecord {
  readonly slot: Slot;
  readonly talkgroupId: number;
  /** made by keying up ("traffic") or through the API */
  readonly origin: "traffic" | "api";
  readonly expiresAtWallMs: number;
}

/** What a connected hotspot had: lost at a logout, restored at the first login after a restart. */
export interface HotspotSessionRecord {
  /** RPTO options text in force (with its KEY=, if any); "" = none. */
  readonly options: string;
  readonly dynamic: readonly DynamicTalkgroupRecord[];
  /** dial-a-TG link; `expiresAtWallMs` 0 = never (the default reflector). */
  readonly dial: { readonly reflector: number; readonly expiresAtWallMs: number } | null;
  /** default-reflector relink scheduled after an unlink (0 = none). */
  readonly relinkAtWallMs: number;
}

export interface HotspotStateRecord {
  readonly repeaterId: number;
  /** the options KEY that locked this repeater's options (FreeDMR anti-hijack); null = none */
  readonly optionKey: string | null;
  readonly settings: HotspotSettings | null;
  /** null = not connected (and nothing waiting to be restored) */
  readonly session: HotspotSessionRecord | null;
}

/** Where a radio was last heard: on hotspot `repeaterId`, RF slot `slot`. */
export interface SubscriberRecord {
  readonly radioId: number;
  readonly repeaterId: number;
  readonly slot: Slot;
  readonly heardAtWallMs: number;
}

export interface StateSnapshot {
  readonly hotspots: readonly HotspotStateRecord[];
  readonly subscribers: readonly SubscriberRecord[];
}

/** One change for a store: forget everything ("clear", then a full export follows), a hotspot's record (null = forget it), a subscriber. */
export type StateChange =
  | { readonly kind: "clear" }
  | { readonly kind: "hotspot"; readonly repeaterId: number; readonly record: HotspotStateRecord | null }
  | { readonly kind: "subscriber"; readonly record: SubscriberRecord };

/** Session state waiting for its hotspot, on the monotonic clock. */
export interface PendingRestore {
  readonly options: string;
  readonly dynamic: { slot: Slot; talkgroupId: number; origin: SubOrigin; expiresAtMs: number }[];
  readonly dial: { reflector: number; expiresAtMs: number } | null;
  readonly relinkAtMs: number;
  /** forgotten after this (the hotspot did not come back) */
  readonly untilMs: number;
}

export interface ImportOptions {
  /** How long restored session state waits for its hotspot to log in again (default 15 min). */
  readonly holdMs?: number;
}

export interface ImportResult {
  hotspots: number;
  /** session states waiting for their hotspot */
  pending: number;
  subscribers: number;
  /** records malformed, expired or over a bound (ignored) */
  skipped: number;
}

export const DEFAULT_RESTORE_HOLD_MS = 15 * 60_000;
/** Most KEY locks / pending restores kept (as hotspot_options.ts and hotspot_settings.ts bound theirs). */
const MAX_KEYS = 65536;
const MAX_PENDING = 65536;
/** FreeDMR options are short; a stored text beyond this is not options. */
const MAX_OPTIONS_CHARS = 1024;
const MAX_DYNAMIC_PER_HOTSPOT = 256;

class Clocks {
  constructor(
    readonly nowMs: number,
    readonly wallMs: number,
  ) {}
  toWall(ms: number): number {
    return ms === 0 ? 0 : Math.round(this.wallMs + (ms - this.nowMs));
  }
  /** a moment (not a timer: 0 is a time like any other) */
  momentToWall(ms: number): number {
    return Math.round(this.wallMs + (ms - this.nowMs));
  }
  toMono(wall: number): number {
    return wall === 0 ? 0 : this.nowMs + (wall - this.wallMs);
  }
}

/** Everything: every repeater with a KEY, settings or session state, and the subscriber map within its TTL. */
export function exportState(ctx: RouterContext, nowMs: number, wallMs: number): StateSnapshot {
  const clocks = new Clocks(nowMs, wallMs);
  const live = liveHotspots(ctx);
  const ids = new Set<number>([...ctx.optionKeys.keys(), ...ctx.hotspotSettings.keys(), ...live.keys(), ...ctx.pendingRestores.keys()]);
  const hotspots: HotspotStateRecord[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const record = hotspotRecord(ctx, id, live.get(id) ?? null, clocks);
    if (record !== null) hotspots.push(record);
  }
  return { hotspots, subscribers: subscribersSince(ctx, nowMs - ctx.subscribers.ttlMs, clocks) };
}

/** One repeater's record now (the cluster writes it to its shared KV when it changes); null = nothing to keep. */
export function exportHotspotState(ctx: RouterContext, repeaterId: number, nowMs: number, wallMs: number): HotspotStateRecord | null {
  let live: PortState | null = null;
  for (const ps of ctx.ports) if (ps.up && ps.local && ps.port !== null && ps.port.repeaterId === repeaterId) live = ps;
  return hotspotRecord(ctx, repeaterId, live, new Clocks(nowMs, wallMs));
}

/**
 * What changed since the last drain (the first call switches the journal on and exports
 * everything). `full`: start with "clear" and export everything (a store that may have missed
 * changes). Expired pending restores are forgotten here.
 */
export function drainStateChanges(ctx: RouterContext, nowMs: number, wallMs: number, full = false): StateChange[] {
  const first = ctx.stateDirty === null;
  ctx.stateDirty ??= new Set();
  for (const [id, pending] of ctx.pendingRestores) {
    if (pending.untilMs <= nowMs) {
      ctx.pendingRestores.delete(id);
      ctx.stateDirty.add(id);
    }
  }
  const clocks = new Clocks(nowMs, wallMs);
  const changes: StateChange[] = [];
  if (full || first) {
    const snapshot = exportState(ctx, nowMs, wallMs);
    changes.push({ kind: "clear" });
    for (const record of snapshot.hotspots) changes.push({ kind: "hotspot", repeaterId: record.repeaterId, record });
    for (const record of snapshot.subscribers) changes.push({ kind: "subscriber", record });
  } else {
    if (ctx.stateDirty.size > 0) {
      const live = liveHotspots(ctx, ctx.stateDirty);
      for (const id of ctx.stateDirty) changes.push({ kind: "hotspot", repeaterId: id, record: hotspotRecord(ctx, id, live.get(id) ?? null, clocks) });
    }
    for (const record of subscribersSince(ctx, ctx.stateDrainedAtMs, clocks)) changes.push({ kind: "subscriber", record });
  }
  ctx.stateDirty.clear();
  ctx.stateDrainedAtMs = nowMs;
  return changes;
}

/** Take in a snapshot (at start-up, before sockets open). Malformed or expired records are skipped. */
export function importState(ctx: RouterContext, snapshot: StateSnapshot, nowMs: number, wallMs: number, options: ImportOptions = {}): ImportResult {
  const clocks = new Clocks(nowMs, wallMs);
  const holdMs = options.holdMs ?? DEFAULT_RESTORE_HOLD_MS;
  const result: ImportResult = { hotspots: 0, pending: 0, subscribers: 0, skipped: 0 };
  for (const record of snapshot.hotspots) {
    if (!isId(record?.repeaterId)) {
      result.skipped++;
      continue;
    }
    const id = record.repeaterId;
    result.hotspots++;
    const key = record.optionKey;
    if (typeof key === "string" && key.length > 0 && key.length <= MAX_OPTIONS_CHARS && (ctx.optionKeys.has(id) || ctx.optionKeys.size < MAX_KEYS)) ctx.optionKeys.set(id, key);
    const settings = record.settings;
    if (settings !== null && typeof settings === "object" && !isEmptySettings(settings) && (ctx.hotspotSettings.has(id) || ctx.hotspotSettings.size < MAX_HOTSPOT_SETTINGS)) {
      ctx.hotspotSettings.set(id, settings);
    }
    const session = record.session;
    if (session === null || typeof session !== "object") continue;
    const pending = pendingFrom(session, clocks, holdMs);
    if (pending === null || ctx.pendingRestores.size >= MAX_PENDING) {
      result.skipped++;
      continue;
    }
    ctx.pendingRestores.set(id, pending);
    result.pending++;
    // already logged in (an import after start-up): apply at once
    const live = liveHotspots(ctx).get(id);
    if (live !== undefined) applyPendingRestore(ctx, nowMs, live);
  }
  const subscribers = [...snapshot.subscribers].filter((s) => isId(s?.radioId) && isId(s.repeaterId) && (s.slot === 1 || s.slot === 2) && Number.isFinite(s.heardAtWallMs));
  result.skipped += snapshot.subscribers.length - subscribers.length;
  subscribers.sort((a, b) => a.heardAtWallMs - b.heardAtWallMs);
  for (const s of subscribers) {
    const heardMs = clocks.nowMs + (s.heardAtWallMs - clocks.wallMs);
    if (nowMs - heardMs > ctx.subscribers.ttlMs || !ctx.subscribers.restore(s.radioId, s.repeaterId, s.slot, heardMs)) {
      result.skipped++;
      continue;
    }
    result.subscribers++;
  }
  return result;
}

/** At a hotspot's login (port_lifecycle.ts): the session state it had before the restart, once. */
export function applyPendingRestore(ctx: RouterContext, nowMs: number, ps: PortState): void {
  const port = ps.port;
  if (port === null || !ps.local) return;
  const pending = ctx.pendingRestores.get(port.repeaterId);
  if (pending === undefined) return;
  ctx.pendingRestores.delete(port.repeaterId);
  if (pending.untilMs <= nowMs) return;
  if (pending.options !== "") applyOptions(ctx, nowMs, port, pending.options);
  for (const d of pending.dynamic) {
    if (d.expiresAtMs !== 0 && d.expiresAtMs <= nowMs) continue;
    const slot: Slot = port.simplex ? 2 : d.slot;
    if (findSub(ps, slot, d.talkgroupId, SubKind.Static) !== null) continue;
    const existing = findSub(ps, slot, d.talkgroupId, SubKind.Dynamic);
    if (existing !== null) {
      setExpiry(ctx, existing, d.expiresAtMs);
      continue;
    }
    if (insertSub(ctx, ps, slot, d.talkgroupId, d.talkgroupId, SubKind.Dynamic, d.origin, d.expiresAtMs) !== null) {
      publishSubscription(ctx, nowMs, ps, slot, d.talkgroupId, "add", "restored");
    }
  }
  const dial = pending.dial;
  if (dial !== null && ctx.options.dial.enabled && dialable(ctx, dial.reflector) && (dial.expiresAtMs === 0 || dial.expiresAtMs > nowMs)) {
    if (linkDial(ctx, nowMs, ps, dial.reflector, "restored") && ps.dialSub !== null && ps.dialSub.conferenceId === dial.reflector) {
      setExpiry(ctx, ps.dialSub, dial.reflector === defaultReflector(ps) ? 0 : dial.expiresAtMs);
    }
  } else if (dial === null && ps.dialSub !== null && (pending.relinkAtMs === 0 || pending.relinkAtMs > nowMs)) {
    // it had unlinked its default reflector: unlinked it stays, until the relink it had scheduled
    unlinkDial(ctx, nowMs, ps, "restored", false);
    if (pending.relinkAtMs > nowMs) scheduleRelink(ctx, ps, pending.relinkAtMs);
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function isId(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n > 0 && n <= 0xffffffff;
}

/** Live hotspot ports by repeater id (one pass over the port table), all or only those of `among`. */
function liveHotspots(ctx: RouterContext, among: ReadonlySet<number> | null = null): Map<number, PortState> {
  const out = new Map<number, PortState>();
  for (const ps of ctx.ports) if (ps.up && ps.local && ps.port !== null && (among === null || among.has(ps.port.repeaterId))) out.set(ps.port.repeaterId, ps);
  return out;
}

function hotspotRecord(ctx: RouterContext, repeaterId: number, ps: PortState | null, clocks: Clocks): HotspotStateRecord | null {
  const optionKey = ctx.optionKeys.get(repeaterId) ?? null;
  const settings = ctx.hotspotSettings.get(repeaterId) ?? null;
  let session: HotspotSessionRecord | null = null;
  if (ps !== null) {
    session = sessionOf(ps, clocks);
  } else {
    const pending = ctx.pendingRestores.get(repeaterId);
    if (pending !== undefined && pending.untilMs > clocks.nowMs) session = sessionOfPending(pending, clocks);
  }
  if (optionKey === null && settings === null && session === null) return null;
  return { repeaterId, optionKey, settings: settings === null ? null : { ...settings }, session };
}

function sessionOf(ps: PortState, clocks: Clocks): HotspotSessionRecord {
  const dynamic: DynamicTalkgroupRecord[] = [];
  for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) {
    if (sub.kind !== SubKind.Dynamic) continue;
    dynamic.push({ slot: sub.slot, talkgroupId: sub.talkgroupId, origin: sub.origin === SubOrigin.Api ? "api" : "traffic", expiresAtWallMs: clocks.toWall(sub.expiresAtMs) });
  }
  dynamic.sort((a, b) => a.slot - b.slot || a.talkgroupId - b.talkgroupId);
  const d = ps.dialSub;
  return {
    options: ps.optionsText,
    dynamic,
    dial: d === null ? null : { reflector: d.conferenceId, expiresAtWallMs: clocks.toWall(d.expiresAtMs) },
    relinkAtWallMs: clocks.toWall(ps.relinkAtMs),
  };
}

function sessionOfPending(p: PendingRestore, clocks: Clocks): HotspotSessionRecord {
  return {
    options: p.options,
    dynamic: p.dynamic
      .filter((d) => d.expiresAtMs === 0 || d.expiresAtMs > clocks.nowMs)
      .map((d) => ({ slot: d.slot, talkgroupId: d.talkgroupId, origin: d.origin === SubOrigin.Api ? "api" : "traffic", expiresAtWallMs: clocks.toWall(d.expiresAtMs) })),
    dial: p.dial === null ? null : { reflector: p.dial.reflector, expiresAtWallMs: clocks.toWall(p.dial.expiresAtMs) },
    relinkAtWallMs: clocks.toWall(p.relinkAtMs),
  };
}

function pendingFrom(s: HotspotSessionRecord, clocks: Clocks, holdMs: number): PendingRestore | null {
  if (typeof s.options !== "string" || s.options.length > MAX_OPTIONS_CHARS || !Array.isArray(s.dynamic)) return null;
  const dynamic: PendingRestore["dynamic"] = [];
  for (const d of s.dynamic.slice(0, MAX_DYNAMIC_PER_HOTSPOT)) {
    if ((d?.slot !== 1 && d?.slot !== 2) || !Number.isInteger(d.talkgroupId) || d.talkgroupId <= 0 || d.talkgroupId > TG_MAX || !Number.isFinite(d.expiresAtWallMs)) continue;
    const expiresAtMs = clocks.toMono(d.expiresAtWallMs);
    if (d.expiresAtWallMs !== 0 && expiresAtMs <= clocks.nowMs) continue; // ran out while the server was down
    dynamic.push({ slot: d.slot, talkgroupId: d.talkgroupId, origin: d.origin === "api" ? SubOrigin.Api : SubOrigin.Traffic, expiresAtMs });
  }
  let dial: PendingRestore["dial"] = null;
  if (s.dial !== null && typeof s.dial === "object" && Number.isInteger(s.dial.reflector) && s.dial.reflector > 0 && Number.isFinite(s.dial.expiresAtWallMs)) {
    dial = { reflector: s.dial.reflector, expiresAtMs: clocks.toMono(s.dial.expiresAtWallMs) };
  }
  const relinkAtMs = Number.isFinite(s.relinkAtWallMs) ? clocks.toMono(s.relinkAtWallMs) : 0;
  return { options: s.options, dynamic, dial, relinkAtMs, untilMs: clocks.nowMs + holdMs };
}

/** Subscriber-map entries heard at or after `sinceMs` on hotspots (links are not restored: they relearn at once). */
function subscribersSince(ctx: RouterContext, sinceMs: number, clocks: Clocks): SubscriberRecord[] {
  const out: SubscriberRecord[] = [];
  const oldest = clocks.nowMs - ctx.subscribers.ttlMs;
  ctx.subscribers.forEachHeardSince(Math.max(sinceMs, oldest), (entry) => {
    const repeaterId = entry.port !== null ? (entry.port.kind === PortKind.Hotspot ? entry.port.repeaterId : 0) : entry.repeaterId;
    if (repeaterId > 0) out.push({ radioId: entry.radioId, repeaterId, slot: entry.slot, heardAtWallMs: clocks.momentToWall(entry.lastHeardMs) });
  });
  return out;
}

/**
 * What the dashboard needs beyond the status API's tables (./api_state.ts), built from the same
 * event batches in the services Worker: hotspot details from RPTC (software, location, slots,
 * address family), per-hotspot diagnostics (login refusals, rejected option tokens, refused calls,
 * calls sent), talkgroup activity, self-care settings, and the Worker host's health.
 * Every table is bounded; nothing here holds an address, a passphrase or an option key.
 * @module
 */
import { redactOptionKey } from "../lib/option_key.ts";
import type { CoreEvent } from "../core/events.ts";
import type { HotspotSettings } from "../core/routing/hotspots/hotspot_settings.ts";
import type { ApiState } from "./api_state.ts";
import { BoundedRing } from "./last_heard.ts";
import type { HotspotDetails, ServicesWorkerStats, WorkerEvent } from "./worker/protocol.ts";

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

/** Entries kept per hotspot and list. */
const DIAGNOSTICS_PER_HOTSPOT = 20;
/** Hotspots with a diagnostics record (recently seen ids; the oldest goes first). */
const DIAGNOSTICS_HOTSPOTS_MAX = 8192;
const TALKGROUPS_MAX = 20_000;

export interface DiagnosticEntry {
  time: string;
  kind: "login-refused" | "options" | "call-refused" | "call-sent" | "call-not-delivered" | "session-down" | "settings";
  message: string;
  data?: Record<string, unknown>;
}

/** A diagnostic as kept: the wall-clock time as a number (its ISO text is made when read). */
class StoredDiagnostic {
  constructor(
    readonly wallMs: number,
    readonly kind: DiagnosticEntry["kind"],
    readonly message: string,
    readonly data: Record<string, unknown> | undefined,
  ) {}
}

const DIAGNOSTIC_LISTS = ["refusals", "options", "callsRefused", "callsSent", "notDelivered", "sessions"] as const;
type DiagnosticList = (typeof DIAGNOSTIC_LISTS)[number];

/** A hotspot's lists, each made at its first entry (most hotspots only ever get "options"). */
type Diagnostics = { [list in DiagnosticList]?: BoundedRing<StoredDiagnostic> };

export interface TalkgroupActivity {
  talkgroupId: number;
  calls: number;
  lastCallAt: string | null;
  lastSourceId: number | null;
  secondsTotal: number;
}

export class OperatorState {
  readonly #api: ApiState;
  readonly #details = new Map<number, HotspotDetails>();
  readonly #portToRepeater = new Map<number, number>();
  readonly #diagnostics = new Map<number, Diagnostics>();
  readonly #talkgroups = new Map<number, TalkgroupActivity>();
  readonly #settings = new Map<number, HotspotSettings>();
  /** Talker aliases of calls in progress, by "portIndex:streamId" (bounded; gone at stream.end). */
  readonly #aliases = new Map<string, string>();
  /** Static and dynamic talkgroups per port with kind and expiry (from subscription.change). */
  readonly #subs = new Map<number, Map<number, { slot: 1 | 2; talkgroupId: number; kind: "static" | "dynamic"; expiresAtMs: number | null }>>();
  workerStats: ServicesWorkerStats | null = null;
  /** Events the host lost for this Worker (reported in each batch). */
  eventsLost = 0;

  constructor(api: ApiState) {
    this.#api = api;
  }

  reset(): void {
    this.#details.clear();
    this.#portToRepeater.clear();
    this.#subs.clear();
    this.#aliases.clear();
  }

  handle(event: WorkerEvent): void {
    switch (event.type) {
      case "x.hotspot":
        this.#details.set(event.portIndex, event.details);
        this.#portToRepeater.set(event.portIndex, event.repeaterId);
        return;
      case "session.up":
        this.#portToRepeater.set(event.portIndex, event.repeaterId);
        return;
      case "session.down":
        if (this.#portToRepeater.get(event.portIndex) === event.repeaterId) {
          this.#portToRepeater.delete(event.portIndex);
          this.#details.delete(event.portIndex);
          this.#subs.delete(event.portIndex);
        }
        this.#add(event.repeaterId, "sessions", { kind: "session-down", message: `session ended: ${event.reason}`, data: { reason: event.reason } }, event.atMs);
        return;
      case "subscription.change": {
        const key = event.slot * 0x1000000 + event.talkgroupId;
        let port = this.#subs.get(event.portIndex);
        if (event.action === "remove") {
          port?.delete(key);
          return;
        }
        if (event.kind === undefined) return;
        if (port === undefined) {
          if (this.#subs.size >= DIAGNOSTICS_HOTSPOTS_MAX) return;
          this.#subs.set(event.portIndex, (port = new Map()));
        }
        if (!port.has(key) && port.size >= 256) return;
        port.set(key, { slot: event.slot, talkgroupId: event.talkgroupId, kind: event.kind, expiresAtMs: event.expiresAtMs ?? null });
        return;
      }
      case "session.refused":
        this.#add(event.repeaterId, "refusals", { kind: "login-refused", message: `login refused: ${event.reason}`, data: { reason: event.reason, callsign: event.callsign ?? null } }, event.atMs);
        return;
      case "options.applied": {
        const repeaterId = this.#portToRepeater.get(event.portIndex);
        if (repeaterId === undefined) return;
        const rejected = event.rejected.map(redactOptionKey);
        this.#add(
          repeaterId,
          "options",
          { kind: "options", message: rejected.length === 0 ? "options applied" : `options applied, ${rejected.length} token(s) rejected`, data: { options: redactOptionKey(event.options), rejected } },
          event.atMs,
        );
        const details = this.#details.get(event.portIndex);
        if (details !== undefined) details.options = redactOptionKey(event.options);
        return;
      }
      case "stream.refused": {
        const repeaterId = this.#portToRepeater.get(event.portIndex);
        if (repeaterId === undefined) return;
        this.#add(
          repeaterId,
          "callsRefused",
          { kind: "call-refused", message: `call from ${event.sourceId} to ${event.destinationId} on TS${event.slot} refused: ${event.reason}`, data: { sourceId: event.sourceId, destinationId: event.destinationId, slot: event.slot, reason: event.reason } },
          event.atMs,
        );
        return;
      }
      case "stream.alias":
        if (this.#aliases.size < 8192) this.#aliases.set(`${event.portIndex}:${event.streamId}`, event.talkerAlias);
        return;
      case "stream.end": {
        this.#aliases.delete(`${event.portIndex}:${event.streamId}`);
        if (event.callType === "group") this.#talkgroupCall(event);
        for (const target of event.undelivered ?? []) {
          const to = this.#portToRepeater.get(target.portIndex);
          if (to === undefined) continue;
          const why = target.reason === "hang-time" ? "the slot was in another call's hang time" : target.reason === "slot-busy-own-transmission" ? "the hotspot was transmitting on that slot" : "the slot carried another call";
          this.#add(
            to,
            "notDelivered",
            {
              kind: "call-not-delivered",
              message: `call from ${event.sourceId} to ${event.destinationId} not delivered on TS${target.slot}: ${why}`,
              data: { sourceId: event.sourceId, destinationId: event.destinationId, slot: target.slot, reason: target.reason, from: event.portName },
            },
            event.atMs,
          );
        }
        const repeaterId = this.#portToRepeater.get(event.portIndex);
        if (repeaterId !== undefined) {
          this.#add(
            repeaterId,
            "callsSent",
            {
              kind: "call-sent",
              message: `${event.callType} call from ${event.sourceId} to ${event.destinationId} on TS${event.slot}, ${Math.round(event.durationMs / 100) / 10} s, ${event.endedBy}`,
              data: { sourceId: event.sourceId, destinationId: event.destinationId, slot: event.slot, durationMs: event.durationMs, endedBy: event.endedBy, lost: event.lost },
            },
            event.atMs,
          );
        }
        return;
      }
      case "hotspot.settings":
        if (Object.values(event.settings).every((v) => v === null)) this.#settings.delete(event.repeaterId);
        else this.#settings.set(event.repeaterId, event.settings);
        this.#add(event.repeaterId, "sessions", { kind: "settings", message: "self-care settings changed", data: { settings: event.settings } }, event.atMs);
        return;
      default:
        return;
    }
  }

  #talkgroupCall(event: EventOf<"stream.end">): void {
    let entry = this.#talkgroups.get(event.destinationId);
    if (entry === undefined) {
      if (this.#talkgroups.size >= TALKGROUPS_MAX) return;
      entry = { talkgroupId: event.destinationId, calls: 0, lastCallAt: null, lastSourceId: null, secondsTotal: 0 };
      this.#talkgroups.set(event.destinationId, entry);
    }
    entry.calls++;
    entry.lastCallAt = new Date(this.#api.toWallMs(event.atMs)).toISOString();
    entry.lastSourceId = event.sourceId;
    entry.secondsTotal += Math.max(0, event.durationMs) / 1000;
  }

  #add(repeaterId: number, list: DiagnosticList, entry: Omit<DiagnosticEntry, "time">, atMs: number): void {
    let d = this.#diagnostics.get(repeaterId);
    if (d === undefined) {
      if (this.#diagnostics.size >= DIAGNOSTICS_HOTSPOTS_MAX) {
        const oldest = this.#diagnostics.keys().next().value;
        if (oldest !== undefined) this.#diagnostics.delete(oldest);
      }
      d = {};
    } else {
      this.#diagnostics.delete(repeaterId); // most recently seen last
    }
    this.#diagnostics.set(repeaterId, d);
    (d[list] ??= new BoundedRing(DIAGNOSTICS_PER_HOTSPOT)).push(new StoredDiagnostic(this.#api.toWallMs(atMs), entry.kind, entry.message, entry.data));
  }

  /** A port's static and dynamic talkgroups, by slot then talkgroup, with seconds left (null = never expires). */
  subscriptions(portIndex: number, nowMs: number): { slot: 1 | 2; talkgroupId: number; kind: "static" | "dynamic"; expiresInSeconds: number | null }[] {
    const port = this.#subs.get(portIndex);
    if (port === undefined) return [];
    return [...port.values()]
      .sort((a, b) => a.slot - b.slot || a.talkgroupId - b.talkgroupId)
      .map((s) => ({ slot: s.slot, talkgroupId: s.talkgroupId, kind: s.kind, expiresInSeconds: s.expiresAtMs === null ? null : Math.max(0, Math.round((s.expiresAtMs - nowMs) / 1000)) }));
  }

  /** The talker alias of a call in progress, when it has completed. */
  alias(portIndex: number, streamId: number): string | null {
    return this.#aliases.get(`${portIndex}:${streamId}`) ?? null;
  }

  details(portIndex: number): HotspotDetails | null {
    return this.#details.get(portIndex) ?? null;
  }

  settings(repeaterId: number): HotspotSettings | null {
    return this.#settings.get(repeaterId) ?? null;
  }

  setSettings(repeaterId: number, settings: HotspotSettings): void {
    this.#settings.set(repeaterId, settings);
  }

  diagnostics(repeaterId: number): Record<DiagnosticList, DiagnosticEntry[]> | null {
    const d = this.#diagnostics.get(repeaterId);
    if (d === undefined) return null;
    const out = {} as Record<DiagnosticList, DiagnosticEntry[]>;
    for (const list of DIAGNOSTIC_LISTS) out[list] = (d[list]?.newestFirst() ?? []).map(diagnosticEntry);
    return out;
  }

  talkgroupActivity(talkgroupId: number): TalkgroupActivity | null {
    return this.#talkgroups.get(talkgroupId) ?? null;
  }

  talkgroupIds(): number[] {
    return [...this.#talkgroups.keys()];
  }
}

function diagnosticEntry(d: StoredDiagnostic): DiagnosticEntry {
  const entry: DiagnosticEntry = { time: new Date(d.wallMs).toISOString(), kind: d.kind, message: d.message };
  if (d.data !== undefined) entry.data = d.data;
  return entry;
}

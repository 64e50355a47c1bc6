/**
 * What the dashboard needs beyond the status API's tables (./api_state.ts), built from the same
 * event batches in the services Worker: hotspot details from RPTC (software, location, slots,
 * address family), per-hotspot diagnostics (login refusals, rejected option tokens, refused calls,
 * calls sent), talkgroup activity, self-care settings, and the Worker host's health.
 * Every table is bounded; nothing here holds an address, a passphrase or an option key.
 * @module
 */
import { NumberMap } from "../lib/number_map.ts";
import { redactOptionKey } from "../lib/option_key.ts";
import type { CoreEvent } from "../core/events.ts";
import type { HotspotSettings } from "../core/routing/hotspots/hotspot_settings.ts";
import { SubscriptionKind, type ApiState } from "./api_state.ts";
import { BoundedRing } from "./last_heard.ts";
import { refusalsOfItsId } from "./refusal_text.ts";
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

/** A diagnostic as kept: the wall-clock time as a number; the entry (its ISO time text) is made when read. */
interface StoredDiagnostic {
  entry(): DiagnosticEntry;
}

class PlainDiagnostic implements StoredDiagnostic {
  constructor(
    readonly wallMs: number,
    readonly kind: DiagnosticEntry["kind"],
    readonly message: string,
    readonly data: Record<string, unknown> | undefined,
  ) {}

  entry(): DiagnosticEntry {
    const entry: DiagnosticEntry = { time: new Date(this.wallMs).toISOString(), kind: this.kind, message: this.message };
    if (this.data !== undefined) entry.data = this.data;
    return entry;
  }
}

/** options.applied, every hotspot's first diagnostic (at login): three fields, its message and data made when read. */
class OptionsDiagnostic implements StoredDiagnostic {
  constructor(
    readonly wallMs: number,
    /** KEY hidden */
    readonly options: string,
    /** KEY hidden; null = none */
    readonly rejected: string[] | null,
  ) {}

  entry(): DiagnosticEntry {
    const rejected = this.rejected ?? [];
    return {
      time: new Date(this.wallMs).toISOString(),
      kind: "options",
      message: rejected.length === 0 ? "options applied" : `options applied, ${rejected.length} token(s) rejected`,
      data: { options: this.options, rejected },
    };
  }
}

const DIAGNOSTIC_LISTS = ["refusals", "options", "callsRefused", "callsSent", "notDelivered", "sessions"] as const;
type DiagnosticList = (typeof DIAGNOSTIC_LISTS)[number];

/** One list: nothing yet, its only entry, or a ring once it has two (most hotspots only ever get one "options" entry). */
type DiagnosticSlot = StoredDiagnostic | BoundedRing<StoredDiagnostic> | undefined;

/** A hotspot's lists (a class: its fields in the object itself). */
class Diagnostics {
  refusals: DiagnosticSlot = undefined;
  options: DiagnosticSlot = undefined;
  callsRefused: DiagnosticSlot = undefined;
  callsSent: DiagnosticSlot = undefined;
  notDelivered: DiagnosticSlot = undefined;
  sessions: DiagnosticSlot = undefined;
  constructor(readonly repeaterId: number) {}

  push(list: DiagnosticList, entry: StoredDiagnostic): void {
    const slot = this[list];
    if (slot === undefined) {
      this[list] = entry;
    } else if (slot instanceof BoundedRing) {
      slot.push(entry);
    } else {
      const ring = new BoundedRing<StoredDiagnostic>(DIAGNOSTICS_PER_HOTSPOT);
      ring.push(slot);
      ring.push(entry);
      this[list] = ring;
    }
  }

  newestFirst(list: DiagnosticList): DiagnosticEntry[] {
    const slot = this[list];
    if (slot === undefined) return [];
    if (slot instanceof BoundedRing) return slot.newestFirst().map((d) => d.entry());
    return [slot.entry()];
  }
}

export interface TalkgroupActivity {
  talkgroupId: number;
  calls: number;
  lastCallAt: string | null;
  lastSourceId: number | null;
  secondsTotal: number;
}

export class OperatorState {
  readonly #api: ApiState;
  /** By repeater id, least recently added to first (a NumberMap: src/lib/number_map.ts). */
  readonly #diagnostics = new NumberMap<Diagnostics>();
  readonly #talkgroups = new Map<number, TalkgroupActivity>();
  readonly #settings = new Map<number, HotspotSettings>();
  /** Talker aliases of calls in progress, by "portIndex:streamId" (bounded; gone at stream.end). */
  readonly #aliases = new Map<string, string>();
  workerStats: ServicesWorkerStats | null = null;
  /** Events the host lost for this Worker (reported in each batch). */
  eventsLost = 0;

  constructor(api: ApiState) {
    this.#api = api;
    // a record's login options join the table when the record goes
    api.onLoginOptionsForgotten = (repeaterId, o) => this.#push(repeaterId, "options", new OptionsDiagnostic(o.wallMs, o.options, null));
  }

  /** The hotspots' details and talkgroups are kept with the status API's records (./api_state.ts): reset there. */
  reset(): void {
    this.#aliases.clear();
  }

  handle(event: WorkerEvent): void {
    switch (event.type) {
      case "x.hotspot":
        this.#api.setDetails(event.portIndex, event.repeaterId, event.details);
        return;
      case "session.down":
        // the record (details, talkgroups) went with the status API's session.down
        this.#add(event.repeaterId, "sessions", { kind: "session-down", message: `session ended: ${event.reason}`, data: { reason: event.reason } }, event.atMs);
        return;
      case "session.refused":
        this.#add(
          event.repeaterId,
          "refusals",
          { kind: "login-refused", message: `login refused: ${event.reason}`, data: { reason: event.reason, callsign: event.callsign ?? null, count: refusalsOfItsId(event) } },
          event.atMs,
        );
        return;
      case "options.applied": {
        const repeaterId = this.#api.repeaterAt(event.portIndex);
        if (repeaterId === null) return;
        const rejected = event.rejected.map(redactOptionKey);
        const wallMs = this.#api.toWallMs(event.atMs);
        const options = redactOptionKey(event.options);
        // a hotspot's first diagnostic (its login's options, none rejected) waits on its status record: no table entry
        const waits = rejected.length === 0 && !this.#diagnostics.has(repeaterId) && this.#api.setLoginOptions(event.portIndex, wallMs, options);
        if (!waits) this.#push(repeaterId, "options", new OptionsDiagnostic(wallMs, options, rejected.length === 0 ? null : rejected));
        const details = this.#api.detailsAt(event.portIndex);
        if (details !== null) details.options = options;
        return;
      }
      case "stream.refused": {
        const repeaterId = this.#api.repeaterAt(event.portIndex);
        if (repeaterId === null) return;
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
          const to = this.#api.repeaterAt(target.portIndex);
          if (to === null) continue;
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
        const repeaterId = this.#api.repeaterAt(event.portIndex);
        if (repeaterId !== null) {
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
    this.#push(repeaterId, list, new PlainDiagnostic(this.#api.toWallMs(atMs), entry.kind, entry.message, entry.data));
  }

  #push(repeaterId: number, list: DiagnosticList, entry: StoredDiagnostic): void {
    // an entry waiting on the hotspot's record comes first (it is older)
    const login = this.#api.takeLoginOptions(repeaterId);
    if (login !== null) this.#push(repeaterId, "options", new OptionsDiagnostic(login.wallMs, login.options, null));
    let d = this.#diagnostics.get(repeaterId);
    if (d === undefined) {
      if (this.#diagnostics.size >= DIAGNOSTICS_HOTSPOTS_MAX) {
        const oldest = this.#diagnostics.oldest();
        if (oldest !== undefined) this.#diagnostics.delete(oldest.repeaterId);
      }
      d = new Diagnostics(repeaterId);
    } else {
      this.#diagnostics.delete(repeaterId); // most recently seen last
    }
    this.#diagnostics.set(repeaterId, d);
    d.push(list, entry);
  }

  /** A port's static and dynamic talkgroups, by slot then talkgroup, with seconds left (null = never expires). */
  subscriptions(portIndex: number, nowMs: number): { slot: 1 | 2; talkgroupId: number; kind: "static" | "dynamic"; expiresInSeconds: number | null }[] {
    return this.#api
      .portSubscriptions(portIndex)
      .filter((s) => s.kind !== SubscriptionKind.Unknown)
      .sort((a, b) => a.slot - b.slot || a.talkgroupId - b.talkgroupId)
      .map((s) => ({ slot: s.slot, talkgroupId: s.talkgroupId, kind: s.kind === SubscriptionKind.Static ? "static" : "dynamic", expiresInSeconds: s.expiresAtMs === null ? null : Math.max(0, Math.round((s.expiresAtMs - nowMs) / 1000)) }));
  }

  /** The talker alias of a call in progress, when it has completed. */
  alias(portIndex: number, streamId: number): string | null {
    return this.#aliases.get(`${portIndex}:${streamId}`) ?? null;
  }

  details(portIndex: number): HotspotDetails | null {
    return this.#api.detailsAt(portIndex);
  }

  settings(repeaterId: number): HotspotSettings | null {
    return this.#settings.get(repeaterId) ?? null;
  }

  setSettings(repeaterId: number, settings: HotspotSettings): void {
    this.#settings.set(repeaterId, settings);
  }

  diagnostics(repeaterId: number): Record<DiagnosticList, DiagnosticEntry[]> | null {
    const d = this.#diagnostics.get(repeaterId);
    const out = {} as Record<DiagnosticList, DiagnosticEntry[]>;
    if (d === undefined) {
      const login = this.#api.loginOptionsOf(repeaterId);
      if (login === null) return null;
      for (const list of DIAGNOSTIC_LISTS) out[list] = list === "options" ? [new OptionsDiagnostic(login.wallMs, login.options, null).entry()] : [];
      return out;
    }
    for (const list of DIAGNOSTIC_LISTS) out[list] = d.newestFirst(list);
    return out;
  }

  /** Hotspots with an entry in the diagnostics table (a hotspot whose only diagnostic is its login's options has none: tests, memory). */
  get diagnosticsTableSize(): number {
    return this.#diagnostics.size;
  }

  talkgroupActivity(talkgroupId: number): TalkgroupActivity | null {
    return this.#talkgroups.get(talkgroupId) ?? null;
  }

  talkgroupIds(): number[] {
    return [...this.#talkgroups.keys()];
  }
}

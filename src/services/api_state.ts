/**
 * What the status API knows, built only from bus events (it never calls into the core):
 *
 * - connected hotspots (session.up / session.down), keyed by port index; an id that logs in again
 *   replaces its old entry even if the down event was lost;
 * - talkgroups per port and slot (subscription.change) and the dial-a-TG reflector (dial.link) —
 *   the router announces a hotspot's static talkgroups before session.up, so these are kept per
 *   port index on their own and cleared at session.down;
 * - calls in progress (stream.start / stream.end) and the last-heard ring (stream.end);
 * - recent login refusals (session.refused);
 * - recent refusals per hotspot (by repeater id) and per link (by name), explained — login,
 *   options tokens, dial-a-TG, calls not routed, link drops (./refusal_book.ts);
 * - link state (link.up / link.down), merged with the last `stats` snapshot's link details;
 * - the last `stats` snapshot itself (the core's counters, published by the shell).
 *
 * Every table is capped; what does not fit is dropped and counted (`overflow`). Events lost by the
 * bus (a full queue) can leave a table stale: the snapshot's bus counters for this service show it.
 * @module
 */
import type { CoreEvent, LinkSnapshot, StatsSnapshot } from "../core/events.ts";
import { BoundedRing, LastHeard } from "./last_heard.ts";
import { RefusalBook } from "./refusal_book.ts";
import { explainEvent, publicFields, refusalsOfItsId } from "./refusal_text.ts";
import { NumberMap } from "../lib/number_map.ts";
import { PortMap } from "./port_map.ts";
import { TextPool } from "../lib/text_pool.ts";
import { redactOptionKey } from "../lib/option_key.ts";
import type { HotspotDetails } from "./worker/protocol.ts";
import { clampInt } from "../lib/clamp_int.ts";

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

export interface ApiClock {
  /** The clock events are stamped with (the shell's monotonic ms). */
  monotonicMs(): number;
  /** Wall clock, ms since the epoch (for the times shown). */
  wallClockMs(): number;
}

export interface ApiStateOptions {
  lastHeardSize: number;
  /** Most hotspots kept (the HBP master's max_peers is a good value). */
  maxHotspots: number;
  /** Most links kept (default 1200: more than [[openbridge]] + [[upstream]] allow). */
  maxLinks?: number;
  /** Most calls in progress kept (default 8192). */
  maxActiveStreams?: number;
  /** Recent login refusals kept (default 100). */
  refusalsSize?: number;
  /** Refusals kept per hotspot and per link (default 20). */
  refusalsPerDevice?: number;
  /** Talkgroups kept per port and slot (default 256). */
  maxTalkgroupsPerSlot?: number;
  clock: ApiClock;
}

export interface HotspotEntry {
  repeaterId: number;
  callsign: string;
  address: string;
  port: number;
  portIndex: number;
  connectedSince: string;
  connectedSeconds: number;
  talkgroups: { ts1: number[]; ts2: number[] };
  /** Dial-a-TG reflector linked now, 0 = none. */
  dialedReflector: number;
}

export interface RefusalEntry {
  time: string;
  repeaterId: number;
  address: string;
  port: number;
  reason: string;
  callsign: string | null;
  /** Refusals this entry stands for (a flooding source is summed up once a second; then the latest one's id). */
  count: number;
}

export interface LinkEntry {
  name: string;
  kind: LinkSnapshot["kind"] | null;
  up: boolean;
  state: string;
  /** When it last went up or down (null: not seen changing since the API started). */
  since: string | null;
  reason: string | null;
  peer: string | null;
  protocol: number | null;
  portIndex: number | null;
  counters: Record<string, number>;
}

export interface ActiveStreamEntry {
  streamId: number;
  port: string;
  portIndex: number;
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  callType: "group" | "unit";
  kind: "voice" | "data";
  startedAt: string;
  seconds: number;
}

/** A subscription's kind as kept: as the event said, or not said. */
export const enum SubscriptionKind {
  Unknown = 0,
  Static = 1,
  Dynamic = 2,
}

/** What a port's talkgroup entries say, as read (the shell's monotonic ms; null = never expires). */
export interface PortSubscription {
  slot: 1 | 2;
  talkgroupId: number;
  kind: SubscriptionKind;
  expiresAtMs: number | null;
}

/** Numbers per subscription in PortTalkgroups.more: key (slot × 2²⁴ + talkgroup), kind, expiry (NaN = never). */
const SUB_FIELDS = 3;
const SLOT_FACTOR = 0x1000000;
/** Shared by every port with at most one subscription: never written (a second one gives the port its own array). */
const EMPTY_ENTRIES: number[] = [];
/** PortTalkgroups.#find: the subscription is the inline one. */
const INLINE = -2;
/** PortTalkgroups.bits: the first subscription's kind; HotspotRecord's flags. */
const KIND_MASK = 0b11;
const HAS_DETAILS = 0b100;
const SIMPLEX = 0b1000;
const IPV6 = 0b10000;
const NO_ACCESS_RULE = 0b100000;
const NO_OPTIONS = 0b1000000;
/** HotspotRecord.bits: the colour code (+COLOUR_OFFSET, 8 bits) and height (+HEIGHT_OFFSET, 11 bits), clamped to ranges wider than the fixed-width RPTC fields can hold (colour code −9…99, height −99…999: hbp-and-dmr.md §1.3). */
const COLOUR_SHIFT = 7;
const COLOUR_OFFSET = 100;
const COLOUR_MASK = 0xff;
const HEIGHT_SHIFT = 15;
const HEIGHT_OFFSET = 1000;
const HEIGHT_MASK = 0x7ff;
/**
 * HotspotRecord's texts, packed in one string in this order (one string instead of eight: fewer
 * string headers, and equal ones are one copy, lib/text_pool.ts); the options are the rest of it.
 * Their lengths sit 7 bits each in `#lengths` (RPTC fields are at most 124 bytes, hbp-and-dmr.md
 * §1.3); a longer one keeps the eight as an array instead.
 */
const LOCATION = 0;
const DESCRIPTION = 1;
const URL = 2;
const SOFTWARE_ID = 3;
const PACKAGE_ID = 4;
const SLOTS = 5;
const ACCESS_RULE = 6;
const OPTIONS = 7;
const PACKED_LENGTHS = 7;
const LENGTH_RANGE = 128;
/**
 * One copy of equal packed texts (hotspots of one model, club or default setup share them). Never
 * emptied: at most 1,024 texts (~0.3 MiB), after which texts are kept unpooled.
 */
const RECORD_TEXTS = new TextPool(1024);

/**
 * A port's talkgroups (static, dynamic, as subscription.change said) and its dial-a-TG reflector.
 * Most hotspots have one subscription: it sits in three fields of this object; more are packed in
 * one array of numbers (instead of a Set per slot and a Map of records per port).
 */
class PortTalkgroups {
  reflector = 0;
  /** The first subscription: key (slot × 2²⁴ + talkgroup; 0 = none), kind, expiry (NaN = never). */
  key0 = 0;
  /** Small values in one number (fields cost 8 bytes each): the first subscription's kind (KIND_MASK), HotspotRecord's flags above it. */
  protected bits = 0;
  exp0 = Number.NaN;
  /** The others, SUB_FIELDS numbers each. */
  more: number[] = EMPTY_ENTRIES;

  get kind0(): SubscriptionKind {
    return (this.bits & KIND_MASK) as SubscriptionKind;
  }

  set kind0(kind: SubscriptionKind) {
    this.bits = (this.bits & ~KIND_MASK) | kind;
  }

  /** INLINE, the index of `key`'s triple in `more`, or -1. */
  #find(key: number): number {
    if (this.key0 === key) return INLINE;
    const e = this.more;
    for (let i = 0; i < e.length; i += SUB_FIELDS) if (e[i] === key) return i;
    return -1;
  }

  has(key: number): boolean {
    return this.#find(key) !== -1;
  }

  /** Add `key` (not there yet) with no kind and no expiry. */
  add(key: number): void {
    if (this.key0 === 0) {
      this.key0 = key;
      this.kind0 = SubscriptionKind.Unknown;
      this.exp0 = Number.NaN;
    } else if (this.more === EMPTY_ENTRIES) {
      this.more = [key, SubscriptionKind.Unknown, Number.NaN];
    } else {
      this.more.push(key, SubscriptionKind.Unknown, Number.NaN);
    }
  }

  setKind(key: number, kind: SubscriptionKind, expiresAtMs: number): void {
    const at = this.#find(key);
    if (at === INLINE) {
      this.kind0 = kind;
      this.exp0 = expiresAtMs;
    } else if (at >= 0) {
      this.more[at + 1] = kind;
      this.more[at + 2] = expiresAtMs;
    }
  }

  remove(key: number): void {
    const at = this.#find(key);
    if (at >= 0) {
      this.more.splice(at, SUB_FIELDS); // found: the port has its own array
    } else if (at === INLINE) {
      const e = this.more;
      if (e.length === 0) {
        this.key0 = 0;
        return;
      }
      // the last of the others takes the inline place
      const last = e.length - SUB_FIELDS;
      this.key0 = e[last]!;
      this.kind0 = e[last + 1]!;
      this.exp0 = e[last + 2]!;
      e.length = last;
    }
  }

  /** Every subscription, in no particular order. */
  forEach(visit: (key: number, kind: SubscriptionKind, expiresAtMs: number) => void): void {
    if (this.key0 !== 0) visit(this.key0, this.kind0, this.exp0);
    const e = this.more;
    for (let i = 0; i < e.length; i += SUB_FIELDS) visit(e[i]!, e[i + 1]!, e[i + 2]!);
  }

  count(slot: 1 | 2): number {
    let n = 0;
    this.forEach((key) => {
      if (Math.floor(key / SLOT_FACTOR) === slot) n++;
    });
    return n;
  }

  talkgroups(slot: 1 | 2): number[] {
    const out: number[] = [];
    this.forEach((key) => {
      if (Math.floor(key / SLOT_FACTOR) === slot) out.push(key % SLOT_FACTOR);
    });
    return out.sort((a, b) => a - b);
  }

  /** Take over another's talkgroups (a port's, at its hotspot's session.up). */
  takeFrom(other: PortTalkgroups): void {
    this.reflector = other.reflector;
    this.key0 = other.key0;
    this.kind0 = other.kind0;
    this.exp0 = other.exp0;
    this.more = other.more;
  }
}

/**
 * One connected hotspot, everything the services Worker keeps about it in one object (a class: its
 * fields sit in the object itself): the session, its talkgroups (PortTalkgroups) and the
 * dashboard's RPTC details (../operator_state.ts; `hasDetails` false until x.hotspot). Fields
 * are few on purpose: JSC sizes an object by them (16–18 fields: 160 bytes; 19–26: 224), so
 * small values share `bits` and the texts one string.
 */
class HotspotRecord extends PortTalkgroups implements HotspotDetails {
  /** The texts (see OPTIONS): packed, or as an array when one is too long to pack. */
  #text: string | (string | null)[] = "";
  #lengths = 0;
  rxFrequencyHz = 0;
  txFrequencyHz = 0;
  latitude = 0;
  longitude = 0;
  /**
   * When the options in `options` were applied at login (wall ms; NaN: none waiting): the
   * dashboard's first diagnostic, kept here until the hotspot has diagnostics of its own
   * (ApiState.setLoginOptions, ../operator_state.ts).
   */
  loginOptionsWallMs = Number.NaN;

  constructor(
    readonly repeaterId: number,
    readonly callsign: string,
    readonly address: string,
    readonly port: number,
    readonly portIndex: number,
    readonly connectedAtWallMs: number,
  ) {
    super();
    this.bits = NO_ACCESS_RULE | NO_OPTIONS | (COLOUR_OFFSET << COLOUR_SHIFT) | (HEIGHT_OFFSET << HEIGHT_SHIFT);
  }

  get hasDetails(): boolean {
    return (this.bits & HAS_DETAILS) !== 0;
  }

  get simplex(): boolean {
    return (this.bits & SIMPLEX) !== 0;
  }

  get family(): "ipv4" | "ipv6" {
    return (this.bits & IPV6) !== 0 ? "ipv6" : "ipv4";
  }

  get colourCode(): number {
    return ((this.bits >>> COLOUR_SHIFT) & COLOUR_MASK) - COLOUR_OFFSET;
  }

  get heightM(): number {
    return ((this.bits >>> HEIGHT_SHIFT) & HEIGHT_MASK) - HEIGHT_OFFSET;
  }

  get location(): string {
    return this.#field(LOCATION) ?? "";
  }

  get description(): string {
    return this.#field(DESCRIPTION) ?? "";
  }

  get url(): string {
    return this.#field(URL) ?? "";
  }

  get softwareId(): string {
    return this.#field(SOFTWARE_ID) ?? "";
  }

  get packageId(): string {
    return this.#field(PACKAGE_ID) ?? "";
  }

  get slots(): string {
    return this.#field(SLOTS) ?? "";
  }

  get accessRule(): string | null {
    return (this.bits & NO_ACCESS_RULE) !== 0 ? null : (this.#field(ACCESS_RULE) ?? "");
  }

  get options(): string | null {
    return (this.bits & NO_OPTIONS) !== 0 ? null : (this.#field(OPTIONS) ?? "");
  }

  set options(options: string | null) {
    this.#setTexts(this.location, this.description, this.url, this.softwareId, this.packageId, this.slots, this.accessRule, options);
  }

  setDetails(d: HotspotDetails): void {
    const colour = clampInt(d.colourCode, -COLOUR_OFFSET, COLOUR_MASK - COLOUR_OFFSET) + COLOUR_OFFSET;
    const height = clampInt(d.heightM, -HEIGHT_OFFSET, HEIGHT_MASK - HEIGHT_OFFSET) + HEIGHT_OFFSET;
    this.bits = (this.bits & KIND_MASK) | HAS_DETAILS | (d.simplex ? SIMPLEX : 0) | (d.family === "ipv6" ? IPV6 : 0) | (colour << COLOUR_SHIFT) | (height << HEIGHT_SHIFT);
    this.rxFrequencyHz = d.rxFrequencyHz;
    this.txFrequencyHz = d.txFrequencyHz;
    this.latitude = d.latitude;
    this.longitude = d.longitude;
    this.#setTexts(d.location, d.description, d.url, d.softwareId, d.packageId, d.slots, d.accessRule, d.options);
  }

  #setTexts(...texts: [string, string, string, string, string, string, string | null, string | null]): void {
    this.bits = (this.bits & ~(NO_ACCESS_RULE | NO_OPTIONS)) | (texts[ACCESS_RULE] === null ? NO_ACCESS_RULE : 0) | (texts[OPTIONS] === null ? NO_OPTIONS : 0);
    let lengths = 0;
    for (let i = PACKED_LENGTHS - 1; i >= 0; i--) {
      const length = texts[i]?.length ?? 0;
      if (length >= LENGTH_RANGE) {
        this.#text = texts;
        this.#lengths = 0;
        return;
      }
      lengths = lengths * LENGTH_RANGE + length;
    }
    this.#text = RECORD_TEXTS.intern(texts.map((t) => t ?? "").join(""));
    this.#lengths = lengths;
  }

  #field(index: number): string | null {
    const text = this.#text;
    if (typeof text !== "string") return text[index] ?? null;
    let start = 0;
    let lengths = this.#lengths;
    for (let i = 0; i < index; i++) {
      start += lengths % LENGTH_RANGE;
      lengths = Math.floor(lengths / LENGTH_RANGE);
    }
    return index === OPTIONS ? text.slice(start) : text.slice(start, start + (lengths % LENGTH_RANGE));
  }
}

interface LinkRecord {
  name: string;
  up: boolean;
  reason: string;
  changedAtWallMs: number;
}

interface StreamRecord {
  event: EventOf<"stream.start">;
  startedAtWallMs: number;
}

/** Calls older than this are taken for finished even without their end event (max_stream_seconds ≤ 3600). */
const STREAM_FORGET_MS = 3_700_000;

export class ApiState {
  readonly lastHeard: LastHeard;
  readonly refusals: BoundedRing<RefusalEntry>;
  /** Recent refusals per repeater id (hotspots, and ids that failed to log in). */
  readonly hotspotRefusals: RefusalBook<number>;
  /** Recent refusals per link name (OpenBridge/FBP and upstream). */
  readonly linkRefusals: RefusalBook<string>;
  readonly #clock: ApiClock;
  readonly #maxHotspots: number;
  readonly #maxLinks: number;
  readonly #maxStreams: number;
  readonly #maxTalkgroups: number;
  // per-hotspot tables as NumberMaps (src/lib/number_map.ts): a third of a Map's bytes per entry
  /** By port index: an array slot each (./port_map.ts). */
  #hotspots = new PortMap<HotspotRecord>();
  /** The same records by repeater id. */
  #byRepeater = new NumberMap<HotspotRecord>();
  /** Talkgroups of ports without a hotspot record (links; a hotspot's static ones announced before its session.up). */
  #talkgroups = new NumberMap<PortTalkgroups>();
  readonly #links = new Map<string, LinkRecord>();
  readonly #streams = new Map<string, StreamRecord>();
  #snapshot: { snapshot: StatsSnapshot; atMs: number; wallMs: number } | null = null;

  /** Events handled, by type. */
  readonly eventsByType = new Map<string, number>();
  /**
   * Called with a hotspot's login options (setLoginOptions) when its record goes (session.down, a
   * newer session, a resync) so the dashboard's diagnostics can keep them.
   */
  onLoginOptionsForgotten: ((repeaterId: number, options: LoginOptions) => void) | null = null;

  /** Entries not kept because a table was full. */
  readonly overflow = { hotspots: 0, talkgroups: 0, links: 0, streams: 0 };

  constructor(options: ApiStateOptions) {
    this.#clock = options.clock;
    this.#maxHotspots = Math.max(1, options.maxHotspots);
    this.#maxLinks = Math.max(1, options.maxLinks ?? 1200);
    this.#maxStreams = Math.max(1, options.maxActiveStreams ?? 8192);
    this.#maxTalkgroups = Math.max(1, options.maxTalkgroupsPerSlot ?? 256);
    this.lastHeard = new LastHeard(options.lastHeardSize);
    this.refusals = new BoundedRing<RefusalEntry>(options.refusalsSize ?? 100);
    const perDevice = options.refusalsPerDevice ?? 20;
    // login failures come from ids that never connected: room for more than max_peers
    this.hotspotRefusals = new RefusalBook<number>({
      perDevice,
      maxDevices: this.#maxHotspots + 1024,
      // a flood of made-up ids must not push out what connected hotspots need to see
      protect: (id) => this.#byRepeater.has(id as number),
    });
    this.linkRefusals = new RefusalBook<string>({ perDevice, maxDevices: this.#maxLinks });
  }

  /** An event's time (the shell's monotonic ms) on the wall clock. */
  toWallMs(atMs: number): number {
    return this.#clock.wallClockMs() - (this.#clock.monotonicMs() - atMs);
  }

  handle(event: CoreEvent): void {
    this.eventsByType.set(event.type, (this.eventsByType.get(event.type) ?? 0) + 1);
    this.#recordRefusal(event);
    switch (event.type) {
      case "session.up":
        return this.#sessionUp(event);
      case "session.down":
        return this.#sessionDown(event);
      case "session.refused":
        this.refusals.push({
          time: new Date(this.toWallMs(event.atMs)).toISOString(),
          repeaterId: event.repeaterId,
          address: event.address,
          port: event.port,
          reason: event.reason,
          callsign: event.callsign ?? null,
          count: event.count ?? 1,
        });
        return;
      case "subscription.change":
        return this.#subscription(event);
      case "dial.link": {
        const entry = this.#portTalkgroups(event.portIndex);
        if (entry !== null) entry.reflector = event.action === "link" ? event.reflector : 0;
        return;
      }
      case "stream.start":
        return this.#streamStart(event);
      case "stream.end":
        this.#streams.delete(streamKey(event.portIndex, event.streamId));
        this.lastHeard.record(event, this.toWallMs(event.atMs));
        return;
      case "link.up":
      case "link.down":
        return this.#link(event);
      case "stats":
        this.#snapshot = { snapshot: event.snapshot, atMs: event.atMs, wallMs: this.toWallMs(event.atMs) };
        this.#forgetOldStreams(event.atMs);
        return;
      default:
        return;
    }
  }

  /** Refusals (explained) into the per-hotspot and per-link books. */
  #recordRefusal(event: CoreEvent): void {
    let hotspot: number | null = null;
    let link: string | null = null;
    let count = 1;
    switch (event.type) {
      case "session.refused":
        hotspot = event.repeaterId;
        count = refusalsOfItsId(event);
        break;
      case "session.conflict":
        hotspot = event.repeaterId;
        break;
      case "dial.rejected":
        hotspot = event.repeaterId ?? this.#hotspots.get(event.portIndex)?.repeaterId ?? null;
        break;
      case "options.applied":
        if (event.rejected.length === 0) return;
        hotspot = event.repeaterId ?? this.#hotspots.get(event.portIndex)?.repeaterId ?? null;
        break;
      case "stream.refused":
        if (event.portKind === "openbridge" || event.portKind === "upstream" || (event.portKind === undefined && this.#links.has(event.portName))) link = event.portName;
        else hotspot = event.repeaterId ?? this.#hotspots.get(event.portIndex)?.repeaterId ?? null;
        break;
      case "link.refused":
        link = event.link;
        count = event.count;
        break;
      case "log": {
        // upstream login refusals and other link warnings carry the link's name
        const name = event.data?.["link"];
        if ((event.level === "warn" || event.level === "error") && typeof name === "string") link = name;
        break;
      }
      default:
        return;
    }
    if (hotspot === null && link === null) return;
    const line = explainEvent(event);
    if (line === null) return;
    const fix = typeof line.fields["fix"] === "string" ? line.fields["fix"] : null;
    // anyone may read these answers: the ids and what to change, never an address or a port
    const details = publicFields(line.fields);
    delete details["fix"];
    const wallMs = this.toWallMs(event.atMs);
    const message = redactOptionKey(line.publicMsg ?? line.msg);
    if (hotspot !== null) this.hotspotRefusals.record(hotspot, wallMs, line.reason, message, fix, details, count);
    else this.linkRefusals.record(link!, wallMs, line.reason, message, fix, details, count);
  }

  #sessionUp(event: EventOf<"session.up">): void {
    // One live session per id: an entry left by a lost down event goes.
    const previous = this.#byRepeater.get(event.repeaterId)?.portIndex;
    if (previous !== undefined && previous !== event.portIndex) {
      this.#removeHotspot(previous);
      this.#talkgroups.delete(previous);
    }
    if (!this.#hotspots.has(event.portIndex) && this.#hotspots.size >= this.#maxHotspots) {
      this.overflow.hotspots++;
      return;
    }
    const stale = this.#hotspots.get(event.portIndex);
    if (stale !== undefined && stale.repeaterId !== event.repeaterId) this.#byRepeater.delete(stale.repeaterId);
    if (stale !== undefined) this.#forgetLoginOptions(stale);
    const record = new HotspotRecord(event.repeaterId, event.callsign, event.address, event.port, event.portIndex, this.toWallMs(event.atMs));
    // the port's talkgroups move into the record: from the record it replaces, or announced before this session.up
    const talkgroups = stale ?? this.#talkgroups.get(event.portIndex);
    if (talkgroups !== undefined) {
      record.takeFrom(talkgroups);
      this.#talkgroups.delete(event.portIndex);
    }
    this.#hotspots.set(event.portIndex, record);
    this.#byRepeater.set(event.repeaterId, record);
  }

  #sessionDown(event: EventOf<"session.down">): void {
    const record = this.#hotspots.get(event.portIndex);
    if (record !== undefined && record.repeaterId !== event.repeaterId) return; // a newer session holds the index
    this.#removeHotspot(event.portIndex);
    this.#talkgroups.delete(event.portIndex);
  }

  #removeHotspot(portIndex: number): void {
    const record = this.#hotspots.get(portIndex);
    if (record === undefined) return;
    this.#forgetLoginOptions(record);
    this.#hotspots.delete(portIndex);
    if (this.#byRepeater.get(record.repeaterId)?.portIndex === portIndex) this.#byRepeater.delete(record.repeaterId);
  }

  #forgetLoginOptions(record: HotspotRecord): void {
    const options = takeLoginOptions(record);
    if (options !== null) this.onLoginOptionsForgotten?.(record.repeaterId, options);
  }

  /** The talkgroups kept for a port: its hotspot's record, or an entry of their own. */
  #talkgroupsAt(portIndex: number): PortTalkgroups | undefined {
    return this.#hotspots.get(portIndex) ?? this.#talkgroups.get(portIndex);
  }

  #portTalkgroups(portIndex: number): PortTalkgroups | null {
    let entry = this.#talkgroupsAt(portIndex);
    if (entry !== undefined) return entry;
    // every hotspot record holds its port's talkgroups: they count as ports with talkgroups
    if (this.#talkgroups.size + this.#hotspots.size >= this.#maxHotspots + this.#maxLinks) {
      this.overflow.talkgroups++;
      return null;
    }
    entry = new PortTalkgroups();
    this.#talkgroups.set(portIndex, entry);
    return entry;
  }

  #subscription(event: EventOf<"subscription.change">): void {
    const key = event.slot * SLOT_FACTOR + event.talkgroupId;
    if (event.action === "remove") {
      this.#talkgroupsAt(event.portIndex)?.remove(key);
      return;
    }
    const entry = this.#portTalkgroups(event.portIndex);
    if (entry === null) return;
    if (!entry.has(key)) {
      if (entry.count(event.slot) >= this.#maxTalkgroups) {
        this.overflow.talkgroups++;
        return;
      }
      entry.add(key);
    }
    // an add without a kind keeps what an earlier one said (a renewal says it again)
    if (event.kind === undefined) return;
    entry.setKind(key, event.kind === "static" ? SubscriptionKind.Static : SubscriptionKind.Dynamic, event.expiresAtMs ?? Number.NaN);
  }

  #streamStart(event: EventOf<"stream.start">): void {
    const key = streamKey(event.portIndex, event.streamId);
    if (!this.#streams.has(key) && this.#streams.size >= this.#maxStreams) {
      this.overflow.streams++;
      return;
    }
    this.#streams.set(key, { event, startedAtWallMs: this.toWallMs(event.atMs) });
  }

  #forgetOldStreams(nowMs: number): void {
    for (const [key, record] of this.#streams) if (nowMs - record.event.atMs > STREAM_FORGET_MS) this.#streams.delete(key);
  }

  #link(event: EventOf<"link.up" | "link.down">): void {
    if (!this.#links.has(event.link) && this.#links.size >= this.#maxLinks) {
      this.overflow.links++;
      return;
    }
    this.#links.set(event.link, { name: event.link, up: event.type === "link.up", reason: event.reason, changedAtWallMs: this.toWallMs(event.atMs) });
  }

  /** Forget hotspots, talkgroups and calls in progress (a roster of the core's state follows: services Worker resync). */
  resetLive(): void {
    for (const record of this.#hotspots.values()) this.#forgetLoginOptions(record);
    this.#hotspots = new PortMap();
    this.#byRepeater = new NumberMap();
    this.#talkgroups = new NumberMap();
    this.#streams.clear();
  }

  // ---- views (allocate; request time only) ----------------------------------------------------

  /** The repeater id connected on a port (null: none). */
  repeaterAt(portIndex: number): number | null {
    return this.#hotspots.get(portIndex)?.repeaterId ?? null;
  }

  /** The RPTC details of the hotspot on a port (null: none, or not connected). */
  detailsAt(portIndex: number): HotspotDetails | null {
    const record = this.#hotspots.get(portIndex);
    return record?.hasDetails === true ? record : null;
  }

  /** Keep a hotspot's details with its record (ignored when that repeater is not connected on that port). */
  setDetails(portIndex: number, repeaterId: number, details: HotspotDetails): void {
    const record = this.#hotspots.get(portIndex);
    if (record !== undefined && record.repeaterId === repeaterId) record.setDetails(details);
  }

  /**
   * Keep the options applied at a hotspot's login (KEY hidden) with its record: the dashboard's
   * first diagnostic, so most hotspots need no diagnostics table entry. False when there is no
   * record on the port or it holds login options already.
   */
  setLoginOptions(portIndex: number, wallMs: number, options: string): boolean {
    const record = this.#hotspots.get(portIndex);
    if (record === undefined || !Number.isNaN(record.loginOptionsWallMs)) return false;
    record.loginOptionsWallMs = wallMs;
    record.options = options;
    return true;
  }

  /** The login options waiting on a connected repeater's record (null: none). */
  loginOptionsOf(repeaterId: number): LoginOptions | null {
    const record = this.#byRepeater.get(repeaterId);
    return record === undefined || Number.isNaN(record.loginOptionsWallMs) ? null : { wallMs: record.loginOptionsWallMs, options: record.options ?? "" };
  }

  /** Take the login options away from a connected repeater's record (null: none). */
  takeLoginOptions(repeaterId: number): LoginOptions | null {
    const record = this.#byRepeater.get(repeaterId);
    return record === undefined ? null : takeLoginOptions(record);
  }

  /** The callsign and repeater id on a port (the feeds' calls; null: none). */
  identityAt(portIndex: number): { repeaterId: number; callsign: string } | null {
    return this.#hotspots.get(portIndex) ?? null;
  }

  /** A port's talkgroup entries as subscription.change said them, in no particular order. */
  portSubscriptions(portIndex: number): PortSubscription[] {
    const out: PortSubscription[] = [];
    this.#talkgroupsAt(portIndex)?.forEach((key, kind, expiresAtMs) => {
      out.push({ slot: Math.floor(key / SLOT_FACTOR) as 1 | 2, talkgroupId: key % SLOT_FACTOR, kind, expiresAtMs: Number.isNaN(expiresAtMs) ? null : expiresAtMs });
    });
    return out;
  }


  get hotspotCount(): number {
    return this.#hotspots.size;
  }

  get activeStreamCount(): number {
    return this.#streams.size;
  }

  get snapshot(): { snapshot: StatsSnapshot; atMs: number; wallMs: number } | null {
    return this.#snapshot;
  }

  /** Connected hotspots ordered by repeater id. */
  hotspots(offset = 0, limit = Number.POSITIVE_INFINITY): HotspotEntry[] {
    const wallNow = this.#clock.wallClockMs();
    const records = [...this.#hotspots.values()].sort((a, b) => a.repeaterId - b.repeaterId);
    return records.slice(offset, offset + limit).map((r) => {
      return {
        repeaterId: r.repeaterId,
        callsign: r.callsign,
        address: r.address,
        port: r.port,
        portIndex: r.portIndex,
        connectedSince: new Date(r.connectedAtWallMs).toISOString(),
        connectedSeconds: Math.max(0, Math.round((wallNow - r.connectedAtWallMs) / 1000)),
        talkgroups: { ts1: r.talkgroups(1), ts2: r.talkgroups(2) },
        dialedReflector: r.reflector,
      };
    });
  }

  /** Links seen in events or in the last snapshot, by name. */
  links(): LinkEntry[] {
    const fromSnapshot = new Map<string, LinkSnapshot>();
    for (const link of this.#snapshot?.snapshot.links ?? []) fromSnapshot.set(link.name, link);
    const names = new Set<string>([...fromSnapshot.keys(), ...this.#links.keys()]);
    const out: LinkEntry[] = [];
    for (const name of [...names].sort()) {
      const event = this.#links.get(name);
      const snap = fromSnapshot.get(name);
      // Events are newer than the snapshot unless the snapshot was taken after the last change.
      const eventIsNewer = event !== undefined && (snap === undefined || this.#snapshot === null || event.changedAtWallMs >= this.#snapshot.wallMs);
      const up = eventIsNewer ? event.up : (snap?.up ?? event?.up ?? false);
      out.push({
        name,
        kind: snap?.kind ?? null,
        up,
        state: snap !== undefined && !eventIsNewer ? snap.state : up ? "up" : "down",
        since: event !== undefined ? new Date(event.changedAtWallMs).toISOString() : null,
        reason: event?.reason ?? null,
        peer: snap?.peer ?? null,
        protocol: snap?.protocol ?? null,
        portIndex: snap?.portIndex ?? null,
        counters: snap?.counters ?? {},
      });
    }
    return out;
  }

  activeStreams(limit = Number.POSITIVE_INFINITY): ActiveStreamEntry[] {
    const wallNow = this.#clock.wallClockMs();
    const out: ActiveStreamEntry[] = [];
    for (const { event, startedAtWallMs } of this.#streams.values()) {
      if (out.length >= limit) break;
      out.push({
        streamId: event.streamId,
        port: event.portName,
        portIndex: event.portIndex,
        sourceId: event.sourceId,
        destinationId: event.destinationId,
        slot: event.slot,
        callType: event.callType,
        kind: event.kind,
        startedAt: new Date(startedAtWallMs).toISOString(),
        seconds: Math.max(0, Math.round((wallNow - startedAtWallMs) / 100) / 10),
      });
    }
    return out;
  }
}

/** Options applied at a login: when (wall ms) and what (KEY hidden). */
export interface LoginOptions {
  wallMs: number;
  options: string;
}

function takeLoginOptions(record: HotspotRecord): LoginOptions | null {
  if (Number.isNaN(record.loginOptionsWallMs)) return null;
  const taken = { wallMs: record.loginOptionsWallMs, options: record.options ?? "" };
  record.loginOptionsWallMs = Number.NaN;
  return taken;
}

function streamKey(portIndex: number, streamId: number): string {
  return `${portIndex}:${streamId}`;
}


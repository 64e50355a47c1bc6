/**
 * The routing core's records: per port and slot state, subscriptions and streams. Plain classes
 * with fixed shapes; streams are pooled (allocated at start-up) and their target rows (in the
 * router's TargetArena, streams/target_arena.ts) grow only at stream start, so the per-packet path
 * touches existing objects only.
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import { CallType } from "../../wire/dmrd.ts";
import type { AccessRuleRouting, LinkTalkgroupMap } from "./options.ts";
import type { StreamLcRewrite, StreamSourceLc } from "./frames/rewrite.ts";
import type { TalkerAliasInserter } from "../../dmr/talker_alias_inserter.ts";
import { TalkerAliasAssembler } from "../../dmr/talker_alias.ts";
import { assert } from "../../lib/assert.ts";
import { MIN_RUN, ROW_CALL_TYPE, ROW_OUTCOME, ROW_PORT_INDEX_WORD, ROW_QUENCHED, ROW_REWRITE, ROW_SLOT, ROW_TRUNK, TARGET_ROW_BYTES, TARGET_ROW_WORDS, type TargetArena } from "./streams/target_arena.ts";

export const enum SubKind {
  Static = 0,
  Dynamic = 1,
  Dial = 2,
  Bridge = 3,
}

/** Where a static/dynamic subscription came from (options replace only their own). */
export const enum SubOrigin {
  Config = 0,
  Options = 1,
  Api = 2,
  Traffic = 3,
}

/** Conference ids: a talkgroup is its own conference (0 … 2^24−1); bridges live above. */
export const BRIDGE_CONFERENCE_BASE = 0x2000000;

/**
 * A subscription's values packed three to a number (each exact in a double, below 2^53):
 *   ids:       conference id · 2^25 + talkgroup id (talkgroups are 24-bit DMR ids; conferences below 2^28)
 *   bits:      (timed position + 1) · 2^26 + small, small = slot − 1 (bit 0), kind (bits 1–2),
 *              active (bit 3), origin (bits 4–5), bridge index + 1 (bits 6–25)
 * List positions stay below routing.max_subscriptions (≤ 10,000,000 < 2^26).
 */
const TALKGROUP_RANGE = 2 ** 25;
const CONFERENCE_RANGE = 2 ** 28;
const SMALL_RANGE = 2 ** 26;
const POSITION_RANGE = 2 ** 26;
const SUB_SLOT_BIT = 1;
const SUB_KIND_SHIFT = 1;
const SUB_KIND_MASK = 3 << SUB_KIND_SHIFT;
const SUB_ACTIVE_BIT = 8;
const SUB_ORIGIN_SHIFT = 4;
const SUB_ORIGIN_MASK = 3 << SUB_ORIGIN_SHIFT;
const SUB_BRIDGE_SHIFT = 6;
const SUB_LOW_MASK = (1 << SUB_BRIDGE_SHIFT) - 1;

/**
 * 6 own fields (JSC's 64-byte size class; 7–8 take 80, 9–12 take 112): talkgroup and conference
 * share one number; slot, kind, active, origin, bridge index and the timed-list position another;
 * all behind accessors that read as plain fields. A port's subscriptions are a list through
 * `nextInPort` from PortState.firstSub, not an array per port (issue 14: a one-element array is
 * 32 bytes more per hotspot); a bridge member's options are in the router's bridgeMembers.
 * One per static/dynamic talkgroup of every hotspot.
 */
export class Subscription {
  ps: PortState | null = null;
  /** talkgroup and conference (see above) */
  #ids = 0;
  /** timed position and the small values (see above) */
  #bits = SUB_ACTIVE_BIT;
  /** 0 = never */
  expiresAtMs = 0;
  /** the port's next subscription (PortState.firstSub starts the list); null at its end */
  nextInPort: Subscription | null = null;
  /** position in the conference list + 1 (0 = not there) */
  #conferencePosition = 0;

  /** talkgroup at the port (RF TG for hotspots: 9 for a dial link) */
  get talkgroupId(): number {
    return this.#ids % TALKGROUP_RANGE;
  }
  set talkgroupId(value: number) {
    assert(value >= 0 && value < TALKGROUP_RANGE, "a talkgroup id is a 24-bit DMR id");
    this.#ids = this.#ids - (this.#ids % TALKGROUP_RANGE) + value;
  }
  get conferenceId(): number {
    return Math.floor(this.#ids / TALKGROUP_RANGE);
  }
  set conferenceId(value: number) {
    assert(value >= 0 && value < CONFERENCE_RANGE, "a conference id fits its part");
    this.#ids = value * TALKGROUP_RANGE + (this.#ids % TALKGROUP_RANGE);
  }

  #small(): number {
    return this.#bits % SMALL_RANGE;
  }
  #setSmall(small: number): void {
    this.#bits = this.#bits - (this.#bits % SMALL_RANGE) + small;
  }
  /** slot at the port (RF slot for hotspots; link slot for links) */
  get slot(): Slot {
    return ((this.#small() & SUB_SLOT_BIT) + 1) as Slot;
  }
  set slot(value: Slot) {
    const small = this.#small();
    this.#setSmall(value === 2 ? small | SUB_SLOT_BIT : small & ~SUB_SLOT_BIT);
  }
  get kind(): SubKind {
    return ((this.#small() & SUB_KIND_MASK) >> SUB_KIND_SHIFT) as SubKind;
  }
  set kind(value: SubKind) {
    this.#setSmall((this.#small() & ~SUB_KIND_MASK) | (value << SUB_KIND_SHIFT));
  }
  get active(): boolean {
    return (this.#small() & SUB_ACTIVE_BIT) !== 0;
  }
  set active(value: boolean) {
    const small = this.#small();
    this.#setSmall(value ? small | SUB_ACTIVE_BIT : small & ~SUB_ACTIVE_BIT);
  }
  /** Where a static/dynamic subscription came from (options replace only their own). */
  get origin(): SubOrigin {
    return ((this.#small() & SUB_ORIGIN_MASK) >> SUB_ORIGIN_SHIFT) as SubOrigin;
  }
  set origin(value: SubOrigin) {
    this.#setSmall((this.#small() & ~SUB_ORIGIN_MASK) | (value << SUB_ORIGIN_SHIFT));
  }
  /** bridge members: index of the bridge (-1 = none) */
  get bridgeIndex(): number {
    return (this.#small() >> SUB_BRIDGE_SHIFT) - 1;
  }
  set bridgeIndex(value: number) {
    assert(value >= -1 && value < SMALL_RANGE / (1 << SUB_BRIDGE_SHIFT) - 1, "a bridge index fits beside the small values");
    this.#setSmall(((value + 1) << SUB_BRIDGE_SHIFT) | (this.#small() & SUB_LOW_MASK));
  }
  /** position in the router's timed list (-1 = no timer) */
  get timedPosition(): number {
    return Math.floor(this.#bits / SMALL_RANGE) - 1;
  }
  set timedPosition(value: number) {
    assert(value >= -1 && value < POSITION_RANGE - 1, "a timed position fits its part");
    this.#bits = (value + 1) * SMALL_RANGE + (this.#bits % SMALL_RANGE);
  }
  /** position in the conference list (-1 = not there) */
  get conferencePosition(): number {
    return this.#conferencePosition - 1;
  }
  set conferencePosition(value: number) {
    assert(value >= -1 && value < POSITION_RANGE - 1, "a conference position fits the list's bound");
    this.#conferencePosition = value + 1;
  }
}

/** PortState flags (one field: `up`, `trunk`, `link`, `local`). */
const enum PortFlag {
  Up = 1,
  Trunk = 2,
  Link = 4,
  Local = 8,
}

/** Option values a hotspot set by RPTO/self-care (null = not set there); made on the first one set. */
class PortOptionValues {
  timerMinutes: number | null = null;
  single: boolean | null = null;
  dial: number | null = null;
  ident: boolean | null = null;
  language: string | null = null;
  identTalkgroup: number | null = null;
}

/** What only links and dial users have: positions, the relink time, a link's talkgroup map. */
class PortRare {
  relinkAtMs = 0;
  relinkPosition = -1;
  linkPosition = -1;
  linkMap: LinkTalkgroupMap | null = null;
}

/** PortState's low bits hold the flags; the port index sits above them. */
const FLAG_BITS = 4;

/**
 * A port's routing state. 8 own fields (JSC's 80-byte size class; 9–12 take 112: one per port
 * index a hotspot ever had): the index and the four flags share one number, the option values
 * and what only links and dial users have (link/relink positions, the link's talkgroup map) live
 * in objects made when first set; all behind the same accessors as plain fields. Its two slots'
 * contention state lives in the router's SlotTable (slot_table.ts), at slotKey(index, slot).
 */
export class PortState {
  port: RouterPort | null = null;
  /** index · 16 + flags */
  #indexFlags: number;
  rule: AccessRuleRouting | null = null;
  /** this port's first subscription, the rest through Subscription.nextInPort in the order they were made (subscriptions.ts); null = none */
  firstSub: Subscription | null = null;
  optionsText = "";
  #options: PortOptionValues | null = null;
  dialSub: Subscription | null = null;
  #rare: PortRare | null = null;

  constructor(index: number) {
    assert(index >= 0 && index < 2 ** (31 - FLAG_BITS), "a port index fits beside the flags");
    this.#indexFlags = index << FLAG_BITS;
  }

  /** The port index (router_port.ts) this record is kept for. */
  get index(): number {
    return this.#indexFlags >> FLAG_BITS;
  }

  /** OpenBridge or upstream: the talkgroup map it is routed through (null for hotspots) */
  get linkMap(): LinkTalkgroupMap | null {
    return this.#rare?.linkMap ?? null;
  }
  set linkMap(value: LinkTalkgroupMap | null) {
    if (value !== null || this.#rare !== null) this.#rareForWrite().linkMap = value;
  }

  #flag(flag: PortFlag, on: boolean): void {
    this.#indexFlags = on ? this.#indexFlags | flag : this.#indexFlags & ~flag;
  }
  get up(): boolean {
    return (this.#indexFlags & PortFlag.Up) !== 0;
  }
  set up(value: boolean) {
    this.#flag(PortFlag.Up, value);
  }
  /** OpenBridge: many concurrent streams, no slot contention (a trunk) */
  get trunk(): boolean {
    return (this.#indexFlags & PortFlag.Trunk) !== 0;
  }
  set trunk(value: boolean) {
    this.#flag(PortFlag.Trunk, value);
  }
  /** OpenBridge or upstream: routed through a talkgroup map */
  get link(): boolean {
    return (this.#indexFlags & PortFlag.Link) !== 0;
  }
  set link(value: boolean) {
    this.#flag(PortFlag.Link, value);
  }
  /** a hotspot/repeater logged in to us */
  get local(): boolean {
    return (this.#indexFlags & PortFlag.Local) !== 0;
  }
  set local(value: boolean) {
    this.#flag(PortFlag.Local, value);
  }

  // ---- from the hotspot's options (null = not set there) ----
  #optionsForWrite(): PortOptionValues {
    return (this.#options ??= new PortOptionValues());
  }
  get optionsTimerMinutes(): number | null {
    return this.#options?.timerMinutes ?? null;
  }
  set optionsTimerMinutes(value: number | null) {
    if (value !== null || this.#options !== null) this.#optionsForWrite().timerMinutes = value;
  }
  get optionsSingle(): boolean | null {
    return this.#options?.single ?? null;
  }
  set optionsSingle(value: boolean | null) {
    if (value !== null || this.#options !== null) this.#optionsForWrite().single = value;
  }
  get optionsDial(): number | null {
    return this.#options?.dial ?? null;
  }
  set optionsDial(value: number | null) {
    if (value !== null || this.#options !== null) this.#optionsForWrite().dial = value;
  }
  /** voice options (VOICE=/IDENT=, LANG=, IDENTTG=); null = not set there */
  get optionsIdent(): boolean | null {
    return this.#options?.ident ?? null;
  }
  set optionsIdent(value: boolean | null) {
    if (value !== null || this.#options !== null) this.#optionsForWrite().ident = value;
  }
  get optionsLanguage(): string | null {
    return this.#options?.language ?? null;
  }
  set optionsLanguage(value: string | null) {
    if (value !== null || this.#options !== null) this.#optionsForWrite().language = value;
  }
  get optionsIdentTalkgroup(): number | null {
    return this.#options?.identTalkgroup ?? null;
  }
  set optionsIdentTalkgroup(value: number | null) {
    if (value !== null || this.#options !== null) this.#optionsForWrite().identTalkgroup = value;
  }

  // ---- links and dial users ----
  #rareForWrite(): PortRare {
    return (this.#rare ??= new PortRare());
  }
  /** relink the default reflector at this time (0 = not scheduled) */
  get relinkAtMs(): number {
    return this.#rare?.relinkAtMs ?? 0;
  }
  set relinkAtMs(value: number) {
    if (value !== 0 || this.#rare !== null) this.#rareForWrite().relinkAtMs = value;
  }
  get relinkPosition(): number {
    return this.#rare?.relinkPosition ?? -1;
  }
  set relinkPosition(value: number) {
    if (value !== -1 || this.#rare !== null) this.#rareForWrite().relinkPosition = value;
  }
  /** position in the router's link list (-1 = not a link) */
  get linkPosition(): number {
    return this.#rare?.linkPosition ?? -1;
  }
  set linkPosition(value: number) {
    if (value !== -1 || this.#rare !== null) this.#rareForWrite().linkPosition = value;
  }
}

/** What happened to a target of a stream so far (Stream.targetOutcome). */
export const enum TargetOutcome {
  None = 0,
  Delivered = 1,
  /** the target slot carried the target's own transmission */
  BusyOwn = 2,
  /** the target slot carried another call to it */
  BusyOther = 3,
  /** the target slot was in another call's hang time */
  HangTime = 4,
}

/** Rewrites a stream keeps at most (distinct target destination + call type pairs). */
export const MAX_REWRITES_PER_STREAM = 8;

export class Stream {
  /** increments every time the record is reused; targets are de-duplicated against it */
  serial = 0;
  /** this record's number in the router's StreamRegistry (slot_table.ts names streams by it) */
  recordNumber = -1;
  active = false;
  ps: PortState | null = null;
  port: RouterPort | null = null;
  slot: Slot = 1;
  /** slot bit as received (events) */
  wireSlot: Slot = 1;
  streamId = 0;
  /** the id of the latest header/CSBK (DMR+ sends a new id per header; data calls one per CSBK) */
  currentStreamId = 0;
  sourceId = 0;
  destinationId = 0;
  callType: CallType = CallType.Group;
  data = false;
  startedAtMs = 0;
  lastFrameAtMs = 0;
  frames = 0;
  lost = 0;
  lastSequence = 0;
  sawHeader = false;
  sawVoice = false;
  /** loop control / ACL: frames are dropped for the rest of the stream */
  refused = false;
  /** no stream.start/end events (refused, internal) */
  silent = false;
  /** stream.alias published (once per stream, when the talker alias completes) */
  aliasPublished = false;
  /**
   * cut at the maximum duration: no longer routed (refused, its end already published) but still
   * its slot's own transmission until the sender stops, so nothing else slips into that slot
   */
  cut = false;
  /** what the stream leaves as the hang of its own slot (a dial command leaves TG 9, so the reflector is heard at once) */
  hangDestinationId = 0;
  hangCallType: CallType = CallType.Group;
  /** a data call: blocks still expected after the data header (-1 = not known) */
  blocksRemaining = -1;
  /** parrot recording slot, -1 = none */
  parrotIndex = -1;
  /** the port's name as stream.start published it ("" = not yet): stream.alias and stream.end reuse it (router_events.ts) */
  portName = "";
  /** talker-alias insertion (pooled with the record; null when the feature is off) */
  talkerAlias: TalkerAliasInserter | null = null;
  /** the flags byte (DMRD byte 15) of the last accepted frame, −1 = none, and a hash of the rest of its tail (frames/duplicate_control.ts) */
  lastFlags = -1;
  lastTailHash = 0;
  /**
   * when its last frame was routed (frame_path.ts processFrame; −∞ = none yet: refused from the
   * start, or an announcement or playback, which are never routed), and the group hang that frame
   * set: its slots' hang and last delivery are written from these when it lets them go (slot_table.ts)
   */
  routedAtMs = Number.NEGATIVE_INFINITY;
  routedHangUntilMs = 0;
  /** conferences a group stream joined (for subscriptions made while it is in progress) */
  readonly conferences = new Int32Array(8);
  conferenceCount = 0;
  /** the bridge trunk (cluster port) this stream's bridge frames are relayed to, or null (features/bridge_trunk.ts) */
  bridgeTrunk: RouterPort | null = null;
  /** talker alias from the DMRA side channel (used when the embedded LCs carry none) */
  readonly sideAlias = new TalkerAliasAssembler();
  /** chain of active streams with the same streamId */
  nextSameId: Stream | null = null;
  activePosition = -1;

  // ---- targets (rows of the router's TargetArena, streams/target_arena.ts; grow at stream start only) ----
  targetCount = 0;
  /** the first of this stream's rows in the arena */
  targetRow: number;
  /** rows this stream holds there (a power of two) */
  targetCapacity: number;
  readonly #arena: TargetArena;

  // ---- rewrites ----
  readonly rewrites: StreamLcRewrite[] = [];
  readonly rewriteDestinations = new Int32Array(MAX_REWRITES_PER_STREAM);
  readonly rewriteCallTypes = new Uint8Array(MAX_REWRITES_PER_STREAM);
  rewriteCount = 0;

  constructor(
    readonly sourceLc: StreamSourceLc,
    arena: TargetArena,
  ) {
    this.#arena = arena;
    this.targetCapacity = MIN_RUN;
    this.targetRow = arena.allocate(MIN_RUN);
  }

  /** Room for `n` targets (at stream start: a larger run of rows, the targets so far copied over). */
  ensureTargetCapacity(n: number): void {
    if (n <= this.targetCapacity) return;
    let run = this.targetCapacity * 2;
    while (run < n) run *= 2;
    const arena = this.#arena;
    const from = this.targetRow;
    const to = arena.allocate(run);
    // read the arrays after allocate: it may have replaced them
    arena.i32.copyWithin(to * TARGET_ROW_WORDS, from * TARGET_ROW_WORDS, (from + this.targetCount) * TARGET_ROW_WORDS);
    const ports = arena.ports;
    for (let t = 0; t < this.targetCount; t++) ports[to + t] = ports[from + t]!;
    arena.release(from, this.targetCapacity);
    this.targetRow = to;
    this.targetCapacity = run;
  }

  /** Target `t`'s port state (null once dropped). */
  targetPort(t: number): PortState | null {
    const index = this.#arena.i32[(this.targetRow + t) * TARGET_ROW_WORDS + ROW_PORT_INDEX_WORD]!;
    return index < 0 ? null : this.#arena.portStates[index]!;
  }
  targetSlot(t: number): Slot {
    return this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_SLOT]! as Slot;
  }
  targetDestination(t: number): number {
    return this.#arena.i32[(this.targetRow + t) * TARGET_ROW_WORDS]!;
  }
  targetCallType(t: number): CallType {
    return this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_CALL_TYPE]! as CallType;
  }
  /** index into rewrites, −1 = no rewrite */
  targetRewrite(t: number): number {
    return (this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_REWRITE]! << 24) >> 24;
  }
  setTargetRewrite(t: number, rewrite: number): void {
    this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_REWRITE] = rewrite & 0xff;
  }
  targetQuenched(t: number): boolean {
    return this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_QUENCHED] !== 0;
  }
  quenchTarget(t: number): void {
    this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_QUENCHED] = 1;
  }
  /** delivered at least once, or why not yet (for stream.end's `undelivered`) */
  targetOutcome(t: number): TargetOutcome {
    return this.#arena.u8[(this.targetRow + t) * TARGET_ROW_BYTES + ROW_OUTCOME]! as TargetOutcome;
  }

  /** Write target `t` (not delivered yet, not quenched, not refused, no rewrite). */
  setTarget(t: number, ps: PortState, slot: Slot, destinationId: number, callType: CallType): void {
    const arena = this.#arena;
    const row = this.targetRow + t;
    // the port and trunk flag as the PortState has them now (target_arena.ts: they change only across a port down, which drops the target)
    arena.ports[row] = ps.port;
    const w = row * TARGET_ROW_WORDS;
    arena.i32[w] = destinationId;
    arena.i32[w + 1] = 0;
    arena.i32[w + 2] = 0;
    arena.i32[w + ROW_PORT_INDEX_WORD] = ps.index;
    const b = row * TARGET_ROW_BYTES;
    arena.u8[b + ROW_SLOT] = slot;
    arena.u8[b + ROW_CALL_TYPE] = callType;
    arena.u8[b + ROW_REWRITE] = 0xff;
    arena.u8[b + ROW_TRUNK] = ps.trunk ? 1 : 0;
  }

  /** Copy target `from` over target `to` (dropping `to`: the list stays dense). */
  moveTarget(from: number, to: number): void {
    const arena = this.#arena;
    const a = this.targetRow + from;
    const b = this.targetRow + to;
    arena.ports[b] = arena.ports[a]!;
    arena.i32.copyWithin(b * TARGET_ROW_WORDS, a * TARGET_ROW_WORDS, (a + 1) * TARGET_ROW_WORDS);
  }

  /** Forget target `t`'s port (its row is free to be written again). */
  clearTargetPort(t: number): void {
    const row = this.targetRow + t;
    this.#arena.ports[row] = null;
    this.#arena.i32[row * TARGET_ROW_WORDS + ROW_PORT_INDEX_WORD] = -1;
  }

  /** No targets any more (their ports forgotten). */
  clearTargets(): void {
    for (let t = 0; t < this.targetCount; t++) this.clearTargetPort(t);
    this.targetCount = 0;
  }
}

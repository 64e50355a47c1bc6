/**
 * One HomeBrew peer (hotspot or repeater) as the master sees it, from RPTK onwards (between RPTL
 * and RPTK there is no state at all: the salt is a cookie, salt_cookie.ts).
 *
 * A session is a RouterPort once connected (after RPTC): the router writes a 55-byte DMRD into
 * `txBuffer(slot)` and calls `emit`, which stamps this peer's repeater id into bytes 11–14
 * (the HBlink/FreeDMR/BrandMeister convention, hbp-and-dmr.md §1.4) and queues it; a plain copy
 * goes through `emitStaged` into the outbox's own rows instead (outbox.ts pushStaged). Egress
 * buffers are allocated on first use and kept; the fixed replies (RPTACK/MSTNAK/MSTPONG/MSTCL) are not
 * held per session but stamped at send time into shared buffers (reply_pool.ts). Nothing is
 * allocated per frame.
 * @module
 */
import { copyDmrdWordsStamped, DMRD_LENGTH, DMRD_OFFSET_FLAGS, DMRD_OFFSET_REPEATER, DMRD_WORDS, DMRD_WORDS_TS2, FLAG_SLOT_TS2, writeUint32 } from "../../wire/dmrd.ts";
import type { RptcConfig } from "../../wire/rptc.ts";
import { assert } from "../../lib/assert.ts";
import { Endpoint } from "../endpoint.ts";
import type { Outbox } from "../outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import { callsignText, encodeCallsign, type CallsignCode } from "./callsign_code.ts";
import type { HbpCounters } from "./counters.ts";
import type { SessionColumns } from "./session_columns.ts";

export const enum SessionState {
  /** RPTK passed; waiting for RPTC. */
  Authenticated = 1,
  /** RPTC accepted: a port of the router. */
  Connected = 2,
  /** Gone (timed out, closed, replaced, refused); kept only by whoever still holds a reference. */
  Removed = 3,
}

const NO_DIGEST = new Uint8Array(0);

/**
 * A session's cold fields: what only the handshake needs (RPTK → RPTC, dropped once connected)
 * and what few sessions ever have (a replaced address, a conflict, side-channel metadata). One
 * object, there during the handshake and made again on the first rare write after it.
 */
class SessionCold {
  salt = 0;
  digest: Uint8Array = NO_DIGEST;
  provenPassphrase: Uint8Array = NO_DIGEST;
  authenticatedAtMs = 0;
  /** something below was written: keep the object when the handshake is forgotten */
  rare = false;
  replacedEndpoint: Endpoint | null = null;
  replacedAtMs = 0;
  conflictReportedAtMs = Number.NEGATIVE_INFINITY;
  lastTalkerAliasSourceId = 0;
  lastGpsSourceId = 0;
}

/**
 * Egress buffers of one session, per slot (allocated together on first use: a frame that needs
 * rewriting, or the outbox's staged rows are all taken): both over one block of 32-bit words,
 * slot 1 at byte 0 and slot 2 at byte 56 (4-byte aligned), so the router copies a frame into them
 * in 14 word stores (wire/dmrd.ts copyDmrdWords).
 */
class TxPair {
  readonly words = new Int32Array(2 * DMRD_WORDS);
  readonly ts1 = new Uint8Array(this.words.buffer, 0, DMRD_LENGTH);
  readonly ts2 = new Uint8Array(this.words.buffer, 4 * DMRD_WORDS_TS2, DMRD_LENGTH);
}

/** What few sessions hold after login: egress buffers and the cold fields, one reference for both in a session (null when neither). */
class SessionSpare {
  tx: TxPair | null = null;
  cold: SessionCold | null = null;
}

/** HbpSession's state (low 2 bits), simplex flag and port index + 1 (above INDEX_SHIFT) share one number. */
const STATE_MASK = 3;
const SIMPLEX_BIT = 4;
const BITS_MASK = 7;
const INDEX_SHIFT = 3;

/**
 * A session is its own Endpoint (socket, address and port in one number beside the address:
 * where the peer talks from), so 10,000 sessions hold no second object each; `endpoint` returns the
 * session itself. Fields only the handshake needs and fields few sessions ever set live in a
 * SessionCold (behind the same public getters/setters as before), both egress buffers in one TxPair,
 * and the two behind one reference (SessionSpare, null for a connected session that needs
 * neither); the callsign is a number when it can be (callsign_code.ts), state, simplex and the port
 * index share one number; when it connected, the frames it sent us and was sent, its access rule and
 * the rest of its RPTC configuration are columns of the master's SessionColumns (session_columns.ts:
 * no RPTC record object per hotspot, `config` makes one when asked), and the columns themselves are
 * reached through the prototype of the master's own session class (SessionBatch), not a field of
 * every session. 8 own fields keep the object in JSC's 80-byte size class (9–12 take 112, which it
 * took until 2026-12-06; it was 224 bytes plus a 48-byte Endpoint before that: issue 14). The master
 * takes sessions from a SessionBatch: blank ones made 256 at a time sit side by side in the heap
 * rather than one among each login's short-lived objects (fewer mostly-empty heap blocks after a
 * login burst).
 */
export class HbpSession extends Endpoint implements RouterPort {
  /** (port index + 1) << INDEX_SHIFT | (simplex ? SIMPLEX_BIT : 0) | state */
  #bits: number = SessionState.Authenticated;
  /** the RPTC callsign, coded as a number when it can be (callsign_code.ts); 0 = "" until RPTC */
  #callsign: CallsignCode = 0;
  /** Last RPTO text, if any. */
  options: string | null = null;
  lastHeardMs = 0;
  /** Egress buffers (allocated on first use: most hotspots are idle most of the time, ~0.2 KB each saved) and the cold fields. */
  #spare: SessionSpare | null = null;
  #repeaterId = 0;
  /** The master's columns and counters: on the prototype of the master's session class (SessionBatch), shared by all its sessions. */
  declare protected readonly columns: SessionColumns;

  /** A blank session: SessionBatch makes them, of its master's own subclass, and `start` makes each one a login's. */
  protected constructor() {
    super(-1, "", 0);
  }

  get #tx(): TxPair | null {
    return this.#spare?.tx ?? null;
  }
  set #tx(tx: TxPair | null) {
    this.#setSpare(tx, this.#spare?.cold ?? null);
  }
  get #cold(): SessionCold | null {
    return this.#spare?.cold ?? null;
  }
  set #cold(cold: SessionCold | null) {
    this.#setSpare(this.#spare?.tx ?? null, cold);
  }
  #setSpare(tx: TxPair | null, cold: SessionCold | null): void {
    if (tx === null && cold === null) {
      this.#spare = null;
      return;
    }
    const spare = (this.#spare ??= new SessionSpare());
    spare.tx = tx;
    spare.cold = cold;
  }

  /** A blank session (from a SessionBatch) becomes the session of `repeaterId` at this endpoint, authenticated now. */
  start(repeaterId: number, socketIndex: number, address: string, port: number, salt: number, digest: Uint8Array, provenPassphrase: Uint8Array, nowMs: number): void {
    assert(this.#repeaterId === 0 && this.port === 0 && this.socketIndex === -1, "a session is started once, from blank");
    this.bind(socketIndex, address, port);
    this.lastHeardMs = nowMs;
    this.#authenticated(repeaterId, salt, digest, provenPassphrase, nowMs);
  }

  #authenticated(repeaterId: number, salt: number, digest: Uint8Array, provenPassphrase: Uint8Array, nowMs: number): void {
    this.#repeaterId = repeaterId;
    const cold = new SessionCold();
    cold.salt = salt;
    cold.digest = digest;
    cold.provenPassphrase = provenPassphrase;
    cold.authenticatedAtMs = nowMs;
    this.#cold = cold;
  }

  /** The master's counters (shared by every session). */
  get counters(): HbpCounters {
    return this.columns.counters;
  }

  /** The access rule that admitted the session (null: none, or not connected): kept in its row of the columns. */
  get accessRule(): string | null {
    return this.columns.accessRule(this.portIndex);
  }
  set accessRule(name: string | null) {
    assert(this.portIndex >= 0, "a session's access rule is kept once it has a port index");
    this.columns.setAccessRule(this.portIndex, name);
  }

  /** The router's port index once connected (−1 before and after); taking one starts its row of counts at zero. */
  get portIndex(): number {
    return (this.#bits >> INDEX_SHIFT) - 1;
  }
  set portIndex(value: number) {
    assert(value >= -1 && value < 2 ** (31 - INDEX_SHIFT) - 1, "a port index fits beside the state bits");
    const before = this.portIndex;
    if (before >= 0 && before !== value) this.columns.close(before);
    this.#bits = ((value + 1) << INDEX_SHIFT) | (this.#bits & BITS_MASK);
    if (value >= 0) this.columns.open(value);
  }

  get state(): SessionState {
    return (this.#bits & STATE_MASK) as SessionState;
  }
  set state(value: SessionState) {
    this.#bits = (this.#bits & ~STATE_MASK) | value;
  }

  /** Simplex hotspot (RPTC, hbp-and-dmr.md §1.3): the router sends it everything on TS2. */
  get simplex(): boolean {
    return (this.#bits & SIMPLEX_BIT) !== 0;
  }
  set simplex(value: boolean) {
    this.#bits = value ? this.#bits | SIMPLEX_BIT : this.#bits & ~SIMPLEX_BIT;
  }

  /** The RPTC callsign ("" until RPTC; kept once the session is gone: events and logs name it). */
  get callsign(): string {
    return callsignText(this.#callsign);
  }

  /**
   * The RPTC configuration while connected, as a plain record made when asked (logins, the API, the
   * services roster, cluster records — never per frame); null before RPTC and once gone. Kept in the
   * master's columns (session_columns.ts), but the callsign.
   */
  get config(): RptcConfig | null {
    return this.state === SessionState.Connected ? this.columns.rptc(this.portIndex, this.#repeaterId, this.callsign) : null;
  }

  /** RPTC accepted: keep its configuration (the session has taken its port index). */
  configure(config: RptcConfig): void {
    assert(this.portIndex >= 0, "a session is configured once it has a port index");
    this.#callsign = encodeCallsign(config.callsign);
    this.columns.setRptc(this.portIndex, config);
    this.simplex = config.simplex;
  }

  /** When RPTC connected it (0 when not connected). */
  get connectedAtMs(): number {
    return this.columns.connectedAtMs(this.portIndex);
  }
  set connectedAtMs(value: number) {
    this.columns.setConnectedAtMs(this.portIndex, value);
  }

  /** DMRD frames received from this peer while connected / queued to it. */
  get framesIn(): number {
    return this.columns.framesIn(this.portIndex);
  }
  countFrameIn(): void {
    this.columns.countIn(this.portIndex);
  }
  get framesOut(): number {
    return this.columns.framesOut(this.portIndex);
  }

  get repeaterId(): number {
    return this.#repeaterId;
  }

  get kind(): PortKind.Hotspot {
    return PortKind.Hotspot;
  }

  /** Where the peer talks from: the session itself. */
  get endpoint(): Endpoint {
    return this;
  }

  // ---- handshake (known until RPTC; forgetLogin drops it) ----
  get salt(): number {
    return this.#cold?.salt ?? 0;
  }
  get digest(): Uint8Array {
    return this.#cold?.digest ?? NO_DIGEST;
  }
  set digest(value: Uint8Array) {
    if (this.#cold !== null) this.#cold.digest = value;
  }
  get provenPassphrase(): Uint8Array {
    return this.#cold?.provenPassphrase ?? NO_DIGEST;
  }
  /** When RPTK passed (0 once the handshake is forgotten). */
  get authenticatedAtMs(): number {
    return this.#cold?.authenticatedAtMs ?? 0;
  }
  /** Connected: the salt, digest and passphrase are no longer needed. */
  forgetLogin(): void {
    const cold = this.#cold;
    if (cold === null) return;
    if (!cold.rare) {
      this.#cold = null;
      return;
    }
    cold.salt = 0;
    cold.digest = NO_DIGEST;
    cold.provenPassphrase = NO_DIGEST;
    cold.authenticatedAtMs = 0;
  }

  // ---- rare ----
  #rare(): SessionCold {
    const cold = (this.#cold ??= new SessionCold());
    cold.rare = true;
    return cold;
  }
  /** The endpoint this session replaced (same id, other address) and when: two-station detection. */
  get replacedEndpoint(): Endpoint | null {
    return this.#cold?.replacedEndpoint ?? null;
  }
  set replacedEndpoint(value: Endpoint | null) {
    // a plain copy: holding the replaced session itself would chain every earlier one behind it
    if (value !== null || this.#cold !== null) this.#rare().replacedEndpoint = value === null ? null : new Endpoint(value.socketIndex, value.address, value.port);
  }
  get replacedAtMs(): number {
    return this.#cold?.replacedAtMs ?? 0;
  }
  set replacedAtMs(value: number) {
    if (value !== 0 || this.#cold !== null) this.#rare().replacedAtMs = value;
  }
  /** Last time a conflict on this id was reported (carried over across replacements). */
  get conflictReportedAtMs(): number {
    return this.#cold?.conflictReportedAtMs ?? Number.NEGATIVE_INFINITY;
  }
  set conflictReportedAtMs(value: number) {
    if (value !== Number.NEGATIVE_INFINITY || this.#cold !== null) this.#rare().conflictReportedAtMs = value;
  }
  /** Source radio of the last DMRA / DMRG side-channel message (metadata only). */
  get lastTalkerAliasSourceId(): number {
    return this.#cold?.lastTalkerAliasSourceId ?? 0;
  }
  set lastTalkerAliasSourceId(value: number) {
    if (value !== 0 || this.#cold !== null) this.#rare().lastTalkerAliasSourceId = value;
  }
  get lastGpsSourceId(): number {
    return this.#cold?.lastGpsSourceId ?? 0;
  }
  set lastGpsSourceId(value: number) {
    if (value !== 0 || this.#cold !== null) this.#rare().lastGpsSourceId = value;
  }

  /**
   * "CALLSIGN/id" once configured, else the id: made when asked (events, logs — per call or login,
   * never per frame) rather than held by every one of 10,000 sessions.
   */
  get name(): string {
    // decoded once: each read of `callsign` makes its string again (callsign_code.ts)
    const callsign = this.callsign;
    return callsign !== "" ? `${callsign}/${this.repeaterId}` : String(this.repeaterId);
  }

  get connected(): boolean {
    return this.state === SessionState.Connected;
  }

  txBuffer(slot: Slot): Uint8Array {
    const tx = (this.#tx ??= new TxPair());
    return slot === 2 ? tx.ts2 : tx.ts1;
  }

  /** Both egress buffers as 32-bit words (RouterPort.txWords): txBuffer(1) from word 0, txBuffer(2) from DMRD_WORDS_TS2. */
  txWords(): Int32Array {
    return (this.#tx ??= new TxPair()).words;
  }

  emit(_nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    if (this.state !== SessionState.Connected || frame.length < DMRD_LENGTH) {
      this.counters.dmrdOutDropped++;
      return;
    }
    let out = frame;
    const tx = this.#tx;
    if (tx === null || (frame !== tx.ts1 && frame !== tx.ts2)) {
      // A buffer we do not own may be reused for the next port before the outbox drains: copy.
      out = this.txBuffer((frame[DMRD_OFFSET_FLAGS]! & FLAG_SLOT_TS2) !== 0 ? 2 : 1);
      out.set(frame.length === DMRD_LENGTH ? frame : frame.subarray(0, DMRD_LENGTH), 0);
    }
    writeUint32(out, DMRD_OFFSET_REPEATER, this.repeaterId);
    if (outbox.push(this.endpoint, out, DMRD_LENGTH)) {
      this.columns.countOut(this.portIndex);
      this.counters.dmrdOut++;
    } else {
      this.counters.dmrdOutDropped++;
    }
  }

  /**
   * RouterPort.emitStaged: the frame staged in `stage` (wire/dmrd.ts DmrdStage), flags byte
   * `flags`, onto `slot` — copied with this peer's id stamped in the same word stores and queued:
   * what txBuffer + copy + flags + emit do, in one call. The copy goes into one of the outbox's
   * staged rows, or this slot's egress buffer when none is free.
   */
  emitStaged(_nowMs: number, slot: Slot, stage: Int32Array, flags: number, outbox: Outbox): void {
    if (this.state !== SessionState.Connected) {
      this.counters.dmrdOutDropped++;
      return;
    }
    if (outbox.pushStaged(this, stage, this.#repeaterId, flags)) {
      this.columns.countOut(this.portIndex);
      this.counters.dmrdOut++;
      return;
    }
    const tx = (this.#tx ??= new TxPair());
    copyDmrdWordsStamped(stage, tx.words, slot === 2 ? DMRD_WORDS_TS2 : 0, this.repeaterId, flags);
    if (outbox.push(this, slot === 2 ? tx.ts2 : tx.ts1, DMRD_LENGTH)) {
      this.columns.countOut(this.portIndex);
      this.counters.dmrdOut++;
    } else {
      this.counters.dmrdOutDropped++;
    }
  }
}

/** Blank sessions made at once. */
const SESSION_BATCH = 256;

/** Hands out sessions of one master, each started once, made SESSION_BATCH at a time (see HbpSession). */
export class SessionBatch {
  readonly #blanks: HbpSession[] = [];
  readonly #make: () => HbpSession;

  constructor(readonly columns: SessionColumns) {
    // the master's own session class: its columns on the prototype, one reference for all its sessions
    class MasterSession extends HbpSession {
      constructor() {
        super();
      }
    }
    Object.defineProperty(MasterSession.prototype, "columns", { value: columns });
    this.#make = () => new MasterSession();
  }

  take(repeaterId: number, socketIndex: number, address: string, port: number, salt: number, digest: Uint8Array, provenPassphrase: Uint8Array, nowMs: number): HbpSession {
    if (this.#blanks.length === 0) {
      for (let i = 0; i < SESSION_BATCH; i++) this.#blanks.push(this.#make());
    }
    const session = this.#blanks.pop()!;
    session.start(repeaterId, socketIndex, address, port, salt, digest, provenPassphrase, nowMs);
    return session;
  }
}

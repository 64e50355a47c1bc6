/**
 * Per (port, slot) contention state as columns indexed by slot key = port index · 2 + slot − 1:
 * the stream the port is sending on the slot (rx), the stream delivered to it (tx), the group hang
 * (until, destination, call type, source), when a stream was last delivered to it, and the stamps
 * that keep a stream from adding a slot twice and two playbacks from one egress buffer in a tick.
 *
 * One 40-byte record per slot in one buffer, instead of two 80-byte SlotState objects and a tuple
 * per port in the garbage-collected heap (issue 14: memory per connected hotspot), and the rx and tx
 * streams in two dense columns beside it (4 bytes a slot), whether anything was delivered in a
 * third (1 byte a slot: a record word shared with it would have to be read to be written).
 * All-zero bytes are a reset slot (no streams, no hang, nothing delivered yet). The buffers cover
 * every port index (routing capacities' maxPorts) from start-up, and a reset writes only the
 * fields that are not zero already: a fresh buffer's pages are not resident until written (reads
 * map the kernel's zero page), so the records of slots that never carried a call cost no memory
 * (issue 14: 10,000 idle hotspots kept ~98 bytes each resident when every login reset its two
 * records and the buffers grew by copying). Streams are named by their record number
 * (StreamRegistry).
 *
 * Written when a slot is released, not on every frame. While a slot carries a stream (its rx or
 * tx is set) nothing reads its hang or last delivery: contention (frames/contention.ts) and the
 * ident (voice/ident.ts) use them only once rx and tx are free, and a refused tail's wait
 * (`tailMayTake`) only for a free slot. So the frames of a call write nothing here. The stream
 * keeps the time of its last routed frame (Stream.routedAtMs and routedHangUntilMs, in the record
 * each frame writes anyway), and setRx/setTx write the hang and the last delivery from them when
 * the stream lets the slot go: the values a write on every frame would have left. (Until
 * 2026-12-06 every frame wrote its source's slot record and each target's: a cache line each, per
 * frame, for 200 calls' slots.)
 *
 * Why rx and tx apart: every frame reads them (which stream a port is sending, whether a target
 * slot carries this stream). Read from a record, each was a cache miss per frame with 200 calls (a
 * slot's record is touched once per 60 ms burst); 16 slots share a line of a column, so they stay
 * cached.
 * @module
 */
import { assert } from "../../lib/assert.ts";
import type { CallType } from "../../wire/dmrd.ts";
import type { Slot } from "../router_port.ts";
import type { Stream } from "./state.ts";

/** Record layout, 40 bytes: float64 words 0–3, int32 words 8–9 (5 float64 / 10 int32 per record). */
const RECORD_F64 = 5;
const RECORD_I32 = RECORD_F64 * 2;
/** float64: group hang until (ms; 0 = none) */
const F_HANG_UNTIL = 0;
/** float64: last delivery to the slot (ms; valid when I_DELIVERED is 1, else −∞) */
const F_LAST_TX = 1;
/** float64: serial of the stream that last added the slot as a target (0 = none; serials start at 1) */
const F_TARGET_STAMP = 2;
/** float64: the tick a playback (announcement, parrot) last used the slot's egress buffer (0 = none; ticks count from 1) */
const F_PLAYBACK_STAMP = 3;
/** int32: hang destination id */
const I_HANG_DESTINATION = 8;
/**
 * int32: hang source id (a 24-bit DMR id, DMRD bytes 5–7: hbp-and-dmr.md §2) in the low bits, the
 * hang call type (CallType.Group = 0, Unit = 1) above it: one word, always written whole (never
 * read on the frame path).
 */
const I_HANG_SOURCE_CALL_TYPE = 9;
const SOURCE_MASK = 0xffffff;
const CALL_TYPE_SHIFT = 24;

/** The hang source word: the source's 24 bits (the mask keeps a wider value off the call type) and the call type. */
function hangSourceWord(sourceId: number, callType: CallType): number {
  return (sourceId & SOURCE_MASK) | ((callType & 1) << CALL_TYPE_SHIFT);
}
/** The key of a port's slot in a SlotTable. */
export function slotKey(portIndex: number, slot: Slot): number {
  return portIndex * 2 + slot - 1;
}

/** Every Stream record the router owns, numbered once (pool, announcements, parrot playbacks). */
export class StreamRegistry {
  readonly records: Stream[] = [];

  add(stream: Stream): void {
    assert(stream.recordNumber < 0, "a stream record is registered once");
    stream.recordNumber = this.records.length;
    this.records.push(stream);
  }
}

export class SlotTable {
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  /** by slot key: stream record number + 1 of the slot's own transmission / of what is delivered to it (0 = none) */
  readonly #rx: Int32Array;
  readonly #tx: Int32Array;
  /** by slot key: 1 = a stream was delivered to the slot since it was reset (F_LAST_TX is valid); a dense column, so marking a delivery reads nothing */
  readonly #delivered: Uint8Array;
  readonly #streams: Stream[];
  /** slots with a record: 2 per port index */
  readonly capacity: number;

  constructor(maxPorts: number, streams: StreamRegistry) {
    assert(Number.isInteger(maxPorts) && maxPorts >= 0, "a slot table covers a whole number of ports");
    this.#streams = streams.records;
    this.capacity = maxPorts * 2;
    this.#f64 = new Float64Array(this.capacity * RECORD_F64);
    this.#i32 = new Int32Array(this.#f64.buffer);
    this.#rx = new Int32Array(this.capacity);
    this.#tx = new Int32Array(this.capacity);
    this.#delivered = new Uint8Array(this.capacity);
  }

  /** stream this port is sending on the slot (its own transmission) */
  rx(k: number): Stream | null {
    const n = this.#rx[k]!;
    return n === 0 ? null : this.#streams[n - 1]!;
  }
  setRx(k: number, stream: Stream | null): void {
    const held = this.#rx[k]!;
    if (held !== 0) this.#settleRx(k, this.#streams[held - 1]!, stream);
    this.#rx[k] = stream === null ? 0 : stream.recordNumber + 1;
  }
  /** stream being delivered to the slot */
  tx(k: number): Stream | null {
    const n = this.#tx[k]!;
    return n === 0 ? null : this.#streams[n - 1]!;
  }
  setTx(k: number, stream: Stream | null): void {
    const held = this.#tx[k]!;
    if (held !== 0) this.#settleTx(k, this.#streams[held - 1]!, stream);
    this.#tx[k] = stream === null ? 0 : stream.recordNumber + 1;
  }

  /**
   * A routed stream stops being the slot's own transmission: the group hang runs from its last
   * routed frame (module comment, "Written when a slot is released"). A stream never routed
   * (refused from its first frame) leaves none.
   */
  #settleRx(k: number, stream: Stream, next: Stream | null): void {
    if (stream === next || stream.routedAtMs === Number.NEGATIVE_INFINITY) return;
    this.setHang(k, stream.routedHangUntilMs, stream.hangDestinationId, stream.hangCallType, stream.sourceId);
  }

  /**
   * A routed stream stops being delivered to the slot: it took every frame it routed since it took
   * the slot, so its last delivery there was its last routed frame, and the hang runs from it (the
   * hang's destination, call type and source were written by `take`). Announcements and parrot
   * playbacks are never routed: they write their own (announcements.ts, parrot_playback.ts).
   */
  #settleTx(k: number, stream: Stream, next: Stream | null): void {
    if (stream === next || stream.routedAtMs === Number.NEGATIVE_INFINITY) return;
    const f = k * RECORD_F64;
    this.#f64[f + F_LAST_TX] = stream.routedAtMs;
    this.#f64[f + F_HANG_UNTIL] = stream.routedHangUntilMs;
  }

  /**
   * Forget a slot's streams and hang (port up/down); its stamps stay (they name streams and ticks).
   * Writes only what is not zero: the slot of a port that never carried a call stays unwritten.
   */
  reset(k: number): void {
    const f = k * RECORD_F64;
    const f64 = this.#f64;
    if (f64[f + F_HANG_UNTIL] !== 0) f64[f + F_HANG_UNTIL] = 0;
    if (f64[f + F_LAST_TX] !== 0) f64[f + F_LAST_TX] = 0;
    const i = k * RECORD_I32;
    const i32 = this.#i32;
    if (i32[i + I_HANG_DESTINATION] !== 0) i32[i + I_HANG_DESTINATION] = 0;
    if (i32[i + I_HANG_SOURCE_CALL_TYPE] !== 0) i32[i + I_HANG_SOURCE_CALL_TYPE] = 0;
    if (this.#delivered[k] !== 0) this.#delivered[k] = 0;
    if (this.#rx[k] !== 0) this.#rx[k] = 0;
    if (this.#tx[k] !== 0) this.#tx[k] = 0;
  }

  /** serial of the stream that last added this slot as a target (0 = none) */
  targetStamp(k: number): number {
    return this.#f64[k * RECORD_F64 + F_TARGET_STAMP]!;
  }
  setTargetStamp(k: number, serial: number): void {
    this.#f64[k * RECORD_F64 + F_TARGET_STAMP] = serial;
  }
  /** the tick a playback last used this slot's egress buffer (0 = none) */
  playbackStamp(k: number): number {
    return this.#f64[k * RECORD_F64 + F_PLAYBACK_STAMP]!;
  }
  setPlaybackStamp(k: number, tick: number): void {
    this.#f64[k * RECORD_F64 + F_PLAYBACK_STAMP] = tick;
  }

  /** group hang time: until then only the hang destination (same call type) or the hang source may take the slot */
  hangUntilMs(k: number): number {
    return this.#f64[k * RECORD_F64 + F_HANG_UNTIL]!;
  }
  hangDestinationId(k: number): number {
    return this.#i32[k * RECORD_I32 + I_HANG_DESTINATION]!;
  }
  hangSourceId(k: number): number {
    return this.#i32[k * RECORD_I32 + I_HANG_SOURCE_CALL_TYPE]! & SOURCE_MASK;
  }
  hangCallType(k: number): CallType {
    return ((this.#i32[k * RECORD_I32 + I_HANG_SOURCE_CALL_TYPE]! >> CALL_TYPE_SHIFT) & 1) as CallType;
  }
  /** when a stream was last delivered to this slot (−∞ = never since the port came up; the contention rule for refused tails) */
  lastTxAtMs(k: number): number {
    return this.#delivered[k] !== 0 ? this.#f64[k * RECORD_F64 + F_LAST_TX]! : Number.NEGATIVE_INFINITY;
  }

  /** A call holds the slot until `untilMs`: its destination and call type, its source radio. */
  setHang(k: number, untilMs: number, destinationId: number, callType: CallType, sourceId: number): void {
    this.#f64[k * RECORD_F64 + F_HANG_UNTIL] = untilMs;
    const i = k * RECORD_I32;
    this.#i32[i + I_HANG_DESTINATION] = destinationId;
    this.#i32[i + I_HANG_SOURCE_CALL_TYPE] = hangSourceWord(sourceId, callType);
  }
  /** The slot carries `stream` already (every frame of a call after its first there): nothing is written (module comment). */
  holds(k: number, stream: Stream): boolean {
    return this.#tx[k] === stream.recordNumber + 1;
  }

  /**
   * `stream` takes the slot (delivery.ts, after contention) and is delivered to it from now on:
   * delivered now, hang until `untilMs` for its destination, call type and source. Until it lets
   * the slot go nothing reads these, and its later frames write nothing (module comment).
   */
  take(k: number, stream: Stream, nowMs: number, untilMs: number, destinationId: number, callType: CallType, sourceId: number): void {
    this.setTx(k, stream);
    const i = k * RECORD_I32;
    const i32 = this.#i32;
    const f = k * RECORD_F64;
    const f64 = this.#f64;
    f64[f + F_LAST_TX] = nowMs;
    f64[f + F_HANG_UNTIL] = untilMs;
    i32[i + I_HANG_DESTINATION] = destinationId;
    i32[i + I_HANG_SOURCE_CALL_TYPE] = hangSourceWord(sourceId, callType);
    this.#delivered[k] = 1;
  }

  setLastTxAtMs(k: number, atMs: number): void {
    this.#f64[k * RECORD_F64 + F_LAST_TX] = atMs;
    this.#delivered[k] = 1;
  }
}

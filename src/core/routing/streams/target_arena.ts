/**
 * Every stream's target list in one router-wide store: a target is a row of 16 bytes (its
 * destination id; one byte each for slot, call type, LC rewrite index, quenched, outcome, refused
 * and trunk; its port index) and its RouterPort at the same row of a parallel array, and a stream
 * owns a run of rows (Stream.targetRow, Stream.targetCapacity). The port and the trunk flag are
 * the target PortState's, copied when the target is added: a port's PortState changes them only
 * when it goes down or up (hotspots/port_lifecycle.ts), and going down drops it from every stream
 * first — so delivery reaches the port without reading the PortState.
 *
 * Why one store: delivery reads a stream's targets for every frame, and with 200 calls a stream is
 * touched once per 60 ms burst, by then out of the CPU cache. When each stream held its own typed
 * views and port array, a frame's first reads were misses on three small objects (the views and the
 * array) before it reached the rows themselves (perf, 2026-12-05: about a quarter of the delivery
 * time). The store's arrays are the same for every stream and stay cached; a stream's rows start at a
 * multiple of four rows (64 bytes into the buffer), so up to four targets share a cache line or two.
 *
 * Runs are powers of two rows (at least MIN_RUN); a released run goes on its size's free list and
 * is handed out again first. The store grows (doubles, copying) only when a stream needs a larger
 * run — at stream start, never per frame — so the arrays a caller read before adding targets may
 * have been replaced after: read them again (`i32`, `u8`, `ports`) after ensureTargetCapacity.
 * @module
 */
import { assert } from "../../../lib/assert.ts";
import type { RouterPort } from "../../router_port.ts";
import type { PortState } from "../state.ts";

/** 32-bit words per target row (16 bytes: a quarter cache line). */
export const TARGET_ROW_WORDS = 4;
/** Bytes per target row. */
export const TARGET_ROW_BYTES = TARGET_ROW_WORDS * 4;
/** Byte offsets in a row after the destination id (word 0): one byte each. */
export const ROW_SLOT = 4;
export const ROW_CALL_TYPE = 5;
/** the rewrite index as a signed byte (−1 = none) */
export const ROW_REWRITE = 6;
export const ROW_QUENCHED = 7;
/** TargetOutcome (state.ts) */
export const ROW_OUTCOME = 8;
export const ROW_REFUSED = 9;
/** 1 = the port is a trunk (OpenBridge, cluster: no slot contention) */
export const ROW_TRUNK = 10;
/** Word of a row holding the target's port index (−1 = dropped). */
export const ROW_PORT_INDEX_WORD = 3;

/** The smallest run: four rows, one cache line. */
export const MIN_RUN = 4;
/** Rows the store starts with (grows by doubling). */
const INITIAL_ROWS = 1024;

export class TargetArena {
  /** the rows as 32-bit words (a row's destination id at row · TARGET_ROW_WORDS) */
  i32: Int32Array;
  /** the same rows as bytes (a row's columns at row · TARGET_ROW_BYTES + ROW_*) */
  u8: Uint8Array;
  /** the target's port per row (null = no target there, or dropped) */
  ports: (RouterPort | null)[];
  /** the router's PortStates by port index (router_context.ts), for a row's port index */
  readonly portStates: readonly PortState[];
  /** rows handed out so far from the end (runs are reused from the free lists first) */
  #used = 0;
  /** free runs by size: #free[log2(run)] holds first rows */
  readonly #free: number[][] = [];

  constructor(portStates: readonly PortState[], initialRows = INITIAL_ROWS) {
    this.portStates = portStates;
    const rows = Math.max(MIN_RUN, initialRows);
    this.i32 = new Int32Array(rows * TARGET_ROW_WORDS);
    this.u8 = new Uint8Array(this.i32.buffer);
    this.ports = new Array<RouterPort | null>(rows).fill(null);
  }

  /** Rows the store holds now. */
  get rows(): number {
    return this.ports.length;
  }

  /** A run of `run` rows (a power of two, at least MIN_RUN): its first row. Its rows are written (Stream.setTarget) before they are read. */
  allocate(run: number): number {
    assert(run >= MIN_RUN && (run & (run - 1)) === 0, "a target run is a power of two rows");
    const list = this.#free[Math.log2(run)];
    if (list !== undefined && list.length > 0) return list.pop()!;
    const first = this.#used;
    // runs are sums of powers of two ≥ MIN_RUN: each starts at a multiple of MIN_RUN rows (64 bytes)
    assert(first % MIN_RUN === 0, "runs start at multiples of MIN_RUN rows");
    if (first + run > this.ports.length) this.#grow(first + run);
    this.#used = first + run;
    return first;
  }

  /** Give back a run (its port references are cleared). */
  release(first: number, run: number): void {
    this.ports.fill(null, first, first + run);
    const k = Math.log2(run);
    while (this.#free.length <= k) this.#free.push([]);
    this.#free[k]!.push(first);
  }

  #grow(rows: number): void {
    let size = this.ports.length * 2;
    while (size < rows) size *= 2;
    const i32 = new Int32Array(size * TARGET_ROW_WORDS);
    i32.set(this.i32);
    this.i32 = i32;
    this.u8 = new Uint8Array(i32.buffer);
    const ports = new Array<RouterPort | null>(size).fill(null);
    for (let r = 0; r < this.#used; r++) ports[r] = this.ports[r]!;
    this.ports = ports;
  }
}

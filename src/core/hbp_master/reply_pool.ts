/**
 * The master's fixed replies (RPTACK+id, MSTNAK+id, MSTPONG+id, MSTCL+id, RPTACK+salt;
 * hbp-and-dmr.md §1.2–§1.6), stamped at send time into shared exact-length buffers instead of
 * being encoded once per session: 10,000 hotspots used to hold 10,000 × 5 typed arrays (~0.6 KB
 * each) for replies that are 9–11 bytes long.
 *
 * A buffer pushed to the Outbox must stay unchanged until the shell drains it, which happens after
 * every core call (Outbox.clear bumps `clears`). Each kind has POOL_SLOTS buffers used round-robin;
 * the pool counts how many of a kind were taken since the last drain and refuses (null, counted by
 * the caller) once a whole pool is in flight, so a buffer still waiting in the outbox is never
 * overwritten. Bulk senders (housekeeping, shutdown) stay well under it: TIMEOUTS_PER_SWEEP_MAX is
 * 256 and shutdown yields to the shell when the pool is spent.
 * @module
 */
import { MSTCL_LENGTH, MSTNAK_LENGTH, MSTPONG_LENGTH, RPTACK_LENGTH, encodeMstcl, encodeMstnak, encodeMstpong, encodeRptack } from "../../wire/hbp.ts";
import type { Outbox } from "../outbox.ts";

/** Replies of one kind that can wait in the outbox at once (> TIMEOUTS_PER_SWEEP_MAX). */
export const POOL_SLOTS = 320;

class StampRing {
  readonly #buffers: Uint8Array[] = [];
  #cursor = 0;
  #taken = 0;
  #seenClears = -1;

  constructor(
    length: number,
    readonly encode: (target: Uint8Array, offset: number, value: number) => number,
  ) {
    // One backing store, exact-length views made once here (never per packet).
    const backing = new Uint8Array(length * POOL_SLOTS);
    for (let i = 0; i < POOL_SLOTS; i++) this.#buffers.push(backing.subarray(i * length, (i + 1) * length));
  }

  /** A buffer holding this reply for `value`, or null when POOL_SLOTS of this kind wait in the outbox. */
  take(outbox: Outbox, value: number): Uint8Array | null {
    if (outbox.clears !== this.#seenClears) {
      this.#seenClears = outbox.clears;
      this.#taken = 0;
    }
    if (this.#taken === POOL_SLOTS) return null;
    this.#taken++;
    const buffer = this.#buffers[this.#cursor]!;
    this.#cursor = this.#cursor + 1 === POOL_SLOTS ? 0 : this.#cursor + 1;
    this.encode(buffer, 0, value);
    return buffer;
  }

  /** Room for n more before the next drain. */
  room(outbox: Outbox): number {
    return outbox.clears !== this.#seenClears ? POOL_SLOTS : POOL_SLOTS - this.#taken;
  }
}

export class ReplyPool {
  /** RPTACK + repeater id or + salt (same layout, §1.2). */
  readonly ack = new StampRing(RPTACK_LENGTH, encodeRptack);
  readonly nak = new StampRing(MSTNAK_LENGTH, encodeMstnak);
  readonly pong = new StampRing(MSTPONG_LENGTH, encodeMstpong);
  readonly close = new StampRing(MSTCL_LENGTH, encodeMstcl);
}

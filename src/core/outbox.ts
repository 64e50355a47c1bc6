/**
 * Bounded queue of datagrams the core wants sent. The core pushes; the shell drains it after every
 * core entry point (onDatagram, onTick) and sends each entry from `endpoint.socketIndex`. Storage
 * is allocated once; a full outbox drops and counts (never grows).
 *
 * A buffer pushed here must stay unchanged until the shell has drained the outbox, which happens
 * synchronously after the current core call returns. Owners therefore keep one egress buffer per
 * (port, slot) and reuse it from packet to packet.
 *
 * The usual forwarded frame is not such a buffer: `pushStaged` copies the router's staged DMRD
 * (wire/dmrd.ts DmrdStage) with the target's id and flags into a row the outbox owns until the
 * drain — rows side by side, reused from the first after every drain, so the copies a drain sends
 * sit in a few warm cache lines rather than one line per target. While every entry is such a
 * copy (`holdable`), the shell may hold them past the current core call and send the output of
 * several received datagrams in one sendmmsg (shell/udp/udp_host.ts); a plain `push` makes the outbox
 * unholdable until it is drained, so an owner's buffer still goes out before the owner can reuse it.
 * @module
 */
import { assert } from "../lib/assert.ts";
import { copyDmrdWordsStamped, DMRD_LENGTH, DMRD_WORDS } from "../wire/dmrd.ts";
import type { Endpoint } from "./endpoint.ts";

/** Staged rows by default: a drain's worth of copies for a few datagrams of a 1 → 50 fan-out. */
export const DEFAULT_STAGED_ROWS = 512;

export class Outbox {
  readonly capacity: number;
  readonly endpoints: (Endpoint | null)[];
  readonly buffers: (Uint8Array | null)[];
  readonly lengths: Int32Array;
  count = 0;
  dropped = 0;
  /** Drains so far (clear() calls): lets owners of shared reply buffers know which are free again. */
  clears = 0;
  /** Every entry since the last drain is the outbox's own copy (pushStaged): the shell may hold them. */
  holdable = true;
  /** Staged rows, DMRD_WORDS words each (4-byte aligned for the word stores), and a 55-byte view of each. */
  readonly #stagedWords: Int32Array;
  readonly #stagedViews: Uint8Array[];
  /** Rows in use since the last drain. */
  #staged = 0;

  constructor(capacity: number, stagedRows = DEFAULT_STAGED_ROWS) {
    assert(capacity > 0, "Outbox capacity must be positive");
    assert(stagedRows >= 0, "Outbox staged rows must not be negative");
    this.capacity = capacity;
    this.endpoints = new Array<Endpoint | null>(capacity).fill(null);
    this.buffers = new Array<Uint8Array | null>(capacity).fill(null);
    this.lengths = new Int32Array(capacity);
    this.#stagedWords = new Int32Array(stagedRows * DMRD_WORDS);
    this.#stagedViews = [];
    for (let row = 0; row < stagedRows; row++) this.#stagedViews.push(new Uint8Array(this.#stagedWords.buffer, row * DMRD_WORDS * 4, DMRD_LENGTH));
  }

  /**
   * Queue a copy of the staged frame `stage` (wire/dmrd.ts DmrdStage) with `repeaterId` in bytes
   * 11–14 and `flags` in byte 15 (copyDmrdWordsStamped), in a row the outbox owns until the drain.
   * False when no row is free or the outbox is full: the caller sends from its own buffer (push).
   */
  pushStaged(endpoint: Endpoint, stage: Int32Array, repeaterId: number, flags: number): boolean {
    const row = this.#staged;
    if (row === this.#stagedViews.length || this.count === this.capacity) return false;
    this.#staged = row + 1;
    copyDmrdWordsStamped(stage, this.#stagedWords, row * DMRD_WORDS, repeaterId, flags);
    const i = this.count++;
    this.endpoints[i] = endpoint;
    this.buffers[i] = this.#stagedViews[row]!;
    this.lengths[i] = DMRD_LENGTH;
    return true;
  }

  push(endpoint: Endpoint, bytes: Uint8Array, length: number): boolean {
    // the owner may reuse `bytes` after the current core call: drain right after it
    this.holdable = false;
    if (this.count === this.capacity) {
      this.dropped++;
      return false;
    }
    assert(length > 0 && length <= bytes.length, "Outbox.push length out of range");
    const i = this.count++;
    this.endpoints[i] = endpoint;
    this.buffers[i] = bytes;
    this.lengths[i] = length;
    return true;
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.endpoints[i] = null;
      this.buffers[i] = null;
    }
    this.count = 0;
    this.#staged = 0;
    this.holdable = true;
    this.clears++;
  }
}

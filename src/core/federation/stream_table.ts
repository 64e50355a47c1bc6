/**
 * Streams seen on the federation ports (OpenBridge/FBP links and upstream links), shared by all of
 * them: loop control and the FBP metadata side channel.
 *
 * Loop control (freedmr-reference.md §2.5 item 1, done better): the first federation port a stream
 * id arrives on owns it; copies of that stream from any other federation port are dropped — from the
 * first frame on, not from the second as in FreeDMR — and that port is sent one BCSQ. A stream we
 * sent out to links without having received it from one is local: any copy coming back in is
 * dropped. Entries are kept until `memoryMs` after their last frame, so late copies of a finished
 * call are dropped too (item 3; FreeDMR remembers 180 s).
 *
 * Side channel: for each stream the table keeps what FBP v4/v5 egress needs and a 55-byte router
 * frame does not carry — the source server, the source repeater and the hop count to send (the
 * received count + 1; 1 for local streams, §2.3).
 *
 * Storage is an open-addressing hash table over typed arrays (linear probing, backward-shift
 * deletion), sized at construction; when full, new streams are not tracked (counted) and pass.
 * @module
 */
import { assert } from "../../lib/assert.ts";

/** Origin of a stream that was sent out to links but never arrived from one. */
export const ORIGIN_LOCAL = -1;
export const NOT_FOUND = -1;

export interface StreamTableStats {
  tracked: number;
  full: number;
  expired: number;
}

export class FederationStreams {
  readonly capacity: number;
  readonly memoryMs: number;
  /** Number of federation ports (bits in the per-stream masks). */
  readonly portCount: number;
  readonly #mask: number;
  readonly #words: number;
  readonly #used: Uint8Array;
  readonly #streamIds: Uint32Array;
  readonly #origins: Int32Array;
  readonly #hops: Uint8Array;
  readonly #sourceServers: Uint32Array;
  readonly #sourceRepeaters: Uint32Array;
  readonly #lastSeenMs: Float64Array;
  /** Ports we already sent a BCSQ to for this stream. */
  readonly #quenchSent: Uint32Array;
  /** Ports that asked us (BCSQ) to stop sending this stream. */
  readonly #quenchedBy: Uint32Array;
  #count = 0;
  #lastSweepMs = Number.NEGATIVE_INFINITY;
  readonly stats: StreamTableStats = { tracked: 0, full: 0, expired: 0 };

  /** `capacity` is rounded up to a power of two; the table refuses new streams at 7/8 full. */
  constructor(capacity: number, memoryMs: number, portCount: number) {
    assert(capacity >= 8 && capacity <= 1 << 22, "FederationStreams capacity out of range");
    assert(portCount >= 0, "FederationStreams portCount negative");
    let size = 8;
    while (size < capacity) size <<= 1;
    this.capacity = size;
    this.memoryMs = memoryMs;
    this.portCount = portCount;
    this.#mask = size - 1;
    this.#words = Math.max(1, Math.ceil(portCount / 32));
    this.#used = new Uint8Array(size);
    this.#streamIds = new Uint32Array(size);
    this.#origins = new Int32Array(size);
    this.#hops = new Uint8Array(size);
    this.#sourceServers = new Uint32Array(size);
    this.#sourceRepeaters = new Uint32Array(size);
    this.#lastSeenMs = new Float64Array(size);
    this.#quenchSent = new Uint32Array(size * this.#words);
    this.#quenchedBy = new Uint32Array(size * this.#words);
  }

  get size(): number {
    return this.#count;
  }

  /** Slot of `streamId`, or NOT_FOUND. */
  find(streamId: number): number {
    streamId >>>= 0;
    let i = hash(streamId) & this.#mask;
    while (this.#used[i] === 1) {
      if (this.#streamIds[i] === streamId) return i;
      i = (i + 1) & this.#mask;
    }
    return NOT_FOUND;
  }

  /**
   * Add `streamId` (which must not be present). Returns its slot, or NOT_FOUND when the table is
   * full (the stream then passes untracked).
   */
  insert(nowMs: number, streamId: number, origin: number, hopsOut: number, sourceServer: number, sourceRepeater: number): number {
    if (this.#count >= this.capacity - (this.capacity >>> 3)) {
      this.stats.full++;
      return NOT_FOUND;
    }
    streamId >>>= 0;
    let i = hash(streamId) & this.#mask;
    while (this.#used[i] === 1) {
      assert(this.#streamIds[i] !== streamId, "FederationStreams.insert: stream already present");
      i = (i + 1) & this.#mask;
    }
    this.#used[i] = 1;
    this.#streamIds[i] = streamId;
    this.#origins[i] = origin;
    this.#hops[i] = Math.min(255, hopsOut);
    this.#sourceServers[i] = sourceServer;
    this.#sourceRepeaters[i] = sourceRepeater;
    this.#lastSeenMs[i] = nowMs;
    const w = i * this.#words;
    for (let k = 0; k < this.#words; k++) {
      this.#quenchSent[w + k] = 0;
      this.#quenchedBy[w + k] = 0;
    }
    this.#count++;
    this.stats.tracked++;
    return i;
  }

  origin(slot: number): number {
    return this.#origins[slot]!;
  }
  hopsOut(slot: number): number {
    return this.#hops[slot]!;
  }
  sourceServer(slot: number): number {
    return this.#sourceServers[slot]!;
  }
  sourceRepeater(slot: number): number {
    return this.#sourceRepeaters[slot]!;
  }
  lastSeenMs(slot: number): number {
    return this.#lastSeenMs[slot]!;
  }
  touch(slot: number, nowMs: number): void {
    this.#lastSeenMs[slot] = nowMs;
  }

  /** Mark that `port` was sent a BCSQ for this stream; returns false when it already was. */
  markQuenchSent(slot: number, port: number): boolean {
    return setBit(this.#quenchSent, slot * this.#words, port);
  }

  /** Mark that `port` asked us to stop sending this stream. */
  markQuenchedBy(slot: number, port: number): void {
    setBit(this.#quenchedBy, slot * this.#words, port);
  }

  isQuenchedBy(slot: number, port: number): boolean {
    if (port < 0 || port >= this.portCount) return false;
    return (this.#quenchedBy[slot * this.#words + (port >>> 5)]! & (1 << (port & 31))) !== 0;
  }

  /** Forget streams whose last frame is older than `memoryMs`. Runs at most once a second. */
  sweep(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < 1_000) return;
    this.#lastSweepMs = nowMs;
    const limit = nowMs - this.memoryMs;
    let i = 0;
    // A backward shift may move a not-yet-visited entry into slot i; re-examine i in that case.
    while (i < this.capacity) {
      if (this.#used[i] === 1 && this.#lastSeenMs[i]! < limit) {
        this.#remove(i);
        this.stats.expired++;
        continue;
      }
      i++;
    }
  }

  /** Forget everything a port originated (it went down): a stream it carried may now come another way. */
  forgetOrigin(origin: number): void {
    let i = 0;
    while (i < this.capacity) {
      if (this.#used[i] === 1 && this.#origins[i] === origin) {
        this.#remove(i);
        continue;
      }
      i++;
    }
  }

  /** Backward-shift deletion (Knuth 6.4 Algorithm R) keeps probe chains intact without tombstones. */
  #remove(slot: number): void {
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & this.#mask;
      if (this.#used[j] !== 1) break;
      const home = hash(this.#streamIds[j]!) & this.#mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      this.#moveEntry(j, hole);
      hole = j;
    }
    this.#used[hole] = 0;
    this.#count--;
  }

  #moveEntry(from: number, to: number): void {
    this.#used[to] = 1;
    this.#streamIds[to] = this.#streamIds[from]!;
    this.#origins[to] = this.#origins[from]!;
    this.#hops[to] = this.#hops[from]!;
    this.#sourceServers[to] = this.#sourceServers[from]!;
    this.#sourceRepeaters[to] = this.#sourceRepeaters[from]!;
    this.#lastSeenMs[to] = this.#lastSeenMs[from]!;
    const f = from * this.#words;
    const t = to * this.#words;
    for (let k = 0; k < this.#words; k++) {
      this.#quenchSent[t + k] = this.#quenchSent[f + k]!;
      this.#quenchedBy[t + k] = this.#quenchedBy[f + k]!;
    }
  }
}

function setBit(words: Uint32Array, base: number, bit: number): boolean {
  if (bit < 0) return false;
  const index = base + (bit >>> 5);
  const flag = 1 << (bit & 31);
  if ((words[index]! & flag) !== 0) return false;
  words[index] = words[index]! | flag;
  return true;
}

/** Stream ids are random but some sources count up; mix the bits (murmur3 finaliser). */
function hash(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Recently finished streams, for loop control (freedmr-reference.md §2.5 item 3): a copy of a
 * finished stream arriving late (over a second link, or a duplicated terminator) is dropped rather
 * than routed as a new call. A ring of fixed capacity indexed by stream id; the oldest entry is
 * overwritten when full. Stream id 0 (BrandMeister) is never remembered — it names no stream.
 * @module
 */

export const enum FinishReason {
  Terminator = 0,
  Timeout = 1,
  MaxDuration = 2,
  DataComplete = 3,
  Other = 4,
}

export class FinishedStreams {
  readonly #streamIds: Float64Array;
  readonly #sourceIds: Int32Array;
  readonly #portIndexes: Int32Array;
  readonly #finishedAt: Float64Array;
  readonly #reasons: Uint8Array;
  readonly #byStreamId = new Map<number, number>();
  #next = 0;
  #count = 0;

  /** Fields of the last successful `find`. */
  foundPortIndex = -1;
  foundReason: FinishReason = FinishReason.Other;

  constructor(
    readonly capacity: number,
    readonly memoryMs: number,
  ) {
    this.#streamIds = new Float64Array(capacity);
    this.#sourceIds = new Int32Array(capacity);
    this.#portIndexes = new Int32Array(capacity);
    this.#finishedAt = new Float64Array(capacity);
    this.#reasons = new Uint8Array(capacity);
  }

  remember(nowMs: number, streamId: number, sourceId: number, portIndex: number, reason: FinishReason): void {
    if (streamId === 0 || this.capacity === 0) return;
    const existing = this.#byStreamId.get(streamId);
    let i: number;
    if (existing !== undefined && this.#sourceIds[existing] === sourceId) {
      i = existing;
    } else {
      i = this.#next;
      this.#next = (i + 1) % this.capacity;
      if (this.#count === this.capacity) {
        const old = this.#streamIds[i]!;
        if (this.#byStreamId.get(old) === i) this.#byStreamId.delete(old);
      } else {
        this.#count++;
      }
      this.#byStreamId.set(streamId, i);
    }
    this.#streamIds[i] = streamId;
    this.#sourceIds[i] = sourceId;
    this.#portIndexes[i] = portIndex;
    this.#finishedAt[i] = nowMs;
    this.#reasons[i] = reason;
  }

  /** True when (streamId, sourceId) finished within the memory window; sets found* fields. */
  find(nowMs: number, streamId: number, sourceId: number): boolean {
    if (streamId === 0) return false;
    const i = this.#byStreamId.get(streamId);
    if (i === undefined) return false;
    if (this.#sourceIds[i] !== sourceId || nowMs - this.#finishedAt[i]! > this.memoryMs) return false;
    this.foundPortIndex = this.#portIndexes[i]!;
    this.foundReason = this.#reasons[i]! as FinishReason;
    return true;
  }

  /** Keep a stream remembered (a stuck transmitter still sending after its maximum duration). */
  touch(nowMs: number, streamId: number): void {
    const i = this.#byStreamId.get(streamId);
    if (i !== undefined) this.#finishedAt[i] = nowMs;
  }

  /** Forget a stream (it legitimately resumes on its original port). */
  forget(streamId: number): void {
    this.#byStreamId.delete(streamId);
  }
}

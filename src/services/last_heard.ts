/**
 * Bounded rings for the status API: `BoundedRing` (fixed capacity, the oldest entry is overwritten)
 * and the last-heard list built on it, one entry per finished call (`stream.end` event): when,
 * who (source radio id, talker alias), to whom (destination, slot, group/unit), where from (port
 * name) and how it went (duration, frames, frames lost, how it ended).
 * @module
 */
import type { CoreEvent } from "../core/events.ts";

export class BoundedRing<T> {
  /** Grows with the first `capacity` pushes (an empty ring costs no slots), then wraps. */
  readonly #items: (T | undefined)[] = [];
  /** Index the next push writes to. */
  #next = 0;
  #size = 0;
  /** Entries ever pushed (including overwritten ones). */
  pushed = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BoundedRing: capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#size;
  }

  /** Entries overwritten because the ring was full. */
  get overwritten(): number {
    return this.pushed - this.#size;
  }

  push(item: T): void {
    // until full, #next === #items.length: the array grows by one
    if (this.#items.length < this.capacity) this.#items.push(item);
    else this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
    this.pushed++;
  }

  /** Up to `limit` entries, newest first. */
  newestFirst(limit = this.#size): T[] {
    const n = Math.max(0, Math.min(Math.trunc(limit), this.#size));
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.#items[(this.#next - 1 - i + this.capacity * 2) % this.capacity] as T;
    return out;
  }

  clear(): void {
    this.#items.length = 0;
    this.#next = 0;
    this.#size = 0;
  }
}

export type StreamEndEvent = Extract<CoreEvent, { type: "stream.end" }>;

export interface LastHeardEntry {
  /** When the call ended, ISO 8601 (UTC). */
  time: string;
  /** The same, ms since the epoch. */
  timeMs: number;
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  callType: "group" | "unit";
  kind: "voice" | "data";
  talkerAlias: string | null;
  durationMs: number;
  frames: number;
  lost: number;
  /** Lost frames as a percentage of the frames the call should have had (0–100, one decimal). */
  lossPercent: number;
  /** Name of the port the call came from (hotspot "CALL/id", link name). */
  port: string;
  portIndex: number;
  streamId: number;
  endedBy: StreamEndEvent["endedBy"];
}

export class LastHeard {
  readonly ring: BoundedRing<LastHeardEntry>;

  constructor(capacity: number) {
    this.ring = new BoundedRing<LastHeardEntry>(capacity);
  }

  /** Record a finished call; `endedAtWallMs` is the event's time on the wall clock. */
  record(event: StreamEndEvent, endedAtWallMs: number): LastHeardEntry {
    const entry = lastHeardEntry(event, endedAtWallMs);
    this.ring.push(entry);
    return entry;
  }

  /** Up to `limit` calls, the most recent first. */
  list(limit: number): LastHeardEntry[] {
    return this.ring.newestFirst(limit);
  }

  get size(): number {
    return this.ring.size;
  }

  get capacity(): number {
    return this.ring.capacity;
  }
}

/** The last-heard entry of a finished call (also what the store keeps: src/services/store/). */
export function lastHeardEntry(event: StreamEndEvent, endedAtWallMs: number): LastHeardEntry {
  const expected = event.frames + event.lost;
  return {
    time: new Date(endedAtWallMs).toISOString(),
    timeMs: Math.round(endedAtWallMs),
    sourceId: event.sourceId,
    destinationId: event.destinationId,
    slot: event.slot,
    callType: event.callType,
    kind: event.kind,
    talkerAlias: event.talkerAlias,
    durationMs: Math.max(0, Math.round(event.durationMs)),
    frames: event.frames,
    lost: event.lost,
    lossPercent: expected > 0 ? Math.round((event.lost / expected) * 1000) / 10 : 0,
    port: event.portName,
    portIndex: event.portIndex,
    streamId: event.streamId,
    endedBy: event.endedBy,
  };
}

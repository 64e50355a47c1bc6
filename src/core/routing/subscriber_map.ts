/**
 * Subscriber map: where every radio id was last heard (port, slot, time) — FreeDMR's SUB_MAP
 * (freedmr-reference.md §1.14), used to route private voice and unit data. Bounded: entries older
 * than the TTL are ignored and trimmed; at capacity the least recently heard entry is reused (LRU).
 * Learning a known id allocates nothing (fields are updated and the entry moves to the list head);
 * a new id allocates one entry until the map is full, after which entries are recycled.
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";

export class SubscriberEntry {
  radioId = 0;
  port: RouterPort | null = null;
  /** restored from a snapshot (state_records.ts): the hotspot it was heard on, bound to its port at the first lookup after it logs in again; 0 = port is set */
  repeaterId = 0;
  slot: Slot = 1;
  lastHeardMs = 0;
  /** LRU list: newer / older neighbour */
  newer: SubscriberEntry | null = null;
  older: SubscriberEntry | null = null;
}

export class SubscriberMap {
  readonly #byId = new Map<number, SubscriberEntry>();
  /** most recently heard */
  #head: SubscriberEntry | null = null;
  /** least recently heard */
  #tail: SubscriberEntry | null = null;
  evicted = 0;

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.#byId.size;
  }

  learn(nowMs: number, radioId: number, port: RouterPort, slot: Slot): void {
    let entry = this.#byId.get(radioId);
    if (entry === undefined) {
      if (this.#byId.size >= this.capacity) {
        entry = this.#tail!;
        this.#unlink(entry);
        this.#byId.delete(entry.radioId);
        this.evicted++;
      } else {
        entry = new SubscriberEntry();
      }
      entry.radioId = radioId;
      this.#byId.set(radioId, entry);
    } else {
      this.#unlink(entry);
    }
    entry.port = port;
    entry.repeaterId = 0;
    entry.slot = slot;
    entry.lastHeardMs = nowMs;
    this.#pushHead(entry);
  }

  /**
   * A restored entry (state_records.ts): heard on hotspot `repeaterId` at `lastHeardMs`; its port is
   * found when the hotspot is back. Ignored when the id is known already or the map is full.
   */
  restore(radioId: number, repeaterId: number, slot: Slot, lastHeardMs: number): boolean {
    if (this.#byId.has(radioId) || this.#byId.size >= this.capacity) return false;
    const entry = new SubscriberEntry();
    entry.radioId = radioId;
    entry.repeaterId = repeaterId;
    entry.slot = slot;
    entry.lastHeardMs = lastHeardMs;
    this.#byId.set(radioId, entry);
    // restored entries are older than anything heard since: they go in at their age's place
    let older = this.#head;
    while (older !== null && older.lastHeardMs > lastHeardMs) older = older.older;
    if (older === this.#head) {
      this.#pushHead(entry);
      return true;
    }
    const newer = older === null ? this.#tail! : older.newer!;
    entry.newer = newer;
    entry.older = older;
    newer.older = entry;
    if (older !== null) older.newer = entry;
    else this.#tail = entry;
    return true;
  }

  /** Visit entries heard at or after `sinceMs`, most recent first (state export; allocates nothing itself). */
  forEachHeardSince(sinceMs: number, visit: (entry: SubscriberEntry) => void): void {
    for (let entry = this.#head; entry !== null && entry.lastHeardMs >= sinceMs; entry = entry.older) visit(entry);
  }

  /** The entry for `radioId` if it was heard within the TTL (the port may have gone since). */
  lookup(nowMs: number, radioId: number): SubscriberEntry | null {
    const entry = this.#byId.get(radioId);
    if (entry === undefined) return null;
    if (nowMs - entry.lastHeardMs > this.ttlMs) return null;
    return entry;
  }

  /** Drop entries older than the TTL (oldest first; stops at the first fresh one). */
  trim(nowMs: number): void {
    let entry = this.#tail;
    while (entry !== null && nowMs - entry.lastHeardMs > this.ttlMs) {
      const newer = entry.newer;
      this.#unlink(entry);
      this.#byId.delete(entry.radioId);
      entry.port = null;
      entry.repeaterId = 0;
      entry = newer;
    }
  }

  /** Forget where radios on `port` were heard (the port went away). */
  forgetPort(port: RouterPort): void {
    let entry = this.#head;
    while (entry !== null) {
      const older = entry.older;
      if (entry.port === port) {
        this.#unlink(entry);
        this.#byId.delete(entry.radioId);
        entry.port = null;
      }
      entry = older;
    }
  }

  #unlink(entry: SubscriberEntry): void {
    if (entry.newer !== null) entry.newer.older = entry.older;
    else if (this.#head === entry) this.#head = entry.older;
    if (entry.older !== null) entry.older.newer = entry.newer;
    else if (this.#tail === entry) this.#tail = entry.newer;
    entry.newer = null;
    entry.older = null;
  }

  #pushHead(entry: SubscriberEntry): void {
    entry.older = this.#head;
    entry.newer = null;
    if (this.#head !== null) this.#head.newer = entry;
    this.#head = entry;
    if (this.#tail === null) this.#tail = entry;
  }
}

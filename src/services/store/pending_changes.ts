/**
 * Changes waiting for a store's next batch (SQLite's transaction, the KV's writes): coalesced per
 * key — a hotspot changing ten times between two batches is written once, as it is last — with
 * "clear" forgetting everything queued before it. The store decides the bound (`full`).
 * @module
 */
import type { HotspotStateRecord, StateChange, SubscriberRecord } from "../../core/routing/state_records.ts";

export class PendingChanges {
  /** a "clear" came (what is queued now came after it) */
  clear = false;
  readonly hotspots = new Map<number, HotspotStateRecord | null>();
  readonly subscribers = new Map<number, SubscriberRecord>();

  get size(): number {
    return this.hotspots.size + this.subscribers.size;
  }

  /** Queue one change; false when it was dropped (a new key while `full()`). */
  add(change: StateChange, full: () => boolean): boolean {
    switch (change.kind) {
      case "clear":
        this.clear = true;
        this.hotspots.clear();
        this.subscribers.clear();
        return true;
      case "hotspot":
        if (!this.hotspots.has(change.repeaterId) && full()) return false;
        this.hotspots.set(change.repeaterId, change.record);
        return true;
      case "subscriber":
        if (!this.subscribers.has(change.record.radioId) && full()) return false;
        this.subscribers.set(change.record.radioId, change.record);
        return true;
    }
  }
}

/**
 * `[store]` (+ the subscriber-map bounds of `[routing]`) → the state store's options; null when
 * `store.directory` is empty (nothing is kept across restarts).
 * @module
 */
import type { Config } from "./schema.ts";

/** The store's options (src/services/store/ WorkerStoreOptions) plus the core's restore hold. */
export interface StoreOptions {
  readonly directory: string;
  readonly flushIntervalMs: number;
  readonly historyRows: number;
  readonly lastHeardRows: number;
  readonly maxSubscribers: number;
  readonly subscriberTtlMs: number;
  readonly maxQueued: number;
  /** How long restored session state waits for its hotspot (core importState holdMs). */
  readonly restoreHoldMs: number;
}

export function storeOptionsFromConfig(config: Config): StoreOptions | null {
  const s = config.store;
  if (s.directory === "") return null;
  return {
    directory: s.directory,
    flushIntervalMs: Math.round(s.flush_interval_seconds * 1000),
    historyRows: s.history_rows,
    lastHeardRows: s.last_heard_rows,
    maxSubscribers: config.routing.max_subscribers,
    subscriberTtlMs: Math.round(config.routing.subscriber_ttl_hours * 3600_000),
    maxQueued: s.max_queued_changes,
    restoreHoldMs: Math.round(s.restore_wait_minutes * 60_000),
  };
}

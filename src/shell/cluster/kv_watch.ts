/**
 * Follow keys of a JetStream KV bucket (the cluster's shared state: cluster_state.ts,
 * shared_sessions.ts): each entry to `onEntry`; an entry it throws on is handed to `onBadEntry`
 * (ignored and counted there — a writer with another idea of the format never stops the watch);
 * a watch that ends while the owner still runs is reported to `onEnd`; `onCaughtUp` is told once
 * the entries already in the bucket have all been delivered (at the first entry the library marks
 * as an update: the last of those, or the first change after an empty start).
 * @module
 */
import type { KV, KvEntry } from "@nats-io/kv";

export interface KvWatchHandlers {
  /** Only changes from now on (not the entries already in the bucket). */
  readonly updatesOnly?: boolean;
  /** The owner stopped: leave quietly. */
  stopped(): boolean;
  onEntry(entry: KvEntry): void;
  onBadEntry(error: unknown, entry: KvEntry): void;
  onEnd(error: unknown): void;
  onCaughtUp?(): void;
}

export async function watchKv(kv: KV, key: string, handlers: KvWatchHandlers): Promise<void> {
  try {
    const watch = await kv.watch(handlers.updatesOnly === true ? { key, include: "updates" } : { key });
    let caughtUp = false;
    for await (const entry of watch) {
      if (handlers.stopped()) break;
      try {
        handlers.onEntry(entry);
      } catch (error) {
        handlers.onBadEntry(error, entry);
      }
      if (!caughtUp && entry.isUpdate) {
        caughtUp = true;
        handlers.onCaughtUp?.();
      }
    }
  } catch (error) {
    if (!handlers.stopped()) handlers.onEnd(error);
  }
}

/**
 * The one narrow interface for dynamic routing state (KEY locks, self-care settings, hotspot
 * session state, the subscriber map — src/core/routing/state_records.ts): load it at start-up,
 * apply change records while running, fetch one hotspot's record when it logs in, close. SQLite on
 * one node (sqlite_store.ts); the cluster's JetStream KV (src/shell/cluster/kv_state_store.ts)
 * implements the same four calls, both fed the same change records by the packet thread's journal
 * (src/shell/state_journal.ts), and the core never knows which.
 *
 * Contract (test/services/store/state_store_contract.test.ts runs it against both):
 * - `apply` never blocks and never throws — it queues (bounded; beyond the bound a change is
 *   dropped and counted) and the implementation writes in batches; a `{kind: "clear"}` change
 *   supersedes everything this writer applied before it (a full export follows it).
 * - `load` and `fetchHotspot` see every change applied before them (queued ones included).
 * - `fetchHotspot` is the per-login lookup by repeater id (src/shell/login_restore.ts): a hotspot
 *   may log in long after start-up, and in a cluster it may come from another node since. null =
 *   nothing kept (or a record that is not well-formed).
 * - `close` writes what is queued; after it `apply` is ignored.
 * @module
 */
import type { HotspotStateRecord, StateChange, StateSnapshot } from "../../core/routing/state_records.ts";

export type { HotspotStateRecord, StateChange, StateSnapshot };

export interface DynamicStateStore {
  /** The state with every change applied so far (empty when there is none). */
  load(): Promise<StateSnapshot>;
  /** Queue changes; written in the next batch. */
  apply(changes: readonly StateChange[]): void;
  /** One hotspot's record (its login restores it), null when none is kept. */
  fetchHotspot(repeaterId: number): Promise<HotspotStateRecord | null>;
  /** Write what is queued, release the store. */
  close(): Promise<void>;
}

export const EMPTY_SNAPSHOT: StateSnapshot = { hotspots: [], subscribers: [] };

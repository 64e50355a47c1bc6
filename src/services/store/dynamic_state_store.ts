/**
 * The one narrow interface for dynamic routing state (KEY locks, self-care settings, hotspot
 * session state, the subscriber map — src/core/routing/state_records.ts): load it at start-up,
 * apply change records while running, close. SQLite on one node (sqlite_store.ts); a distributed
 * store (NATS KV, issue 13) implements the same three calls, and the core never knows which.
 *
 * Contract: `apply` never blocks and never throws — it queues (bounded; beyond the bound a change
 * is dropped and counted) and the implementation writes in batches; a `{kind: "clear"}` change
 * supersedes everything before it (a full export follows it). `close` writes what is queued.
 * @module
 */
import type { StateChange, StateSnapshot } from "../../core/routing/state_records.ts";

export type { StateChange, StateSnapshot };

export interface DynamicStateStore {
  /** The state as last written (empty when there is none). */
  load(): Promise<StateSnapshot>;
  /** Queue changes; written in the next batch. */
  apply(changes: readonly StateChange[]): void;
  /** Write what is queued, release the store. */
  close(): Promise<void>;
}

export const EMPTY_SNAPSHOT: StateSnapshot = { hotspots: [], subscribers: [] };

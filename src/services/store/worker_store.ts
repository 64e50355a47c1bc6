/**
 * The store inside the services Worker: it owns the SQLite file while the server runs. Change
 * records of the dynamic routing state arrive from the packet thread's journal
 * (src/shell/state_journal.ts); finished calls come from the core's `stream.end` events. Both are
 * queued and written in one transaction every `flushIntervalMs`. At start the dashboard's last
 * heard is filled from the history, so it survives restarts.
 * @module
 */
import type { StateChange } from "../../core/routing/state_records.ts";
import { lastHeardEntry, type LastHeard } from "../last_heard.ts";
import type { WorkerEvent } from "../worker/protocol.ts";
import { SqliteStore, type SqliteStoreOptions, type SqliteStoreStats } from "./sqlite_store.ts";

/** What the Worker is told about the store (WorkerInit.store). */
export interface WorkerStoreOptions extends Omit<SqliteStoreOptions, "wallClockMs"> {
  readonly flushIntervalMs: number;
}

export type StoreLog = (level: "info" | "warn" | "error", msg: string, data?: Record<string, unknown>) => void;

/** Failures logged at most this often. */
const LOG_INTERVAL_MS = 60_000;

export class WorkerStore {
  readonly #store: SqliteStore;
  readonly #log: StoreLog;
  readonly #toWallMs: (atMs: number) => number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #loggedFailures = 0;
  #loggedDropped = 0;
  #lastLogMs = Number.NEGATIVE_INFINITY;

  /** Open the store (null and an error logged when it cannot be opened: the server runs without it). */
  static start(options: WorkerStoreOptions, lastHeard: LastHeard, toWallMs: (atMs: number) => number, log: StoreLog): WorkerStore | null {
    let store: SqliteStore;
    try {
      const opened = SqliteStore.open(options);
      store = opened.store;
      if (opened.movedAside !== null) log("error", "the state store was damaged; it was moved aside and a new one started", { movedAside: opened.movedAside });
    } catch (error) {
      log("error", "cannot open the state store: hotspot state, last heard and call history are not kept across restarts (store.directory)", {
        directory: options.directory,
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
    return new WorkerStore(store, options, lastHeard, toWallMs, log);
  }

  private constructor(store: SqliteStore, options: WorkerStoreOptions, lastHeard: LastHeard, toWallMs: (atMs: number) => number, log: StoreLog) {
    this.#store = store;
    this.#log = log;
    this.#toWallMs = toWallMs;
    // the dashboard's last heard, oldest first into the ring
    const recent = store.recentCalls(lastHeard.capacity);
    for (let i = recent.length - 1; i >= 0; i--) lastHeard.ring.push(recent[i]!);
    this.#timer = setInterval(() => this.flush(), Math.max(100, options.flushIntervalMs));
  }

  get stats(): SqliteStoreStats {
    return this.#store.stats;
  }

  onEvents(events: readonly WorkerEvent[]): void {
    for (const event of events) {
      if (event.type === "stream.end") this.#store.recordCall(lastHeardEntry(event, this.#toWallMs(event.atMs)));
    }
  }

  onState(changes: readonly StateChange[]): void {
    this.#store.apply(changes);
  }

  flush(): void {
    this.#store.flush();
    const s = this.#store.stats;
    if ((s.failures > this.#loggedFailures || s.dropped > this.#loggedDropped) && performance.now() - this.#lastLogMs >= LOG_INTERVAL_MS) {
      this.#lastLogMs = performance.now();
      this.#log("error", "the state store lost changes (write failures or a full queue)", { failures: s.failures, dropped: s.dropped, lastError: s.lastError });
      this.#loggedFailures = s.failures;
      this.#loggedDropped = s.dropped;
    }
  }

  /** Write what is queued and close the file (the Worker is stopping). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#store.close();
  }
}

/**
 * Dynamic routing state across restarts, on the packet thread (src/core/routing/state_records.ts,
 * src/services/store/):
 *
 * - `restoreState` at start-up, before the UDP sockets open: the snapshot is loaded from the store
 *   (`DynamicStateStore.load`; SQLite reads the file at once) and handed to the router
 *   (`importState`). Start-up is not the packet path, and loading here (rather than asking the
 *   services Worker, which starts later) means no hotspot can log in before its state is there; 1,000 hotspots load in milliseconds (bench/store.bench.ts).
 *   The file is closed again: from then on the Worker owns it. The router's journal starts there, so
 *   what the store already holds is not sent back to it.
 * - `StateJournal` every `store.journal_interval_ms` (100 ms by default) asks the router what
 *   changed (`drainStateChanges`: exact records from the owner of the state, a few µs when nothing
 *   changed — bench/state_journal.bench.ts) and hands the same records to every sink: the services
 *   Worker (SQLite, which writes them in batches) and, in a cluster, the shared JetStream KV
 *   (src/shell/cluster/kv_state_store.ts). A sink that was not there to take them (the Worker
 *   starting or restarting, NATS away) gets everything again once it is ("clear" + full export).
 *   `stop` sends the last changes before the Worker stops (SIGTERM); a node killed outright loses
 *   what changed in its last interval (plus, for SQLite, the Worker's unwritten batch).
 * @module
 */
import type { Logger } from "pino";
import type { StateChange, StateSnapshot, ImportResult } from "../core/routing/state_records.ts";
import type { StoreOptions } from "../config/store_options.ts";
import { SqliteStore } from "../services/store/sqlite_store.ts";
import type { DynamicStateStore } from "../services/store/dynamic_state_store.ts";
import { monotonicMs } from "./clock.ts";

/** The router's part the journal uses (the full Router, or nothing for a NullRouter). */
export interface StatefulRouter {
  drainStateChanges(nowMs: number, wallClockMs: number, full?: boolean): StateChange[];
  importState(snapshot: StateSnapshot, nowMs: number, wallClockMs: number, options?: { holdMs?: number }): ImportResult;
}

export function isStatefulRouter(router: unknown): router is StatefulRouter {
  const r = router as Partial<StatefulRouter> | null;
  return typeof r?.drainStateChanges === "function" && typeof r.importState === "function";
}

/** Load the snapshot into the router (errors are logged: the server starts without it). */
export async function restoreState(options: StoreOptions, router: StatefulRouter, log: Logger): Promise<ImportResult | null> {
  const started = performance.now();
  let store: DynamicStateStore;
  let where: string;
  try {
    const opened = SqliteStore.open({ ...options, wallClockMs: Date.now });
    store = opened.store;
    where = opened.store.path;
    if (opened.movedAside !== null) log.error({ movedAside: opened.movedAside }, "the state store was damaged; it was moved aside and a new one started");
  } catch (error) {
    log.error({ err: error, directory: options.directory }, "cannot open the state store (store.directory): starting without the state from before the restart");
    return null;
  }
  try {
    // through the narrow interface (a distributed store implements the same load)
    const snapshot = await store.load();
    const result = router.importState(snapshot, monotonicMs(), Date.now(), { holdMs: options.restoreHoldMs });
    // the journal starts here: the store holds what was just imported, so only changes from now on
    // are sent (no full export of what the store already has while hotspots log in again)
    router.drainStateChanges(monotonicMs(), Date.now());
    log.info({ ...result, file: where, ms: Math.round(performance.now() - started) }, "state restored: hotspots find their talkgroups, dial links and options when they log in again");
    return result;
  } catch (error) {
    log.error({ err: error, file: where }, "could not read the state store: starting without the state from before the restart");
    return null;
  } finally {
    await store.close();
  }
}

/**
 * Where the journal's changes go: the services Worker's SQLite store (posted), the cluster's KV
 * store (applied in this thread, src/shell/cluster/kv_state_store.ts). Every sink gets the same
 * records; a sink that could not take them (not accepting, or `post` false) gets everything again
 * ("clear" + full export) once it can.
 */
export interface StateSink {
  readonly name: string;
  /** Whether it can take changes now. */
  accepting(): boolean;
  /** Take changes; false = they were not all taken (everything is sent again next time). */
  post(changes: readonly StateChange[]): boolean;
}

/** How often the router is asked by default: a node killed outright loses at most this much of its changes. */
export const DEFAULT_JOURNAL_INTERVAL_MS = 100;

export interface StateJournalOptions {
  readonly router: StatefulRouter;
  /** Where changes go (more can be added with `addSink`). */
  readonly sinks?: readonly StateSink[];
  /** How often the router is asked (default DEFAULT_JOURNAL_INTERVAL_MS). */
  readonly intervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /** The router's journal was started by `restoreState` (the first sinks' store has its state): no full export first. */
  readonly primed?: boolean;
}

interface SinkState {
  readonly sink: StateSink;
  needFull: boolean;
  /** accepting at this drain */
  takes: boolean;
}

export class StateJournal {
  readonly #o: StateJournalOptions;
  readonly #sinks: SinkState[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;
  /** changes posted so far (tests, status; counted once however many sinks took them) */
  posted = 0;

  constructor(options: StateJournalOptions) {
    this.#o = options;
    for (const sink of options.sinks ?? []) this.#sinks.push({ sink, needFull: options.primed !== true, takes: false });
  }

  /** Another sink (it gets everything first). */
  addSink(sink: StateSink): void {
    this.#sinks.push({ sink, needFull: true, takes: false });
  }

  start(): void {
    this.#timer ??= setInterval(() => this.drain(), Math.max(20, this.#o.intervalMs ?? DEFAULT_JOURNAL_INTERVAL_MS));
  }

  /** A sink's owner (re)started (by name; all when none is named): send it everything again. */
  resend(name?: string): void {
    for (const s of this.#sinks) if (name === undefined || s.sink.name === name) s.needFull = true;
  }

  /**
   * Ask the router what changed and hand it to every sink that can take it. Nothing is asked when
   * no sink can take anything (the router keeps marking: it all goes in the next full export).
   */
  drain(): void {
    let accepting = 0;
    let full = false;
    for (const s of this.#sinks) {
      s.takes = s.sink.accepting();
      if (s.takes) {
        accepting++;
        if (s.needFull) full = true;
      } else {
        s.needFull = true;
      }
    }
    if (accepting === 0) return;
    let changes: StateChange[];
    try {
      changes = this.#o.router.drainStateChanges(monotonicMs(), Date.now(), full);
    } catch (error) {
      for (const s of this.#sinks) s.needFull = true;
      this.#o.onError?.(error);
      return;
    }
    if (changes.length === 0) return;
    for (const s of this.#sinks) {
      if (!s.takes) continue;
      try {
        s.needFull = !s.sink.post(changes);
      } catch (error) {
        s.needFull = true;
        this.#o.onError?.(error);
      }
    }
    this.posted += changes.length;
  }

  /** The last changes, then no more (before the stores' owners stop). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.drain();
  }
}

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
 * - `StateJournal` every second asks the router what changed (`drainStateChanges`: exact records
 *   from the owner of the state, cheap when nothing changed) and posts them to the Worker, which
 *   writes them in batches. When the Worker was not there to take them (starting, restarting),
 *   everything is sent again once it is ("clear" + full export). `stop` sends the last changes
 *   before the Worker stops (SIGTERM); after a crash at most the last batch is lost.
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

export interface StateJournalOptions {
  readonly router: StatefulRouter;
  /** Hand changes to the store's owner; false when it cannot take them now. */
  readonly post: (changes: StateChange[]) => boolean;
  /** Whether it can take changes now (when not, nothing is drained: everything goes once it can). */
  readonly accepting?: () => boolean;
  /** How often the router is asked (default 1000 ms). */
  readonly intervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /** The router's journal was started by `restoreState` (the store has its state): no full export first. */
  readonly primed?: boolean;
}

export class StateJournal {
  readonly #o: StateJournalOptions;
  #timer: ReturnType<typeof setInterval> | null = null;
  #needFull = true;
  /** changes posted so far (tests, status) */
  posted = 0;

  constructor(options: StateJournalOptions) {
    this.#o = options;
    this.#needFull = options.primed !== true;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.drain(), Math.max(50, this.#o.intervalMs ?? 1000));
  }

  /** The store's owner (re)started: send everything again. */
  resend(): void {
    this.#needFull = true;
  }

  drain(): void {
    if (this.#o.accepting !== undefined && !this.#o.accepting()) {
      this.#needFull = true;
      return;
    }
    try {
      const changes = this.#o.router.drainStateChanges(monotonicMs(), Date.now(), this.#needFull);
      if (changes.length === 0) return;
      if (this.#o.post(changes)) {
        this.#needFull = false;
        this.posted += changes.length;
      } else {
        this.#needFull = true;
      }
    } catch (error) {
      this.#needFull = true;
      this.#o.onError?.(error);
    }
  }

  /** The last changes, then no more (before the store's owner stops). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.drain();
  }
}

/**
 * The SQLite store (bun:sqlite) in the state directory: dynamic routing state (DynamicStateStore:
 * hotspots' KEY locks, self-care settings and session state; the subscriber map), the call history
 * and the last-heard table (one row per radio).
 *
 * SD-card friendly: WAL, synchronous=NORMAL (a commit is not an fsync; a power cut loses at most
 * the last batches, never the file), every change is queued in memory — coalesced by key, so a
 * hotspot changing ten times between two batches is written once — and written in one transaction
 * per batch (`flush`, every few seconds from the owner's timer). Bounded: the queue (beyond
 * `maxQueued` a change is dropped and counted), the history (`historyRows`, oldest go), the
 * last-heard table (`lastHeardRows`), the subscriber map (`maxSubscribers`, older than the TTL go).
 * Nothing is written while nothing happens (keepalives are not state).
 *
 * One writer: the services Worker owns the file while the server runs. The packet thread opens it
 * once at start-up, before the Worker, to load the snapshot (`load`), and closes it.
 * @module
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { HotspotStateRecord, StateChange, StateSnapshot, SubscriberRecord } from "../../core/routing/state_records.ts";
import type { LastHeardEntry } from "../last_heard.ts";
import type { DynamicStateStore } from "./dynamic_state_store.ts";
import { PendingChanges } from "./pending_changes.ts";

export const STORE_FILE = "freedmr.sqlite";
const SCHEMA_VERSION = 1;

export interface SqliteStoreOptions {
  /** The state directory (created if missing); the file is `<directory>/freedmr.sqlite`. */
  readonly directory: string;
  /** Finished calls kept (the dashboard's last heard is loaded from the newest). */
  readonly historyRows: number;
  /** Radios kept in the last-heard table (one row per radio, its latest call). */
  readonly lastHeardRows: number;
  /** Subscriber-map rows kept at most, and how long one is worth keeping. */
  readonly maxSubscribers: number;
  readonly subscriberTtlMs: number;
  /** Changes queued between two batches at most (hotspots + subscribers + calls). */
  readonly maxQueued: number;
  /** Wall clock (ms since the epoch) for pruning the subscriber map (default Date.now). */
  readonly wallClockMs?: () => number;
}

export interface SqliteStoreStats {
  batches: number;
  /** rows written (inserted, replaced or deleted) in batches */
  rowsWritten: number;
  /** changes and calls dropped because the queue was full */
  dropped: number;
  /** batches that failed (the error is kept; their changes are lost) */
  failures: number;
  lastError: string | null;
  queued: number;
}

/** A file that is not a usable database is moved aside (named in the result) and a fresh one made. */
export interface OpenResult {
  store: SqliteStore;
  movedAside: string | null;
}

export class SqliteStore implements DynamicStateStore {
  readonly path: string;
  readonly #o: SqliteStoreOptions;
  readonly #db: Database;
  readonly #wall: () => number;
  readonly #q = new PendingChanges();
  #calls: LastHeardEntry[] = [];
  #lastHeardCount: number;
  #subscriberCount: number;
  #lastExpiryWallMs = 0;
  #closed = false;
  readonly stats: SqliteStoreStats = { batches: 0, rowsWritten: 0, dropped: 0, failures: 0, lastError: null, queued: 0 };
  readonly #st: {
    getHotspot: Statement;
    putHotspot: Statement;
    deleteHotspot: Statement;
    putSubscriber: Statement;
    insertCall: Statement;
    trimCalls: Statement;
    putLastHeard: Statement;
    trimLastHeard: Statement;
    expireSubscribers: Statement;
    trimSubscribers: Statement;
  };

  /** Open (creating the directory, file and tables); a corrupt file is moved aside first. */
  static open(options: SqliteStoreOptions): OpenResult {
    mkdirSync(options.directory, { recursive: true, mode: 0o750 });
    const path = join(options.directory, STORE_FILE);
    try {
      return { store: new SqliteStore(path, options), movedAside: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/not a database|malformed|corrupt/i.test(message)) throw error;
      const aside = `${path}.corrupt-${Date.now()}`;
      renameSync(path, aside);
      for (const suffix of ["-wal", "-shm"]) {
        try {
          renameSync(path + suffix, aside + suffix);
        } catch {
          // not there
        }
      }
      return { store: new SqliteStore(path, options), movedAside: aside };
    }
  }

  private constructor(path: string, options: SqliteStoreOptions) {
    this.path = path;
    this.#o = options;
    this.#wall = options.wallClockMs ?? Date.now;
    const db = new Database(path, { create: true, readwrite: true, strict: true });
    try {
      // small pages: a batch changes a few rows in a few tables, and every changed page is written
      // twice (WAL, then checkpoint); 1 KiB pages write less than half of what 4 KiB pages do
      // (bench/store.bench.ts). Takes effect when the file is created.
      db.exec("PRAGMA page_size = 1024");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      // the WAL is reused after each checkpoint; never left larger than this on disk
      db.exec("PRAGMA journal_size_limit = 4194304");
      db.exec("PRAGMA busy_timeout = 2000");
      db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS hotspots (repeater_id INTEGER PRIMARY KEY, record TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS subscribers (radio_id INTEGER PRIMARY KEY, repeater_id INTEGER NOT NULL, slot INTEGER NOT NULL, heard_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS subscribers_heard_at ON subscribers (heard_at);
        CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY, ended_at INTEGER NOT NULL, entry TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS last_heard (source_id INTEGER PRIMARY KEY, heard_at INTEGER NOT NULL, entry TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS last_heard_heard_at ON last_heard (heard_at);`);
      once(db, "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
      // a read that fails on a corrupt file here, not later
      once(db, "SELECT count(*) AS n FROM hotspots").get();
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#st = {
      getHotspot: db.prepare("SELECT record FROM hotspots WHERE repeater_id = ?"),
      putHotspot: db.prepare("INSERT OR REPLACE INTO hotspots (repeater_id, record) VALUES (?, ?)"),
      deleteHotspot: db.prepare("DELETE FROM hotspots WHERE repeater_id = ?"),
      putSubscriber: db.prepare("INSERT OR REPLACE INTO subscribers (radio_id, repeater_id, slot, heard_at) VALUES (?, ?, ?, ?)"),
      insertCall: db.prepare("INSERT INTO calls (ended_at, entry) VALUES (?, ?)"),
      trimCalls: db.prepare("DELETE FROM calls WHERE id <= (SELECT max(id) FROM calls) - ?"),
      putLastHeard: db.prepare("INSERT OR REPLACE INTO last_heard (source_id, heard_at, entry) VALUES (?, ?, ?)"),
      trimLastHeard: db.prepare("DELETE FROM last_heard WHERE source_id IN (SELECT source_id FROM last_heard ORDER BY heard_at LIMIT ?)"),
      expireSubscribers: db.prepare("DELETE FROM subscribers WHERE heard_at < ?"),
      trimSubscribers: db.prepare("DELETE FROM subscribers WHERE radio_id IN (SELECT radio_id FROM subscribers ORDER BY heard_at LIMIT ?)"),
    };
    this.#lastHeardCount = (once(db, "SELECT count(*) AS n FROM last_heard").get() as { n: number }).n;
    this.#subscriberCount = (once(db, "SELECT count(*) AS n FROM subscribers").get() as { n: number }).n;
  }

  // ---- DynamicStateStore ---------------------------------------------------------------------

  /** Queued changes are written first, then the file is read. */
  load(): Promise<StateSnapshot> {
    this.flush();
    return Promise.resolve(this.loadSync());
  }

  /** A queued change of this hotspot if there is one, otherwise its row (null: none, or unreadable). */
  fetchHotspot(repeaterId: number): Promise<HotspotStateRecord | null> {
    if (this.#q.hotspots.has(repeaterId)) return Promise.resolve(this.#q.hotspots.get(repeaterId) ?? null);
    if (this.#q.clear || this.#closed) return Promise.resolve(null);
    const row = this.#st.getHotspot.get(repeaterId) as { record: string } | null;
    if (row === null) return Promise.resolve(null);
    try {
      const record = JSON.parse(row.record) as HotspotStateRecord;
      return Promise.resolve(record?.repeaterId === repeaterId ? record : null);
    } catch {
      return Promise.resolve(null); // a damaged row
    }
  }

  /** The snapshot, read at once (start-up: nothing else runs yet). Unreadable rows are skipped. */
  loadSync(): StateSnapshot {
    const hotspots: HotspotStateRecord[] = [];
    for (const row of once(this.#db, "SELECT record FROM hotspots ORDER BY repeater_id").all() as { record: string }[]) {
      try {
        hotspots.push(JSON.parse(row.record) as HotspotStateRecord);
      } catch {
        // a damaged row: skipped
      }
    }
    const oldest = this.#wall() - this.#o.subscriberTtlMs;
    const subscribers = (
      once(this.#db, "SELECT radio_id, repeater_id, slot, heard_at FROM subscribers WHERE heard_at >= ? ORDER BY heard_at DESC LIMIT ?").all(oldest, this.#o.maxSubscribers) as {
        radio_id: number;
        repeater_id: number;
        slot: number;
        heard_at: number;
      }[]
    ).map((r): SubscriberRecord => ({ radioId: r.radio_id, repeaterId: r.repeater_id, slot: r.slot === 1 ? 1 : 2, heardAtWallMs: r.heard_at }));
    return { hotspots, subscribers };
  }

  apply(changes: readonly StateChange[]): void {
    if (this.#closed) return;
    for (const change of changes) if (!this.#q.add(change, this.#isFull)) this.stats.dropped++;
    this.stats.queued = this.#queued();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    // Prepared statements keep a connection open after close() (SQLite's close_v2 only marks it a
    // zombie until they are finalized by the garbage collector), and an open connection keeps
    // the -wal/-shm files: finalize them so the file is really closed and the WAL removed.
    for (const statement of Object.values(this.#st)) {
      try {
        (statement as { finalize(): void }).finalize();
      } catch {
        // already finalized
      }
    }
    try {
      this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch {
      // another connection still reading: the next open checkpoints
    }
    this.#db.close();
  }

  // ---- call history and last heard -------------------------------------------------------------

  /** Queue a finished call (history and the radio's last-heard row). */
  recordCall(entry: LastHeardEntry): void {
    if (this.#closed || this.#o.historyRows + this.#o.lastHeardRows === 0) return;
    if (this.#full()) {
      this.stats.dropped++;
      return;
    }
    this.#calls.push(entry);
    this.stats.queued = this.#queued();
  }

  /** The newest `limit` calls of the history, newest first. */
  recentCalls(limit: number): LastHeardEntry[] {
    const rows = once(this.#db, "SELECT entry FROM calls ORDER BY id DESC LIMIT ?").all(Math.max(0, Math.trunc(limit))) as { entry: string }[];
    const out: LastHeardEntry[] = [];
    for (const row of rows) {
      try {
        out.push(JSON.parse(row.entry) as LastHeardEntry);
      } catch {
        // skipped
      }
    }
    return out;
  }

  /** One radio's latest call (null when not in the table). */
  lastHeardOf(sourceId: number): LastHeardEntry | null {
    const row = once(this.#db, "SELECT entry FROM last_heard WHERE source_id = ?").get(sourceId) as { entry: string } | null;
    return row === null ? null : (JSON.parse(row.entry) as LastHeardEntry);
  }

  /** Row counts (tests, bench). */
  counts(): { hotspots: number; subscribers: number; calls: number; lastHeard: number } {
    const n = (table: string): number => (once(this.#db, `SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { hotspots: n("hotspots"), subscribers: n("subscribers"), calls: n("calls"), lastHeard: n("last_heard") };
  }

  // ---- the batch -------------------------------------------------------------------------------

  /** Write everything queued in one transaction; returns the rows written (0 when nothing was queued). */
  flush(): number {
    if (this.#closed || (!this.#q.clear && this.#queued() === 0)) return 0;
    const clear = this.#q.clear;
    const hotspots = [...this.#q.hotspots];
    const subscribers = [...this.#q.subscribers.values()];
    const calls = this.#calls;
    this.#q.clear = false;
    this.#q.hotspots.clear();
    this.#q.subscribers.clear();
    this.#calls = [];
    this.stats.queued = 0;
    const st = this.#st;
    const o = this.#o;
    let rows = 0;
    try {
      this.#db.transaction(() => {
        if (clear) {
          rows += once(this.#db, "DELETE FROM hotspots").run().changes;
          rows += once(this.#db, "DELETE FROM subscribers").run().changes;
          this.#subscriberCount = 0;
        }
        for (const [id, record] of hotspots) {
          rows += record === null ? st.deleteHotspot.run(id).changes : st.putHotspot.run(id, JSON.stringify(record)).changes;
        }
        for (const s of subscribers) rows += st.putSubscriber.run(s.radioId, s.repeaterId, s.slot, Math.round(s.heardAtWallMs)).changes;
        if (subscribers.length > 0) {
          this.#subscriberCount += subscribers.length; // an upper bound (replaced rows count too); corrected by the trims below
          rows += this.#trimSubscribers();
        }
        if (calls.length > 0) {
          if (o.historyRows > 0) {
            for (const c of calls) rows += st.insertCall.run(c.timeMs, JSON.stringify(c)).changes;
            rows += st.trimCalls.run(o.historyRows).changes;
          }
          if (o.lastHeardRows > 0) {
            for (const c of calls) rows += st.putLastHeard.run(c.sourceId, c.timeMs, JSON.stringify(c)).changes;
            this.#lastHeardCount += calls.length;
            if (this.#lastHeardCount > o.lastHeardRows) {
              this.#lastHeardCount = (once(this.#db, "SELECT count(*) AS n FROM last_heard").get() as { n: number }).n;
              const excess = this.#lastHeardCount - o.lastHeardRows;
              if (excess > 0) {
                const deleted = st.trimLastHeard.run(excess).changes;
                rows += deleted;
                this.#lastHeardCount -= deleted;
              }
            }
          }
        }
      })();
      this.stats.batches++;
      this.stats.rowsWritten += rows;
      return rows;
    } catch (error) {
      this.stats.failures++;
      this.stats.lastError = error instanceof Error ? error.message : String(error);
      return 0;
    }
  }

  #trimSubscribers(): number {
    let rows = 0;
    const wall = this.#wall();
    // entries older than the TTL go at most every ten minutes, or at once when the table is full
    if (this.#subscriberCount <= this.#o.maxSubscribers && wall - this.#lastExpiryWallMs < 600_000) return 0;
    this.#lastExpiryWallMs = wall;
    rows += this.#st.expireSubscribers.run(wall - this.#o.subscriberTtlMs).changes;
    this.#subscriberCount = (once(this.#db, "SELECT count(*) AS n FROM subscribers").get() as { n: number }).n;
    const excess = this.#subscriberCount - this.#o.maxSubscribers;
    if (excess > 0) {
      const deleted = this.#st.trimSubscribers.run(excess).changes;
      rows += deleted;
      this.#subscriberCount -= deleted;
    }
    return rows;
  }

  #queued(): number {
    return this.#q.size + this.#calls.length;
  }

  #full(): boolean {
    return this.#queued() >= this.#o.maxQueued;
  }

  readonly #isFull = (): boolean => this.#full();
}

/**
 * A statement used once: finalized as soon as it has run (see close()), so that no forgotten
 * statement keeps the connection (and its -wal/-shm files) open after the store is closed.
 */
function once(db: Database, sql: string): { run(...params: unknown[]): { changes: number }; get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] } {
  const statement = db.prepare(sql);
  const done = <T>(value: T): T => {
    statement.finalize();
    return value;
  };
  return {
    run: (...params) => done(statement.run(...(params as never[])) as { changes: number }),
    get: (...params) => done(statement.get(...(params as never[]))),
    all: (...params) => done(statement.all(...(params as never[]))),
  };
}

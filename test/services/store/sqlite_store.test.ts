/**
 * The SQLite state store (src/services/store/sqlite_store.ts) on a temporary directory: WAL,
 * batching (one transaction per flush, changes coalesced per key), bounds (queue, history,
 * last heard, subscribers), load round trip, "clear", a damaged file moved aside.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HotspotStateRecord } from "../../../src/core/routing/state_records.ts";
import type { LastHeardEntry } from "../../../src/services/last_heard.ts";
import { SqliteStore, STORE_FILE, type SqliteStoreOptions } from "../../../src/services/store/sqlite_store.ts";

const root = mkdtempSync(join(tmpdir(), "freedmr-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const WALL = Date.UTC(2026, 11, 4, 20, 0, 0);

function open(over: Partial<SqliteStoreOptions> = {}): { store: SqliteStore; dir: string; options: SqliteStoreOptions } {
  const dir = join(root, `s${n++}`, "state");
  const options: SqliteStoreOptions = { directory: dir, historyRows: 100, lastHeardRows: 100, maxSubscribers: 1000, subscriberTtlMs: 24 * 3600_000, maxQueued: 1000, wallClockMs: () => WALL, ...over };
  return { store: SqliteStore.open(options).store, dir, options };
}

function hotspot(id: number, tg = 2350): HotspotStateRecord {
  return { repeaterId: id, optionKey: "k", settings: null, session: { options: "TS2=1;KEY=k", dynamic: [{ slot: 2, talkgroupId: tg, origin: "traffic", expiresAtWallMs: WALL + 600_000 }], dial: { reflector: 91, expiresAtWallMs: 0 }, relinkAtWallMs: 0 } };
}

function call(sourceId: number, timeMs: number): LastHeardEntry {
  return { time: new Date(timeMs).toISOString(), timeMs, sourceId, destinationId: 2350, slot: 2, callType: "group", kind: "voice", talkerAlias: null, durationMs: 1000, frames: 17, lost: 0, lossPercent: 0, port: "HS", portIndex: 0, streamId: sourceId, endedBy: "terminator" };
}

describe("SqliteStore", () => {
  test("creates the directory and a WAL database; nothing is written before a flush; the snapshot round-trips", async () => {
    const { store, dir, options } = open();
    expect(existsSync(join(dir, STORE_FILE))).toBe(true);
    const raw = new Database(join(dir, STORE_FILE), { readonly: true });
    expect((raw.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    raw.close();
    store.apply([
      { kind: "hotspot", repeaterId: 2340001, record: hotspot(2340001) },
      { kind: "subscriber", record: { radioId: 3120001, repeaterId: 2340001, slot: 2, heardAtWallMs: WALL - 1000 } },
    ]);
    expect(store.counts().hotspots).toBe(0);
    expect(store.flush()).toBe(2);
    expect(store.flush()).toBe(0); // nothing queued: no transaction at all
    await store.close();
    const again = SqliteStore.open(options).store;
    const snap = await again.load();
    expect(snap.hotspots).toEqual([hotspot(2340001)]);
    expect(snap.subscribers).toEqual([{ radioId: 3120001, repeaterId: 2340001, slot: 2, heardAtWallMs: WALL - 1000 }]);
    await again.close();
  });

  test("changes are coalesced per key between batches: ten changes of one hotspot are one row write", () => {
    const { store } = open();
    for (let i = 0; i < 10; i++) store.apply([{ kind: "hotspot", repeaterId: 2340001, record: hotspot(2340001, 100 + i) }]);
    expect(store.stats.queued).toBe(1);
    expect(store.flush()).toBe(1);
    expect(store.loadSync().hotspots[0]!.session!.dynamic[0]!.talkgroupId).toBe(109);
    store.apply([{ kind: "hotspot", repeaterId: 2340001, record: null }]);
    store.flush();
    expect(store.counts().hotspots).toBe(0);
    void store.close();
  });

  test("'clear' forgets everything before it (a full export follows)", () => {
    const { store } = open();
    store.apply([1, 2, 3].map((i) => ({ kind: "hotspot" as const, repeaterId: i, record: hotspot(i) })));
    store.flush();
    store.apply([{ kind: "hotspot", repeaterId: 9, record: hotspot(9) }, { kind: "clear" }, { kind: "hotspot", repeaterId: 2, record: hotspot(2) }]);
    store.flush();
    expect(store.loadSync().hotspots.map((h) => h.repeaterId)).toEqual([2]);
    void store.close();
  });

  test("bounded: the queue drops and counts; history, last heard and subscribers keep their newest rows", () => {
    const { store } = open({ maxQueued: 5, historyRows: 4, lastHeardRows: 3, maxSubscribers: 2 });
    store.apply([1, 2, 3, 4, 5, 6, 7].map((i) => ({ kind: "hotspot" as const, repeaterId: i, record: hotspot(i) })));
    expect(store.stats.dropped).toBe(2);
    store.flush();
    expect(store.counts().hotspots).toBe(5);
    for (let i = 0; i < 4; i++) store.recordCall(call(3120000 + i, WALL + i));
    store.flush();
    for (let i = 4; i < 8; i++) store.recordCall(call(3120000 + i, WALL + i));
    store.flush();
    expect(store.counts().calls).toBe(4);
    expect(store.recentCalls(10).map((c) => c.sourceId)).toEqual([3120007, 3120006, 3120005, 3120004]);
    expect(store.counts().lastHeard).toBe(3);
    expect(store.lastHeardOf(3120007)?.timeMs).toBe(WALL + 7);
    expect(store.lastHeardOf(3120000)).toBeNull();
    store.apply([1, 2, 3, 4].map((i) => ({ kind: "subscriber" as const, record: { radioId: 3130000 + i, repeaterId: 1, slot: 1 as const, heardAtWallMs: WALL - 10 + i } })));
    store.flush();
    expect(store.counts().subscribers).toBe(2);
    expect(store.loadSync().subscribers.map((s) => s.radioId)).toEqual([3130004, 3130003]);
    void store.close();
  });

  test("subscribers older than the TTL are not loaded", () => {
    const { store } = open({ subscriberTtlMs: 60_000 });
    store.apply([
      { kind: "subscriber", record: { radioId: 1, repeaterId: 5, slot: 1, heardAtWallMs: WALL - 120_000 } },
      { kind: "subscriber", record: { radioId: 2, repeaterId: 5, slot: 2, heardAtWallMs: WALL - 1_000 } },
    ]);
    store.flush();
    expect(store.loadSync().subscribers.map((s) => s.radioId)).toEqual([2]);
    void store.close();
  });

  test("a damaged file is moved aside and a fresh store starts", () => {
    const dir = join(root, "damaged");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, STORE_FILE), "this is not a database, just text ".repeat(200));
    const opened = SqliteStore.open({ directory: dir, historyRows: 10, lastHeardRows: 10, maxSubscribers: 10, subscriberTtlMs: 1000, maxQueued: 10 });
    expect(opened.movedAside).not.toBeNull();
    expect(readdirSync(dir).some((f) => f.startsWith(`${STORE_FILE}.corrupt-`))).toBe(true);
    expect(opened.store.loadSync()).toEqual({ hotspots: [], subscribers: [] });
    void opened.store.close();
  });
});

/**
 * The narrow state-store interface (src/services/store/dynamic_state_store.ts) as a contract, run
 * against both implementations: SQLite in a temporary directory (sqlite_store.ts) and the cluster's
 * JetStream KV on a real nats-server (src/shell/cluster/kv_state_store.ts). The same change
 * sequence gives the same `load`, `fetchHotspot`, "clear" and `close` results on both — a scripted
 * sequence, and a seeded random one applied to both side by side and compared after every step.
 * The KV part needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import type { HotspotStateRecord, StateChange, SubscriberRecord } from "../../../src/core/routing/state_records.ts";
import { Prng } from "../../../src/lib/prng.ts";
import type { DynamicStateStore } from "../../../src/services/store/dynamic_state_store.ts";
import { SqliteStore, STORE_FILE } from "../../../src/services/store/sqlite_store.ts";
import { KvStateStore, openStateBuckets, type StateBuckets } from "../../../src/shell/cluster/kv_state_store.ts";
import { testSeed } from "../../support/seed.ts";
import { natsServerMissing, startNatsServer, stopAllNats, type NatsServer } from "../../cluster/support/nats_server.ts";
import { describeWithNats } from "../../cluster/support/nats_suite.ts";

const TTL_MS = 3600_000;
const WALL = Date.now();
const root = mkdtempSync(join(tmpdir(), "freedmr-contract-"));

interface Opened {
  store: DynamicStateStore;
  dropped(): number;
}

interface Backend {
  readonly name: string;
  open(maxQueued?: number): Promise<Opened>;
  /** a record that is not well-formed where hotspot `repeaterId` is kept */
  corrupt(repeaterId: number): Promise<void>;
}

let serial = 0;

function sqliteBackend(): Backend {
  const directory = join(root, `sqlite-${serial++}`);
  return {
    name: "sqlite",
    async open(maxQueued = 1000) {
      const store = SqliteStore.open({ directory, historyRows: 10, lastHeardRows: 10, maxSubscribers: 1000, subscriberTtlMs: TTL_MS, maxQueued }).store;
      return { store, dropped: () => store.stats.dropped };
    },
    async corrupt(repeaterId) {
      const db = new Database(join(directory, STORE_FILE));
      db.prepare("INSERT OR REPLACE INTO hotspots (repeater_id, record) VALUES (?, ?)").run(repeaterId, "{not json");
      db.close();
    },
  };
}

async function kvBackend(nc: NatsConnection, nodeId = 7): Promise<Backend & { buckets: StateBuckets }> {
  const buckets = await openStateBuckets(nc, `contract${serial++}`, 1, TTL_MS);
  return {
    name: "kv",
    buckets,
    async open(maxQueued = 1000) {
      const store = new KvStateStore({ nodeId, subscriberTtlMs: TTL_MS, subscriberRefreshMs: 0, maxQueued });
      store.attach(buckets);
      return { store, dropped: () => store.stats.dropped };
    },
    async corrupt(repeaterId) {
      await buckets.state.put(`hs.${repeaterId}`, new TextEncoder().encode("{not json"));
    },
  };
}

function record(repeaterId: number, talkgroupId: number, withSettings = false): HotspotStateRecord {
  return {
    repeaterId,
    optionKey: withSettings ? "k3y" : null,
    settings: withSettings ? { ts1Static: [3100, 3101], ts2Static: null, defaultReflector: 91, uaTimerMinutes: 30, singleMode: true, language: "de_DE" } : null,
    session: {
      options: withSettings ? "TS1=3100,3101;KEY=k3y" : "",
      dynamic: [{ slot: 2, talkgroupId, origin: "traffic", expiresAtWallMs: WALL + 600_000 }],
      dial: { reflector: 92, expiresAtWallMs: WALL + 300_000 },
      relinkAtWallMs: 0,
    },
  };
}

const sub = (radioId: number, repeaterId: number, slot: 1 | 2, agoMs: number): SubscriberRecord => ({ radioId, repeaterId, slot, heardAtWallMs: WALL - agoMs });
const hs = (r: HotspotStateRecord | null, repeaterId = r?.repeaterId ?? 0): StateChange => ({ kind: "hotspot", repeaterId, record: r });
const su = (s: SubscriberRecord): StateChange => ({ kind: "subscriber", record: s });

/** The scripted contract: every implementation must pass it unchanged. */
async function contract(backend: Backend): Promise<void> {
  const A = record(2340101, 3100, true);
  const A2 = record(2340101, 3109, true);
  const B = record(2340102, 3200);
  const C = record(2340103, 3300);
  const D = record(2340104, 3400);
  let s = await backend.open();
  expect(await s.store.load()).toEqual({ hotspots: [], subscribers: [] });
  expect(await s.store.fetchHotspot(A.repeaterId)).toBeNull();

  s.store.apply([hs(A), hs(B), su(sub(3120001, A.repeaterId, 2, 1000)), su(sub(3120002, B.repeaterId, 1, 500)), su(sub(3120003, A.repeaterId, 1, 2 * TTL_MS))]);
  expect(await s.store.fetchHotspot(A.repeaterId)).toEqual(A); // what was applied is seen at once
  expect(await s.store.fetchHotspot(C.repeaterId)).toBeNull();
  s.store.apply([hs(null, B.repeaterId), hs(A2)]);
  expect(await s.store.fetchHotspot(B.repeaterId)).toBeNull();
  expect(await s.store.fetchHotspot(A.repeaterId)).toEqual(A2);
  await s.store.close();
  s.store.apply([hs(C)]); // after close: ignored
  expect(await s.store.fetchHotspot(C.repeaterId)).toBeNull();

  s = await backend.open();
  // subscribers newest first; the one older than the TTL is not loaded
  expect(await s.store.load()).toEqual({ hotspots: [A2], subscribers: [sub(3120002, B.repeaterId, 1, 500), sub(3120001, A.repeaterId, 2, 1000)] });
  expect(await s.store.fetchHotspot(A.repeaterId)).toEqual(A2);

  // "clear" supersedes everything before it, also what was queued just before it
  s.store.apply([hs(D), { kind: "clear" }, hs(C), su(sub(3120004, C.repeaterId, 2, 100))]);
  expect(await s.store.fetchHotspot(A.repeaterId)).toBeNull();
  expect(await s.store.fetchHotspot(D.repeaterId)).toBeNull();
  expect(await s.store.fetchHotspot(C.repeaterId)).toEqual(C);
  await s.store.close();
  s = await backend.open();
  expect(await s.store.load()).toEqual({ hotspots: [C], subscribers: [sub(3120004, C.repeaterId, 2, 100)] });
  await s.store.close();

  // a record that is not well-formed: not fetched, not loaded
  await backend.corrupt(2340105);
  s = await backend.open();
  expect(await s.store.fetchHotspot(2340105)).toBeNull();
  expect((await s.store.load()).hotspots.map((h) => h.repeaterId)).toEqual([C.repeaterId]);
  await s.store.close();

  // bounded: beyond the queue's bound a change is dropped and counted
  s = await backend.open(3);
  s.store.apply([1, 2, 3, 4, 5].map((i) => hs(record(2340110 + i, 3500 + i))));
  expect(s.dropped()).toBe(2);
  await s.store.close();
  s = await backend.open();
  expect((await s.store.load()).hotspots.map((h) => h.repeaterId)).toEqual([C.repeaterId, 2340111, 2340112, 2340113]);
  await s.store.close();
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("state store contract: SQLite", () => {
  test("load / apply / fetchHotspot / clear / close", async () => {
    await contract(sqliteBackend());
  });
});

const maybe = describeWithNats();
let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  if (natsServerMissing() !== null) return;
  nats = await startNatsServer();
  const { connect } = await import("@nats-io/transport-node");
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close().catch(() => {});
  await stopAllNats();
});

maybe("state store contract: JetStream KV", () => {
  test("load / apply / fetchHotspot / clear / close", async () => {
    await contract(await kvBackend(nc));
  });

  test("a seeded random sequence gives the same results on SQLite and on the KV, step by step", async () => {
    const seed = testSeed("state store contract");
    const prng = new Prng(seed);
    const backends = [sqliteBackend(), await kvBackend(nc)];
    const opened = await Promise.all(backends.map((b) => b.open()));
    const ids = [1, 2, 3, 4, 5, 6].map((i) => 2340200 + i);
    for (let step = 0; step < 150; step++) {
      const r = (prng.nextInt(1000) / 1000);
      let change: StateChange | null = null;
      if (r < 0.4) change = hs(record(ids[prng.nextInt(ids.length)]!, 3000 + prng.nextInt(100), (prng.nextInt(1000) / 1000) < 0.5));
      else if (r < 0.55) change = hs(null, ids[prng.nextInt(ids.length)]!);
      else if (r < 0.85) {
        // heard within the TTL or well beyond it (never near the edge: the two loads run moments apart)
        const ago = (prng.nextInt(1000) / 1000) < 0.8 ? prng.nextInt(TTL_MS / 2) : TTL_MS * 2 + prng.nextInt(TTL_MS);
        change = su(sub(3120100 + prng.nextInt(8), ids[prng.nextInt(ids.length)]!, (prng.nextInt(1000) / 1000) < 0.5 ? 1 : 2, ago));
      } else if (r < 0.9) change = { kind: "clear" };
      else {
        for (let i = 0; i < opened.length; i++) {
          await opened[i]!.store.close();
          opened[i] = await backends[i]!.open();
        }
      }
      if (change !== null) for (const o of opened) o.store.apply([change]);
      const fetched = await Promise.all(opened.map((o) => Promise.all(ids.map((id) => o.store.fetchHotspot(id)))));
      expect({ step, seed, kv: fetched[1] }).toEqual({ step, seed, kv: fetched[0]! });
      if (step % 5 === 4) {
        const loaded = await Promise.all(opened.map((o) => o.store.load()));
        expect({ step, seed, kv: loaded[1] }).toEqual({ step, seed, kv: loaded[0]! });
      }
    }
    for (const o of opened) await o.store.close();
  }, 30_000);

  test("KV: values carry the node id; 'clear' removes only this node's entries; entries written before `h` existed are read", async () => {
    const mine = await kvBackend(nc, 7);
    const other = new KvStateStore({ nodeId: 8, subscriberTtlMs: TTL_MS, subscriberRefreshMs: 0 });
    other.attach(mine.buckets);
    other.apply([hs(record(2340301, 3301)), su(sub(3120301, 2340301, 1, 100))]);
    await other.close();
    const s = await mine.open();
    s.store.apply([hs(record(2340302, 3302)), su(sub(3120302, 2340302, 2, 100))]);
    await s.store.close();
    const value = (await mine.buckets.state.get("hs.2340302"))!.json<{ v: number; n: number }>();
    expect([value.v, value.n]).toEqual([2, 7]);
    expect((await mine.buckets.subscribers.get("sub.3120302"))!.json<unknown>()).toEqual({ n: 7, r: 2340302, s: 2, h: WALL - 100 });
    // an entry as earlier versions wrote it (no `h`): heard when it was written
    await mine.buckets.subscribers.put("sub.3120303", new TextEncoder().encode(JSON.stringify({ n: 9, r: 2340303, s: 1 })));

    const again = await mine.open();
    again.store.apply([{ kind: "clear" }]);
    const loaded = await again.store.load();
    expect(loaded.hotspots.map((h) => h.repeaterId)).toEqual([2340301]); // node 8's record stays
    expect(loaded.subscribers.map((x) => x.radioId).sort()).toEqual([3120301, 3120303]);
    const old = loaded.subscribers.find((x) => x.radioId === 3120303)!;
    expect(Math.abs(old.heardAtWallMs - Date.now())).toBeLessThan(60_000);
    await again.store.close();
  });

  test("KV: an unchanged subscriber entry is rewritten at most once per refresh interval; a radio heard on another node since is written again", async () => {
    const backend = await kvBackend(nc);
    const store = new KvStateStore({ nodeId: 7, subscriberTtlMs: TTL_MS }); // default refresh: 60 s
    store.attach(backend.buckets);
    // ten drains in a row while the radio talks (changes within one batch coalesce anyway)
    for (let i = 0; i < 10; i++) {
      store.apply([su(sub(3120401, 2340401, 1, 1000 - i * 100))]);
      await store.load();
    }
    expect(store.stats.skipped).toBe(9);
    store.apply([su(sub(3120401, 2340402, 1, 50))]); // another hotspot: written at once
    await store.load();
    store.forgetWritten(3120401);
    store.apply([su(sub(3120401, 2340402, 1, 40))]); // heard elsewhere meanwhile: written at once
    await store.close();
    expect(store.stats.skipped).toBe(9);
    expect(store.stats.puts).toBe(3);
    expect((await backend.buckets.subscribers.get("sub.3120401"))!.json<unknown>()).toEqual({ n: 7, r: 2340402, s: 1, h: WALL - 40 });
  });
});

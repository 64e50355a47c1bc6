/**
 * The restore-on-login code (src/shell/login_restore.ts) is the same for any DynamicStateStore: here
 * with the SQLite store (its `fetchHotspot` reads the row) in the real composition (startFreedmr,
 * real UDP): a hotspot logging in gets its KEY lock, user-activated talkgroup and dial link back
 * and is then "settled". (With the KV store: test/cluster/cluster_state*.test.ts.) Also the
 * journal's fan-out to several sinks (state_journal.ts) and the KV sink's narrowing
 * (kv_state_store.ts kvJournalSink) with stand-ins.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { HotspotStateRecord, StateChange } from "../../src/core/routing/state_records.ts";
import type { Router } from "../../src/core/routing/types.ts";
import { SqliteStore } from "../../src/services/store/sqlite_store.ts";
import { kvJournalSink, type KvStateStore } from "../../src/shell/cluster/kv_state_store.ts";
import { LoginRestore } from "../../src/shell/login_restore.ts";
import { StateJournal, type StateSink, type StatefulRouter } from "../../src/shell/state_journal.ts";
import { HbpClient } from "../support/hbp_client.ts";

const root = mkdtempSync(join(tmpdir(), "freedmr-login-restore-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("LoginRestore with the SQLite store", () => {
  test("a hotspot logging in gets its record from the store: KEY lock, user-activated talkgroup, dial link; then it is settled", async () => {
    const result = validateConfig({ log: { level: "silent" }, hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 }, http: { enabled: false } });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const server = await startFreedmr(result.config, pino({ level: "silent" }));
    cleanups.push(() => server.stop("test"));
    const repeaterId = 2345101;
    const wall = Date.now();
    const record: HotspotStateRecord = {
      repeaterId,
      optionKey: "abc",
      settings: null,
      session: { options: "TS1=91;KEY=abc", dynamic: [{ slot: 2, talkgroupId: 3105, origin: "traffic", expiresAtWallMs: wall + 600_000 }], dial: { reflector: 2350, expiresAtWallMs: wall + 600_000 }, relinkAtWallMs: 0 },
    };
    const store = SqliteStore.open({ directory: join(root, "sqlite"), historyRows: 10, lastHeardRows: 10, maxSubscribers: 100, subscriberTtlMs: 3600_000, maxQueued: 100 }).store;
    store.apply([{ kind: "hotspot", repeaterId, record }]);
    store.flush(); // in the row, not only in the queue
    cleanups.push(() => store.close());
    const settled: number[] = [];
    const restorer = new LoginRestore({
      store,
      ready: () => true,
      router: server.router as Router,
      bus: server.bus,
      drainOutbox: () => server.host.drain(),
      log: pino({ level: "silent" }),
      name: "test-login-restore",
      label: "store",
      source: "the store",
      onSettled: (id) => settled.push(id),
    });
    cleanups.push(async () => restorer.stop());

    const client = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000 });
    cleanups.push(() => client.close({ rptcl: false }));
    await client.login();
    await until("the hotspot settled", () => restorer.isSettled(repeaterId));
    const router = server.router as Router;
    const port = router.hotspotPortOf(repeaterId)!;
    expect(router.subscriptions(port).filter((s) => s.kind === "dynamic").map((s) => s.talkgroupId)).toEqual([3105]);
    expect(router.dialedReflector(port)).toBe(2350);
    expect(router.optionKeyMatches(repeaterId, "abc")).toBe(true);
    expect(restorer.stats.restored).toBe(1);
    expect(settled).toEqual([repeaterId]);

    // a hotspot the store knows nothing of settles too, with nothing imported
    const other = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: repeaterId + 1, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000 });
    cleanups.push(() => other.close({ rptcl: false }));
    await other.login();
    await until("the second hotspot settled", () => restorer.isSettled(repeaterId + 1));
    expect(restorer.stats.restored).toBe(1);
  });
});

/** A router stand-in: records what was asked and hands out scripted changes. */
class FakeRouter implements StatefulRouter {
  next: StateChange[] = [];
  fulls: boolean[] = [];
  drainStateChanges(_nowMs: number, _wallMs: number, full = false): StateChange[] {
    this.fulls.push(full);
    const out = full ? [{ kind: "clear" } as StateChange, ...this.next] : this.next;
    this.next = [];
    return out;
  }
  importState(): never {
    throw new Error("not used");
  }
}

function sink(name: string): StateSink & { got: StateChange[][]; accept: boolean; ok: boolean } {
  const s = {
    name,
    got: [] as StateChange[][],
    accept: true,
    ok: true,
    accepting: () => s.accept,
    post: (changes: readonly StateChange[]) => {
      s.got.push([...changes]);
      return s.ok;
    },
  };
  return s;
}

const change = (repeaterId: number, session = true): StateChange => ({ kind: "hotspot", repeaterId, record: { repeaterId, optionKey: null, settings: null, session: session ? { options: "", dynamic: [], dial: null, relinkAtWallMs: 0 } : null } });

describe("StateJournal sinks", () => {
  test("every sink gets the same changes; one that could not take them gets everything again when it can; an added sink starts with everything", () => {
    const router = new FakeRouter();
    const a = sink("a");
    const b = sink("b");
    const journal = new StateJournal({ router, sinks: [a, b], primed: true });
    router.next = [change(1)];
    journal.drain();
    expect(router.fulls).toEqual([false]);
    expect(a.got).toEqual([[change(1)]]);
    expect(b.got).toEqual([[change(1)]]);

    b.accept = false; // e.g. NATS away
    router.next = [change(2)];
    journal.drain();
    expect(a.got.length).toBe(2);
    expect(b.got.length).toBe(1);
    b.accept = true;
    router.next = [change(3)];
    journal.drain();
    expect(router.fulls.at(-1)).toBe(true); // b missed change 2: a full export for it
    expect(b.got.at(-1)![0]).toEqual({ kind: "clear" });

    a.ok = false; // a's write failed
    router.next = [change(4)];
    journal.drain();
    a.ok = true;
    router.next = [change(5)];
    journal.drain();
    expect(router.fulls.slice(-2)).toEqual([false, true]);

    const c = sink("c");
    journal.addSink(c);
    router.next = [change(6)];
    journal.drain();
    expect(router.fulls.at(-1)).toBe(true);
    expect(c.got[0]![0]).toEqual({ kind: "clear" });

    // nobody accepting: the router is not asked
    a.accept = b.accept = c.accept = false;
    const asked = router.fulls.length;
    journal.drain();
    expect(router.fulls.length).toBe(asked);
  });

  test("the KV sink writes only settled hotspots with a session and their subscribers, never 'clear'; a failed write asks for everything again", () => {
    const applied: StateChange[][] = [];
    let lost = false;
    const store = { ready: true, apply: (c: readonly StateChange[]) => applied.push([...c]), takeLost: () => lost } as unknown as KvStateStore;
    const settled = new Set([1, 2]);
    const s = kvJournalSink(store, { settled: (id) => settled.has(id), online: () => true, retryMs: 0 });
    const sub = (radioId: number, repeaterId: number): StateChange => ({ kind: "subscriber", record: { radioId, repeaterId, slot: 1, heardAtWallMs: 1 } });
    expect(s.post([{ kind: "clear" }, change(1), change(2, false), change(3), { kind: "hotspot", repeaterId: 2, record: null }, sub(10, 1), sub(11, 3)])).toBe(true);
    expect(applied).toEqual([[change(1), sub(10, 1)]]);
    lost = true;
    expect(s.post([change(1)])).toBe(false);
  });
});

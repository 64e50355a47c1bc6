/**
 * KvStateStore's write discipline (src/shell/cluster/kv_state_store.ts) against a stand-in bucket
 * whose writes the test completes or fails by hand: at most `maxInFlight` writes outstanding (the
 * rest waits, coalesced per key); a failed write is counted, asks for a full re-export, and a
 * subscriber entry that failed is written again by it (not skipped as "unchanged"). Its semantics
 * against a real nats-server are in test/services/store/state_store_contract.test.ts.
 */
import { expect, test } from "bun:test";
import type { KV } from "@nats-io/kv";
import type { HotspotStateRecord, StateChange } from "../../src/core/routing/state_records.ts";
import { KvStateStore } from "../../src/shell/cluster/kv_state_store.ts";

interface Pending {
  key: string;
  value: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A bucket whose puts wait until the test settles them. */
function handBucket(): { kv: KV; pending: Pending[]; stored: Map<string, string> } {
  const pending: Pending[] = [];
  const stored = new Map<string, string>();
  const kv = {
    put(key: string, data: Uint8Array): Promise<number> {
      return new Promise<number>((resolve, reject) => {
        const value = new TextDecoder().decode(data);
        pending.push({ key, value, resolve: () => (stored.set(key, value), resolve(1)), reject });
      });
    },
    delete(key: string): Promise<void> {
      stored.delete(key);
      return Promise.resolve();
    },
  } as unknown as KV;
  return { kv, pending, stored };
}

const record = (repeaterId: number, tg: number): HotspotStateRecord => ({ repeaterId, optionKey: null, settings: null, session: { options: "", dynamic: [{ slot: 1, talkgroupId: tg, origin: "traffic", expiresAtWallMs: 0 }], dial: null, relinkAtWallMs: 0 } });
const hs = (id: number, tg = 3100): StateChange => ({ kind: "hotspot", repeaterId: id, record: record(id, tg) });
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

test("at most maxInFlight writes outstanding; the rest waits, coalesced per key, and goes as writes complete", async () => {
  const state = handBucket();
  const subs = handBucket();
  const store = new KvStateStore({ nodeId: 7, subscriberTtlMs: 3600_000, maxInFlight: 4 });
  store.attach({ state: state.kv, subscribers: subs.kv });
  store.apply([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => hs(i)));
  await tick();
  expect(state.pending.length).toBe(4);
  expect(store.stats.inFlight).toBe(4);
  store.apply([hs(9, 3999)]); // still queued: replaces the queued change
  while (state.pending.length > 0) {
    for (const p of state.pending.splice(0)) p.resolve();
    await tick();
    expect(store.stats.inFlight).toBeLessThanOrEqual(4);
  }
  expect(store.stats.puts).toBe(10);
  expect(JSON.parse(state.stored.get("hs.9")!)).toMatchObject({ v: 2, n: 7, record: record(9, 3999) });
  await store.close();
});

test("a failed write is counted and asks for a full re-export; a subscriber entry that failed is written again then", async () => {
  const state = handBucket();
  const subs = handBucket();
  const store = new KvStateStore({ nodeId: 7, subscriberTtlMs: 3600_000 });
  store.attach({ state: state.kv, subscribers: subs.kv });
  const heard: StateChange = { kind: "subscriber", record: { radioId: 3120001, repeaterId: 1, slot: 2, heardAtWallMs: 1_000 } };
  store.apply([hs(1), heard]);
  await tick();
  for (const p of [...state.pending.splice(0), ...subs.pending.splice(0)]) p.reject(new Error("timeout"));
  await tick();
  expect(store.stats.putErrors).toBe(2);
  expect(store.takeLost()).toBe(true);
  expect(store.takeLost()).toBe(false);
  // the re-export: the same records again, and the subscriber is not skipped as unchanged
  store.apply([hs(1), heard]);
  await tick();
  expect(store.stats.skipped).toBe(0);
  for (const p of [...state.pending.splice(0), ...subs.pending.splice(0)]) p.resolve();
  await tick();
  expect(subs.stored.has("sub.3120001")).toBe(true);
  // written now: the same entry again is skipped
  store.apply([heard]);
  expect(store.stats.skipped).toBe(1);
  await store.close();
});

/**
 * The packet-thread side of the store (src/shell/state_journal.ts) in the real composition
 * (startFreedmr, in-process, real UDP): the journal posts the router's changes to the services
 * Worker, which writes them; after the Worker dies and restarts everything is sent again ("clear"
 * + full export), so the file is right again; with [http] off the Worker runs for the store alone;
 * a restart on the same directory restores the state. Also the [store] config mapping.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { storeOptionsFromConfig } from "../../src/config/store_options.ts";
import type { Router } from "../../src/core/routing/types.ts";
import type { RunningServer } from "../../src/shell/server.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { sendVoiceCall } from "../e2e/routing_support.ts";

const root = mkdtempSync(join(tmpdir(), "freedmr-journal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

function configFor(directory: string, http: boolean): Config {
  const result = validateConfig({
    log: { level: "silent" },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
    http: { enabled: http, bind_address: "127.0.0.1", port: 0 },
    store: { directory, flush_interval_seconds: 1 },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

async function start(config: Config): Promise<RunningServer> {
  const server = await startFreedmr(config, pino({ level: "silent" }), { statsIntervalMs: 100, servicesBatchIntervalMs: 20 });
  cleanups.push(() => server.stop("test"));
  return server;
}

async function hotspot(server: RunningServer, id: number): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: id, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, options: "TS1=91;KEY=abc" });
  cleanups.push(() => c.close({ rptcl: false }));
  await c.login({ options: "TS1=91;KEY=abc" });
  return c;
}

function rows(dir: string): { repeater_id: number; record: string }[] {
  const file = join(dir, "freedmr.sqlite");
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT repeater_id, record FROM hotspots ORDER BY repeater_id").all() as { repeater_id: number; record: string }[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const uaOf = (record: string): number[] => (JSON.parse(record).session?.dynamic ?? []).map((d: { talkgroupId: number }) => d.talkgroupId);

describe("state journal", () => {
  test("[store] maps onto the store's options; an empty directory keeps nothing", () => {
    expect(storeOptionsFromConfig(configFor("", true))).toBeNull();
    expect(storeOptionsFromConfig(configFor("/var/lib/freedmr", true))).toMatchObject({ directory: "/var/lib/freedmr", flushIntervalMs: 1000, historyRows: 10000, lastHeardRows: 10000, maxQueued: 100000, restoreHoldMs: 15 * 60_000 });
    const bad = validateConfig({ store: { flush_interval_seconds: 0 } });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad.ok ? null : bad.errors)).toContain("flush_interval_seconds");
  });

  test("a services Worker that dies loses nothing for good: once restarted it is sent everything again", async () => {
    const dir = join(root, "worker-restart");
    const server = await start(configFor(dir, true));
    const a = await hotspot(server, 2345001);
    await sendVoiceCall(a, { sourceId: 3120001, destinationId: 3101, slot: 2, superframes: 1 });
    await until("the UA talkgroup in the store", () => rows(dir).some((r) => uaOf(r.record).includes(3101)));
    server.services!.terminateForTest();
    // a change while the Worker is down: posted nowhere, then sent with everything else
    await sendVoiceCall(a, { sourceId: 3120001, destinationId: 3102, slot: 2, superframes: 1 });
    await until("the Worker back and the change written", () => server.services!.stats().restarts === 1 && rows(dir).some((r) => uaOf(r.record).includes(3102)));
    expect(uaOf(rows(dir)[0]!.record).sort()).toEqual([3101, 3102]);
    // the store's figures in the status API and /metrics
    const status = (await (await fetch(new URL("/api/v1/status", server.http!.url))).json()) as { store: { batches: number; failures: number; dropped: number } };
    expect(status.store.batches).toBeGreaterThan(0);
    expect([status.store.failures, status.store.dropped]).toEqual([0, 0]);
    expect(await (await fetch(new URL("/metrics", server.http!.url))).text()).toMatch(/^freedmr_store_batches_total [1-9]\d*$/m);
  });

  test("with [http] off the Worker runs for the store alone; a restart on the same directory brings the state back", async () => {
    const dir = join(root, "no-http");
    const first = await start(configFor(dir, false));
    expect(first.http).toBeNull();
    const a = await hotspot(first, 2345002);
    await sendVoiceCall(a, { sourceId: 3120002, destinationId: 3103, slot: 2, superframes: 1 });
    await sendVoiceCall(a, { sourceId: 3120002, destinationId: 2350, slot: 2, unit: true, superframes: 1 });
    await until("the state in the store", () => rows(dir).some((r) => uaOf(r.record).includes(3103) && JSON.parse(r.record).session?.dial?.reflector === 2350));
    await first.stop("test");
    await a.close({ rptcl: false });

    const second = await start(configFor(dir, false));
    const router = second.router as Router;
    expect(router.optionKeyMatches(2345002, "abc")).toBe(true);
    const again = await HbpClient.open({ serverPort: second.boundSockets()[0]!.port, repeaterId: 2345002, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000 });
    cleanups.push(() => again.close({ rptcl: false }));
    await again.login();
    const port = router.hotspotPortOf(2345002)!;
    expect(router.subscriptions(port).filter((s) => s.kind === "dynamic").map((s) => s.talkgroupId)).toEqual([3103]);
    expect(router.dialedReflector(port)).toBe(2350);
    expect(router.optionsInForce(port)).toBe("TS1=91;KEY=abc");
    expect(router.locateSubscriber(performance.now(), 3120002)?.portIndex).toBe(port.portIndex);
  });
});

/**
 * Restart of the COMPILED binary (dist/freedmr-linux-x64, built if stale) under load, on one state
 * directory ([store] directory): hotspots logged in with KEY-locked options, a user-activated
 * talkgroup each, a dial-a-TG link each, self-care settings on one, radios heard; calls and
 * keepalives keep flowing while the server is stopped with SIGTERM — and, in the second round,
 * killed with SIGKILL (a crash). After each restart the hotspots log in again (new client sockets:
 * the server's UDP port is chosen at run time, so it differs) and find everything as it was: UA
 * talkgroup with the time it had left, dial link, options, KEY lock, settings; a private call
 * reaches a radio heard only before the restart; the dashboard's last heard is back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { dashboardUrl, startFreedmr, type FreedmrProcess } from "../cli/support/freedmr_process.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { sendVoiceCall } from "./routing_support.ts";

const isX64 = process.arch === "x64" && process.platform === "linux";
const work = mkdtempSync(join(tmpdir(), "freedmr-store-restart-"));
const stateDir = join(work, "state");
const TOKEN = "store-restart-admin-token-0123456789";
/** Hotspots in the test (the bench restores 1,000). */
const N = 24;
const FIRST_ID = 2341000;
const RADIO_BASE = 3120000;
let binary = "";

beforeAll(async () => {
  if (isX64) binary = await ensureBinary("x64");
}, 600_000);
/** Every server started, so that a failed assertion never leaves one running. */
const started: FreedmrProcess[] = [];
afterAll(async () => {
  for (const server of started) await server.stop("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

const optionsOf = (i: number): string => `TS1=${9000 + i};TIMER=30;KEY=key${i}`;
const uaTalkgroup = (i: number): number => 3100 + i;
const reflectorOf = (i: number): number => 20_000 + i;
const radioOf = (i: number): number => RADIO_BASE + i;

async function start(config: string): Promise<{ server: FreedmrProcess; url: string }> {
  const server = await startFreedmr([binary, "--config", config, "--port", "0", "--http-port", "0"], { cwd: work });
  started.push(server);
  return { server, url: await dashboardUrl(server) };
}

async function login(port: number, i: number, options: string | undefined): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: port, repeaterId: FIRST_ID + i, passphrase: "passw0rd", callsign: `T${i}`, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, ...(options !== undefined ? { options } : {}) });
  await client.login(options !== undefined ? { options } : {});
  return client;
}

/** The store file as the server last committed it (read-only, WAL included). */
function storedHotspots(): { repeater_id: number; record: string }[] {
  const file = join(stateDir, "freedmr.sqlite");
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT repeater_id, record FROM hotspots").all() as { repeater_id: number; record: string }[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

async function diagnostics(url: string, id: number): Promise<any> {
  return (await (await fetch(new URL(`/api/v1/hotspots/${id}/diagnostics`, url))).json()) as any;
}

/** Keepalives and a call every ~20 ms while the server stops: the restart happens under load. */
function backgroundLoad(clients: HbpClient[]): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    let k = 0;
    while (running) {
      const c = clients[k % clients.length]!;
      c.sendPing();
      // a call from a radio that is not checked later, on TS1 (the UA talkgroups checked are on TS2)
      void sendVoiceCall(c, { sourceId: 3190000 + (k % 50), destinationId: 7000 + (k % 5), slot: 1, superframes: 1 }).catch(() => {});
      k++;
      await Bun.sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Every hotspot logs in again and finds its state; a private call reaches a radio heard before. */
async function checkRestored(port: number, url: string, round: string): Promise<HbpClient[]> {
  const clients: HbpClient[] = [];
  // half send their options again (as MMDVMHost does), half do not: the options come back either way
  for (let i = 0; i < N; i++) clients.push(await login(port, i, i % 2 === 0 ? optionsOf(i) : undefined));
  for (let i = 0; i < N; i++) {
    const id = FIRST_ID + i;
    let d: any = null;
    await until(`${round}: hotspot ${id} restored`, async () => {
      d = await diagnostics(url, id);
      return d.connected === true && d.dialedReflector === reflectorOf(i) && Array.isArray(d.subscriptions) && d.subscriptions.some((s: any) => s.kind === "dynamic" && s.slot === 2);
    });
    const ua = d.subscriptions.find((s: any) => s.kind === "dynamic" && s.slot === 2);
    expect([round, id, ua.slot, ua.talkgroupId]).toEqual([round, id, 2, uaTalkgroup(i)]);
    // TIMER=30 from the key-up, minus the time since (wall clock): less than 30 minutes, more than 25
    expect(ua.expiresInSeconds).toBeLessThanOrEqual(30 * 60);
    expect(ua.expiresInSeconds).toBeGreaterThan(25 * 60);
    const statics = d.subscriptions.filter((s: any) => s.kind === "static").map((s: any) => [s.slot, s.talkgroupId]);
    expect(statics).toContainEqual([1, 9000 + i]);
    expect(d.options).toBe(`TS1=${9000 + i};TIMER=30;KEY=***`);
  }
  // KEY lock survived: the settings route accepts the hotspot's own key and nobody else's
  const settings = (await (await fetch(new URL(`/api/v1/hotspots/${FIRST_ID + 3}/settings`, url))).json()) as any;
  expect(settings.authentication.keySet).toBe(true);
  expect(settings.settings).toMatchObject({ ts2Static: [4444], singleMode: false });
  const wrong = await fetch(new URL(`/api/v1/hotspots/${FIRST_ID + 3}/settings`, url), { method: "PUT", headers: { authorization: "Bearer key4", "content-type": "application/json" }, body: "{}" });
  expect(wrong.status).toBe(401);
  expect((await diagnostics(url, FIRST_ID + 3)).subscriptions.some((s: any) => s.kind === "static" && s.slot === 2 && s.talkgroupId === 4444)).toBe(true);

  // a private call from hotspot 1 to the radio heard (before the restart only) on hotspot 0
  const target = clients[0]!;
  const from = target.received.length;
  await sendVoiceCall(clients[1]!, { sourceId: 3199999, destinationId: radioOf(0), slot: 2, unit: true, superframes: 1 });
  const got = await target.waitFor((r) => r.tag === "DMRD" && (r.bytes[8]! << 16 | r.bytes[9]! << 8 | r.bytes[10]!) === radioOf(0), 5000, from);
  expect(got).not.toBeNull();

  // the dashboard's last heard came back from the history
  const lastHeard = (await (await fetch(new URL("/api/v1/last-heard?limit=200", url))).json()) as any;
  for (let i = 0; i < N; i++) expect(lastHeard.calls.some((c: any) => c.sourceId === radioOf(i) && c.destinationId === uaTalkgroup(i))).toBe(true);
  return clients;
}

describe.if(isX64)("state across restarts of the compiled binary", () => {
  test(`${N} hotspots: SIGTERM under load, then SIGKILL; each time every hotspot is back with its state`, async () => {
    const config = join(work, "freedmr.toml");
    writeFileSync(
      config,
      `[log]\nformat = "json"\n\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\n\n[http]\nbind_address = "127.0.0.1"\nport = 0\nadmin_token = "${TOKEN}"\n\n[store]\ndirectory = "${stateDir}"\nflush_interval_seconds = 1\n`,
    );
    // ---- round 0: state is made ----
    let { server, url } = await start(config);
    let clients: HbpClient[] = [];
    try {
      for (let i = 0; i < N; i++) clients.push(await login(server.port, i, optionsOf(i)));
      for (let i = 0; i < N; i++) {
        const c = clients[i]!;
        await sendVoiceCall(c, { sourceId: radioOf(i), destinationId: uaTalkgroup(i), slot: 2, superframes: 1 }); // UA TG + radio heard
        await sendVoiceCall(c, { sourceId: radioOf(i), destinationId: reflectorOf(i), slot: 2, unit: true, superframes: 1 }); // dial
      }
      const put = await fetch(new URL(`/api/v1/hotspots/${FIRST_ID + 3}/settings`, url), {
        method: "PUT",
        headers: { authorization: "Bearer key3", "content-type": "application/json" },
        body: JSON.stringify({ ts2Static: [4444], singleMode: false }),
      });
      expect(put.status).toBe(200);
      expect(((await put.json()) as any).persisted).toBe(true);
      await until("every hotspot's state in the store", () => {
        const rows = storedHotspots();
        return rows.length === N && rows.every((r) => JSON.parse(r.record).session?.dial !== null && JSON.parse(r.record).session?.dynamic.length === 1);
      });
      const load = backgroundLoad(clients);
      await Bun.sleep(300);
      expect(await server.stop("SIGTERM")).toBe(0);
      await load.stop();
    } finally {
      for (const c of clients) await c.close({ rptcl: false });
    }

    // ---- round 1: after SIGTERM ----
    ({ server, url } = await start(config));
    expect(server.lines.some((l) => l.msg === "state restored: hotspots find their talkgroups, dial links and options when they log in again" && l["pending"] === N)).toBe(true);
    try {
      clients = await checkRestored(server.port, url, "after SIGTERM");
      // let the journal write the state as it is now, then crash under load
      await Bun.sleep(2500);
      const load = backgroundLoad(clients);
      await Bun.sleep(300);
      await server.stop("SIGKILL");
      await load.stop();
    } finally {
      for (const c of clients) await c.close({ rptcl: false });
    }

    // ---- round 2: after SIGKILL ----
    ({ server, url } = await start(config));
    try {
      clients = await checkRestored(server.port, url, "after SIGKILL");
    } finally {
      for (const c of clients) await c.close({ rptcl: false });
      expect(await server.stop("SIGTERM")).toBe(0);
    }
  }, 300_000);
});

/**
 * Logins a flood cannot block (issue 8 §2), over real UDP: a half-open login flood from 1,100 IPv4
 * source addresses and from one IPv6 /64, and 500 hotspots behind one address logging in again
 * after a restart during a wrong-passphrase flood from that address. Rates and memory are measured
 * in bench/login_flood.bench.ts; these tests check outcomes only (no timing assertions).
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { HbpClient, type HbpClientOptions } from "../support/hbp_client.ts";
import { addLoopbackIpv6, type LoopbackIpv6 } from "../support/ipv6_loopback.ts";
import { LoginFlooder, loopbackAddresses } from "../support/login_flooder.ts";
import { testSeed } from "../support/seed.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";

const PROTECTED = { login_rate_limit_per_minute: 20, login_ban_seconds: 600 };

let servers: TestServer[] = [];
let clients: HbpClient[] = [];
let flooders: LoginFlooder[] = [];

afterEach(async () => {
  for (const f of flooders.splice(0)) f.stop();
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  for (const s of servers.splice(0)) await s.stop();
});

async function client(server: TestServer, id: number, extra: Partial<HbpClientOptions> = {}): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: server.port, repeaterId: id, ...extra });
  clients.push(c);
  return c;
}

/** Log every client in, `batch` at a time; a client that fails tries once more from a new port (as real clients do). */
async function loginAll(all: HbpClient[], batch: number): Promise<{ first: number; second: number; failed: number[] }> {
  let first = 0;
  let second = 0;
  const failed: number[] = [];
  for (let i = 0; i < all.length; i += batch) {
    await Promise.all(
      all.slice(i, i + batch).map(async (c) => {
        if ((await c.tryLogin({ timeoutMs: 2000 })).ok) return void first++;
        await c.reopen();
        if ((await c.tryLogin({ timeoutMs: 2000 })).ok) return void second++;
        failed.push(c.repeaterId);
      }),
    );
  }
  return { first, second, failed };
}

/** Ping every connected client once a second until `done()`; returns pongs lost. */
async function keepPinging(connected: HbpClient[], done: () => boolean): Promise<{ pings: number; lost: number }> {
  let pings = 0;
  let lost = 0;
  while (!done()) {
    const results = await Promise.all(connected.map((c) => c.ping(3000)));
    pings += results.length;
    lost += results.filter((ok) => !ok).length;
    await Bun.sleep(1000);
  }
  return { pings, lost };
}

async function floodScenario(server: TestServer, flood: LoginFlooder, connected: HbpClient[], newcomers: HbpClient[]): Promise<void> {
  for (const c of connected) await c.login();
  let floodOver = false;
  const pinging = keepPinging(connected, () => floodOver);
  await Bun.sleep(1000); // the flood is under way
  const result = await loginAll(newcomers, 10);
  await Bun.sleep(1000); // and goes on a little after the last login
  floodOver = true;
  flood.stop();
  const pongs = await pinging;
  console.log(
    `flood: ${flood.sent} RPTL sent, ${flood.salts} salts back; newcomers ${result.first} first try + ${result.second} second try of ${newcomers.length}; pongs lost ${pongs.lost}/${pongs.pings}; pending ${server.hbp.stats(0).pendingLogins}`,
  );
  expect(flood.salts).toBeGreaterThan(1000); // the flood was real and answered (stateless salts)
  expect(result.first + result.second).toBeGreaterThanOrEqual(Math.ceil(newcomers.length * 0.99));
  expect(pongs.pings).toBeGreaterThan(0);
  expect(pongs.lost).toBe(0);
  // the flood left no login state behind: every session is a hotspot that logged in
  expect(server.hbp.stats(0).pendingLogins).toBe(0);
  expect(server.hbp.sessionCount).toBe(connected.length + result.first + result.second);
}

describe("half-open login floods", () => {
  test("1,100 IPv4 source addresses at 3,000 RPTL/s: new logins succeed, connected hotspots lose no pong, no state is left", async () => {
    const seed = testSeed("hbp login flood, 1,100 IPv4 addresses");
    const server = await startTestServer({ hbp: PROTECTED });
    servers.push(server);
    const connected = await Promise.all(Array.from({ length: 20 }, (_, i) => client(server, 2_300_000 + i, { localAddress: `127.250.0.${i + 1}` })));
    const newcomers = await Promise.all(Array.from({ length: 100 }, (_, i) => client(server, 2_400_000 + i, { localAddress: `127.251.${i >> 6}.${(i & 63) + 1}` })));
    const flood = await LoginFlooder.start({
      serverPort: server.port,
      serverAddress: "127.0.0.1",
      localAddresses: loopbackAddresses(1100, 1),
      ratePerSecond: 3000,
      mode: "rptl",
      seed,
    });
    flooders.push(flood);
    await floodScenario(server, flood, connected, newcomers);
  }, 90_000);

  let v6: LoopbackIpv6 | string | null = null;
  afterAll(() => {
    if (v6 !== null && typeof v6 !== "string") v6.remove();
  });

  test("one IPv6 /64 at 3,000 RPTL/s from 64 addresses: logins from elsewhere and from inside that /64 succeed", async () => {
    v6 = addLoopbackIpv6(80, testSeed("hbp login flood, one IPv6 /64"));
    if (typeof v6 === "string") {
      if (process.env.CI === "true") throw new Error(v6);
      console.warn(`SKIPPED (no extra IPv6 addresses): ${v6}`);
      return;
    }
    const server = await startTestServer({ hbp: { ...PROTECTED, bind_addresses: ["::1"] } });
    servers.push(server);
    const on6 = { serverAddress: "::1" };
    const connected = await Promise.all(Array.from({ length: 10 }, (_, i) => client(server, 2_300_000 + i, on6)));
    const inside = v6.addresses.slice(64);
    const newcomers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client(server, 2_400_000 + i, i < inside.length ? { ...on6, localAddress: inside[i]! } : on6)),
    );
    const flood = await LoginFlooder.start({
      serverPort: server.port,
      serverAddress: "::1",
      localAddresses: v6.addresses.slice(0, 64),
      ratePerSecond: 3000,
      mode: "rptl",
      seed: 7,
    });
    flooders.push(flood);
    await floodScenario(server, flood, connected, newcomers);
    v6.remove();
    v6 = null;
  }, 90_000);
});

describe("CGNAT and clubs", () => {
  test("500 hotspots behind one address all log in again after a restart, during a wrong-passphrase flood from that address", async () => {
    const seed = testSeed("hbp CGNAT restart");
    const first = await startTestServer({ hbp: PROTECTED });
    servers.push(first);
    const port = first.port;
    const hotspots = await Promise.all(Array.from({ length: 500 }, (_, i) => client(first, 2_500_000 + i)));
    const before = await loginAll(hotspots, 50);
    expect(before.first).toBe(500);
    // restart on the same port: MSTCL to everyone, then a fresh server with nobody logged in
    await first.stop();
    servers = servers.filter((s) => s !== first);
    const second = await startTestServer({ hbp: { ...PROTECTED, port } });
    servers.push(second);
    const flood = await LoginFlooder.start({
      serverPort: port,
      serverAddress: "127.0.0.1",
      localAddresses: ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"],
      ratePerSecond: 3000,
      mode: "wrong-passphrase",
      seed,
      idBase: 9_000_000,
      idSpan: 1000,
    });
    flooders.push(flood);
    // the flood gets the address banned before the hotspots come back
    expect(await second.waitForEvent("session.refused", (e) => e.reason === "rate-limited", 5000)).not.toBeNull();
    await Bun.sleep(500);
    for (const h of hotspots) await h.reopen();
    const after = await loginAll(hotspots, 50);
    flood.stop();
    console.log(`CGNAT: ${after.first} first try + ${after.second} second try of 500; flood ${flood.sent} RPTL, ${flood.rptk} wrong RPTK, ${flood.naks} NAKs`);
    expect(after.failed).toEqual([]);
    expect(after.first + after.second).toBe(500);
    expect(second.hbp.connectedCount).toBe(500);
    expect(second.hbp.bannedPrefixes(0)).toEqual(["127.0.0.1"]);
    expect(flood.rptk).toBeGreaterThan(100);
    // every refusal was for the flood's ids; none for a hotspot
    const refused = second.eventsOf("session.refused");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.repeaterId >= 9_000_000 && e.repeaterId < 9_001_000)).toBe(true);
  }, 120_000);
});

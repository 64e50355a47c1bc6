/**
 * The HTTP status API end to end: the real composition (startFreedmr) on 127.0.0.1 with the HBP
 * port, the link ports and the HTTP port all chosen at run time (port 0), hotspots logging in over
 * real UDP, a group call between two of them, then the API read over real TCP.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import pino from "pino";
import { DuplicateServiceError, EventBus } from "../../src/bus/event_bus.ts";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { VERSION } from "../../src/cli/version.ts";
import { validateConfig } from "../../src/config/load.ts";
import { defaultConfig, type Config } from "../../src/config/schema.ts";
import type { CoreEvent } from "../../src/core/events.ts";
import { HTTP_API_SERVICE, startHttpApi } from "../../src/services/http_api.ts";
import type { RunningServer } from "../../src/shell/server.ts";
import { SERVICES_WORKER_SERVICE } from "../../src/shell/services_worker_host.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { sendVoiceCall } from "../e2e/routing_support.ts";
import { parsePrometheus, sampleValue } from "./prometheus_parse.ts";

const HBP_SECRET = "hbp-Secret-0f-this-server";
const RULE_SECRET = "rule-Secret-for-the-club";
const LINK_SECRET = "link-Secret-0penbridge";
const UPSTREAM_SECRET = "upstream-Secret-master";
const WRONG_SECRET = "wrong-Secret-typed-by-someone";
const SECRETS = [HBP_SECRET, RULE_SECRET, LINK_SECRET, UPSTREAM_SECRET, WRONG_SECRET];

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning up
    }
  }
});

/** A UDP socket on a run-time port that never answers (the other end of the test links). */
async function silentUdpPort(): Promise<number> {
  const socket = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  cleanups.push(() => socket.close());
  return socket.port;
}

function configFrom(document: Record<string, unknown>): Config {
  const result = validateConfig({ log: { level: "silent" }, ...document });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.errors)}`);
  return result.config;
}

async function fullConfig(): Promise<Config> {
  const peerPort = await silentUdpPort();
  return configFrom({
    server: { server_id: 2345 },
    hbp: {
      bind_addresses: ["127.0.0.1"],
      port: 0,
      login_rate_limit_per_minute: 0,
      passphrase: HBP_SECRET,
      access_rules: [{ name: "club", repeater_id: 310_000_902, passphrase: RULE_SECRET, ts2_static: [3100] }],
    },
    http: { enabled: true, bind_address: "127.0.0.1", port: 0 },
    openbridge: [{ name: "ob-test", bind_address: "127.0.0.1", port: 0, target_address: "127.0.0.1", target_port: peerPort, passphrase: LINK_SECRET, network_id: 4321, protocol: 1 }],
    upstream: [{ name: "up-test", bind_address: "127.0.0.1", address: "127.0.0.1", port: peerPort, passphrase: UPSTREAM_SECRET, repeater_id: 310_999_999 }],
  });
}

async function start(config: Config): Promise<RunningServer> {
  const server = await startFreedmr(config, pino({ level: "silent" }), { statsIntervalMs: 50 });
  cleanups.push(() => server.stop("test"));
  return server;
}

function hbpPort(server: RunningServer): number {
  return server.boundSockets().find((s) => s.handler === server.hbp!.name)?.port ?? server.boundSockets()[0]!.port;
}

async function hotspot(server: RunningServer, repeaterId: number, passphrase: string, options?: string): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: hbpPort(server), repeaterId, passphrase, callsign: `T${repeaterId % 1000}`, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, ...(options !== undefined ? { options } : {}) });
  cleanups.push(() => client.close());
  await client.login({ passphrase });
  return client;
}

async function get(server: RunningServer, path: string): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(new URL(path, server.http!.url));
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
}

async function getJson(server: RunningServer, path: string): Promise<any> {
  const r = await get(server, path);
  expect(r.status).toBe(200);
  return JSON.parse(r.text);
}

/** Poll until `check` returns a value that is not undefined (the bus delivers asynchronously). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe("HTTP status API over real sockets", () => {
  test("two hotspots and a call between them: hotspots, last heard, links, status and metrics agree; no passphrase anywhere", async () => {
    const server = await start(await fullConfig());
    expect(server.http).not.toBeNull();
    expect(server.http!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.http!.port).toBeGreaterThan(0);

    const a = await hotspot(server, 310_000_901, HBP_SECRET, "TS2=3100;");
    const b = await hotspot(server, 310_000_902, RULE_SECRET); // static TS2 3100 from the access rule
    const refused = await HbpClient.open({ serverPort: hbpPort(server), repeaterId: 310_000_903 });
    cleanups.push(() => refused.close());
    expect((await refused.tryLogin({ passphrase: WRONG_SECRET })).ok).toBe(false);

    const call = await sendVoiceCall(a, { sourceId: 3_100_901, destinationId: 3100, slot: 2, superframes: 2 });
    await b.waitForDmrd((f) => f.streamId === call.streamId && f.frameType === 2 && f.bytes.length === 55 && (f.bytes[15]! & 0x0f) === 2);

    // hotspots: both, with their talgroups; the public view has no address nor port
    const hotspots = await eventually("both hotspots with TG 3100", async () => {
      const body = await getJson(server, "/api/v1/hotspots");
      return body.total === 2 && body.hotspots.every((h: any) => h.talkgroups.ts2.includes(3100)) ? body : undefined;
    });
    expect(hotspots.hotspots.map((h: any) => [h.repeaterId, h.callsign, h.address, h.port, h.family])).toEqual([
      [310_000_901, "T901", undefined, undefined, "ipv4"],
      [310_000_902, "T902", undefined, undefined, "ipv4"],
    ]);
    expect(a.localPort).toBeGreaterThan(0);
    for (const h of hotspots.hotspots) expect(Date.parse(h.connectedSince)).toBeGreaterThan(Date.parse("2020-01-01"));

    // last heard: the call, from A's port, to TG 3100
    const heard = await eventually("the call in last heard", async () => {
      const body = await getJson(server, "/api/v1/last-heard?limit=10");
      return body.calls.find((c: any) => c.streamId === call.streamId);
    });
    expect(heard).toMatchObject({ sourceId: 3_100_901, destinationId: 3100, slot: 2, callType: "group", kind: "voice", endedBy: "terminator" });
    expect(heard.port).toContain("310000901");
    expect(heard.frames).toBeGreaterThan(0);
    expect(heard.lost).toBe(0);

    // links: both, with their kind and peer, never their secrets
    const links = await eventually("both links, the OpenBridge one up", async () => {
      const body = await getJson(server, "/api/v1/links");
      return body.links.length === 2 && body.links.every((l: any) => l.kind !== null) && body.links[0].up ? body.links : undefined;
    });
    expect(links.map((l: any) => [l.name, l.kind])).toEqual([["ob-test", "openbridge"], ["up-test", "upstream"]]);
    expect(links[0]).toMatchObject({ up: true, state: "up", protocol: 1 }); // protocol 1, no keepalives: up at its first tick
    expect(links[1].up).toBe(false); // the "master" never answers
    expect(links[0].peer).toBeUndefined(); // the public view shows no address (admin: /api/v1/admin/links)
    expect(links[0]).toHaveProperty("lastKeepaliveAt");
    expect(links[0].drops).toBeDefined();

    // metrics: parse, and the counts are right once a snapshot after the call has arrived
    const families = await eventually("metrics after the call", async () => {
      const r = await get(server, "/metrics");
      expect(r.status).toBe(200);
      expect(r.type).toBe("text/plain; version=0.0.4; charset=utf-8");
      const parsed = parsePrometheus(r.text);
      const framesIn = sampleValue(parsed, "freedmr_frames_in_total") ?? 0;
      const refusals = sampleValue(parsed, "freedmr_hbp_login_refusals_total", { reason: "bad-passphrase" }) ?? 0;
      return framesIn >= call.frames && refusals >= 1 ? parsed : undefined;
    });
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
    expect(v("freedmr_hotspots_connected")).toBe(2);
    expect(v("freedmr_hbp_sessions_connected")).toBe(2);
    expect(v("freedmr_hbp_logins_total", { stage: "connected" })).toBe(2);
    expect(v("freedmr_hbp_login_refusals_total", { reason: "bad-passphrase" })).toBe(1);
    expect(v("freedmr_hbp_dmrd_total", { direction: "in" })).toBe(call.frames);
    expect(v("freedmr_frames_in_total")).toBe(call.frames);
    expect(v("freedmr_frames_out_total")).toBeGreaterThanOrEqual(call.frames); // B, plus the OpenBridge link
    expect(v("freedmr_hbp_dmrd_total", { direction: "out" })).toBe(call.frames); // only B among the hotspots
    expect(v("freedmr_streams_active")).toBe(0);
    expect(v("freedmr_streams_total", { outcome: "started" })).toBeGreaterThanOrEqual(1);
    expect(v("freedmr_link_up", { link: "ob-test", kind: "openbridge" })).toBe(1);
    expect(v("freedmr_link_up", { link: "up-test", kind: "upstream" })).toBe(0);
    expect(v("freedmr_bus_dropped_total", { service: SERVICES_WORKER_SERVICE })).toBe(0);
    expect(v("freedmr_bus_delivered_total", { service: SERVICES_WORKER_SERVICE })).toBeGreaterThan(0);
    expect(v("freedmr_build_info", { version: VERSION })).toBe(1);
    expect(v("freedmr_process_resident_memory_bytes")).toBeGreaterThan(0);
    for (const f of families.values()) expect(f.samples.every((s) => Number.isFinite(s.value))).toBe(true);

    // status and health
    const status = await getJson(server, "/api/v1/status");
    expect(status).toMatchObject({ ok: true, version: VERSION, hotspots: 2, links: { total: 2, up: 1 }, streamsActive: 0 });
    expect(status.recentRefusals).toEqual([expect.objectContaining({ repeaterId: 310_000_903, reason: "bad-passphrase" })]);
    expect(status.stats.hbp.connected).toBe(2);
    expect(await getJson(server, "/api/v1/health")).toMatchObject({ ok: true, version: VERSION });

    // no passphrase, ever, in any answer, nor a field that could hold one ("bad-passphrase" as a
    // refusal reason and the badPassphrase counter are fine: they are a word and a number)
    for (const path of ["/api/v1/health", "/api/v1/status", "/api/v1/hotspots", "/api/v1/last-heard", "/api/v1/links", "/metrics", "/nope"]) {
      const { text } = await get(server, path);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"[^"]*pass(phrase|word)[^"]*"\s*:\s*[^\d\s]/i);
    }
  });

  test("unknown path is 404 JSON, other methods 405, over the wire", async () => {
    const server = await start(configFrom({ hbp: { bind_addresses: ["127.0.0.1"], port: 0 }, http: { enabled: true, bind_address: "127.0.0.1", port: 0 } }));
    const missing = await fetch(new URL("/api/v1/missing", server.http!.url));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/json");
    expect(((await missing.json()) as { error: string }).error).toContain("/api/v1/missing");
    const post = await fetch(new URL("/api/v1/status", server.http!.url), { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(((await post.json()) as { code: string }).code).toBe("method-not-allowed");
  });

  test("hanging HTTP clients and a stuck bus consumer do not stop a login; the API keeps answering", async () => {
    const server = await start(configFrom({ hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 }, http: { enabled: true, bind_address: "127.0.0.1", port: 0 } }));
    // A consumer whose handler never settles, with room for one event: it can only lose events.
    server.bus.register("stuck-consumer", () => new Promise<void>(() => {}), { queueCapacity: 1 });

    // Clients that connect and never finish their request, and one that asks and never reads.
    const sockets: Socket[] = [];
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const opened: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = connect({ host: "127.0.0.1", port: server.http!.port });
      sockets.push(socket);
      opened.push(new Promise((resolve, reject) => socket.once("connect", () => resolve()).once("error", reject)));
    }
    await Promise.all(opened);
    sockets.forEach((s, i) => s.write(i % 2 === 0 ? "GET /api/v1/status HTTP/1.1\r\nHost: x\r\n" : "GE"));
    const reader = connect({ host: "127.0.0.1", port: server.http!.port });
    sockets.push(reader);
    await new Promise<void>((resolve) => reader.once("connect", () => resolve()));
    reader.pause();
    for (let i = 0; i < 50; i++) reader.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

    const clients: HbpClient[] = [];
    for (let i = 0; i < 3; i++) clients.push(await hotspot(server, 310_000_950 + i, "passw0rd"));
    expect(await clients[0]!.ping()).toBe(true);

    const body = await eventually("the three hotspots", async () => {
      const b = await getJson(server, "/api/v1/hotspots");
      return b.total === 3 ? b : undefined;
    });
    expect(body.hotspots.map((h: any) => h.repeaterId)).toEqual([310_000_950, 310_000_951, 310_000_952]);

    // The stuck consumer lost events (counted), the API lost none.
    const families = await eventually("bus drops in the metrics", async () => {
      const parsed = parsePrometheus((await get(server, "/metrics")).text);
      return (sampleValue(parsed, "freedmr_bus_dropped_total", { service: "stuck-consumer" }) ?? 0) > 0 && sampleValue(parsed, "freedmr_hbp_sessions_connected") === 3 ? parsed : undefined;
    });
    expect(sampleValue(families, "freedmr_bus_dropped_total", { service: SERVICES_WORKER_SERVICE })).toBe(0);
    expect(sampleValue(families, "freedmr_bus_dropped_total", { service: "event-log" })).toBe(0);

    // Stopping closes the hanging connections too, and the port stops answering.
    const url = server.http!.url;
    await server.stop("test");
    let refused = false;
    try {
      await fetch(new URL("/api/v1/health", url));
    } catch {
      refused = true;
    }
    expect(refused).toBe(true);
  });
});

describe("enabling and starting", () => {
  test("on by default, on every IPv4 address, admin off, self-care on", () => {
    expect(defaultConfig().http).toEqual({
      enabled: true,
      bind_address: "0.0.0.0",
      port: 8062,
      last_heard_size: 200,
      cors: false,
      admin_token: "",
      self_care: true,
      hotspot_secrets: [],
      max_live_clients: 64,
    });
  });

  test("http.enabled = false binds nothing: the server starts even when http.port is taken, and registers no API", async () => {
    const holder = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("holder") });
    cleanups.push(() => holder.stop(true));
    const taken = holder.port!;
    const server = await start(configFrom({ hbp: { bind_addresses: ["127.0.0.1"], port: 0 }, http: { enabled: false, port: taken } }));
    expect(server.http).toBeNull();
    expect(server.services).toBeNull();
    expect(server.bus.has(SERVICES_WORKER_SERVICE)).toBe(false);
    expect(server.boundSockets().every((s) => s.port !== 0)).toBe(true);
    expect(await (await fetch(`http://127.0.0.1:${taken}/api/v1/health`)).text()).toBe("holder");

    // The same port with the API enabled: voice starts anyway, the dashboard is off and the log names the keys.
    const lines: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
    const server2 = await startFreedmr(configFrom({ hbp: { bind_addresses: ["127.0.0.1"], port: 0 }, http: { enabled: true, bind_address: "127.0.0.1", port: taken } }), log);
    cleanups.push(() => server2.stop("test"));
    expect(server2.http).toBeNull();
    expect(server2.boundSockets().length).toBeGreaterThan(0);
    const client = await HbpClient.open({ serverPort: server2.boundSockets()[0]!.port, repeaterId: 310_000_960 });
    cleanups.push(() => client.close());
    await client.login({ passphrase: "passw0rd" });
    const logged = lines.join("\n");
    expect(logged).toContain(`127.0.0.1:${taken}`);
    expect(logged).toContain("http.port");
    expect(logged).toContain("dashboard and HTTP API are not available");
  });

  test("the service name is unique on the bus: a second API on the same bus is refused loudly", () => {
    const bus = new EventBus<CoreEvent>();
    const options = { bindAddress: "127.0.0.1", port: 0, lastHeardSize: 10, cors: false, version: "t", maxHotspots: 10, startedMs: performance.now() };
    const first = startHttpApi(bus, options);
    cleanups.push(() => first.stop());
    expect(() => startHttpApi(bus, options)).toThrow(DuplicateServiceError);
    expect(bus.has(HTTP_API_SERVICE)).toBe(true);
  });
});

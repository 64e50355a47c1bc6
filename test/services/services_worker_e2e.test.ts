/**
 * The operator plane end to end: the real composition (startFreedmr) with the services Worker, the
 * HBP port and the HTTP port chosen at run time, hotspots logging in over real UDP, calls between
 * them, and the API read and driven over real HTTP and WebSocket: public views without addresses
 * or secrets, diagnostics, admin actions (token required), self-care (a hotspot's KEY changes only
 * its own settings, live), bounded and validated requests, HEAD, OpenAPI, and the Worker's
 * isolation (killed → restarted and resynchronised; a Worker that never answers loses events, never
 * a login).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import type { RunningServer } from "../../src/shell/server.ts";
import { CallType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { sendVoiceCall } from "../e2e/routing_support.ts";
import { SimFrameKind, writeFrame, type FrameFields } from "../sim/frames.ts";
import { VoiceStreamBuilder } from "../../src/dmr/voice_stream_builder.ts";
import { TalkerAliasFormat } from "../../src/dmr/talker_alias.ts";
import { lcEncoder } from "../sim/workload.ts";

const HBP_SECRET = "hbp-Secret-0f-this-server";
const ADMIN_TOKEN = "admin-Token-0123456789abcdef";
const KEY_A = "keyOfHotspotA1";
const KEY_B = "keyOfHotspotB2";
const SECRET_C = "sysop-issued-secret-for-C";
const SECRETS = [HBP_SECRET, ADMIN_TOKEN, KEY_A, KEY_B, SECRET_C, "link-Secret-0penbridge"];
const ID_A = 310_100_001;
const ID_B = 310_100_002;
const ID_C = 310_100_003;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning up
    }
  }
}, 15_000); // a hung Worker is given 5 s to say it stopped

/** The far end of the test OpenBridge link: a UDP port that never answers. */
let linkPeerPort = 0;
const linkPeer = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
linkPeerPort = linkPeer.port;

function configFrom(http: Record<string, unknown> = {}, hbp: Record<string, unknown> = {}): Config {
  const result = validateConfig({
    openbridge: [{ name: "ob-test", bind_address: "127.0.0.1", port: 0, target_address: "127.0.0.1", target_port: linkPeerPort, passphrase: "link-Secret-0penbridge", network_id: 4321, protocol: 1 }],
    log: { level: "silent" },
    server: { server_id: 2345 },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0, passphrase: HBP_SECRET, ...hbp },
    http: { bind_address: "127.0.0.1", port: 0, admin_token: ADMIN_TOKEN, hotspot_secrets: [{ repeater_id: ID_C, secret: SECRET_C }], ...http },
  });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.errors)}`);
  return result.config;
}

async function start(config: Config, extra: Parameters<typeof startFreedmr>[2] = {}): Promise<RunningServer> {
  const server = await startFreedmr(config, pino({ level: "silent" }), { statsIntervalMs: 100, servicesBatchIntervalMs: 20, ...extra });
  cleanups.push(() => server.stop("test"));
  return server;
}

function hbpPort(server: RunningServer): number {
  return server.boundSockets().find((s) => s.handler === server.hbp!.name)!.port;
}

async function hotspot(server: RunningServer, repeaterId: number, options?: string): Promise<HbpClient> {
  const client = await HbpClient.open({
    serverPort: hbpPort(server),
    repeaterId,
    passphrase: HBP_SECRET,
    callsign: `T${String(repeaterId).slice(-3)}`,
    slots: "3",
    rxFrequencyHz: 438_800_000,
    txFrequencyHz: 431_200_000,
    location: "Testville",
    softwareId: "TestSoft",
    packageId: "TestPkg",
    ...(options !== undefined ? { options } : {}),
  });
  cleanups.push(() => client.close());
  await client.login({ passphrase: HBP_SECRET });
  return client;
}

interface Answer {
  status: number;
  text: string;
  body: any;
  headers: Headers;
}

async function call(server: RunningServer, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(new URL(path, server.http!.url), init);
  const text = await response.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, text, body, headers: response.headers };
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = (credential: string, body: unknown): RequestInit => ({
  method: "PUT",
  headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** A call that keeps going (header then a burst every 20 ms) until stop() sends its terminator. */
function ongoingCall(client: HbpClient, sourceId: number, destinationId: number, slot: 1 | 2, streamId: number): { stop(): void } {
  const fields: FrameFields = { sequence: 0, sourceId, destinationId, repeaterId: client.repeaterId, slot, callType: CallType.Group, kind: SimFrameKind.Header, voiceIndex: 0, streamId, tag: 1 };
  const send = (kind: SimFrameKind, voiceIndex = 0): void => {
    const bytes = new Uint8Array(55);
    fields.kind = kind;
    fields.voiceIndex = voiceIndex;
    fields.tag++;
    writeFrame(bytes, fields, lcEncoder);
    client.sendDmrd(bytes);
    fields.sequence = (fields.sequence + 1) & 0xff;
  };
  send(SimFrameKind.Header);
  let v = 0;
  const timer = setInterval(() => send(SimFrameKind.Burst, v++ % 6), 20);
  return {
    stop() {
      clearInterval(timer);
      send(SimFrameKind.Terminator);
    },
  };
}

describe("operator plane over real sockets (services Worker)", () => {
  test("public views: now, hotspots, one hotspot, talkgroups, last heard search, diagnostics; HEAD and OpenAPI; no address or secret anywhere", async () => {
    const server = await start(configFrom());
    expect(server.services).not.toBeNull();
    const a = await hotspot(server, ID_A, `TS2=3100;KEY=${KEY_A};TS1=abc;`);
    const b = await hotspot(server, ID_B, `TS2=3100;KEY=${KEY_B};`);

    const hotspots = await eventually("both hotspots with details", async () => {
      const r = await call(server, "/api/v1/hotspots");
      return r.body?.total === 2 && r.body.hotspots.every((h: any) => h.softwareId === "TestSoft" && h.talkgroups.ts2.includes(3100)) ? r.body : undefined;
    });
    expect(hotspots.hotspots[0]).toMatchObject({ repeaterId: ID_A, callsign: "T001", location: "Testville", packageId: "TestPkg", slots: "3", family: "ipv4", dialedReflector: 0 });
    expect(hotspots.hotspots[0].address).toBeUndefined();
    expect(hotspots.hotspots[1].subscriptions).toEqual([{ slot: 2, talkgroupId: 3100, kind: "static", expiresInSeconds: null }]);
    expect(hotspots.hotspots[0].port).toBeUndefined();
    const one = (await call(server, `/api/v1/hotspots/${ID_B}`)).body;
    expect(one).toMatchObject({ repeaterId: ID_B, callsign: "T002" });
    expect(one.subscriptions).toEqual([expect.objectContaining({ slot: 2, talkgroupId: 3100, kind: "static", expiresInSeconds: null })]);
    expect((await call(server, "/api/v1/hotspots?q=t002")).body.hotspots.map((h: any) => h.repeaterId)).toEqual([ID_B]);

    // a call in progress shows in /now, then in last heard (searchable) and talkgroup activity
    const running = ongoingCall(a, 3_100_001, 3100, 2, 0x7100_0001);
    const now = await eventually("the call in /now", async () => {
      const r = await call(server, "/api/v1/now");
      return r.body?.calls.length === 1 ? r.body : undefined;
    });
    expect(now.calls[0]).toMatchObject({ streamId: 0x7100_0001, sourceId: 3_100_001, destinationId: 3100, slot: 2, callType: "group", entered: { repeaterId: ID_A, kind: "hotspot" } });
    expect(now.server.hotspots).toBe(2);
    running.stop();
    const heard = await eventually("the call in last heard", async () => {
      const r = await call(server, "/api/v1/last-heard?q=3100001");
      return r.body?.calls.length === 1 ? r.body.calls[0] : undefined;
    });
    expect(heard).toMatchObject({ sourceId: 3_100_001, destinationId: 3100, endedBy: "terminator" });
    expect((await call(server, "/api/v1/last-heard?q=nobody-like-this")).body.calls).toEqual([]);
    const tg = await eventually("talkgroup 3100 activity", async () => {
      const r = await call(server, "/api/v1/talkgroups/3100");
      return r.body?.activity.calls === 1 ? r.body : undefined;
    });
    expect(tg.subscribers.map((s: any) => [s.repeaterId, s.slot])).toEqual([
      [ID_A, 2],
      [ID_B, 2],
    ]);
    expect((await call(server, "/api/v1/talkgroups")).body.talkgroups.find((t: any) => t.talkgroupId === 3100)).toMatchObject({ subscribers: 2, calls: 1 });

    // diagnostics: the rejected option token, exact subscriptions, the call sent; KEY hidden
    const diag = await eventually("diagnostics of A", async () => {
      const r = await call(server, `/api/v1/hotspots/${ID_A}/diagnostics`);
      return r.body?.callsSent?.length === 1 ? r.body : undefined;
    });
    expect(diag.connected).toBe(true);
    expect(diag.options).toContain("KEY=***");
    expect(diag.rejectedOptions[0].data.rejected.join(" ")).toContain("TS1=abc");
    expect(diag.hints.join(" ")).toContain("TS1=abc");
    expect(diag.explainedRefusals[0]).toMatchObject({ reason: "options.rejected", count: 1 });
    expect(diag.explainedRefusals[0].fix).toContain("Options=");
    expect(diag.subscriptions).toContainEqual(expect.objectContaining({ slot: 2, talkgroupId: 3100, kind: "static", expiresInSeconds: null }));
    expect((await call(server, `/api/v1/hotspots/${ID_B}/diagnostics`)).body.callsHeard.map((c: any) => c.sourceId)).toEqual([3_100_001]);

    // a refused login shows in the diagnostics of that id, without the address
    const intruder = await HbpClient.open({ serverPort: hbpPort(server), repeaterId: ID_C });
    cleanups.push(() => intruder.close());
    expect((await intruder.tryLogin({ passphrase: "wrong-passphrase-here" })).ok).toBe(false);
    const refusedDiag = await eventually("refusal in C's diagnostics", async () => {
      const r = await call(server, `/api/v1/hotspots/${ID_C}/diagnostics`);
      return r.status === 200 && r.body.refusals.length > 0 ? r.body : undefined;
    });
    expect(refusedDiag.connected).toBe(false);
    expect(refusedDiag.refusals[0].data.reason).toBe("bad-passphrase");
    const explained = (await call(server, `/api/v1/hotspots/${ID_C}/refusals`)).body;
    expect(explained.refusals[0]).toMatchObject({ reason: "session.refused:bad-passphrase", count: 1 });
    expect(explained.refusals[0].message).toContain("wrong passphrase");

    // HEAD wherever GET: same status, no body
    for (const path of ["/api/v1/status", "/api/v1/now", "/api/v1/hotspots", `/api/v1/hotspots/${ID_A}`, "/api/v1/talkgroups", "/api/v1/links", "/api/v1/health", "/metrics", "/api/v1/openapi.json", "/api/v1/last-heard"]) {
      const get = await fetch(new URL(path, server.http!.url));
      const head = await fetch(new URL(path, server.http!.url), { method: "HEAD" });
      expect([path, head.status]).toEqual([path, get.status]);
      expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
      expect(await head.text()).toBe("");
    }
    expect((await fetch(new URL("/api/v1/hotspots/999", server.http!.url), { method: "HEAD" })).status).toBe(404);
    const rootGet = await fetch(server.http!.url);
    const rootHead = await fetch(server.http!.url, { method: "HEAD" });
    expect(rootHead.status).toBe(rootGet.status);
    expect(rootGet.status).toBe(200);

    // OpenAPI names every route and the settings schema
    const openapi = (await call(server, "/api/v1/openapi.json")).body;
    expect(openapi.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.paths)).toContain("/api/v1/hotspots/{repeaterId}/settings");
    expect(openapi.paths["/api/v1/hotspots/{repeaterId}/settings"].put.requestBody.content["application/json"].schema.additionalProperties).toBe(false);

    // no address, port of a peer, passphrase, admin token or option key in any public answer
    const paths = ["/api/v1/health", "/api/v1/status", "/api/v1/now", "/api/v1/hotspots", `/api/v1/hotspots/${ID_A}`, `/api/v1/hotspots/${ID_A}/diagnostics`, `/api/v1/hotspots/${ID_A}/settings`, `/api/v1/hotspots/${ID_C}/diagnostics`, `/api/v1/hotspots/${ID_C}/refusals`, `/api/v1/hotspots/${ID_A}/refusals`, "/api/v1/talkgroups", "/api/v1/talkgroups/3100", "/api/v1/last-heard", "/api/v1/links", "/metrics", "/api/v1/openapi.json", "/nope"];
    for (const path of paths) {
      const { text } = await call(server, path);
      for (const secret of SECRETS) expect([path, text.includes(secret)]).toEqual([path, false]);
      expect([path, text.includes("127.0.0.1")]).toEqual([path, false]);
      for (const port of [a.localPort, b.localPort, intruder.localPort]) expect([path, text.includes(`:${port}`) || text.includes(`"port":${port}`)]).toEqual([path, false]);
    }
  }, 30_000);

  test("diagnostics: a call not delivered to a hotspot because its slot carried another call says so", async () => {
    const server = await start(configFrom());
    const a = await hotspot(server, ID_A, "TS2=3100;");
    const b = await hotspot(server, ID_B, "TS2=3100,3200;");
    const c = await hotspot(server, ID_C, "TS2=3200;");
    await eventually("three hotspots", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 3 ? true : undefined));
    const busy = ongoingCall(c, 3_100_003, 3200, 2, 0x7400_0001);
    cleanups.push(() => busy.stop());
    await b.waitForDmrd((f) => f.streamId === 0x7400_0001, 3000);
    const blocked = await sendVoiceCall(a, { sourceId: 3_100_001, destinationId: 3100, slot: 2, superframes: 1, streamId: 0x7400_0002 });
    busy.stop();
    const diag = await eventually("B's not-delivered entry", async () => {
      const r = await call(server, `/api/v1/hotspots/${ID_B}/diagnostics`);
      return r.body?.callsNotDelivered?.length > 0 ? r.body : undefined;
    });
    expect(diag.callsNotDelivered[0].data).toMatchObject({ sourceId: 3_100_001, destinationId: 3100, slot: 2, reason: "slot-busy-other-call" });
    expect(diag.hints.join(" ")).toContain("not delivered");
    expect(await b.waitForDmrd((f) => f.streamId === blocked.streamId, 300)).toBeNull();
    // C, which never had the call as a target, has no such entry
    expect((await call(server, `/api/v1/hotspots/${ID_C}/diagnostics`)).body.callsNotDelivered).toEqual([]);
  }, 20_000);

  test("admin: refused without the right token, off without a configured token; kick, clear dynamic, drop a call in progress", async () => {
    const off = await start(configFrom({ admin_token: "" }));
    expect((await call(off, "/api/v1/admin/hotspots", { headers: admin })).status).toBe(403);
    expect((await call(off, `/api/v1/admin/hotspots/${ID_A}/kick`, { method: "POST", headers: admin })).body.code).toBe("forbidden");

    const server = await start(configFrom());
    const a = await hotspot(server, ID_A, "TS2=3100;");
    const b = await hotspot(server, ID_B, "TS2=3100;");
    await eventually("both hotspots", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 2 ? true : undefined));

    for (const headers of [{} as Record<string, string>, { authorization: "Bearer wrong-token-0123456789" }, { authorization: ADMIN_TOKEN }, { authorization: `Basic ${btoa(`x:${ADMIN_TOKEN}`)}` }]) {
      const r = await call(server, `/api/v1/admin/hotspots/${ID_A}/kick`, { method: "POST", headers });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("unauthorized");
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
    }
    expect(server.hbp!.session(ID_A)).toBeDefined();

    // the admin views have the addresses the public ones hide
    const adminLinks = (await call(server, "/api/v1/admin/links", { headers: admin })).body.links;
    expect(adminLinks[0]).toMatchObject({ name: "ob-test", peer: `127.0.0.1:${linkPeerPort}` });
    expect((await call(server, "/api/v1/links")).body.links[0].peer).toBeUndefined();
    const list = (await call(server, "/api/v1/admin/hotspots", { headers: admin })).body;
    expect(list.hotspots.map((h: any) => [h.repeaterId, h.address, h.port])).toEqual([
      [ID_A, "127.0.0.1", a.localPort],
      [ID_B, "127.0.0.1", b.localPort],
    ]);

    // dynamic TG on B, cleared by the admin
    await sendVoiceCall(b, { sourceId: 3_100_002, destinationId: 91, slot: 1, superframes: 1 });
    await eventually("B's dynamic TG 91", async () => ((await call(server, `/api/v1/hotspots/${ID_B}`)).body?.talkgroups.ts1.includes(91) ? true : undefined));
    const dynamic = (await call(server, `/api/v1/hotspots/${ID_B}`)).body.subscriptions.find((x: any) => x.talkgroupId === 91);
    expect(dynamic).toMatchObject({ slot: 1, kind: "dynamic" });
    expect(dynamic.expiresInSeconds).toBeGreaterThan(500); // the UA timer: 10 minutes by default
    expect(dynamic.expiresInSeconds).toBeLessThanOrEqual(600);
    // the list has it too (from the subscription events: kind and expiry)
    const listed = (await call(server, "/api/v1/hotspots")).body.hotspots.find((h: any) => h.repeaterId === ID_B);
    expect(listed.subscriptions).toContainEqual({ slot: 1, talkgroupId: 91, kind: "dynamic", expiresInSeconds: expect.any(Number) });
    expect(listed.subscriptions.find((x: any) => x.talkgroupId === 91).expiresInSeconds).toBeGreaterThan(500);
    expect((await call(server, `/api/v1/admin/hotspots/${ID_B}/clear-dynamic`, { method: "POST", headers: admin })).body).toEqual({ ok: true, command: "clear-dynamic" });
    await eventually("TG 91 gone from B", async () => ((await call(server, `/api/v1/hotspots/${ID_B}`)).body?.talkgroups.ts1.includes(91) === false ? true : undefined));
    expect((await call(server, `/api/v1/hotspots/${ID_B}`)).body.talkgroups.ts2).toEqual([3100]);

    // drop a call in progress: B stops hearing it, last heard says "dropped"
    const streamId = 0x7200_0001;
    const running = ongoingCall(a, 3_100_001, 3100, 2, streamId);
    cleanups.push(() => running.stop());
    await b.waitForDmrd((f) => f.streamId === streamId, 3000);
    expect((await call(server, `/api/v1/admin/calls/${streamId}/drop`, { method: "POST", headers: admin })).status).toBe(200);
    const ended = await eventually("the dropped call in last heard", async () => (await call(server, "/api/v1/last-heard")).body?.calls.find((c: any) => c.streamId === streamId));
    expect(ended.endedBy).toBe("dropped");
    await Bun.sleep(100);
    const heardBefore = b.received.length;
    await Bun.sleep(200);
    expect(b.received.slice(heardBefore).filter((r) => r.tag === "DMRD").length).toBe(0);
    running.stop();
    expect((await call(server, `/api/v1/admin/calls/${streamId + 1}/drop`, { method: "POST", headers: admin })).status).toBe(404);

    // kick: A gets MSTCL and disappears from the list
    const from = a.received.length;
    expect((await call(server, `/api/v1/admin/hotspots/${ID_A}/kick`, { method: "POST", headers: admin })).body).toEqual({ ok: true, command: "kick" });
    expect(await a.waitFor((r) => r.tag === "MSTCL", 3000, from)).not.toBeNull();
    expect(server.hbp!.session(ID_A)).toBeUndefined();
    await eventually("A gone", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 1 ? true : undefined));
    expect((await call(server, `/api/v1/admin/hotspots/${ID_A}/kick`, { method: "POST", headers: admin })).status).toBe(404);
    expect((await call(server, "/api/v1/admin/reload", { method: "POST", headers: admin })).status).toBe(501);
    expect((await call(server, `/api/v1/admin/hotspots/${ID_B}/kick`, { method: "GET", headers: admin })).status).toBe(405);
  }, 30_000);

  test("self-care: a hotspot's KEY or issued secret changes its own settings live; never another's; validation and bounds", async () => {
    const server = await start(configFrom());
    const a = await hotspot(server, ID_A, `TS2=3100;KEY=${KEY_A};`);
    const b = await hotspot(server, ID_B, `TS2=3100;KEY=${KEY_B};`);
    const c = await hotspot(server, ID_C, "TS2=3100;");
    await eventually("three hotspots", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 3 ? true : undefined));

    const settingsPath = (id: number) => `/api/v1/hotspots/${id}/settings`;
    const view = (await call(server, settingsPath(ID_A))).body;
    expect(view).toMatchObject({ repeaterId: ID_A, selfCare: true, connected: true, authentication: { keySet: true, secretIssued: false } });
    expect(view.settings).toEqual({ ts1Static: null, ts2Static: null, defaultReflector: null, uaTimerMinutes: null, singleMode: null, language: null });

    // A's key on B, B's key on A, a secret for C on A, nothing: refused, nothing changes
    for (const [id, credential] of [[ID_B, KEY_A], [ID_A, KEY_B], [ID_A, SECRET_C], [ID_C, KEY_A]] as const) {
      const r = await call(server, settingsPath(id), json(credential, { ts2Static: [4100] }));
      expect([id, r.status, r.body.code]).toEqual([id, 401, "unauthorized"]);
    }
    const none = await call(server, settingsPath(ID_A), { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
    expect(none.status).toBe(401);
    for (const id of [ID_A, ID_B, ID_C]) expect((await call(server, settingsPath(id))).body.settings.ts2Static).toBeNull();

    // malformed, oversized, wrong type, unknown or invalid fields: 400/413/415
    expect((await call(server, settingsPath(ID_A), { method: "PUT", headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" }, body: "{not json" })).status).toBe(400);
    expect((await call(server, settingsPath(ID_A), { method: "PUT", headers: { authorization: `Bearer ${KEY_A}`, "content-type": "text/plain" }, body: "{}" })).status).toBe(415);
    const big = await call(server, settingsPath(ID_A), json(KEY_A, { language: "x".repeat(5000) }));
    expect([big.status, big.body.code]).toEqual([413, "too-large"]);
    const huge = await fetch(new URL(settingsPath(ID_A), server.http!.url), { method: "PUT", headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" }, body: "x".repeat(64 * 1024) });
    expect(huge.status).toBe(413);
    for (const body of [{ ts2Static: [0] }, { ts2Static: "3100" }, { evil: true }, { uaTimerMinutes: -1 }, { language: "../etc" }, { ts1Static: Array.from({ length: 65 }, (_, i) => 100 + i) }, [1, 2]]) {
      const r = await call(server, settingsPath(ID_A), json(KEY_A, body));
      expect([JSON.stringify(body).slice(0, 40), r.status, r.body.code]).toEqual([JSON.stringify(body).slice(0, 40), 400, "bad-request"]);
    }
    expect((await call(server, "/api/v1/hotspots/notanumber/settings")).status).toBe(400);
    expect((await call(server, "/api/v1/last-heard?limit=100000")).status).toBe(400);
    expect((await call(server, `/api/v1/hotspots?q=${"x".repeat(100)}`)).status).toBe(400);

    // A moves its TS2 static from 3100 to 4100 with its own KEY: applied live
    const ok = await call(server, settingsPath(ID_A), json(KEY_A, { ts2Static: [4100], uaTimerMinutes: 30 }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, appliedLive: true, persisted: false, settings: { ts2Static: [4100], uaTimerMinutes: 30, ts1Static: null } });
    const call4100 = await sendVoiceCall(c, { sourceId: 3_100_003, destinationId: 4100, slot: 2, superframes: 1 });
    expect(await a.waitForDmrd((f) => f.streamId === call4100.streamId, 3000)).not.toBeNull();
    const call3100 = await sendVoiceCall(c, { sourceId: 3_100_003, destinationId: 3100, slot: 2, superframes: 1, streamId: 0x7300_0002 });
    expect(await b.waitForDmrd((f) => f.streamId === call3100.streamId, 3000)).not.toBeNull();
    expect(await a.waitForDmrd((f) => f.streamId === call3100.streamId, 300)).toBeNull();
    expect((await call(server, settingsPath(ID_B))).body.settings.ts2Static).toBeNull();

    // precedence: A's RPTO naming TS2 again loses to the dashboard setting (and says so)
    a.sendRpto(`TS2=3100;KEY=${KEY_A};`);
    const diag = await eventually("the overridden option in A's diagnostics", async () => {
      const r = await call(server, `/api/v1/hotspots/${ID_A}/diagnostics`);
      return r.body?.rejectedOptions?.[0]?.data.rejected.some((x: string) => x.includes("self-care")) ? r.body : undefined;
    });
    expect(diag.subscriptions.filter((s: any) => s.slot === 2 && s.kind === "static").map((s: any) => s.talkgroupId)).toEqual([4100]);

    // the settings belong to the repeater id: after a new login with the same RPTO they still win
    await a.close();
    const a2 = await hotspot(server, ID_A, `TS2=3100;KEY=${KEY_A};`);
    const relogged = await eventually("A's statics after the new login", async () => {
      const r = await call(server, `/api/v1/hotspots/${ID_A}/diagnostics`);
      const statics = r.body?.subscriptions?.filter((s: any) => s.slot === 2 && s.kind === "static").map((s: any) => s.talkgroupId);
      return r.body?.connected && JSON.stringify(statics) === "[4100]" ? statics : undefined;
    });
    expect(relogged).toEqual([4100]);
    void a2;

    // back to "follow RPTO": TS2 3100 again
    expect((await call(server, settingsPath(ID_A), json(KEY_A, { ts2Static: null }))).status).toBe(200);
    const back = await eventually("TS2 3100 back on A", async () => {
      const r = await call(server, `/api/v1/hotspots/${ID_A}/diagnostics`);
      const statics = r.body?.subscriptions?.filter((s: any) => s.slot === 2 && s.kind === "static").map((s: any) => s.talkgroupId);
      return JSON.stringify(statics) === "[3100]" ? statics : undefined;
    });
    expect(back).toEqual([3100]);

    // C (no KEY) with the secret the sysop issued
    const viaSecret = await call(server, settingsPath(ID_C), json(SECRET_C, { defaultReflector: 0, singleMode: true, language: "en_GB" }));
    expect(viaSecret.status).toBe(200);
    expect((await call(server, settingsPath(ID_C))).body.settings).toMatchObject({ singleMode: true, language: "en_GB", defaultReflector: 0 });
  }, 30_000);

  test("operator actions are logged for audit, never with a token or credential", async () => {
    const lines: string[] = [];
    const server = await startFreedmr(configFrom(), pino({ level: "info" }, { write: (line: string) => void lines.push(line) }), { statsIntervalMs: 100, servicesBatchIntervalMs: 20 });
    cleanups.push(() => server.stop("test"));
    await hotspot(server, ID_A, `KEY=${KEY_A};`);
    await hotspot(server, ID_B);
    await eventually("two hotspots", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 2 ? true : undefined));
    expect((await call(server, `/api/v1/hotspots/${ID_A}/settings`, json(KEY_B, { singleMode: true }))).status).toBe(401);
    expect((await call(server, `/api/v1/hotspots/${ID_A}/settings`, json(KEY_A, { singleMode: true }))).status).toBe(200);
    expect((await call(server, `/api/v1/admin/hotspots/${ID_B}/kick`, { method: "POST", headers: admin })).status).toBe(200);
    const audit = lines.map((l) => JSON.parse(l)).filter((l) => String(l.msg).startsWith("operator action"));
    expect(audit.map((l) => [l.msg, l.repeaterId, l.ok])).toEqual([
      ["operator action refused: set-settings (unauthorized)", ID_A, false],
      ["operator action: set-settings", ID_A, true],
      ["operator action: kick", ID_B, true],
    ]);
    const all = lines.join("\n");
    for (const secret of [ADMIN_TOKEN, KEY_A, KEY_B]) expect(all.includes(secret)).toBe(false);
  }, 20_000);

  test("self-care off: 403; repeated wrong credentials from one address: 429", async () => {
    const off = await start(configFrom({ self_care: false }));
    await hotspot(off, ID_A, `KEY=${KEY_A};`);
    expect((await call(off, `/api/v1/hotspots/${ID_A}/settings`, json(KEY_A, { singleMode: true }))).status).toBe(403);

    const server = await start(configFrom());
    await hotspot(server, ID_A, `KEY=${KEY_A};`);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call(server, `/api/v1/hotspots/${ID_A}/settings`, json(`guess-${i}-xxxxxxxx`, { singleMode: true }))).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  }, 20_000);

  test("live WebSocket: hello and snapshot, then call events without addresses; more clients than allowed are refused", async () => {
    const server = await start(configFrom({ max_live_clients: 3 }));
    const a = await hotspot(server, ID_A, "TS2=3100;");
    await hotspot(server, ID_B, "TS2=3100;");
    await eventually("both hotspots", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 2 ? true : undefined));
    const wsUrl = server.http!.url.replace(/^http/, "ws") + "api/v1/live";
    const messages: any[] = [];
    const ws = new WebSocket(wsUrl);
    cleanups.push(() => ws.close());
    ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
    await eventually("hello and snapshot", async () => (messages.length >= 2 ? true : undefined));
    expect(messages[0].type).toBe("hello");
    expect(messages[1].type).toBe("snapshot");
    expect(messages[1].now.server.hotspots).toBe(2);
    const sent = await sendVoiceCall(a, { sourceId: 3_100_001, destinationId: 3100, slot: 2, superframes: 1 });
    const events = await eventually("call.start and call.end", async () => {
      const all = messages.filter((m) => m.type === "events").flatMap((m) => m.events);
      return all.some((e: any) => e.type === "call.end" && e.streamId === sent.streamId) ? all : undefined;
    });
    expect(events.find((e: any) => e.type === "call.start")).toMatchObject({ streamId: sent.streamId, sourceId: 3_100_001, destinationId: 3100 });
    expect(JSON.stringify(messages)).not.toContain("127.0.0.1");

    // more clients than allowed: refused with 503
    const extra: WebSocket[] = [];
    for (let i = 0; i < 2; i++) extra.push(new WebSocket(wsUrl));
    cleanups.push(() => extra.forEach((w) => w.close()));
    await Promise.all(extra.map((w) => new Promise((resolve) => (w.onopen = resolve))));
    const refused = await fetch(new URL("/api/v1/live", server.http!.url), { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe("busy");
  }, 20_000);

  test("the talker alias of a call in progress: in /now and on the live feed before the call ends", async () => {
    const server = await start(configFrom());
    const a = await hotspot(server, ID_A, "TS2=3100;");
    await hotspot(server, ID_B, "TS2=3100;");
    await eventually("both hotspots", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 2 ? true : undefined));
    const messages: any[] = [];
    const ws = new WebSocket(server.http!.url.replace(/^http/, "ws") + "api/v1/live");
    cleanups.push(() => ws.close());
    ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
    await eventually("snapshot", async () => (messages.some((m) => m.type === "snapshot") ? true : undefined));

    const builder = new VoiceStreamBuilder();
    const streamId = 0x7500_0001;
    builder.start({ sourceId: 3_100_001, destinationId: 3100, slot: 2, callType: CallType.Group, streamId, repeaterId: ID_A, colourCode: 1 });
    builder.setTalkerAlias("G4TST Test", TalkerAliasFormat.Iso88591);
    const frame = new Uint8Array(55);
    builder.writeHeader(frame);
    a.sendDmrd(frame.slice());
    for (let i = 0; i < 6 * 5; i++) {
      builder.writeVoice(frame);
      a.sendDmrd(frame.slice());
      await Bun.sleep(2);
    }
    const now = await eventually("the alias in /now", async () => {
      const r = await call(server, "/api/v1/now");
      return r.body?.calls?.[0]?.talkerAlias === "G4TST Test" ? r.body : undefined;
    });
    expect(now.calls[0]).toMatchObject({ streamId, sourceId: 3_100_001 });
    const live = messages.filter((m) => m.type === "events").flatMap((m) => m.events);
    expect(live.find((e: any) => e.type === "call.alias")).toMatchObject({ streamId, talkerAlias: "G4TST Test" });
    expect(live.some((e: any) => e.type === "call.end" && e.streamId === streamId)).toBe(false); // still in progress
    builder.writeTerminator(frame);
    a.sendDmrd(frame.slice());
    const heard = await eventually("the call in last heard", async () => (await call(server, "/api/v1/last-heard")).body?.calls.find((c: any) => c.streamId === streamId));
    expect(heard.talkerAlias).toBe("G4TST Test");
  }, 20_000);

  test("the Worker's thread runs at a lower priority (nice 10); the packet thread keeps its own", async () => {
    const server = await start(configFrom());
    expect(server.http).not.toBeNull();
    const threads = readdirSync(`/proc/${process.pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8");
      return { tid: Number(tid), name: readFileSync(`/proc/${process.pid}/task/${tid}/comm`, "utf8").trim(), nice: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) };
    });
    const main = threads.find((t) => t.tid === process.pid)!;
    expect(threads.filter((t) => t.name === "Worker").map((t) => t.nice)).toContain(10);
    expect(main.nice).toBe(0);
  });

  test("the Worker killed: voice keeps working, it is restarted and its tables are resynchronised", async () => {
    const server = await start(configFrom());
    const a = await hotspot(server, ID_A, "TS2=3100;");
    await eventually("A listed", async () => ((await call(server, "/api/v1/hotspots")).body?.total === 1 ? true : undefined));
    const services = server.services!;
    services.terminateForTest();
    // while it is down: a login and a ping work
    const b = await hotspot(server, ID_B, "TS2=3100;");
    expect(await a.ping(3000)).toBe(true);
    const stats = await eventually("a restart", async () => {
      const s = services.stats();
      return s.restarts >= 1 && s.running ? s : undefined;
    });
    expect(stats.crashes).toBeGreaterThanOrEqual(1);
    // the new Worker listens on the same port and knows both hotspots (the roster), B included
    const body = await eventually("both hotspots after the restart", async () => {
      try {
        const r = await call(server, "/api/v1/hotspots");
        return r.body?.total === 2 ? r.body : undefined;
      } catch {
        return undefined;
      }
    });
    expect(body.hotspots.map((h: any) => [h.repeaterId, h.talkgroups.ts2])).toEqual([
      [ID_A, [3100]],
      [ID_B, [3100]],
    ]);
    expect(body.hotspots[1].softwareId).toBe("TestSoft");
    expect(await b.ping(3000)).toBe(true);
    const status = await eventually("the host's figures in /status", async () => {
      const r = await call(server, "/api/v1/status");
      return r.body?.servicesWorker?.restarts >= 1 ? r.body : undefined;
    });
    expect(status.servicesWorker.crashes).toBeGreaterThanOrEqual(1);
  }, 30_000);

  test("a Worker that never acknowledges: events are dropped and counted, logins and pings are not delayed; it is restarted as hung", async () => {
    const server = await start(configFrom(), { servicesWorkerEntry: join(import.meta.dir, "support", "stuck_worker.ts"), servicesHungTimeoutMs: 1500 });
    const clients: HbpClient[] = [];
    for (let i = 0; i < 5; i++) clients.push(await hotspot(server, 310_100_100 + i, "TS2=3100;"));
    for (let i = 0; i < 3; i++) await sendVoiceCall(clients[0]!, { sourceId: 3_100_001, destinationId: 3100, slot: 2, superframes: 1 });
    for (const c of clients) expect(await c.ping(3000)).toBe(true);
    const stats = await eventually("lost events", async () => {
      const s = server.services!.stats();
      return s.eventsLost > 0 ? s : undefined;
    });
    expect(stats.inFlightBatches).toBeLessThanOrEqual(8);
    const restarted = await eventually("the hung Worker restarted", async () => {
      const s = server.services!.stats();
      return s.restarts >= 1 ? s : undefined;
    });
    expect(restarted.lastError).toContain("stopped answering");
    for (const c of clients) expect(await c.ping(3000)).toBe(true);
  }, 20_000);
});

import { describe, expect, test } from "bun:test";
import { HttpApi, type HttpApiOptions } from "../../src/services/http_api.ts";
import { reasonFromCounter } from "../../src/services/metrics.ts";
import { end, ManualClock, snapshot, start, sub, up } from "./fixtures.ts";
import { parsePrometheus, sampleValue } from "./prometheus_parse.ts";

function api(fields: Partial<HttpApiOptions> = {}): { api: HttpApi; clock: ManualClock } {
  const clock = new ManualClock();
  return {
    api: new HttpApi({ bindAddress: "127.0.0.1", port: 0, lastHeardSize: 5, cors: false, version: "9.9.9-test", maxHotspots: 100, startedMs: 1_000, clock, ...fields }),
    clock,
  };
}

const get = (a: HttpApi, path: string, method = "GET") => a.handle(new Request(`http://127.0.0.1${path}`, { method }));
const json = async (r: Response) => (await r.json()) as Record<string, any>;

describe("HttpApi routes (no sockets)", () => {
  test("health: ok, version, uptime", async () => {
    const { api: a } = api();
    const r = get(a, "/api/v1/health");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(await json(r)).toEqual({ ok: true, version: "9.9.9-test", uptimeSeconds: 9 });
  });

  test("status: counts, calls in progress, recent refusals and the last snapshot", async () => {
    const { api: a } = api();
    expect((await json(get(a, "/api/v1/status"))).stats).toBeNull();
    a.onEvent(up(1, 2_345_601, 1));
    a.onEvent(start(2, 77, 1));
    a.onEvent({ type: "session.refused", atMs: 3, repeaterId: 9, address: "198.51.100.9", port: 1, reason: "bad-passphrase", callsign: "N0PE" });
    a.onEvent({ type: "stats", atMs: 4, snapshot: snapshot() });
    const body = await json(get(a, "/api/v1/status"));
    expect(body.hotspots).toBe(1);
    expect(body.streamsActive).toBe(1);
    expect(body.activeStreams[0].streamId).toBe(77);
    expect(body.recentRefusals).toEqual([{ time: expect.any(String), repeaterId: 9, address: "198.51.100.9", port: 1, reason: "bad-passphrase", callsign: "N0PE", count: 1 }]);
    expect(body.links).toEqual({ total: 1, up: 1 });
    expect(body.stats.hbp.connected).toBe(2);
    expect(body.stats.routing.framesIn).toBe(100);
    expect(body.api.busDropped).toBe(0);
    expect(body.api.events["session.up"]).toBe(1);
  });

  test("hotspots with paging; bad paging is 400", async () => {
    const { api: a } = api();
    for (let i = 0; i < 3; i++) a.onEvent(up(1, 3000 + i, i));
    a.onEvent(sub(1, 1, 2, 3100));
    const all = await json(get(a, "/api/v1/hotspots"));
    expect(all.total).toBe(3);
    expect(all.hotspots.map((h: { repeaterId: number }) => h.repeaterId)).toEqual([3000, 3001, 3002]);
    expect(all.hotspots[1].talkgroups).toEqual({ ts1: [], ts2: [3100] });
    const page = await json(get(a, "/api/v1/hotspots?offset=1&limit=1"));
    expect(page.hotspots.map((h: { repeaterId: number }) => h.repeaterId)).toEqual([3001]);
    for (const q of ["limit=0", "limit=x", "offset=-1", "limit=1e3"]) expect(get(a, `/api/v1/hotspots?${q}`).status).toBe(400);
  });

  test("last-heard: newest first, ?limit=N up to the ring size, bad limit is 400", async () => {
    const { api: a } = api();
    for (let i = 1; i <= 7; i++) a.onEvent(end(i, i, 0, { sourceId: 100 + i }));
    const body = await json(get(a, "/api/v1/last-heard?limit=2"));
    expect(body.total).toBe(5);
    expect(body.capacity).toBe(5);
    expect(body.calls.map((c: { sourceId: number }) => c.sourceId)).toEqual([107, 106]);
    expect((await json(get(a, "/api/v1/last-heard"))).calls.length).toBe(5);
    expect(get(a, "/api/v1/last-heard?limit=6").status).toBe(400);
    expect(await json(get(a, "/api/v1/last-heard?limit=abc"))).toEqual({ error: expect.stringContaining("limit must be a whole number") });
  });

  test("links", async () => {
    const { api: a } = api();
    a.onEvent({ type: "link.up", atMs: 5, link: "up-1", reason: "logged-in" });
    const body = await json(get(a, "/api/v1/links"));
    expect(body.links.map((l: { name: string; up: boolean }) => [l.name, l.up])).toEqual([["up-1", true]]);
  });

  test("unknown path → 404 JSON listing the endpoints; other methods → 405 with Allow: GET", async () => {
    const { api: a } = api();
    const missing = get(a, "/api/v2/nothing");
    expect(missing.status).toBe(404);
    expect((await json(missing)).endpoints).toContain("/metrics");
    expect(get(a, "/").status).toBe(404);
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) {
      const r = get(a, "/api/v1/status", method);
      expect(r.status).toBe(405);
      expect(r.headers.get("allow")).toBe("GET");
    }
    expect((await json(get(a, "/nope", "POST"))).error).toContain("read-only");
  });

  test("cors: Access-Control-Allow-Origin on every answer, OPTIONS preflight answered", async () => {
    const { api: a } = api({ cors: true });
    expect(get(a, "/api/v1/health").headers.get("access-control-allow-origin")).toBe("*");
    expect(get(a, "/metrics").headers.get("access-control-allow-origin")).toBe("*");
    const pre = get(a, "/api/v1/status", "OPTIONS");
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET");
    expect(get(a, "/api/v1/status", "POST").status).toBe(405);
  });

  test("requests are counted by endpoint and status code", () => {
    const { api: a } = api();
    get(a, "/api/v1/health");
    get(a, "/api/v1/health");
    get(a, "/x");
    expect(a.requests.get("/api/v1/health 200")).toBe(2);
    expect(a.requests.get("other 404")).toBe(1);
  });
});

describe("metrics", () => {
  test("before any snapshot: build info, uptime, process memory and the live tables only", () => {
    const { api: a } = api();
    a.onEvent(up(1, 2_345_601, 1));
    const families = parsePrometheus(a.metricsText());
    expect(sampleValue(families, "freedmr_build_info", { version: "9.9.9-test" })).toBe(1);
    expect(sampleValue(families, "freedmr_hotspots_connected")).toBe(1);
    expect(sampleValue(families, "freedmr_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(families.has("freedmr_frames_in_total")).toBe(false);
  });

  test("with a snapshot: logins and refusals by reason, frames by reason, bus per service, links", () => {
    const { api: a } = api();
    a.onEvent(up(1, 2_345_601, 1));
    a.onEvent(up(1, 2_345_602, 2));
    a.onEvent(start(2, 77, 1));
    a.onEvent({ type: "stats", atMs: 4, snapshot: snapshot() });
    const r = get(a, "/metrics");
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parsePrometheus(a.metricsText());
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
    expect(v("freedmr_hotspots_connected")).toBe(2);
    expect(v("freedmr_streams_active")).toBe(1);
    expect(v("freedmr_hbp_logins_total", { stage: "connected" })).toBe(3);
    expect(v("freedmr_hbp_login_refusals_total", { reason: "bad-passphrase" })).toBe(1);
    expect(v("freedmr_hbp_login_refusals_total", { reason: "acl" })).toBe(2);
    expect(v("freedmr_hbp_login_refusals_total", { reason: "banned" })).toBe(0);
    expect(v("freedmr_frames_in_total")).toBe(100);
    expect(v("freedmr_frames_out_total")).toBe(180);
    expect(v("freedmr_frames_dropped_total", { reason: "duplicate" })).toBe(4);
    expect(v("freedmr_frames_dropped_total", { reason: "max-duration" })).toBe(2);
    expect(v("freedmr_streams_total", { outcome: "refused" })).toBe(1);
    expect(v("freedmr_bus_dropped_total", { service: "event-log" })).toBe(1);
    expect(v("freedmr_bus_delivered_total", { service: "http-api" })).toBe(50);
    expect(v("freedmr_link_up", { link: "FreeDMR-UK" })).toBe(1);
    expect(v("freedmr_link_frames_total", { link: "FreeDMR-UK", direction: "out" })).toBe(8);
    expect(v("freedmr_udp_datagrams_total", { direction: "in" })).toBe(300);
    expect(v("freedmr_hbp_banned_addresses")).toBe(1);
    // every counter family is named *_total and typed counter
    for (const f of families.values()) if (f.type === "counter") expect(f.name.endsWith("_total")).toBe(true);
  });

  test("router counter names become reason labels", () => {
    expect(reasonFromCounter("droppedMaxDuration", "dropped")).toBe("max-duration");
    expect(reasonFromCounter("droppedAcl", "dropped")).toBe("acl");
    expect(reasonFromCounter("droppedStreamCapacity", "dropped")).toBe("stream-capacity");
  });
});

describe("cluster metrics", () => {
  test("a snapshot with a cluster node: connected, frames by direction, drops by reason, reconnects, subscriptions", () => {
    const { api: a } = api();
    const cluster = {
      node: "fra-1",
      nodeId: 7,
      connected: true,
      counters: { published: 120, received: 80, droppedDisconnected: 5, droppedBackpressure: 0, droppedQueueFull: 1, droppedUnitUnknownNode: 2, receivedDropped: 3, reconnects: 1, subscriptions: 4, sessionsMirrored: 40, sessionsAdopted: 7, sessionsRefusedOwnerAlive: 2, aliasesPublished: 6, bridgeFramesReceived: 9, droppedUnknownBridge: 2 },
    };
    a.onEvent({ type: "stats", atMs: 4, snapshot: snapshot({ cluster }) });
    const families = parsePrometheus(a.metricsText());
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);
    expect(v("freedmr_cluster_connected", { node: "fra-1" })).toBe(1);
    expect(v("freedmr_cluster_frames_total", { node: "fra-1", direction: "out" })).toBe(120);
    expect(v("freedmr_cluster_frames_total", { node: "fra-1", direction: "in" })).toBe(80);
    expect(v("freedmr_cluster_dropped_total", { node: "fra-1", reason: "disconnected" })).toBe(5);
    expect(v("freedmr_cluster_dropped_total", { node: "fra-1", reason: "bad-message" })).toBe(3);
    expect(v("freedmr_cluster_reconnects_total", { node: "fra-1" })).toBe(1);
    expect(v("freedmr_cluster_subscriptions", { node: "fra-1" })).toBe(4);
    expect(v("freedmr_cluster_sessions_mirrored", { node: "fra-1" })).toBe(40);
    expect(v("freedmr_cluster_sessions_adopted_total", { node: "fra-1" })).toBe(7);
    expect(v("freedmr_cluster_sessions_refused_total", { node: "fra-1", reason: "owner-alive" })).toBe(2);
    expect(v("freedmr_cluster_side_messages_total", { node: "fra-1", kind: "alias", direction: "out" })).toBe(6);
    expect(v("freedmr_cluster_side_messages_total", { node: "fra-1", kind: "bridge", direction: "in" })).toBe(9);
    expect(v("freedmr_cluster_dropped_total", { node: "fra-1", reason: "unknown-bridge" })).toBe(2);
    // without a cluster node: no cluster families
    const { api: b } = api();
    b.onEvent({ type: "stats", atMs: 4, snapshot: snapshot() });
    expect(parsePrometheus(b.metricsText()).has("freedmr_cluster_connected")).toBe(false);
  });
});

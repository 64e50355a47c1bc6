import { describe, expect, test } from "bun:test";
import { HttpApi } from "../../src/services/http_api.ts";
import { RefusalBook } from "../../src/services/refusal_book.ts";
import { ManualClock, up } from "./fixtures.ts";

function api(): { a: HttpApi; clock: ManualClock } {
  const clock = new ManualClock();
  return { a: new HttpApi({ bindAddress: "127.0.0.1", port: 0, lastHeardSize: 5, cors: false, version: "t", maxHotspots: 100, startedMs: 0, clock }), clock };
}
const get = (a: HttpApi, path: string) => a.handle(new Request(`http://127.0.0.1${path}`));
const json = async (r: Response) => (await r.json()) as Record<string, any>;

describe("RefusalBook", () => {
  test("one entry per reason with its exact count, most recent first, bounded per device", () => {
    const book = new RefusalBook<number>({ perDevice: 3, maxDevices: 2 });
    for (let i = 0; i < 1000; i++) book.record(1, i, "session.refused:bad-passphrase", `m${i}`, "fix", { i });
    book.record(1, 2000, "options.rejected", "o", null, {});
    book.record(1, 3000, "session.refused:bad-passphrase", "again", "fix", {});
    const list = book.list(1);
    expect(list.map((e) => [e.reason, e.count])).toEqual([
      ["session.refused:bad-passphrase", 1001],
      ["options.rejected", 1],
    ]);
    expect(list[0]!.message).toBe("again");
    expect(list[0]!.firstTime).toBe(new Date(0).toISOString());
    expect(list[0]!.time).toBe(new Date(3000).toISOString());
    book.record(1, 4000, "a", "", null, {});
    book.record(1, 5000, "b", "", null, {});
    expect(book.list(1).map((e) => e.reason)).toEqual(["b", "a", "session.refused:bad-passphrase"]);
    expect(book.recorded).toBe(1004);
  });

  test("devices are capped: the least recently refused goes", () => {
    const book = new RefusalBook<number>({ maxDevices: 2 });
    book.record(1, 0, "r", "", null, {});
    book.record(2, 0, "r", "", null, {});
    book.record(1, 1, "r", "", null, {});
    book.record(3, 2, "r", "", null, {});
    expect([book.list(1).length, book.list(2).length, book.list(3).length]).toEqual([1, 0, 1]);
    expect(book.evicted).toBe(1);
  });

  test("protected devices (connected hotspots) survive a flood of made-up ids", () => {
    const book = new RefusalBook<number>({ maxDevices: 10, protect: (id) => id === 7 });
    book.record(7, 0, "options.rejected", "", null, {});
    for (let id = 1000; id < 5000; id++) book.record(id, id, "session.refused:bad-passphrase", "", null, {});
    expect(book.list(7).length).toBe(1);
    expect(book.deviceCount).toBe(10);
  });
});

describe("status API: recent refusals per hotspot and per link", () => {
  test("a flooding source summed up (core/hbp_master/login_refusals.ts): one id's count is its own; a flood of made-up ids counts once for the latest", async () => {
    const { a } = api();
    a.onEvent({ type: "session.refused", atMs: 1, repeaterId: 2_345_602, address: "192.0.2.7", port: 50_001, reason: "bad-passphrase", count: 40 });
    a.onEvent({ type: "session.refused", atMs: 2, repeaterId: 400_000_123, address: "192.0.2.66", port: 50_002, reason: "bad-passphrase", count: 900, idsVaried: true });
    const one = JSON.parse(await get(a, "/api/v1/hotspots/2345602/refusals").text()) as Record<string, any>;
    expect(one.refusals[0]).toMatchObject({ reason: "session.refused:bad-passphrase", count: 40 });
    expect(one.refusals[0].message).toContain("one report for 40 refusals from this source");
    const flood = JSON.parse(await get(a, "/api/v1/hotspots/400000123/refusals").text()) as Record<string, any>;
    expect(flood.refusals[0]).toMatchObject({ reason: "session.refused:bad-passphrase", count: 1 });
    expect(flood.refusals[0].message).toContain("one report for 900 refusals from this source, of several ids, the latest shown");
    expect(flood.refusals[0].details).toMatchObject({ count: 900, idsVaried: true });
  });

  test("/api/v1/hotspots/{id}/refusals: login, options, dial, calls not routed — explained, newest first, KEY redacted", async () => {
    const { a } = api();
    a.onEvent({ type: "session.refused", atMs: 1, repeaterId: 2_345_601, address: "192.0.2.7", port: 50_001, reason: "bad-passphrase" });
    a.onEvent({ type: "session.refused", atMs: 2, repeaterId: 2_345_601, address: "192.0.2.7", port: 50_002, reason: "bad-passphrase" });
    a.onEvent(up(3, 2_345_601, 4));
    a.onEvent({ type: "options.applied", atMs: 4, portIndex: 4, portName: "G4ABC/2345601", options: "TS2=x;KEY=hunter2", rejected: ["TS2=x: bad"] });
    a.onEvent({ type: "dial.rejected", atMs: 5, portIndex: 4, portName: "G4ABC/2345601", reflector: 4_000_000, reason: "not-dialable" });
    a.onEvent({ type: "stream.refused", atMs: 6, streamId: 1, portIndex: 4, portName: "G4ABC/2345601", sourceId: 2_345_001, destinationId: 9990, slot: 2, reason: "talkgroup-not-routed", repeaterId: 2_345_601, portKind: "hotspot" });
    // another hotspot's refusal stays with it
    a.onEvent({ type: "session.refused", atMs: 7, repeaterId: 9, address: "192.0.2.8", port: 1, reason: "acl" });
    const r = get(a, "/api/v1/hotspots/2345601/refusals");
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).not.toContain("hunter2");
    const body = JSON.parse(text) as Record<string, any>;
    expect(body.repeaterId).toBe(2_345_601);
    expect(body.connected).toBe(true);
    expect(body.refusals.map((e: { reason: string; count: number }) => [e.reason, e.count])).toEqual([
      ["stream.refused:talkgroup-not-routed", 1],
      ["dial.rejected:not-dialable", 1],
      ["options.rejected", 1],
      ["session.refused:bad-passphrase", 2],
    ]);
    const login = body.refusals[3];
    expect(login.message).toContain("wrong passphrase");
    expect(login.fix).toContain("hbp.passphrase");
    expect(login.details).toMatchObject({ repeaterId: 2_345_601, reason: "bad-passphrase" });
    // public: never an address or a port
    expect(text).not.toContain("192.0.2.7");
    expect(text).not.toContain("50002");
    expect(login.details.address).toBeUndefined();
    expect(body.refusals[2].details.options).toBe("TS2=x;KEY=***");
    expect((await json(get(a, "/api/v1/hotspots/9/refusals"))).refusals.length).toBe(1);
    expect(await json(get(a, "/api/v1/hotspots/12345/refusals"))).toEqual({ repeaterId: 12345, connected: false, refusals: [] });
    expect(get(a, "/api/v1/hotspots/abc/refusals").status).toBe(400);
    expect(get(a, "/api/v1/hotspots/99999999999/refusals").status).toBe(400);
  });

  test("/api/v1/links/{name}/refusals: link drops with their counts, calls refused from the link, upstream warnings", async () => {
    const { a } = api();
    a.onEvent({ type: "link.up", atMs: 1, link: "hb link", reason: "started" });
    a.onEvent({ type: "link.refused", atMs: 2, link: "hb link", reason: "wrong-network-id", count: 250, address: "127.0.0.1", port: 9, networkId: 3_120_001, expectedNetworkId: 999 });
    a.onEvent({ type: "link.refused", atMs: 1002, link: "hb link", reason: "wrong-network-id", count: 50, address: "127.0.0.1", port: 9, networkId: 3_120_001, expectedNetworkId: 999 });
    a.onEvent({ type: "stream.refused", atMs: 1003, streamId: 1, portIndex: 7, portName: "hb link", sourceId: 1, destinationId: 2, slot: 1, reason: "duplicate-stream", repeaterId: 999, portKind: "openbridge" });
    a.onEvent({ type: "log", atMs: 1004, level: "warn", msg: "upstream up1: login refused", data: { link: "up1" } });
    const body = await json(get(a, "/api/v1/links/hb%20link/refusals"));
    expect(body.link).toBe("hb link");
    expect(body.known).toBe(true);
    expect(body.refusals.map((e: { reason: string; count: number }) => [e.reason, e.count])).toEqual([
      ["stream.refused:duplicate-stream", 1],
      ["link.refused:wrong-network-id", 300],
    ]);
    expect(body.refusals[1].message).toContain("accept_any_peer_id");
    expect(body.refusals[1].details).toMatchObject({ networkId: 3_120_001, expectedNetworkId: 999 });
    expect(body.refusals[1].message).toContain("link hb link: 50 datagrams dropped"); // the latest event; count is the total
    expect(JSON.stringify(body)).not.toContain("127.0.0.1");
    // a hotspot never sees a link's refusal
    expect((await json(get(a, "/api/v1/hotspots/999/refusals"))).refusals).toEqual([]);
    expect((await json(get(a, "/api/v1/links/up1/refusals"))).refusals[0].message).toBe("upstream up1: login refused");
    expect((await json(get(a, "/api/v1/links/nope/refusals"))).known).toBe(false);
    expect(a.requests.get("/api/v1/links/{name}/refusals 200")).toBe(3);
  });
});

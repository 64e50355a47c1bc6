/**
 * LiveHub without sockets: one message per batch to every client that keeps up; a client whose
 * socket reports backpressure gets nothing more (bounded) until it drains, then a resync and a
 * snapshot; converted events carry no address.
 */
import { describe, expect, test } from "bun:test";
import type { ServerWebSocket } from "bun";
import type { CoreEvent } from "../../src/core/events.ts";
import { LiveHub, type LiveClient } from "../../src/services/live_hub.ts";

class FakeSocket {
  readonly data: LiveClient = { behind: false };
  readonly sent: any[] = [];
  /** What send() returns: >0 sent, -1 backpressure, 0 dropped. */
  status = 1;
  send(text: string): number {
    if (this.status !== 0) this.sent.push(JSON.parse(text));
    return this.status;
  }
}

const up: CoreEvent = { type: "session.up", atMs: 10, repeaterId: 2345601, callsign: "G4TST", address: "192.0.2.7", port: 62031, portIndex: 3 };
const start: CoreEvent = { type: "stream.start", atMs: 20, streamId: 7, portIndex: 3, portName: "G4TST/2345601", sourceId: 2345601, destinationId: 91, slot: 1, callType: "group", kind: "voice" };

function hub(): LiveHub {
  return new LiveHub(2, () => ({ now: { calls: [] } }), () => ({ version: "t" }), (atMs) => 1_700_000_000_000 + atMs);
}

describe("LiveHub", () => {
  test("hello and snapshot on open; one events message per batch; no address in it", () => {
    const h = hub();
    const ws = new FakeSocket();
    h.open(ws as unknown as ServerWebSocket<LiveClient>);
    expect(ws.sent.map((m) => m.type)).toEqual(["hello", "snapshot"]);
    h.publish([up, start, { type: "stats", atMs: 30, snapshot: { uptimeMs: 1, hbp: null, routing: null, links: [], host: {}, bus: { published: 0, subscribers: [] }, process: { rssBytes: 1, heapUsedBytes: 1 } } }]);
    expect(ws.sent).toHaveLength(3);
    expect(ws.sent[2].type).toBe("events");
    expect(ws.sent[2].events.map((e: any) => e.type)).toEqual(["hotspot.up", "call.start", "figures"]);
    expect(JSON.stringify(ws.sent)).not.toContain("192.0.2.7");
    expect(JSON.stringify(ws.sent)).not.toContain("62031");
  });

  test("a slow client is skipped while behind, then resynchronised once drained; others are unaffected", () => {
    const h = hub();
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    h.open(slow as unknown as ServerWebSocket<LiveClient>);
    h.open(fast as unknown as ServerWebSocket<LiveClient>);
    slow.status = -1; // its queue passed the limit
    h.publish([start]);
    expect(slow.data.behind).toBe(true);
    const queuedWhileBehind = slow.sent.length;
    for (let i = 0; i < 100; i++) h.publish([start]);
    expect(slow.sent.length).toBe(queuedWhileBehind); // nothing more while behind: bounded
    expect(fast.sent.filter((m) => m.type === "events")).toHaveLength(101);
    slow.status = 1;
    h.drain(slow as unknown as ServerWebSocket<LiveClient>);
    expect(slow.data.behind).toBe(false);
    expect(slow.sent.slice(queuedWhileBehind).map((m) => m.type)).toEqual(["resync", "snapshot"]);
    expect(h.counters.resyncs).toBe(1);
    h.publish([start]);
    expect(slow.sent.at(-1).type).toBe("events");
  });

  test("a dropped send (closed or full) marks the client behind as well; at most maxClients accepted", () => {
    const h = hub();
    const ws = new FakeSocket();
    h.open(ws as unknown as ServerWebSocket<LiveClient>);
    ws.status = 0;
    h.publish([start]);
    expect(ws.data.behind).toBe(true);
    h.open(new FakeSocket() as unknown as ServerWebSocket<LiveClient>);
    expect(h.canAccept()).toBe(false);
  });

  test("with no client connected, no snapshot (the per-hotspot view) is built and nothing is serialised: counted", () => {
    let snapshots = 0;
    const h = new LiveHub(2, () => (snapshots++, { now: { calls: [] } }), () => ({ version: "t" }), (atMs) => 1_700_000_000_000 + atMs);
    for (let i = 0; i < 100; i++) h.publish([up, start]);
    h.resyncAll("server-resync");
    expect(snapshots).toBe(0);
    expect(h.counters.messages).toBe(0);
    const ws = new FakeSocket();
    h.open(ws as unknown as ServerWebSocket<LiveClient>);
    expect(snapshots).toBe(1); // built for the client that asked, once
    h.publish([up]);
    expect(snapshots).toBe(1);
  });
});

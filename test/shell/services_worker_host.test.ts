/**
 * The services Worker's feed (src/shell/services_worker_host.ts) with a real Worker that falls
 * behind (./support/gated_worker.ts): events it cannot take are dropped and counted, and the roster
 * that follows supersedes the state changes batched before it but not the records it does not
 * stand for (refusals, finished calls).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { EventBus } from "../../src/bus/event_bus.ts";
import type { CoreEvent } from "../../src/core/events.ts";
import { NullRouter } from "../../src/core/router_contract.ts";
import { ControlQueue } from "../../src/shell/control_commands.ts";
import { createLogger, type LogSink } from "../../src/shell/log.ts";
import { ServicesWorkerHost, eventsAfterRoster } from "../../src/shell/services_worker_host.ts";
import type { WorkerEvent } from "../../src/services/worker/protocol.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

class Capture implements LogSink {
  readonly records: Record<string, unknown>[] = [];
  write(text: string): void {
    for (const part of text.split("\n")) if (part !== "") this.records.push(JSON.parse(part) as Record<string, unknown>);
  }
  /** What the gated Worker said it received, in order. */
  get received(): { got: string; types?: string[]; lostSinceLast?: number }[] {
    return this.records
      .filter((r) => r["msg"] === "test-worker")
      .map((r) => (r["got"] === "resync" ? { got: "resync" } : { got: r["got"] as string, types: r["types"] as string[], lostSinceLast: r["lostSinceLast"] as number }));
  }
}

const refused = (repeaterId: number): CoreEvent => ({ type: "session.refused", atMs: 1, repeaterId, address: "127.0.0.1", port: 50_000, reason: "bad-passphrase" });
const up = (repeaterId: number): CoreEvent => ({ type: "session.up", atMs: 1, repeaterId, callsign: "G4UP", address: "127.0.0.1", port: 50_001, portIndex: 0 });
const subscribed: CoreEvent = { type: "subscription.change", atMs: 1, portIndex: 0, portName: "G4UP", slot: 2, talkgroupId: 3100, action: "add", reason: "static", kind: "static", expiresAtMs: null };
const ended: CoreEvent = {
  type: "stream.end",
  atMs: 1,
  streamId: 7,
  portIndex: 1,
  portName: "G4END",
  sourceId: 2_345_001,
  destinationId: 91,
  slot: 2,
  callType: "group",
  kind: "voice",
  durationMs: 1200,
  frames: 20,
  lost: 0,
  talkerAlias: null,
  endedBy: "terminator",
};

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(5);
  }
}

describe("eventsAfterRoster", () => {
  test("keeps the records a roster does not stand for, in order; drops the state changes it does", () => {
    const details = { type: "x.hotspot", atMs: 1, repeaterId: 1, portIndex: 0, details: {} } as unknown as WorkerEvent;
    const link: CoreEvent = { type: "link.down", atMs: 1, link: "obp", reason: "timeout" };
    const batch: WorkerEvent[] = [up(1), details, refused(2), subscribed, ended, { type: "session.down", atMs: 1, repeaterId: 1, callsign: "G4UP", reason: "timeout", portIndex: 0 }, link];
    expect(eventsAfterRoster(batch)).toEqual({ kept: [refused(2), ended, link], stale: 0 });
  });

  test("a record naming a port that changed hands after it is stale: the roster has another hotspot there", () => {
    const options = (rejected: string[]): CoreEvent => ({ type: "options.applied", atMs: 1, portIndex: 3, portName: "G4OLD", options: "TS1=x", rejected });
    const undelivered: CoreEvent = { ...(ended as Extract<CoreEvent, { type: "stream.end" }>), undelivered: [{ portIndex: 3, slot: 2, reason: "hang-time" }] };
    const batch: WorkerEvent[] = [
      options(["TS1=x"]), // port 3's old hotspot: stale
      refused(2),
      undelivered, // names port 3 as a target: stale
      { type: "session.down", atMs: 1, repeaterId: 8, callsign: "G4OLD", reason: "timeout", portIndex: 3 },
      { ...(up(9) as Extract<CoreEvent, { type: "session.up" }>), portIndex: 3 },
      options([]), // the new hotspot's: kept
      ended,
    ];
    expect(eventsAfterRoster(batch)).toEqual({ kept: [refused(2), options([]), ended], stale: 2 });
  });
});

describe("services Worker feed (a real Worker that falls behind)", () => {
  test("behind: events dropped and counted; the roster that follows keeps the refusals and finished calls batched before it", async () => {
    const bus = new EventBus<CoreEvent>();
    const log = new Capture();
    const router = new NullRouter();
    const host = new ServicesWorkerHost({
      bus,
      hbp: null,
      router,
      control: new ControlQueue({ hbp: null, router, selfCare: false, secrets: new Map() }),
      log: createLogger({ level: "info", format: "json" }, { destination: log }),
      version: "test",
      startedMs: 0,
      http: { enabled: false, bindAddress: "127.0.0.1", port: 0, lastHeardSize: 10, cors: false, maxHotspots: 10, adminToken: null, selfCare: false, maxLiveClients: 1 },
      entry: join(import.meta.dir, "support", "gated_worker.ts"),
      // batches leave only when full (4 events), never on the timer: every step below is exact
      batchIntervalMs: 3_600_000,
      maxBatchEvents: 4,
      maxInFlightBatches: 2,
      resyncMinIntervalMs: 0,
    });
    cleanups.push(() => host.stop());
    await host.start();
    await until("the first roster", () => (log.received.length === 1 ? true : undefined));
    expect(log.received).toEqual([{ got: "resync" }]);

    // two full batches: both in flight, the Worker holds its acks
    for (let i = 0; i < 8; i++) bus.publish(refused(100 + i));
    await bus.idle();
    expect(host.stats().inFlightBatches).toBe(2);
    // a third: the Worker is behind, the batch is dropped and counted
    for (let i = 0; i < 4; i++) bus.publish(refused(200 + i));
    await bus.idle();
    expect(host.stats()).toMatchObject({ eventsLost: 4, batchesSent: 2, resyncs: 1 });
    await until("the Worker to catch up", () => (host.stats().inFlightBatches === 0 ? true : undefined));

    // a batch of state changes and records: the roster goes first, then the records
    for (const event of [up(300), refused(301), subscribed, ended]) bus.publish(event);
    await bus.idle();
    await until("the roster and the records after it", () => (log.received.length >= 5 ? true : undefined));
    expect(host.stats()).toMatchObject({ eventsLost: 4, resyncs: 2, batchesSent: 3 });
    expect(log.received.slice(1)).toEqual([
      { got: "events", types: ["session.refused", "session.refused", "session.refused", "session.refused"], lostSinceLast: 0 },
      { got: "events", types: ["session.refused", "session.refused", "session.refused", "session.refused"], lostSinceLast: 0 },
      { got: "resync" },
      { got: "events", types: ["session.refused", "stream.end"], lostSinceLast: 4 },
    ]);
  }, 20_000);
});

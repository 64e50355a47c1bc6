/**
 * Where the services Worker's bytes per hotspot go (issue 14), without sockets: N logins' events,
 * as the packet thread sends them (session.up, x.hotspot, subscription.change, options.applied; in
 * batches of 512 through a structured clone, so strings are shared within a batch as they are
 * there), fed to each of the Worker's tables on its own. Prints live heap bytes per hotspot (JSC
 * heapSize after a full GC) per table.
 *
 *   bun bench/support/worker_state_probe.ts [N] [--one-login-per-batch]
 * @module
 */
import { heapStats } from "bun:jsc";
import { ApiState } from "../../src/services/api_state.ts";
import { OperatorState } from "../../src/services/operator_state.ts";
import { Feeds } from "../../src/services/feed/feeds.ts";
import { OperatorApi } from "../../src/services/operator_api.ts";
import type { WorkerEvent } from "../../src/services/worker/protocol.ts";

const n = Number(process.argv[2]?.startsWith("--") === false ? process.argv[2] : "10000");
const clock = { monotonicMs: () => performance.now(), wallClockMs: () => Date.now() };

function heap(): number {
  Bun.gc(true);
  Bun.gc(true);
  return heapStats().heapSize;
}

/** One login's events, shaped as the packet thread's (bench/support/bench_hotspot.ts's RPTC). */
function loginEvents(i: number): WorkerEvent[] {
  const repeaterId = 3_100_000 + i;
  const portIndex = 16 + i;
  const atMs = performance.now();
  const callsign = `ID${i}`;
  return [
    { type: "subscription.change", atMs, portIndex, portName: `${callsign} ${repeaterId}`, slot: 1, talkgroupId: 20_000 + (i % 100), action: "add", reason: "static", kind: "static", expiresAtMs: null },
    { type: "session.up", atMs, repeaterId, callsign, address: "127.0.0.1", port: 20_000 + (i % 40_000), portIndex },
    {
      type: "x.hotspot",
      atMs,
      repeaterId,
      portIndex,
      details: {
        callsign,
        location: "Bench",
        description: "freedmr bench",
        url: "",
        softwareId: "20260713",
        packageId: "MMDVM",
        rxFrequencyHz: 438_800_000,
        txFrequencyHz: 431_200_000,
        colourCode: 1,
        latitude: 51.5,
        longitude: -0.12,
        heightM: 10,
        slots: "3",
        simplex: false,
        accessRule: null,
        family: "ipv4",
        options: `TS1=${20_000 + (i % 100)};`,
      },
    },
    { type: "options.applied", atMs, portIndex, portName: `${callsign} ${repeaterId}`, options: `TS1=${20_000 + (i % 100)};`, rejected: [], repeaterId },
  ];
}

/**
 * --one-login-per-batch: each login's events cloned on their own, as when hotspots log in over
 * time (one login per 100 ms batch): no string is shared between hotspots then. By default logins
 * come 128 to a batch, as in bench/memory.bench.ts's burst, and equal strings are shared within one.
 */
const perBatch = process.argv.includes("--one-login-per-batch") ? 4 : 512;

function* batches(): Generator<WorkerEvent[]> {
  let batch: WorkerEvent[] = [];
  for (let i = 0; i < n; i++) {
    batch.push(...loginEvents(i));
    if (batch.length >= perBatch) {
      yield structuredClone(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield structuredClone(batch);
}

function measure(name: string, make: () => (event: WorkerEvent) => void): unknown {
  const before = heap();
  const holder: { handle: ((event: WorkerEvent) => void) | null } = { handle: make() };
  const base = heap();
  for (const batch of batches()) for (const event of batch) holder.handle!(event);
  const after = heap();
  console.log(`${name.padEnd(44)} ${((after - base) / n).toFixed(0).padStart(6)} B/hotspot  (empty: ${((base - before) / 1024).toFixed(0)} KiB)`);
  return holder;
}

console.log(`worker tables, ${n} hotspots, ${perBatch / 4} login(s) per batch (live heap after a full GC)`);
const keep: unknown[] = [];
keep.push(measure("ApiState (status API tables)", () => {
  const s = new ApiState({ lastHeardSize: 50, maxHotspots: 20_000, clock });
  return (e) => {
    if (e.type !== "x.hotspot") s.handle(e);
  };
}));
keep.push(measure("OperatorState (dashboard extras)", () => {
  const s = new OperatorState(new ApiState({ lastHeardSize: 50, maxHotspots: 20_000, clock }));
  return (e) => s.handle(e);
}));
keep.push(measure("Feeds (report off, MQTT off, last-heard feed)", () => {
  const f = new Feeds({ serverName: "x", report: null, mqtt: null }, { version: "x", serverId: 0, maxFeedClients: 10, toWallMs: (t) => t, monotonicMs: clock.monotonicMs, hotspotCount: () => 0, callsInProgress: () => 0, names: null, log: () => {} });
  return (e) => f.onEvent(e);
}));
keep.push(measure("OperatorApi (ApiState + OperatorState)", () => {
  const api = new OperatorApi({ bindAddress: "127.0.0.1", port: 0, lastHeardSize: 50, cors: false, version: "x", maxHotspots: 20_000, startedMs: 0, clock, adminToken: null, selfCare: false, send: async () => ({ ok: true }) as never });
  return (e) => api.onEvent(e);
}));
keep.push(measure("the Worker's tables (OperatorApi + Feeds, as main.ts)", () => {
  const api = new OperatorApi({ bindAddress: "127.0.0.1", port: 0, lastHeardSize: 50, cors: false, version: "x", maxHotspots: 20_000, startedMs: 0, clock, adminToken: null, selfCare: false, send: async () => ({ ok: true }) as never });
  const f = new Feeds(
    { serverName: "x", report: null, mqtt: null },
    { version: "x", serverId: 0, maxFeedClients: 10, toWallMs: (t) => t, monotonicMs: clock.monotonicMs, hotspotCount: () => 0, callsInProgress: () => 0, names: null, hotspotAt: (p) => api.http.state.identityAt(p), log: () => {} },
  );
  return (e) => {
    api.onEvent(e);
    f.onEvent(e);
  };
}));
void keep;

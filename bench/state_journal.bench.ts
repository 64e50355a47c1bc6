/**
 * What the state journal's drain costs the packet thread (src/shell/state_journal.ts asks the
 * router `drainStateChanges` every `store.journal_interval_ms`, 100 ms by default): the real
 * routing core with 1,000 hotspots logged in with options and a user-activated talkgroup each, and
 * 10,000 radios in the subscriber map.
 *
 *  - nothing changed (the common case: most drains);
 *  - nothing changed, 1,000 restored session states still waiting for their hotspots (the first
 *    15 minutes after a restart: the drain walks them to expire them);
 *  - one hotspot changed (a call on it: stream start/end mark it);
 *  - a full export (a sink that missed changes: "clear" + every hotspot and subscriber).
 *
 *   bun bench/state_journal.bench.ts [--hotspots 1000] [--radios 10000]
 * @module
 */
import { Harness } from "../test/core/routing/harness.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const HOTSPOTS = Number(arg("hotspots", "1000"));
const RADIOS = Number(arg("radios", "10000"));
const WALL0 = Date.UTC(2026, 11, 5, 3, 0, 0);

function setUp(): { h: Harness; wall: () => number } {
  const h = new Harness({ uaTimerMinutes: 15 });
  const start = h.nowMs;
  const wall = (): number => WALL0 + (h.nowMs - start);
  const ports = [];
  for (let i = 0; i < HOTSPOTS; i++) ports.push(h.hotspot({ repeaterId: 2_340_000 + i, options: `TS1=${91 + (i % 10)};TIMER=15;KEY=k${i}` }));
  let streamId = 1;
  for (let i = 0; i < HOTSPOTS; i++) h.call(ports[i]!, { sourceId: 3_100_000 + i, destinationId: 3100 + (i % 50), slot: 2, streamId: streamId++, bursts: 1 });
  for (let r = HOTSPOTS; r < RADIOS; r++) h.router.learnSubscriber(h.nowMs, 3_100_000 + r, ports[r % HOTSPOTS]!, 1);
  h.advance(100, 100);
  return { h, wall };
}

/** Time `drain` only (`prepare`, untimed, makes the change before each). */
function perDrain(label: string, runs: number, drain: () => number, prepare: () => void = () => {}): void {
  // warm up
  for (let i = 0; i < Math.min(200, runs); i++) {
    prepare();
    drain();
  }
  let changes = 0;
  let ms = 0;
  for (let i = 0; i < runs; i++) {
    prepare();
    const t0 = performance.now();
    changes += drain();
    ms += performance.now() - t0;
  }
  const us = (ms * 1000) / runs;
  console.log(`  ${label.padEnd(62)} ${us.toFixed(2).padStart(9)} µs per drain (${(changes / runs).toFixed(0)} changes); at 100 ms: ${((us * 10) / 1000).toFixed(3)} ms CPU per second`);
}

console.log(`state journal: drainStateChanges with ${HOTSPOTS} hotspots and ${RADIOS} radios (real routing core; load ${(await Bun.file("/proc/loadavg").text()).trim()})`);

{
  const { h, wall } = setUp();
  h.router.drainStateChanges(h.nowMs, wall()); // the journal starts (full export)
  perDrain("nothing changed", 20_000, () => {
    h.nowMs += 1;
    return h.router.drainStateChanges(h.nowMs, wall()).length;
  });
  const port = h.ports[7]!;
  let streamId = 1_000_000;
  perDrain(
    "one hotspot changed (a call on it)",
    2_000,
    () => h.router.drainStateChanges(h.nowMs, wall()).length,
    () => {
      h.call(port, { sourceId: 3_100_007, destinationId: 3107, slot: 2, streamId: streamId++, bursts: 1 });
      h.nowMs += 1;
    },
  );
  perDrain("full export (clear + every hotspot and subscriber)", 50, () => {
    h.nowMs += 1;
    return h.router.drainStateChanges(h.nowMs, wall(), true).length;
  });
}

{
  // after a restart: the snapshot imported, nobody logged in yet
  const { h, wall } = setUp();
  const snapshot = h.router.exportState(h.nowMs, wall());
  const fresh = new Harness({ uaTimerMinutes: 15 });
  const result = fresh.router.importState(snapshot, fresh.nowMs, wall());
  fresh.router.drainStateChanges(fresh.nowMs, wall());
  perDrain(`nothing changed, ${result.pending} restores waiting`, 5_000, () => {
    fresh.nowMs += 1;
    return fresh.router.drainStateChanges(fresh.nowMs, wall()).length;
  });
}

// ---- a full export written to the cluster's KV (real nats-server, when installed) ---------------
{
  const { natsServerMissing, startNatsServer, stopAllNats } = await import("../test/cluster/support/nats_server.ts");
  const missing = natsServerMissing();
  if (missing !== null) {
    console.log(`  KV write of a full export: skipped (${missing})`);
  } else {
    const { KvStateStore, openStateBuckets } = await import("../src/shell/cluster/kv_state_store.ts");
    const { connect } = await import("@nats-io/transport-node");
    const nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    const buckets = await openStateBuckets(nc, "bench", 1, 24 * 3600_000);
    const { h, wall } = setUp();
    const changes = h.router.drainStateChanges(h.nowMs, wall(), true).filter((c) => c.kind !== "clear");
    // warm-up (JIT, the client's request inbox): not reported
    const warm = new KvStateStore({ nodeId: 1, subscriberTtlMs: 24 * 3600_000 });
    warm.attach(buckets);
    warm.apply(changes);
    await warm.close();
    for (const maxInFlight of (process.env["INFLIGHT"] ?? "16,256,16,256").split(",").map(Number)) {
      const store = new KvStateStore({ nodeId: 1, subscriberTtlMs: 24 * 3600_000, maxInFlight });
      store.attach(buckets);
      // the event loop's longest stall while it writes (what a datagram arriving then would wait)
      let last = performance.now();
      let worst = 0;
      const probe = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 1);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      store.apply(changes);
      const applyMs = performance.now() - t0;
      await store.close();
      const totalMs = performance.now() - t0;
      clearInterval(probe);
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `  KV write of a full export (${changes.length} records, at most ${maxInFlight} in flight): apply ${applyMs.toFixed(1)} ms, all written in ${totalMs.toFixed(0)} ms, ` +
          `longest flush ${store.stats.longestFlushMs.toFixed(1)} ms, longest event-loop gap ${worst.toFixed(1)} ms (the OS scheduling nats-server on the same cores included), ` +
          `${(((cpu.user + cpu.system) / changes.length)).toFixed(0)} µs CPU per record (this process: client + ours), ${store.stats.puts} puts, ${store.stats.putErrors} errors`,
      );
    }
    await nc.close();
    await stopAllNats();
  }
}

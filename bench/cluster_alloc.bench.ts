/**
 * Heap objects per frame on the cluster's packet path (goal: 0 in our code), in process, same
 * method as alloc_forward.bench.ts (bun-notes.md §2: gcAndSweep, count live objects, run a window,
 * count again; empty windows calibrate heapStats itself):
 *
 *   out   a local hotspot's call → router → cluster port ring → drained (no NATS: our code only)
 *   in    prebuilt cluster messages → ClusterPort.receive → router → 10 local listeners
 *   nats  the same out path, each message published with the NATS client to a real nats-server
 *         (what the client itself allocates per publish: its PUB line and buffers), and the
 *         client's CPU per message published and received
 *
 *   bun bench/cluster_alloc.bench.ts [--frames 200000]
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import { ClusterPort } from "../src/core/cluster/cluster_port.ts";
import { CLUSTER_HEADER_LENGTH, CLUSTER_MESSAGE_LENGTH, ClusterKind, writeClusterHeader } from "../src/core/cluster/cluster_wire.ts";
import type { CoreEvent, EventSink } from "../src/core/events.ts";
import { Outbox } from "../src/core/outbox.ts";
import { createRouter, routingOptions } from "../src/core/routing/index.ts";
import { Prng } from "../src/lib/prng.ts";
import { DmrdFrame, decodeDmrd } from "../src/wire/dmrd.ts";
import { SimPort } from "../test/sim/sim_port.ts";
import { lcEncoder } from "../test/sim/workload.ts";
import { natsServerMissing, startNatsServer, stopAllNats } from "../test/cluster/support/nats_server.ts";
import { CallFrameSource } from "./support/talker.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const totalFrames = Number(arg("frames", "200000"));
const FRAME_MS = 60;
const WINDOW = 2000;

class DroppingSink implements EventSink {
  publish(_event: CoreEvent): void {}
}

function liveObjects(): number {
  const counts = heapStats().objectTypeCounts as Record<string, number>;
  let n = 0;
  for (const k in counts) n += counts[k]!;
  return n;
}

/** Objects per frame after warm-up: `step(n)` runs n frames. */
function measure(name: string, step: (n: number) => void, frames: number): void {
  const warmup = Math.min(50_000, Math.floor(frames / 4));
  step(warmup);
  const windows = Math.max(1, Math.floor((frames - warmup) / WINDOW));
  const per: number[] = [];
  const empty: number[] = [];
  for (let w = 0; w < windows; w++) {
    if (w % 10 === 0) {
      gcAndSweep();
      const a = liveObjects();
      empty.push(liveObjects() - a);
    }
    gcAndSweep();
    const before = liveObjects();
    step(WINDOW);
    per.push(liveObjects() - before);
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const baseline = median(empty);
  const allocated = per.reduce((s, x) => s + Math.max(0, x - baseline), 0);
  console.log(`${name.padEnd(5)} ${(allocated / (windows * WINDOW)).toFixed(4)} heap objects per frame (median window ${median(per) - baseline}, ${windows} windows of ${WINDOW})`);
}

// ---- one router with a cluster port, a talker and 10 listeners ----
const outbox = new Outbox(4096);
const router = createRouter(routingOptions({}), { outbox, events: new DroppingSink(), prng: new Prng(1) });
const cluster = new ClusterPort({ nodeId: 7, portIndex: 100, name: "cluster", queueCapacity: 4096 });
router.onPortUp(0, cluster);
const talker = new SimPort(0, "talker", 311_000_000, false, "BENCH", null, 0, 0);
router.onPortUp(0, talker);
for (let i = 0; i < 10; i++) {
  const p = new SimPort(i + 1, `listener-${i}`, 311_000_001 + i, false, "BENCH", null, i + 1, 0);
  router.onPortUp(0, p);
  router.onOptions(0, p, "TS2=2350;");
}
const source = new CallFrameSource(talker.repeaterId, 2_345_001, 2350, 2, 333, 0x10000, 0, lcEncoder, 4096);
const frame = new DmrdFrame();
let now = 1000;
let nextTick = now;
let publish: ((subject: string, data: Uint8Array) => void) | null = null;

function tickTo(t: number): void {
  while (nextTick <= t) {
    router.onTick(nextTick);
    outbox.clear();
    nextTick += 25;
  }
}

function drainCluster(): void {
  while (cluster.count > 0) {
    const i = cluster.peekIndex();
    if (publish !== null) publish("bench.grp.2350", cluster.messages[i]!);
    cluster.shift();
  }
}

function out(n: number): void {
  for (let i = 0; i < n; i++) {
    now += FRAME_MS;
    tickTo(now);
    decodeDmrd(source.next(), frame);
    router.onFrame(now, talker, frame);
    outbox.clear();
    drainCluster();
  }
}

// ingress: a ring of prebuilt messages from node 9 (a second talker's calls)
const inSource = new CallFrameSource(311_500_000, 2_345_002, 2350, 1, 333, 0x20000, 0, lcEncoder, 4096);
const inRing: Uint8Array[] = [];
for (let i = 0; i < 4096; i++) {
  const m = new Uint8Array(CLUSTER_MESSAGE_LENGTH);
  writeClusterHeader(m, ClusterKind.Group, 9, 0);
  m.set(inSource.next().subarray(0, 55), CLUSTER_HEADER_LENGTH);
  inRing.push(m);
}
let inNext = 0;
function inbound(n: number): void {
  for (let i = 0; i < n; i++) {
    now += FRAME_MS;
    tickTo(now);
    cluster.receive(now, inRing[inNext]!, router);
    inNext = (inNext + 1) % inRing.length;
    outbox.clear();
    drainCluster();
  }
}

measure("out", out, totalFrames);
router.onPortDown(now, talker); // the inbound stream has the listeners to itself
measure("in", inbound, totalFrames);

if (natsServerMissing() === null) {
  const nats = await startNatsServer();
  const { connect } = await import("@nats-io/transport-node");
  const nc = await connect({ servers: nats.url, noEcho: true });
  publish = (subject, data) => nc.publish(subject, data);
  router.onPortUp(now, talker);
  // the client flushes on a microtask: yield between windows' chunks so its buffers drain
  const chunked = (n: number): void => out(n);
  const frames = Math.min(totalFrames, 40_000);
  const warm = 10_000;
  for (let done = 0; done < warm; done += 500) {
    chunked(500);
    await Bun.sleep(0);
  }
  // windows of 500 frames with the flush in between (a sleep, outside the counted window)
  const per: number[] = [];
  for (let w = 0; w < frames / 500; w++) {
    gcAndSweep();
    const before = liveObjects();
    chunked(500);
    per.push(liveObjects() - before);
    await nc.flush();
  }
  const median = [...per].sort((x, y) => x - y)[Math.floor(per.length / 2)]!;
  console.log(`nats  ${(median / 500).toFixed(2)} heap objects per published frame (median window of 500; the client's PUB line, its encoding and buffer list; ours is the 'out' row)`);
  // the client's CPU per message: publish on one connection, receive on another (both here)
  const sub = await connect({ servers: nats.url, noEcho: true });
  let got = 0;
  sub.subscribe("bench.cpu", { callback: (_e, m) => void (got += m.data.length > 0 ? 1 : 0) });
  await sub.flush();
  const message = cluster.messages[0]!;
  for (let round = 0; round < 2; round++) {
    const n = 20_000;
    got = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      nc.publish("bench.cpu", message);
      if (i % 50 === 49) await Bun.sleep(0);
    }
    while (got < n) await Bun.sleep(1);
    const c = process.cpuUsage(c0);
    if (round === 1) console.log(`nats  ${((c.user + c.system) / n).toFixed(2)} µs client CPU per message published and received (both ends in this process, batches of 50)`);
  }
  await sub.close();
  await nc.close();
  await stopAllNats();
} else {
  console.log("nats  skipped: nats-server missing");
}

/**
 * Cross-node fan-out through the cluster: 1 talker on node A, 50 listeners spread over 3 freedmr
 * nodes joined through a real nats-server, against the same 50 listeners on one node (clustering
 * off), in one run. Every node is its own process; hotspots are lean UDP clients in this process.
 * Reports per delivered frame: latency from the talker's send to the listener's receive (p50/p99,
 * per listener group: same node as the talker vs other nodes), server CPU (all freedmr processes;
 * and with nats-server), and loss.
 *
 *   bun bench/cluster_fanout.bench.ts [--listeners 50] [--streams 5] [--frame-ms 20]
 *
 * The machine is shared (2 cores, other work running): figures are indicative; compare the two
 * rows of one run, not runs with each other.
 * @module
 */
import { VoiceStreamBuilder } from "../src/dmr/voice_stream_builder.ts";
import { CallType } from "../src/wire/dmrd.ts";
import { killAll, serverToml, spawnServer, type ServerProcess } from "../test/core/federation/support/processes.ts";
import { freePorts } from "../test/core/federation/support/e2e.ts";
import { natsServerMissing, startNatsServer, stopAllNats } from "../test/cluster/support/nats_server.ts";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { LatencySamples, formatSummary } from "./support/latency_samples.ts";
import { processCpuNs } from "./support/process_cpu.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const LISTENERS = Number(arg("listeners", "50"));
const STREAMS = Number(arg("streams", "5"));
const FRAME_MS = Number(arg("frame-ms", "20"));
const SUPERFRAMES = 8; // 1 header + 48 voice + 1 terminator per stream
const PASSPHRASE = "passw0rd";
const TG = 3100;

const missing = natsServerMissing();
if (missing !== null) {
  console.log(`cluster_fanout: skipped: ${missing}`);
  process.exit(0);
}

interface Phase {
  name: string;
  nodes: ServerProcess[];
  hbpPorts: number[];
}

async function startNodes(count: number, natsUrl: string | null): Promise<Phase> {
  const hbpPorts = await freePorts(count);
  const nodes = await Promise.all(
    hbpPorts.map((port, i) => {
      const cluster = natsUrl === null ? "" : `[cluster]\nenabled = true\nnode_name = "bench-${i}"\nservers = ["${natsUrl}"]\ninterest_linger_seconds = 5\n`;
      return spawnServer(`bench-${count}-${i}`, `${serverToml(2340, port, [])}\n[http]\nenabled = false\n${cluster}`, 1);
    }),
  );
  if (natsUrl !== null) {
    for (const n of nodes) await n.waitForLog((l) => l["msg"] === "cluster: connected to NATS", 10_000);
  }
  return { name: count === 1 ? "1 node, cluster off" : `${count} nodes via NATS`, nodes, hbpPorts };
}

/** Send-time table: (stream index, sequence) → performance.now() at send. */
const sentAt = new Float64Array(4096 * 64);
const samples = { local: new LatencySamples(1_000_000), remote: new LatencySamples(1_000_000) };
let received = 0;
let streamBase = 0x6a000000;
let measuring = false;

async function login(port: number, repeaterId: number, remote: boolean): Promise<BenchHotspot> {
  const h = new BenchHotspot({ serverPort: port, repeaterId, passphrase: PASSPHRASE, options: `TS2=${TG};` });
  await h.login();
  h.onDmrd = (data) => {
    const now = performance.now();
    const streamId = ((data[16]! << 24) | (data[17]! << 16) | (data[18]! << 8) | data[19]!) >>> 0;
    const index = (streamId - streamBase) * 256 + data[4]!;
    if (!measuring || index < 0 || index >= sentAt.length) return;
    const t = sentAt[index]!;
    if (t === 0) return;
    received++;
    (remote ? samples.remote : samples.local).add(now - t);
  };
  return h;
}

async function sendStream(talker: BenchHotspot, streamIndex: number): Promise<number> {
  const streamId = streamBase + streamIndex;
  const builder = new VoiceStreamBuilder();
  builder.start({ sourceId: 3120001, destinationId: TG, slot: 2, callType: CallType.Group, streamId, repeaterId: talker.repeaterId, colourCode: 1 });
  const frame = new Uint8Array(55);
  let seq = 0;
  const emit = (): void => {
    frame[4] = seq;
    sentAt[streamIndex * 256 + seq] = performance.now();
    talker.sendRaw(frame);
    seq++;
  };
  builder.writeHeader(frame);
  emit();
  for (let i = 0; i < SUPERFRAMES * 6; i++) {
    await Bun.sleep(FRAME_MS);
    builder.writeVoice(frame);
    emit();
  }
  await Bun.sleep(FRAME_MS);
  builder.writeTerminator(frame);
  emit();
  return seq;
}

async function run(phase: Phase, natsPid: number | null): Promise<void> {
  const talker = await login(phase.hbpPorts[0]!, 311_900_000, false);
  const listeners: BenchHotspot[] = [];
  for (let i = 0; i < LISTENERS; i++) {
    const node = i % phase.hbpPorts.length;
    listeners.push(await login(phase.hbpPorts[node]!, 311_900_001 + i, node !== 0));
  }
  // warm-up until every listener hears a whole stream (subscriptions propagate asynchronously)
  for (let attempt = 0; attempt < 10; attempt++) {
    streamBase += 64;
    sentAt.fill(0);
    received = 0;
    measuring = true;
    const n = await sendStream(talker, 0);
    await Bun.sleep(300);
    measuring = false;
    if (received >= n * LISTENERS) break;
  }
  samples.local = new LatencySamples(1_000_000);
  samples.remote = new LatencySamples(1_000_000);
  streamBase += 64;
  sentAt.fill(0);
  received = 0;
  const pids = phase.nodes.map((n) => n.process.pid);
  // idle cost (ticks, keepalives) over 1 s, subtracted below per measured second
  const idle0 = pids.reduce((s, p) => s + processCpuNs(p), 0);
  const idleT0 = performance.now();
  await Bun.sleep(1000);
  const idleNsPerMs = (pids.reduce((s, p) => s + processCpuNs(p), 0) - idle0) / (performance.now() - idleT0);
  const t0 = performance.now();
  const cpu0 = pids.reduce((s, p) => s + processCpuNs(p), 0);
  const nats0 = natsPid === null ? 0 : processCpuNs(natsPid);
  measuring = true;
  let sent = 0;
  for (let s = 0; s < STREAMS; s++) sent += await sendStream(talker, s);
  await Bun.sleep(500);
  measuring = false;
  const cpu = pids.reduce((s, p) => s + processCpuNs(p), 0) - cpu0;
  const busy = Math.max(0, cpu - idleNsPerMs * (performance.now() - t0));
  const natsCpu = natsPid === null ? 0 : processCpuNs(natsPid) - nats0;
  const expected = sent * LISTENERS;
  console.log(`${phase.name}: ${sent} frames sent, ${received}/${expected} delivered (loss ${(((expected - received) / expected) * 100).toFixed(3)} %)`);
  if (samples.local.count > 0) console.log(`  latency, listeners on the talker's node: ${formatSummary(samples.local.summary())}`);
  if (samples.remote.count > 0) console.log(`  latency, listeners on other nodes:      ${formatSummary(samples.remote.summary())}`);
  console.log(
    `  freedmr CPU ${(cpu / 1e6).toFixed(0)} ms = ${(cpu / Math.max(1, received) / 1000).toFixed(2)} µs per delivered frame ` +
      `(${(busy / Math.max(1, received) / 1000).toFixed(2)} µs without the nodes' idle cost, ${(idleNsPerMs / 1000).toFixed(0)} µs/ms idle)` +
      (natsPid === null ? "" : `; with nats-server ${((cpu + natsCpu) / Math.max(1, received) / 1000).toFixed(2)} µs (nats-server ${(natsCpu / 1e6).toFixed(0)} ms)`),
  );
  talker.close();
  for (const l of listeners) l.close();
}

console.log(`cluster fan-out: 1 talker, ${LISTENERS} listeners, ${STREAMS} streams of ${SUPERFRAMES * 6 + 2} frames, ${FRAME_MS} ms apart; load ${(await Bun.file("/proc/loadavg").text()).trim()}`);
try {
  const single = await startNodes(1, null);
  await run(single, null);
  await Promise.all(single.nodes.map((n) => n.kill("SIGTERM")));
  const nats = await startNatsServer();
  const natsPid = nats.pid();
  const cluster = await startNodes(3, nats.url);
  await run(cluster, natsPid > 0 ? natsPid : null);
} finally {
  await killAll();
  await stopAllNats();
}

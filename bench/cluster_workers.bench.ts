/**
 * Many cores, one machine: one freedmr process against `[cluster] workers = 2` (two processes
 * sharing the HBP port with SO_REUSEPORT, joined through a local nats-server), same load, one run.
 * Load: T talkers, each on its own talkgroup with L listeners (all hotspots on the one HBP port, the
 * kernel spreading them over the workers), frames every F ms per talker, for S seconds.
 * Reports delivered frames/s, loss, latency p50/p99 and CPU per delivered frame (freedmr
 * processes, and with nats-server).
 *
 *   bun bench/cluster_workers.bench.ts [--talkers 20] [--listeners 10] [--frame-ms 10] [--seconds 4]
 *
 * On the shared 2-core development machine the generator (this process), the server processes and
 * nats-server compete for the same two cores: the figures say what the mechanism costs, not what a
 * dedicated many-core host gains (see docs/cluster.md for the estimate on paper).
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
const TALKERS = Number(arg("talkers", "20"));
const LISTENERS = Number(arg("listeners", "10"));
const FRAME_MS = Number(arg("frame-ms", "10"));
const SECONDS = Number(arg("seconds", "4"));
const PASSPHRASE = "passw0rd";

if (natsServerMissing() !== null) {
  console.log(`cluster_workers: skipped: ${natsServerMissing()}`);
  process.exit(0);
}

let measuring = false;
let delivered = 0;
let samples = new LatencySamples(2_000_000);
/** send time of the frame last sent by talker t (its stream id's low byte is t) */
const lastSent = new Float64Array(256 * 256);

async function runLoad(name: string, hbpPort: number, pids: () => number[], natsPid: number): Promise<void> {
  const talkers: BenchHotspot[] = [];
  const listeners: BenchHotspot[] = [];
  let id = 312_500_000;
  for (let t = 0; t < TALKERS; t++) {
    const tg = 3800 + t;
    const talker = new BenchHotspot({ serverPort: hbpPort, repeaterId: id++, passphrase: PASSPHRASE, options: `TS2=${tg};` });
    await talker.login();
    talkers.push(talker);
    for (let l = 0; l < LISTENERS; l++) {
      const h = new BenchHotspot({ serverPort: hbpPort, repeaterId: id++, passphrase: PASSPHRASE, options: `TS2=${tg};` });
      await h.login();
      h.onDmrd = (data) => {
        if (!measuring) return;
        const now = performance.now();
        const key = (data[19]! << 8) | data[4]!;
        const t0 = lastSent[key]!;
        if (t0 > 0) samples.add(now - t0);
        delivered++;
      };
      listeners.push(h);
    }
  }
  const builders = talkers.map(() => new VoiceStreamBuilder());
  const frame = new Uint8Array(55);
  const seqs = new Int32Array(TALKERS);
  let streamSerial = 0;
  const startStreams = (): void => {
    streamSerial++;
    talkers.forEach((t, i) => {
      builders[i]!.start({ sourceId: 3125000 + i, destinationId: 3800 + i, slot: 2, callType: CallType.Group, streamId: ((0x70 + streamSerial) << 24) | i, repeaterId: t.repeaterId, colourCode: 1 });
      builders[i]!.writeHeader(frame);
      frame[4] = seqs[i] = 0;
      lastSent[(i << 8) | 0] = performance.now();
      t.sendRaw(frame);
    });
  };
  const tickFrames = (): void => {
    talkers.forEach((t, i) => {
      builders[i]!.writeVoice(frame);
      const seq = (seqs[i]! + 1) & 0xff;
      seqs[i] = seq;
      frame[4] = seq;
      lastSent[(i << 8) | seq] = performance.now();
      t.sendRaw(frame);
    });
  };
  const endStreams = (): void => {
    talkers.forEach((t, i) => {
      builders[i]!.writeTerminator(frame);
      const seq = (seqs[i]! + 1) & 0xff;
      seqs[i] = seq;
      frame[4] = seq;
      lastSent[(i << 8) | seq] = performance.now();
      t.sendRaw(frame);
    });
  };
  // warm-up: two short calls (subscriptions, JIT)
  for (let w = 0; w < 2; w++) {
    startStreams();
    for (let i = 0; i < 60; i++) {
      await Bun.sleep(FRAME_MS);
      tickFrames();
    }
    endStreams();
    await Bun.sleep(500);
  }
  samples = new LatencySamples(2_000_000);
  delivered = 0;
  const cpu0 = pids().reduce((s, p) => s + processCpuNs(p), 0);
  const nats0 = natsPid > 0 ? processCpuNs(natsPid) : 0;
  const t0 = performance.now();
  measuring = true;
  startStreams();
  let sent = TALKERS;
  while (performance.now() - t0 < SECONDS * 1000) {
    await Bun.sleep(FRAME_MS);
    tickFrames();
    sent += TALKERS;
    if (seqs[0]! >= 240) {
      endStreams();
      sent += TALKERS;
      startStreams();
      sent += TALKERS;
    }
  }
  endStreams();
  sent += TALKERS;
  await Bun.sleep(500);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = pids().reduce((s, p) => s + processCpuNs(p), 0) - cpu0;
  const natsCpu = natsPid > 0 ? processCpuNs(natsPid) - nats0 : 0;
  const expected = sent * LISTENERS;
  console.log(
    `${name}: ${Math.round(sent / elapsed)} frames/s in, ${Math.round(delivered / elapsed)} delivered/s, loss ${(((expected - delivered) / expected) * 100).toFixed(2)} %, ` +
      `freedmr CPU ${((cpu / 1e9 / elapsed) * 100).toFixed(0)} % = ${(cpu / Math.max(1, delivered) / 1000).toFixed(2)} µs/delivered frame` +
      (natsPid > 0 ? ` (+ nats-server ${((natsCpu / 1e9 / elapsed) * 100).toFixed(0)} % → ${((cpu + natsCpu) / Math.max(1, delivered) / 1000).toFixed(2)} µs)` : ""),
  );
  console.log(`  latency ${formatSummary(samples.summary())}`);
  for (const h of [...talkers, ...listeners]) h.close();
}

console.log(
  `workers: ${TALKERS} talkers × ${LISTENERS} listeners (${TALKERS * (LISTENERS + 1)} hotspots), a frame every ${FRAME_MS} ms per talker, ${SECONDS} s; ` +
    `${(await Bun.file("/proc/cpuinfo").text()).split("\n").filter((l) => l.startsWith("processor")).length} cores; load ${(await Bun.file("/proc/loadavg").text()).trim()}`,
);
try {
  // one process, clustering off
  const [port1] = await freePorts(1);
  const single: ServerProcess = await spawnServer("one-process", `${serverToml(2340, port1!, [])}\n[http]\nenabled = false\n`, 1);
  await runLoad("1 process          ", port1!, () => [single.process.pid], 0);
  await single.kill("SIGTERM");

  // two workers through a local nats-server
  const nats = await startNatsServer();
  const [port2] = await freePorts(1);
  const toml = `${serverToml(2340, port2!, [])}\n[http]\nenabled = false\n[cluster]\nenabled = true\nnode_name = "bench"\nworkers = 2\nservers = ["${nats.url}"]\ninterest_linger_seconds = 10\n`;
  const sup = await spawnServer("two-workers", toml, 2);
  const deadline = performance.now() + 10_000;
  while (sup.lines.filter((l) => l["msg"] === "cluster: connected to NATS").length < 2 && performance.now() < deadline) await Bun.sleep(50);
  const workerPids = (): number[] => {
    const byWorker = new Map<number, number>();
    for (const l of sup.lines) if (l["msg"] === "cluster: worker started") byWorker.set(Number(l["worker"]), Number(l["pid"]));
    return [sup.process.pid, ...byWorker.values()];
  };
  await runLoad("2 workers (SO_REUSEPORT + NATS)", port2!, workerPids, nats.pid());
  await sup.kill("SIGTERM");
} finally {
  await killAll();
  await stopAllNats();
}

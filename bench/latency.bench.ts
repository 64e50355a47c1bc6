/**
 * Latency benchmark: 200 concurrent calls at real pacing (one frame per 60 ms each, hbp-and-dmr.md
 * §2.2), 5 listeners per talkgroup, over real UDP on loopback with the server in its own process.
 * Reports ingress-to-egress latency p50/p99/max (send time at the generator → arrival at a
 * listener, so generator scheduling is included: an upper bound) and server CPU.
 *
 *   bun bench/latency.bench.ts [--calls 200] [--listeners 5] [--seconds 10]
 * Goal: p99 ≤ 1 ms.
 * @module
 */
import { FrameType, readUint32 } from "../src/wire/dmrd.ts";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { processCpuNs } from "./support/process_cpu.ts";
import { pinSelf } from "./support/server_process.ts";
import { BENCH_PASSPHRASE, GENERATOR_CORE, startFreedmr } from "./support/servers.ts";
import { CallFrameSource } from "./support/talker.ts";
import { lcEncoder } from "../test/sim/workload.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const calls = Number(arg("calls", "200"));
const listenersPerTg = Number(arg("listeners", "5"));
const seconds = Number(arg("seconds", "10"));
const warmupSeconds = 2;
const FRAME_MS = 60;

const pinned = pinSelf(GENERATOR_CORE);
console.log(
  `latency: ${calls} calls × ${listenersPerTg} listeners, ${seconds} s measured after ${warmupSeconds} s warm-up, generator pinned: ${pinned}; load ${(await Bun.file("/proc/loadavg").text()).trim()}`,
);

const server = await startFreedmr();
if (server === null) {
  console.log("freedmr: server entry not available yet — skipped");
  process.exit(0);
}

// Send times by frame tag (tags are dense: talker i uses i * TAG_SPAN + n).
const TAG_SPAN = 1 << 12; // frames per talker (4096 × 60 ms ≈ 4 min)
const sendTimes = new Float64Array(calls * TAG_SPAN);
const latencies = new Float64Array(Math.ceil(((seconds + warmupSeconds + 2) * 1000 * calls * listenersPerTg) / FRAME_MS) + 1024);
let latencyCount = 0;
let measuring = false;
let received = 0;
let unknown = 0;

const talkers: BenchHotspot[] = [];
const listeners: BenchHotspot[] = [];
const sources: CallFrameSource[] = [];
const superframes = Math.ceil(((seconds + warmupSeconds + 2) * 1000) / (6 * FRAME_MS));
for (let i = 0; i < calls; i++) {
  const tg = 10_000 + i;
  const t = new BenchHotspot({ serverPort: server.port, repeaterId: 312_000_000 + i, passphrase: BENCH_PASSPHRASE, options: "" });
  talkers.push(t);
  sources.push(new CallFrameSource(t.repeaterId, 3_120_000 + i, tg, 2, superframes, 0x30000000 + i * 0x1000, i * TAG_SPAN, lcEncoder, 4));
  for (let j = 0; j < listenersPerTg; j++) {
    const l = new BenchHotspot({ serverPort: server.port, repeaterId: 313_000_000 + i * listenersPerTg + j, passphrase: BENCH_PASSPHRASE, options: `TS2=${tg};` });
    l.onDmrd = (data) => {
      const now = performance.now();
      received++;
      if (((data[15]! >>> 4) & 0x03) === FrameType.DataSync) return; // header/terminator: LC, no tag
      const tag = readUint32(data, 20);
      const sent = tag < sendTimes.length ? sendTimes[tag]! : 0;
      if (sent === 0) {
        unknown++;
        return;
      }
      if (measuring && latencyCount < latencies.length) latencies[latencyCount++] = now - sent;
    };
    listeners.push(l);
  }
}
const everyone = [...talkers, ...listeners];
const t0Login = performance.now();
for (let i = 0; i < everyone.length; i += 50) await Promise.all(everyone.slice(i, i + 50).map((h) => h.login()));
console.log(`${everyone.length} hotspots logged in in ${(performance.now() - t0Login).toFixed(0)} ms`);

// Pacing: talker i sends frame n at start + phase_i + n * 60 ms.
const start = performance.now() + 100;
const next = new Float64Array(calls);
for (let i = 0; i < calls; i++) next[i] = start + (i * FRAME_MS) / calls;
const stopAt = start + (warmupSeconds + seconds) * 1000;
let sent = 0;
let cpu0 = 0;
let measureStart = 0;
let sentAtMeasureStart = 0;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = performance.now();
    if (!measuring && now >= start + warmupSeconds * 1000) {
      measuring = true;
      cpu0 = processCpuNs(server.pid);
      measureStart = now;
      sentAtMeasureStart = sent;
    }
    for (let i = 0; i < calls; i++) {
      while (next[i]! <= now) {
        const source = sources[i]!;
        const tag = i * TAG_SPAN + source.produced;
        const frame = source.next();
        sendTimes[tag] = performance.now();
        talkers[i]!.sendRaw(frame);
        sent++;
        next[i] = next[i]! + FRAME_MS;
      }
    }
    if (now >= stopAt) {
      clearInterval(timer);
      resolve();
    }
  }, 2);
});
const measureEnd = performance.now();
const sentMeasured = sent - sentAtMeasureStart;
await new Promise((r) => setTimeout(r, 300));
const cpuSeconds = (processCpuNs(server.pid) - cpu0) / 1e9;
measuring = false;
for (const h of everyone) h.close();
await server.stop();

const window = (measureEnd - measureStart) / 1000;
const sorted = latencies.subarray(0, latencyCount).sort();
const pct = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
console.log(
  `freedmr: in ${Math.round(sentMeasured / window)}/s, out ${Math.round((sentMeasured * listenersPerTg) / window)}/s expected; ` +
    `received ${received} frames total (${unknown} untagged)`,
);
console.log(
  `latency over ${sorted.length} voice bursts: p50 ${pct(50).toFixed(3)} ms  p99 ${pct(99).toFixed(3)} ms  p99.9 ${pct(99.9).toFixed(3)} ms  max ${pct(100).toFixed(3)} ms  (goal p99 ≤ 1 ms)`,
);
console.log(`server CPU ${((100 * cpuSeconds) / (window + 0.3)).toFixed(1)} % of one core (${cpuSeconds.toFixed(2)} s in ${window.toFixed(1)} s)`);
process.exit(0);

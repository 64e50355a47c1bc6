/**
 * Two freedmr processes measured side by side in one run (services_worker.bench.ts,
 * feeds.bench.ts): each with the same hotspots (latency generator talkers and listeners, idle
 * hotspots) and calls at real pacing; warmed up together, then rounds alternate between them so
 * machine load hits both alike. Per round: end-to-end latency (arrival at a listener − the
 * talker's send time), the packet thread's CPU (the process's main thread) and the whole
 * process's CPU.
 * @module
 */
import { join } from "node:path";
import { concatSamples, decodeSamples, formatSummary, summarize } from "./latency_samples.ts";
import { LineChild } from "./line_child.ts";
import { processCpuNs, threadTimes } from "./process_cpu.ts";
import type { ProbeReport } from "./server_probe.ts";
import type { ServerProcess } from "./server_process.ts";
import { GENERATOR_CORE, startFreedmr } from "./servers.ts";

const ROLE = join(import.meta.dir, "latency_role.ts");
const IDLE = join(import.meta.dir, "idle_hotspots.ts");

export interface Load {
  calls: number;
  listeners: number;
  idle: number;
  seconds: number;
}

export interface Side {
  name: string;
  server: ServerProcess;
  receiver: LineChild;
  sender: LineChild;
  idle: LineChild;
}

export interface Round {
  latencies: Float64Array;
  mainCpuNs: number;
  processCpuNs: number;
  windowS: number;
}

/** A free TCP port on 127.0.0.1 (for a server's [http]/[report] port). */
export function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** One freedmr (bench/support/freedmr_entry.ts with `env`) with its talkers, listeners and idle hotspots; `probe`: the in-server latency probe. */
export async function startSide(name: string, env: Record<string, string>, load: Load, probe = false): Promise<Side> {
  const server = await startFreedmr({ env, probe });
  if (server === null) throw new Error(`${name}: freedmr did not start`);
  const common = ["--port", String(server.port), "--calls", String(load.calls), "--listeners", String(load.listeners)];
  const receiver = new LineChild([process.execPath, ROLE, "receiver", ...common, "--max-seconds", String(load.seconds + 2)], GENERATOR_CORE);
  const sender = new LineChild([process.execPath, ROLE, "sender", ...common], GENERATOR_CORE);
  const idle = new LineChild([process.execPath, IDLE, "--port", String(server.port), "--count", String(load.idle), "--first-id", "314000000"], GENERATOR_CORE);
  await Promise.all([receiver.waitFor(/^READY/, 120_000), sender.waitFor(/^READY/, 120_000), idle.waitFor(/^READY/, 120_000)]);
  return { name, server, receiver, sender, idle };
}

async function run(s: Side, pre: number, warm: number, secs: number, onMeasure: () => void): Promise<void> {
  s.sender.send(`RUN ${pre} ${warm} ${secs}`);
  await s.sender.waitFor(/^MEASURE_START/, 180_000);
  onMeasure();
  await s.sender.waitFor(/^RESULT (.*)$/, 180_000);
}

/** Both sides' calls at once, unmeasured (JIT, buffers, tables). */
export async function warmTogether(sides: readonly Side[], prewarm: number, steady: number): Promise<void> {
  await Promise.all(sides.map((s) => run(s, prewarm, steady, 0, () => {})));
}

function mainThreadCpu(pid: number): number {
  return threadTimes(pid).get(pid)?.cpuNs ?? 0;
}

/** `rounds` rounds, alternating which side goes first; prints each round; returns the rounds per side name. */
export async function measureRounds<S extends Side>(
  sides: readonly [S, S],
  rounds: number,
  warmup: number,
  seconds: number,
  /** before each side's round (e.g. switch that side's extra load on) */
  beforeRound?: (side: S) => Promise<void>,
): Promise<Map<string, Round[]>> {
  const results = new Map<string, Round[]>(sides.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const s of round % 2 === 0 ? sides : [sides[1], sides[0]]) {
      let cpu0 = 0;
      let main0 = 0;
      let t0 = 0;
      await beforeRound?.(s);
      await run(s, 0, warmup, seconds, () => {
        s.receiver.send("START");
        cpu0 = processCpuNs(s.server.pid);
        main0 = mainThreadCpu(s.server.pid);
        t0 = performance.now();
      });
      await Bun.sleep(200);
      const cpu = processCpuNs(s.server.pid) - cpu0;
      const main = mainThreadCpu(s.server.pid) - main0;
      const windowS = (performance.now() - t0) / 1000;
      s.receiver.send("STOP");
      const got = JSON.parse((await s.receiver.waitFor(/^RESULT (.*)$/))[1]!) as { samples: string };
      const r: Round = { latencies: decodeSamples(got.samples), mainCpuNs: main, processCpuNs: cpu, windowS };
      results.get(s.name)!.push(r);
      const sum = summarize(r.latencies);
      console.log(`  round ${round + 1} ${s.name.padEnd(3)} p50 ${sum.p50.toFixed(3)}  p99 ${sum.p99.toFixed(3)}  max ${sum.max.toFixed(3)} ms; packet thread ${((100 * main) / 1e9 / windowS).toFixed(1)} %, process ${((100 * cpu) / 1e9 / windowS).toFixed(1)} % of a core`);
    }
  }
  return results;
}

/** Stops everything; returns each side's in-server probe report (sides started with `probe`). */
export async function stopSides(sides: readonly Side[]): Promise<Map<string, ProbeReport>> {
  const probes = new Map<string, ProbeReport>();
  for (const s of sides) {
    s.sender.send("EXIT");
    s.receiver.send("EXIT");
    s.idle.send("EXIT");
    await Promise.all([s.sender.end(), s.receiver.end(), s.idle.end()]);
    await s.server.stop();
    const line = /^PROBE (.*)$/m.exec(s.server.output());
    if (line !== null) probes.set(s.name, JSON.parse(line[1]!) as ProbeReport);
  }
  return probes;
}

/** Prints one side's totals over all its rounds; returns its p99 and packet-thread CPU %. */
export function summaryLine(label: string, rounds: readonly Round[]): { p99: number; main: number } {
  const window = rounds.reduce((n, r) => n + r.windowS, 0);
  const s = summarize(concatSamples(rounds.map((r) => r.latencies)));
  const main = (100 * rounds.reduce((n, r) => n + r.mainCpuNs, 0)) / 1e9 / window;
  const proc = (100 * rounds.reduce((n, r) => n + r.processCpuNs, 0)) / 1e9 / window;
  console.log(`${label} end-to-end ${formatSummary(s)}; packet thread CPU ${main.toFixed(1)} %, whole process ${proc.toFixed(1)} % of a core`);
  return { p99: s.p99, main };
}

/**
 * Latency benchmark: 200 concurrent calls at real pacing (one frame per 60 ms each, hbp-and-dmr.md
 * §2.2), 5 listeners per talkgroup, over real UDP on loopback, each server in its own process on
 * core 0, the generator on core 1. Measured for freedmr and for the bare relay (bench/bare_relay.ts,
 * the ceiling for Bun in the same topology), alternating rounds so machine load hits both alike.
 * Both servers are started and warmed up together first (--prewarm s at 5× pace, then --steady s
 * at real pace): freedmr's JIT keeps compiling hot paths to its top tier (FTL) for the first ~15 s,
 * on the same core, which would otherwise show up as tail latency that a long-running server does
 * not have. Each round then runs --warmup s unmeasured and --seconds s measured.
 *
 * End-to-end latency = arrival at a listener − the talker's actual send time (CLOCK_MONOTONIC
 * stamped into the burst right before the send syscall, support/mono_clock.ts). By default the
 * talkers and the listeners live in two generator processes (support/latency_role.ts) so neither
 * event loop delays the other (`--generator single` runs both in this process, as before).
 * The in-server split (support/server_probe.ts, on only in the benchmark): ingress = data
 * callback − send time (kernel + wake-up + event-loop queueing), service = drain returned − data
 * callback (our code + sendMany; for freedmr's forwarded copies held for the receive batch, our
 * code only: udp_host.ts holdDatagrams), tick = one shell tick.
 *
 *   bun bench/latency.bench.ts [--calls 200] [--listeners 5] [--seconds 7] [--rounds 2] [--prewarm 2] [--steady 12] [--warmup 1]
 *                              [--servers freedmr,bare] [--generator split|single] [--gc-log]
 *                              [--nice N] [--generator-nice N] [--rt] [--server-env K=V,…] [--concurrent]
 * --concurrent measures every server in the same window of each round (each still on its own
 * generator) instead of one after the other: load that comes and goes on a shared machine then hits
 * the servers at the same moments, so their CPU ratio is not also a ratio of two moments. They share
 * the server core, so each also sees the other's traffic in that core's caches.
 * --nice/--generator-nice/--rt (root) take other work on the machine out of the picture.
 * Goal: freedmr p99 ≤ 1 ms.
 * @module
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LatencyReceiver, LatencySender, type SenderResult } from "./support/latency_gen.ts";
import { concatSamples, decodeSamples, encodeSamples, formatSummary, summarize } from "./support/latency_samples.ts";
import { LineChild } from "./support/line_child.ts";
import { ProcessCpuMeter, selfCpuNs, threadDelta, threadTimes, type ThreadTimes } from "./support/process_cpu.ts";
import { pinSelf, type ServerProcess } from "./support/server_process.ts";
import { GENERATOR_CORE, startBareRelay, startFreedmr, type BenchServerOptions } from "./support/servers.ts";
import { MEASURING_MARK, type ProbeReport } from "./support/server_probe.ts";
import { envPairs } from "./support/env_pairs.ts";
import { monoNowMs } from "./support/mono_clock.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const calls = Number(arg("calls", "200"));
const listenersPerTg = Number(arg("listeners", "5"));
const seconds = Number(arg("seconds", "7"));
const warmupSeconds = Number(arg("warmup", "1"));
/** seconds at 5× pace at the start: gets the servers' JIT to its top tier before measuring */
const prewarmSeconds = Number(arg("prewarm", "2"));
/** then this many seconds at real pace, all servers at once, before the first round */
const steadySeconds = Number(arg("steady", "12"));
const rounds = Number(arg("rounds", "2"));
const servers = arg("servers", "freedmr,bare").split(",");
const split = arg("generator", "split") !== "single";
const gcLog = process.argv.includes("--gc-log");
/** Run the servers at real-time priority (chrt -f 10): takes CPU contention from other work out of the picture. */
const realtime = process.argv.includes("--rt");
/** Run the servers at this nice value (e.g. -10; needs root or CAP_SYS_NICE). */
const niceValue = arg("nice", "");
/** Run the generator processes at this nice value, so other work on their core does not delay them. */
const generatorNice = arg("generator-nice", "");
const generatorPrefix = generatorNice !== "" ? ["nice", "-n", generatorNice] : [];
/** Extra environment for the servers, e.g. `--server-env BUN_JSC_reportCompileTimes=1`; their stderr then goes to a file. */
const serverEnv = envPairs(arg("server-env", ""));
/** Measure all servers in the same windows rather than in turn (see above). */
const concurrent = process.argv.includes("--concurrent");
const ROLE = join(import.meta.dir, "support", "latency_role.ts");
const scratch = mkdtempSync(join(tmpdir(), "freedmr-latency-"));

const pinned = pinSelf(GENERATOR_CORE);
if (gcLog || Object.keys(serverEnv).length > 0) console.log(`server stderr logs in ${scratch}`);
console.log(
  `latency: ${calls} calls × ${listenersPerTg} listeners; warm-up ${prewarmSeconds} s at 5× pace + ${steadySeconds} s; ${rounds} round(s) per server of ${warmupSeconds} s + ${seconds} s measured${concurrent ? ", all servers at once" : ""}; ` +
    `generator ${split ? "split (sender + receiver processes)" : "single process"} pinned to core ${GENERATOR_CORE}: ${pinned}; load ${(await Bun.file("/proc/loadavg").text()).trim()}`,
);

interface RoundResult {
  latencies: Float64Array;
  expected: number;
  measured: number;
  serverCpuNs: number;
  serverWaitNs: number;
  /** per server thread name: CPU and run-queue wait while measured */
  threads: { name: string; cpuNs: number; waitNs: number }[];
  senderCpuNs: number;
  receiverCpuNs: number;
  window: number;
  pacingLateP99: number;
  sendHoldP99: number;
  sendHoldMax: number;
}

/**
 * BUN_JSC_logGC=1 prints one `[GC<…>: … => 46921kb, p=1.015378ms (max …), cycle 0.985594ms END]`
 * line per collection; p= is the longest stop-the-world pause of that collection.
 */
function gcStats(path: string): { count: number; maxMs: number; over1ms: number } {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
    const mark = text.indexOf(MEASURING_MARK);
    text = mark >= 0 ? text.slice(mark) : "";
  } catch {
    return { count: 0, maxMs: 0, over1ms: 0 };
  }
  let count = 0;
  let maxMs = 0;
  let over1ms = 0;
  for (const m of text.matchAll(/=> \d+kb, p=([\d.]+)ms \(max [\d.]+\), cycle [\d.]+ms END\]/g)) {
    const ms = Number(m[1]);
    count++;
    if (ms > maxMs) maxMs = ms;
    if (ms > 1) over1ms++;
  }
  return { count, maxMs, over1ms };
}

/**
 * `bare`, `freedmr`, or `freedmr:K=V+K2=V2`: freedmr with extra environment, to compare a variant
 * with the default in the same run (e.g. `--servers freedmr,freedmr:FREEDMR_BENCH_HOLD=0,bare`).
 */
async function startServer(name: string, options: BenchServerOptions): Promise<ServerProcess | null> {
  if (name === "bare") return startBareRelay(options);
  const env = name.startsWith("freedmr:") ? envPairs(name.slice("freedmr:".length), "+") : {};
  if (Object.keys(env).length === 0) return startFreedmr(options);
  return startFreedmr({ ...options, env: { ...options.env, ...env } });
}

/** The load generator of one server: talkers and listeners, in two child processes or in this one. */
interface Generator {
  /** Send; `onMeasureStart` when the measured window starts (seconds 0: warm only). */
  run(prewarm: number, warmup: number, seconds: number, onMeasureStart: () => void): Promise<SenderResult & { cpuNs: number }>;
  startMeasure(): void;
  stopMeasure(): Promise<{ latencies: Float64Array; measured: number; cpuNs: number }>;
  close(): Promise<void>;
}

async function splitGenerator(port: number): Promise<Generator> {
  const common = ["--port", String(port), "--calls", String(calls), "--listeners", String(listenersPerTg)];
  const receiver = new LineChild([process.execPath, ROLE, "receiver", ...common, "--max-seconds", String(seconds + 2)], GENERATOR_CORE, generatorPrefix);
  const sender = new LineChild([process.execPath, ROLE, "sender", ...common], GENERATOR_CORE, generatorPrefix);
  await Promise.all([receiver.waitFor(/^READY/), sender.waitFor(/^READY/)]);
  return {
    async run(prewarm, warmup, secs, onMeasureStart) {
      sender.send(`RUN ${prewarm} ${warmup} ${secs}`);
      // the sender warms up for prewarm + warmup seconds first (--steady 150 outlasted a fixed 120 s)
      await sender.waitFor(/^MEASURE_START/, (prewarm + warmup) * 1000 + 60_000);
      onMeasureStart();
      return JSON.parse((await sender.waitFor(/^RESULT (.*)$/, secs * 1000 + 60_000))[1]!) as SenderResult & { cpuNs: number };
    },
    startMeasure: () => receiver.send("START"),
    async stopMeasure() {
      receiver.send("STOP");
      const got = JSON.parse((await receiver.waitFor(/^RESULT (.*)$/))[1]!) as { measured: number; cpuNs: number; samples: string };
      return { latencies: decodeSamples(got.samples), measured: got.measured, cpuNs: got.cpuNs };
    },
    async close() {
      sender.send("EXIT");
      receiver.send("EXIT");
      await Promise.all([sender.end(), receiver.end()]);
    },
  };
}

async function inProcessGenerator(port: number): Promise<Generator> {
  const shape = { serverPort: port, calls, listenersPerTalkgroup: listenersPerTg };
  const receiver = new LatencyReceiver(shape, seconds + 2);
  const sender = new LatencySender(shape);
  await Promise.all([receiver.login(), sender.login()]);
  return {
    async run(prewarm, warmup, secs, onMeasureStart) {
      let self0 = 0;
      const result = await sender.run(
        warmup,
        secs,
        () => {
          self0 = selfCpuNs();
          onMeasureStart();
        },
        prewarm,
      );
      return { ...result, cpuNs: selfCpuNs() - self0 }; // sender and receiver together
    },
    startMeasure: () => receiver.reset(),
    async stopMeasure() {
      return { latencies: decodeSamples(encodeSamples(receiver.samples)), measured: receiver.measured, cpuNs: 0 };
    },
    async close() {
      sender.close();
      receiver.close();
    },
  };
}

interface Bench {
  readonly name: string;
  readonly server: ServerProcess;
  readonly generator: Generator;
  readonly stderrPath: string;
}

async function measureRound(bench: Bench): Promise<RoundResult> {
  const { server, generator } = bench;
  let cpu: ProcessCpuMeter | null = null;
  let sampler: ReturnType<typeof setInterval> | undefined;
  let threads0 = new Map<number, ThreadTimes>();
  const sent = await generator.run(0, warmupSeconds, seconds, () => {
    generator.startMeasure();
    const meter = new ProcessCpuMeter(server.pid);
    cpu = meter;
    // a server thread that ends inside the window (JSC's compiler threads do) keeps what it ran
    sampler = setInterval(() => meter.sample(), 100);
    threads0 = threadTimes(server.pid);
  });
  await Bun.sleep(200); // the last bursts in flight
  clearInterval(sampler);
  const serverCpuNs = (cpu as ProcessCpuMeter | null)?.elapsedNs() ?? 0;
  const threads = threadDelta(threads0, threadTimes(server.pid));
  // per thread, so a thread that ended in the window does not make the sum go backwards
  const serverWaitNs = threads.reduce((n, t) => n + t.waitNs, 0);
  const got = await generator.stopMeasure();
  return {
    latencies: got.latencies,
    expected: sent.burstsMeasured * listenersPerTg,
    measured: got.measured,
    serverCpuNs,
    serverWaitNs,
    threads,
    senderCpuNs: sent.cpuNs,
    receiverCpuNs: got.cpuNs,
    window: (sent.windowEndMs - sent.windowStartMs) / 1000,
    pacingLateP99: sent.pacingLateP99,
    sendHoldP99: sent.sendHoldP99,
    sendHoldMax: sent.sendHoldMax,
  };
}

// Start every server and its generator, warm them all up together, then measure in alternating rounds.
const benches: Bench[] = [];
for (const name of servers) {
  const stderrPath = join(scratch, `${name.replace(/[^\w.-]+/g, "_")}.stderr.log`);
  const server = await startServer(name, {
    probe: true,
    ...(realtime ? { prefix: ["chrt", "-f", "10"] } : niceValue !== "" ? { prefix: ["nice", "-n", niceValue] } : {}),
    ...(gcLog || Object.keys(serverEnv).length > 0 ? { env: { ...serverEnv, BENCH_PROBE_MARK: "1", ...(gcLog ? { BUN_JSC_logGC: "1" } : {}) }, stderrPath } : {}),
  });
  if (server === null) {
    console.log(`${name}: server not available — skipped`);
    continue;
  }
  const generator = await (split ? splitGenerator(server.port) : inProcessGenerator(server.port));
  benches.push({ name, server, generator, stderrPath });
}
const tWarm = performance.now();
const warmStartMono = monoNowMs();
await Promise.all(benches.map((b) => b.generator.run(prewarmSeconds, steadySeconds, 0, () => {})));
console.log(`  warmed up ${benches.map((b) => b.name).join(" and ")} together in ${((performance.now() - tWarm) / 1000).toFixed(1)} s`);

const results = new Map<string, RoundResult[]>();
for (let round = 0; round < rounds; round++) {
  // in turn: alternate the order so a load change on the machine does not favour one server
  // (--concurrent: all in the same window; the order is only the order of the report)
  const order = round % 2 === 0 ? benches : [...benches].reverse();
  const measured = concurrent ? await Promise.all(order.map(measureRound)) : [];
  for (let b = 0; b < order.length; b++) {
    const bench = order[b]!;
    const r = concurrent ? measured[b]! : await measureRound(bench);
    if (!results.has(bench.name)) results.set(bench.name, []);
    results.get(bench.name)!.push(r);
    const s = summarize(r.latencies);
    console.log(
      `  round ${round + 1} ${bench.name.padEnd(8)} p50 ${s.p50.toFixed(3)}  p99 ${s.p99.toFixed(3)}  max ${s.max.toFixed(3)} ms  ` +
        `server CPU ${((100 * r.serverCpuNs) / 1e9 / (r.window + 0.2)).toFixed(1)} %`,
    );
  }
}
const probes = new Map<string, ProbeReport | null>();
const gcs = new Map<string, ReturnType<typeof gcStats> | null>();
for (const bench of benches) {
  await bench.generator.close();
  await bench.server.stop();
  const probeLine = /^PROBE (.*)$/m.exec(bench.server.output());
  probes.set(bench.name, probeLine === null ? null : (JSON.parse(probeLine[1]!) as ProbeReport));
  gcs.set(bench.name, gcLog ? gcStats(bench.stderrPath) : null);
}

const label = (name: string): string => (name === "bare" ? "bare relay" : name);
console.log("");
for (const [name, rs] of results) {
  const window = rs.reduce((n, r) => n + r.window, 0);
  const expected = rs.reduce((n, r) => n + r.expected, 0);
  const measured = rs.reduce((n, r) => n + r.measured, 0);
  const cpu = (ns: (r: RoundResult) => number): string => ((100 * rs.reduce((n, r) => n + ns(r), 0)) / 1e9 / (window + 0.2 * rs.length)).toFixed(1);
  console.log(
    `${label(name).padEnd(10)} end-to-end ${formatSummary(summarize(concatSamples(rs.map((r) => r.latencies))))}  ` +
      `loss ${((100 * (expected - measured)) / Math.max(1, expected)).toFixed(3)} %`,
  );
  console.log(
    `${"".padEnd(10)} server CPU ${cpu((r) => r.serverCpuNs)} % of a core, runnable-but-waiting ${cpu((r) => r.serverWaitNs)} %; generator CPU sender ${cpu((r) => r.senderCpuNs)} %` +
      `${split ? ` receiver ${cpu((r) => r.receiverCpuNs)} %` : ""}; pacing late p99 ${Math.max(...rs.map((r) => r.pacingLateP99)).toFixed(3)} ms; ` +
      `stamp→send returned p99 ${Math.max(...rs.map((r) => r.sendHoldP99)).toFixed(3)} max ${Math.max(...rs.map((r) => r.sendHoldMax)).toFixed(3)} ms`,
  );
  {
    const rows = new Map<string, { cpuNs: number; waitNs: number }>();
    for (const r of rs) for (const t of r.threads) {
      const row = rows.get(t.name) ?? { cpuNs: 0, waitNs: 0 };
      row.cpuNs += t.cpuNs;
      row.waitNs += t.waitNs;
      rows.set(t.name, row);
    }
    const busy = [...rows].filter(([, t]) => t.cpuNs > 1e6).map(([n, t]) => `${n} ${(t.cpuNs / 1e6).toFixed(0)}/${(t.waitNs / 1e6).toFixed(0)}`);
    console.log(`${"".padEnd(10)} server threads (CPU ms / run-queue wait ms): ${busy.join(", ")}`);
  }
  const probe = probes.get(name) ?? null;
  if (probe !== null) {
    const merged = (key: "ingress" | "service" | "tick" | "tickLate") => summarize(decodeSamples(probe.raw[key]));
    console.log(`${"".padEnd(10)} in-server ingress ${formatSummary(merged("ingress"))}`);
    console.log(`${"".padEnd(10)} in-server service ${formatSummary(merged("service"))}`);
    if (name !== "bare") {
      console.log(`${"".padEnd(10)} shell tick (all)  ${formatSummary(merged("tick"))}`);
      console.log(
        `${"".padEnd(10)} tick timer late   ${formatSummary(merged("tickLate"))}, worst ${((probe.worstTickLateAtMs - warmStartMono) / 1000).toFixed(1)} s after the warm-up began`,
      );
    }
  }
  const gc = gcs.get(name) ?? null;
  if (gc !== null) {
    console.log(`${"".padEnd(10)} GC after warm-up: ${gc.count} collections, ${gc.over1ms} pausing over 1 ms, longest pause ${gc.maxMs.toFixed(2)} ms`);
  }
}
{
  // server CPU side by side (issue 14: freedmr ≤ 1.1× the relay with 200 calls × 2 listeners), per
  // round (the rounds alternate, so each pair ran under the same machine load) and over all rounds
  const b = results.get("bare");
  for (const [name, f] of results) {
    if (name === "bare" || b === undefined) continue;
    const perSecond = (r: RoundResult): number => r.serverCpuNs / (r.window + 0.2);
    const pairs = f.map((r, i) => (b[i] === undefined ? "" : (perSecond(r) / perSecond(b[i]!)).toFixed(2))).filter((x) => x !== "");
    const total = (rs: RoundResult[]): number => rs.reduce((n, r) => n + r.serverCpuNs, 0) / rs.reduce((n, r) => n + r.window + 0.2, 0);
    console.log(`server CPU ${name} / bare relay: ${(total(f) / total(b)).toFixed(2)}× (per round ${pairs.join(", ")}; ${calls} calls × ${listenersPerTg} listeners${listenersPerTg === 2 ? "; goal ≤ 1.1× with 2 listeners, issue 14" : ""})`);
  }
}
console.log("(goal: freedmr end-to-end p99 ≤ 1 ms)");
process.exit(0);

/**
 * Latency benchmark: 200 concurrent calls at real pacing (one frame per 60 ms each, hbp-and-dmr.md
 * §2.2), 5 listeners per talkgroup, over real UDP on loopback, each server in its own process on
 * core 0, the generator on core 1. Measured for freedmr and for the bare relay (bench/bare_relay.ts,
 * the ceiling for Bun in the same topology), alternating rounds so machine load hits both alike.
 *
 * End-to-end latency = arrival at a listener − the talker's actual send time (CLOCK_MONOTONIC
 * stamped into the burst right before the send syscall, support/mono_clock.ts). By default the
 * talkers and the listeners live in two generator processes (support/latency_role.ts) so neither
 * event loop delays the other (`--generator single` runs both in this process, as before).
 * The in-server split (support/server_probe.ts, on only in the benchmark): ingress = data
 * callback − send time (kernel + wake-up + event-loop queueing), service = drain returned − data
 * callback (our code + sendMany), tick = one shell tick.
 *
 *   bun bench/latency.bench.ts [--calls 200] [--listeners 5] [--seconds 7] [--prewarm 2] [--warmup 1] [--rounds 2]
 *                              [--servers freedmr,bare] [--generator split|single] [--gc-log] [--threads]
 *                              [--nice N] [--generator-nice N] [--rt] [--server-env K=V,…]
 * --nice/--generator-nice/--rt (root) take other work on the machine out of the picture.
 * Goal: freedmr p99 ≤ 1 ms.
 * @module
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LatencyReceiver, LatencySender, type SenderResult } from "./support/latency_gen.ts";
import { concatSamples, decodeSamples, formatSummary, summarize, encodeSamples } from "./support/latency_samples.ts";
import { LineChild } from "./support/line_child.ts";
import { processCpuNs, processRunQueueWaitNs, selfCpuNs, threadDelta, threadTimes, type ThreadTimes } from "./support/process_cpu.ts";
import { pinSelf, type ServerProcess } from "./support/server_process.ts";
import { GENERATOR_CORE, startBareRelay, startFreedmr, type BenchServerOptions } from "./support/servers.ts";
import { MEASURING_MARK, type ProbeReport } from "./support/server_probe.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const calls = Number(arg("calls", "200"));
const listenersPerTg = Number(arg("listeners", "5"));
const seconds = Number(arg("seconds", "7"));
const warmupSeconds = Number(arg("warmup", "1"));
/** seconds at 5× pace before the warm-up: gets the server's JIT to its top tier before measuring */
const prewarmSeconds = Number(arg("prewarm", "2"));
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
const serverEnv = Object.fromEntries(
  arg("server-env", "")
    .split(",")
    .filter((kv) => kv.includes("="))
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
const ROLE = join(import.meta.dir, "support", "latency_role.ts");
const scratch = mkdtempSync(join(tmpdir(), "freedmr-latency-"));

const pinned = pinSelf(GENERATOR_CORE);
if (gcLog || Object.keys(serverEnv).length > 0) console.log(`server stderr logs in ${scratch}`);
console.log(
  `latency: ${calls} calls × ${listenersPerTg} listeners, ${rounds} round(s) × ${seconds} s measured after ${prewarmSeconds} s at 5× pace + ${warmupSeconds} s warm-up per server; ` +
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
  probe: ProbeReport | null;
  gc: { count: number; maxMs: number; over1ms: number } | null;
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

async function startServer(name: string, options: BenchServerOptions): Promise<ServerProcess | null> {
  return name === "bare" ? startBareRelay(options) : startFreedmr(options);
}

async function runRound(name: string, round: number): Promise<RoundResult | null> {
  const gcPath = join(scratch, `${name}-${round}.stderr.log`);
  const server = await startServer(name, {
    probe: true,
    ...(realtime ? { prefix: ["chrt", "-f", "10"] } : niceValue !== "" ? { prefix: ["nice", "-n", niceValue] } : {}),
    ...(gcLog || Object.keys(serverEnv).length > 0 ? { env: { ...serverEnv, BENCH_PROBE_MARK: "1", ...(gcLog ? { BUN_JSC_logGC: "1" } : {}) }, stderrPath: gcPath } : {}),
  });
  if (server === null) return null;
  const shape = { serverPort: server.port, calls, listenersPerTalkgroup: listenersPerTg };
  const maxSeconds = seconds + 2;
  let latencies: Float64Array;
  let measured: number;
  let senderResult: SenderResult;
  let senderCpuNs: number;
  let receiverCpuNs: number;
  let serverCpuNs = 0;
  let serverWaitNs = 0;
  let threads0 = new Map<number, ThreadTimes>();
  let threads: RoundResult["threads"] = [];
  if (split) {
    const common = ["--port", String(server.port), "--calls", String(calls), "--listeners", String(listenersPerTg)];
    const receiver = new LineChild([process.execPath, ROLE, "receiver", ...common, "--max-seconds", String(maxSeconds)], GENERATOR_CORE, generatorPrefix);
    await receiver.waitFor(/^READY/);
    const sender = new LineChild([process.execPath, ROLE, "sender", ...common, "--warmup", String(warmupSeconds), "--seconds", String(seconds)], GENERATOR_CORE, generatorPrefix);
    await sender.waitFor(/^READY/);
    sender.send("GO");
    await sender.waitFor(/^MEASURE_START/);
    receiver.send("START");
    const cpu0 = processCpuNs(server.pid);
    const wait0 = processRunQueueWaitNs(server.pid);
    threads0 = threadTimes(server.pid);
    const sent = JSON.parse((await sender.waitFor(/^RESULT (.*)$/))[1]!) as SenderResult & { cpuNs: number };
    await Bun.sleep(200); // the last bursts in flight
    serverCpuNs = processCpuNs(server.pid) - cpu0;
    serverWaitNs = processRunQueueWaitNs(server.pid) - wait0;
    threads = threadDelta(threads0, threadTimes(server.pid));
    receiver.send("STOP");
    const got = JSON.parse((await receiver.waitFor(/^RESULT (.*)$/))[1]!) as { measured: number; cpuNs: number; samples: string };
    await Promise.all([sender.end(), receiver.end()]);
    latencies = decodeSamples(got.samples);
    measured = got.measured;
    senderResult = sent;
    senderCpuNs = sent.cpuNs;
    receiverCpuNs = got.cpuNs;
  } else {
    const receiver = new LatencyReceiver(shape, maxSeconds);
    await receiver.login();
    const sender = new LatencySender(shape);
    await sender.login();
    let cpu0 = 0;
    let wait0 = 0;
    let self0 = 0;
    senderResult = await sender.run(
      warmupSeconds,
      seconds,
      () => {
        cpu0 = processCpuNs(server.pid);
        wait0 = processRunQueueWaitNs(server.pid);
        threads0 = threadTimes(server.pid);
        self0 = selfCpuNs();
      },
      prewarmSeconds,
    );
    await Bun.sleep(200);
    serverCpuNs = processCpuNs(server.pid) - cpu0;
    serverWaitNs = processRunQueueWaitNs(server.pid) - wait0;
    threads = threadDelta(threads0, threadTimes(server.pid));
    senderCpuNs = selfCpuNs() - self0;
    receiverCpuNs = 0; // same process: counted under the sender
    sender.close();
    receiver.close();
    latencies = decodeSamples(encodeSamples(receiver.samples));
    measured = receiver.measured;
  }
  await server.stop();
  const probeLine = /^PROBE (.*)$/m.exec(server.output());
  return {
    latencies,
    expected: senderResult.burstsMeasured * listenersPerTg,
    measured,
    serverCpuNs,
    serverWaitNs,
    threads,
    senderCpuNs,
    receiverCpuNs,
    window: (senderResult.windowEndMs - senderResult.windowStartMs) / 1000,
    pacingLateP99: senderResult.pacingLateP99,
    sendHoldP99: senderResult.sendHoldP99,
    sendHoldMax: senderResult.sendHoldMax,
    probe: probeLine === null ? null : (JSON.parse(probeLine[1]!) as ProbeReport),
    gc: gcLog ? gcStats(gcPath) : null,
  };
}

const results = new Map<string, RoundResult[]>();
for (let round = 0; round < rounds; round++) {
  // alternate the order so a load change on the machine does not favour one server
  const order = round % 2 === 0 ? servers : [...servers].reverse();
  for (const name of order) {
    const r = await runRound(name, round);
    if (r === null) {
      console.log(`${name}: server not available — skipped`);
      continue;
    }
    if (!results.has(name)) results.set(name, []);
    results.get(name)!.push(r);
    const s = summarize(r.latencies);
    console.log(`  round ${round + 1} ${name.padEnd(8)} p50 ${s.p50.toFixed(3)}  p99 ${s.p99.toFixed(3)}  max ${s.max.toFixed(3)} ms`);
  }
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
  if (process.argv.includes("--threads")) {
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
  const probes = rs.map((r) => r.probe).filter((p): p is ProbeReport => p !== null);
  if (probes.length > 0) {
    const merged = (key: "ingress" | "service" | "tick" | "tickLate") => summarize(concatSamples(probes.map((p) => decodeSamples(p.raw[key]))));
    console.log(`${"".padEnd(10)} in-server ingress ${formatSummary(merged("ingress"))}`);
    console.log(`${"".padEnd(10)} in-server service ${formatSummary(merged("service"))}`);
    if (name !== "bare") {
      console.log(`${"".padEnd(10)} shell tick        ${formatSummary(merged("tick"))}`);
      console.log(`${"".padEnd(10)} tick timer late   ${formatSummary(merged("tickLate"))}`);
    }
  }
  const gcs = rs.map((r) => r.gc).filter((g) => g !== null);
  if (gcs.length > 0) {
    console.log(
      `${"".padEnd(10)} GC while measured: ${gcs.reduce((n, g) => n + g.count, 0)} collections, ` +
        `${gcs.reduce((n, g) => n + g.over1ms, 0)} pausing over 1 ms, longest pause ${Math.max(...gcs.map((g) => g.maxMs)).toFixed(2)} ms`,
    );
  }
}
console.log("(goal: freedmr end-to-end p99 ≤ 1 ms)");
process.exit(0);

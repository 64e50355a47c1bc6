/**
 * Fan-out benchmark: one talker to 50 listeners on one TG over real UDP on loopback, server in its
 * own process. Reports forwarded packets per server CPU-second and loss, for freedmr and for the
 * bare relay (bench/bare_relay.ts, the ceiling for Bun on this machine) in the same run.
 *
 *   bun bench/fanout.bench.ts [--listeners 50] [--rates 500,1000,2000] [--seconds 3] [--warmup 1] [--only both|bare|freedmr]
 * --warmup: seconds at 500 pkt/s before the measured rates (JIT tier-up; freedmr has far more code
 * to compile than the relay, and its compiler thread's CPU counts while it is still compiling).
 * Goal: freedmr ≥ 80 % of the bare relay's forwarded packets per CPU-second, 0 loss below saturation.
 * @module
 */
import { pinSelf, type ServerProcess } from "./support/server_process.ts";
import { BENCH_PASSPHRASE, GENERATOR_CORE, startBareRelay, startFreedmr } from "./support/servers.ts";
import { runFanout, setupFanout, teardownFanout, type FanoutResult } from "./support/fanout_run.ts";
import { benchLcEncoder } from "./support/lc.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const listenerCount = Number(arg("listeners", "50"));
const rates = arg("rates", "500,1000,2000,3000").split(",").map(Number);
const seconds = Number(arg("seconds", "3"));
const only = arg("only", "both");
const warmupSeconds = Number(arg("warmup", "1"));

const pinned = pinSelf(GENERATOR_CORE);
console.log(`fan-out 1 → ${listenerCount}, ${seconds} s per rate after ${warmupSeconds} s warm-up, generator pinned to core ${GENERATOR_CORE}: ${pinned}; load ${(await Bun.file("/proc/loadavg").text()).trim()}`);

async function measure(server: ServerProcess): Promise<FanoutResult[]> {
  const setup = await setupFanout(server, listenerCount, BENCH_PASSPHRASE, 2350, 311_000_000);
  const results: FanoutResult[] = [];
  // warm-up: JIT both sides
  await runFanout(server, setup, 500, warmupSeconds, benchLcEncoder(), 0x10000000);
  let base = 0x20000000;
  for (const rate of rates) {
    results.push(await runFanout(server, setup, rate, seconds, benchLcEncoder(), base));
    base += 0x01000000;
  }
  teardownFanout(setup);
  return results;
}

function print(results: FanoutResult[]): void {
  for (const r of results) {
    console.log(
      `${r.server.padEnd(11)} in ${String(r.rateIn).padStart(5)}/s out ${Math.round(r.received / r.seconds).toString().padStart(7)}/s  ` +
        `loss ${r.lossPercent.toFixed(3).padStart(7)} %  server CPU ${r.serverCpuPercent.toFixed(1).padStart(5)} %  ` +
        `forwarded/CPU-s ${Math.round(r.forwardedPerCpuSecond).toString().padStart(8)}`,
    );
  }
}

const all: Record<string, FanoutResult[]> = {};
if (only === "both" || only === "bare") {
  const bare = await startBareRelay();
  all.bare = await measure(bare);
  await bare.stop();
  print(all.bare);
}
if (only === "both" || only === "freedmr") {
  const freedmr = await startFreedmr();
  if (freedmr === null) {
    console.log("freedmr: server entry not available yet — skipped");
  } else {
    all.freedmr = await measure(freedmr);
    await freedmr.stop();
    print(all.freedmr);
  }
}
if (all.bare !== undefined && all.freedmr !== undefined) {
  for (let i = 0; i < rates.length; i++) {
    const b = all.bare[i]!;
    const f = all.freedmr[i]!;
    console.log(`rate ${rates[i]}/s: freedmr/bare forwarded-per-CPU-s = ${((100 * f.forwardedPerCpuSecond) / b.forwardedPerCpuSecond).toFixed(1)} % (goal ≥ 80 %)`);
  }
}

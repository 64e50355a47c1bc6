/**
 * Per-frame routing cost in instructions (valgrind callgrind): repeatable on a loaded machine where
 * CPU-second ratios are not. Fan-out 1 → --listeners over real UDP: freedmr (bench/support/
 * freedmr_entry.ts) and the bare relay (bench/bare_relay.ts), each run under callgrind twice, with
 * the same warm-up (--warm-frames at --warm-rate) and then --seconds at --rate-low or --rate-high
 * pkt/s; instructions per input frame = (I_high − I_low) / (routed_high − routed_low) (routed =
 * datagrams delivered / listeners: under valgrind a server may fall behind and lose input). Both runs
 * last as long, so start-up, logins, timers/ticks, warm-up and shutdown cancel out.
 * User space only (callgrind does not see the kernel, whose share — receive, sendmmsg — is the same
 * for both: one sendmmsg of N datagrams per frame).
 *
 *   bun bench/routing_cost.bench.ts [--listeners 50] [--warm-frames 200] [--warm-rate 25] [--seconds 12] [--rate-low 5]
 *                                   [--rate-high 30] [--servers freedmr,bare] [--keep 1]
 * Goal (issue 14): freedmr's per-frame cost close to the relay's (server CPU ≤ 1.1× the relay in the
 * streams test, fan-out efficiency ≥ 0.95×); this bench shows where the difference lies.
 * Skips (exit 0 with a message) when valgrind is not installed.
 * @module
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startServerProcess, type ServerProcess } from "./support/server_process.ts";
import { BENCH_PASSPHRASE } from "./support/servers.ts";
import { teardownFanout, type FanoutSetup } from "./support/fanout_run.ts";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { CallFrameSource } from "./support/talker.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const listeners = Number(arg("listeners", "50"));
/** Both runs: this many frames first at --warm-rate (JIT tier-up, first calls), then --seconds at the low or high rate. */
const warmFrames = Number(arg("warm-frames", "200"));
const warmRate = Number(arg("warm-rate", "25"));
const seconds = Number(arg("seconds", "12"));
const rateLow = Number(arg("rate-low", "5"));
const rateHigh = Number(arg("rate-high", "30"));
const servers = arg("servers", "freedmr,bare").split(",");
/** --keep 1: keep the callgrind files (for callgrind_annotate) */
const keep = arg("keep", "");
const VALGRIND = ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].find((p) => existsSync(p));
const ROOT = join(import.meta.dir, "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// a reply that arrives after its login step timed out rejects a promise nobody waits for any more
process.on("unhandledRejection", () => {});

if (VALGRIND === undefined) {
  console.log("routing_cost: valgrind not installed (apt-get install valgrind); skipped");
  process.exit(0);
}

const commands: Record<string, string[]> = {
  freedmr: [process.execPath, join(ROOT, "bench", "support", "freedmr_entry.ts")],
  bare: [process.execPath, join(ROOT, "bench", "bare_relay.ts"), "--port", "0"],
};

/** Log in one at a time, retrying: under valgrind the server answers slowly. */
async function slowLogin(h: BenchHotspot): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await h.login();
    } catch (error) {
      if (attempt === 40) throw error;
    }
  }
}

async function slowSetup(server: ServerProcess, talkgroupId: number, idBase: number): Promise<FanoutSetup> {
  const talker = new BenchHotspot({ serverPort: server.port, repeaterId: idBase, passphrase: BENCH_PASSPHRASE, options: "" });
  await slowLogin(talker);
  const all: BenchHotspot[] = [];
  for (let i = 0; i < listeners; i++) {
    const h = new BenchHotspot({ serverPort: server.port, repeaterId: idBase + 1 + i, passphrase: BENCH_PASSPHRASE, options: `TS2=${talkgroupId};` });
    await slowLogin(h);
    all.push(h);
  }
  return { talker, listeners: all, talkgroupId };
}

/** Instructions of the whole run and the input frames the server routed (delivered / listeners). */
async function instructions(name: string, rate: number): Promise<{ total: number; routed: number }> {
  const out = join(tmpdir(), `freedmr-callgrind-${name}-${rate}-${process.pid}.out`);
  const server: ServerProcess = await startServerProcess(
    name,
    [VALGRIND!, "--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${out}`, ...commands[name]!],
    null,
    { timeoutMs: 180_000, stderrPath: `${out}.log` },
  );
  const setup = await slowSetup(server, 2350, 313_000_000);
  // keepalives as real hotspots send them (hbp-and-dmr.md §1.3): without them freedmr drops the
  // silent listeners after its peer timeout (30 s) — a slow start under valgrind gets there
  const everyone = [setup.talker, ...setup.listeners];
  const pinger = setInterval(() => {
    for (const h of everyone) h.ping();
  }, 5000);
  const source = new CallFrameSource(setup.talker.repeaterId, 2_345_001, setup.talkgroupId, 2, 20, 0x200000, 0, null, 1024);
  const pace = async (frames: number, pps: number): Promise<void> => {
    const t0 = performance.now();
    const start = source.produced;
    while (source.produced - start < frames) {
      const due = Math.min(frames, Math.floor(((performance.now() - t0) / 1000) * pps));
      while (source.produced - start < due) setup.talker.sendRaw(source.next());
      await sleep(2);
    }
  };
  await pace(warmFrames, warmRate);
  await pace(Math.round(seconds * rate), rate);
  await sleep(1500);
  const frames = source.produced;
  const received = setup.listeners.reduce((n, h) => n + h.received, 0);
  clearInterval(pinger);
  teardownFanout(setup);
  // callgrind writes its file at exit, which is slow under valgrind: no SIGKILL after 3 s here
  process.kill(server.pid, "SIGTERM");
  for (let i = 0; i < 1800 && existsSync(`/proc/${server.pid}`); i++) await sleep(100);
  const text = readFileSync(out, "utf8");
  if (keep === "") rmSync(out, { force: true });
  else console.log(`   kept ${out} (callgrind_annotate it)`);
  rmSync(`${out}.log`, { force: true });
  const total = Number(/^(?:summary|totals):\s+(\d+)/m.exec(text)?.[1] ?? "NaN");
  console.log(`   ${name.padEnd(8)} ${String(frames).padStart(6)} frames: ${(total / 1e9).toFixed(3)} G instructions, ${received}/${frames * listeners} delivered`);
  return { total, routed: received / listeners };
}

console.log(`routing cost under callgrind: fan-out 1 → ${listeners}; ${warmFrames} frames at ${warmRate} pkt/s, then ${seconds} s at ${rateLow} or ${rateHigh} pkt/s`);
const perFrame: Record<string, number> = {};
for (const name of servers) {
  const low = await instructions(name, rateLow);
  const high = await instructions(name, rateHigh);
  // per frame the server actually routed (under valgrind it may fall behind and lose some)
  perFrame[name] = (high.total - low.total) / (high.routed - low.routed);
  console.log(`${name}: ${Math.round(perFrame[name]!).toLocaleString("en")} instructions per input frame (${Math.round(perFrame[name]! / listeners).toLocaleString("en")} per forwarded packet)`);
}
if (perFrame.freedmr !== undefined && perFrame.bare !== undefined) {
  console.log(`freedmr / bare relay, user-space instructions per frame: ${(perFrame.freedmr / perFrame.bare).toFixed(2)}×`);
}

/**
 * Per-frame routing cost in instructions (valgrind callgrind): repeatable on a loaded machine where
 * CPU-second ratios are not. Fan-out 1 → --listeners over real UDP: freedmr (bench/support/
 * freedmr_entry.ts) and the bare relay (bench/bare_relay.ts), each run once under callgrind. After
 * the logins and a warm-up (--warm-frames at --warm-rate pkt/s: JIT tier-up), the running process's
 * instruction counters are read (callgrind_control -e) around two windows of the same length: idle
 * (pings only) and busy (--seconds at --rate pkt/s). Instructions per input frame = (busy − idle) /
 * frames routed (datagrams delivered / listeners). Start-up, logins, JIT warm-up and the timers
 * cancel out; what is left is the packet path, in the steady state.
 * User space only (callgrind does not see the kernel, whose share — receive, sendmmsg — is the same
 * for both: one sendmmsg of N datagrams per frame). Under valgrind one thread runs at a time, so
 * freedmr runs with a 10 s stream timeout (FREEDMR_BENCH_STREAM_TIMEOUT_MS): a JIT compile stalling
 * the packet thread would otherwise end calls early and drop their rest (a loss, not a cost).
 *
 *   bun bench/routing_cost.bench.ts [--listeners 50] [--warm-frames 500] [--warm-rate 25] [--seconds 12] [--rate 30]
 *                                   [--calls 1] [--superframes 20] [--servers freedmr,bare] [--keep 1]
 * The streams shape (many short calls, few listeners each, like bench/latency.bench.ts --listeners 2),
 * slowed to what a server under valgrind keeps up with (a backlog would spill into the idle window):
 *   --calls 10 --listeners 2 --superframes 4 --rate 100 --warm-rate 100 --warm-frames 3000
 * --keep 1 also dumps the profile at the window boundaries and keeps the files (for callgrind_annotate).
 * Goal (issue 14): freedmr's per-frame cost close to the relay's (server CPU ≤ 1.1× the relay in the
 * streams test, fan-out efficiency ≥ 0.95×); this bench shows where the difference lies.
 * Skips (exit 0 with a message) when valgrind is not installed.
 * @module
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startServerProcess, type ServerProcess } from "./support/server_process.ts";
import { BENCH_PASSPHRASE } from "./support/servers.ts";
import { teardownFanout, type FanoutSetup } from "./support/fanout_run.ts";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { CallFrameSource } from "./support/talker.ts";
import { benchLcEncoder } from "./support/lc.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const listeners = Number(arg("listeners", "50"));
/** Both runs: this many frames first at --warm-rate (JIT tier-up, first calls), then --seconds at the low or high rate. */
const warmFrames = Number(arg("warm-frames", "500"));
const warmRate = Number(arg("warm-rate", "25"));
const seconds = Number(arg("seconds", "12"));
const rate = Number(arg("rate", "30"));
/** --calls C: C talkers at once, each on its own talkgroup with --listeners listeners (the streams shape: --calls 20 --listeners 2) */
const calls = Number(arg("calls", "1"));
/** superframes per call (6 bursts each, plus header and terminator): 20 ≈ 7 s; the latency bench's calls are 4 (1.6 s) */
const superframes = Number(arg("superframes", "20"));
const servers = arg("servers", "freedmr,bare").split(",");
/** --keep 1: keep the callgrind files (for callgrind_annotate) */
const keep = arg("keep", "");
const VALGRIND = ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].find((p) => existsSync(p));
const CALLGRIND_CONTROL = ["/usr/bin/callgrind_control", "/usr/local/bin/callgrind_control"].find((p) => existsSync(p));
const ROOT = join(import.meta.dir, "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// a reply that arrives after its login step timed out rejects a promise nobody waits for any more
process.on("unhandledRejection", () => {});

if (VALGRIND === undefined || CALLGRIND_CONTROL === undefined) {
  console.log("routing_cost: valgrind not installed (apt-get install valgrind); skipped");
  process.exit(0);
}

const commands: Record<string, string[]> = {
  freedmr: [process.execPath, join(ROOT, "bench", "support", "freedmr_entry.ts")],
  bare: [process.execPath, join(ROOT, "bench", "bare_relay.ts"), "--port", "0"],
};

/**
 * Under valgrind a cold server answers a login step in seconds: wait long rather than retry (a retry
 * meets the stale replies of the attempt before, and failed logins get 127.0.0.1 banned by freedmr's
 * login guard, after which every login is NAKed).
 */
const STEP_TIMEOUT_MS = 60_000;

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
  const talker = new BenchHotspot({ serverPort: server.port, repeaterId: idBase, passphrase: BENCH_PASSPHRASE, options: "", stepTimeoutMs: STEP_TIMEOUT_MS });
  await slowLogin(talker);
  const all: BenchHotspot[] = [];
  for (let i = 0; i < listeners; i++) {
    const h = new BenchHotspot({ serverPort: server.port, repeaterId: idBase + 1 + i, passphrase: BENCH_PASSPHRASE, options: `TS2=${talkgroupId};`, stepTimeoutMs: STEP_TIMEOUT_MS });
    await slowLogin(h);
    all.push(h);
  }
  return { talker, listeners: all, talkgroupId };
}

/**
 * Instructions executed so far by the running callgrind process, via vgdb: by its main thread (the
 * event loop: the packet path and the ticks) and by all threads. The per-frame figure uses the main
 * thread: the JIT's compiler threads finishing a tier-up inside one window would otherwise add tens of
 * millions of instructions to it (seen: 2× the figure from one run to the next).
 */
async function instructionsSoFar(pid: number): Promise<{ main: number; all: number }> {
  const child = Bun.spawn([CALLGRIND_CONTROL!, "-e", String(pid)], { stdout: "pipe", stderr: "ignore" });
  const text = await new Response(child.stdout).text();
  await child.exited;
  let all = 0;
  let main = 0;
  for (const m of text.matchAll(/^\s*Th\s+(\d+)\s+([\d,]+)/gm)) {
    const n = Number(m[2]!.replaceAll(",", ""));
    all += n;
    if (m[1] === "1") main = n;
  }
  if (all === 0 || main === 0) throw new Error(`callgrind_control -e ${pid}: no counters in ${JSON.stringify(text.slice(0, 200))}`);
  return { main, all };
}

/** --keep: also dump the profile so far (callgrind_control --dump): one file per window, for callgrind_annotate. */
async function dumpWindow(pid: number, label: string): Promise<void> {
  if (keep === "") return;
  const child = Bun.spawn([CALLGRIND_CONTROL!, `--dump=${label}`, String(pid)], { stdout: "ignore", stderr: "ignore" });
  await child.exited;
}

/** Per input frame: (busy window − idle window) / frames routed in the busy window. */
async function instructions(name: string): Promise<{ perFrame: number; idle: number; busy: number; routed: number; frames: number }> {
  const out = join(tmpdir(), `freedmr-callgrind-${name}-${process.pid}.out`);
  const server: ServerProcess = await startServerProcess(
    name,
    [VALGRIND!, "--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${out}`, ...commands[name]!],
    null,
    // valgrind runs one thread at a time: a JIT compile stalls the packet thread past the 360 ms
    // stream timeout, and the rest of that call would be dropped as orphans (not a cost, a loss);
    // and a server behind would shed voice (overload_shedder.ts): its cost per frame is wanted here
    { timeoutMs: 180_000, stderrPath: `${out}.log`, env: { FREEDMR_BENCH_STREAM_TIMEOUT_MS: "10000", FREEDMR_BENCH_NO_SHED: "1" } },
  );
  const setups: FanoutSetup[] = [];
  try {
    for (let c = 0; c < calls; c++) setups.push(await slowSetup(server, 2350 + c, 313_000_000 + c * 1000));
  } catch (error) {
    // never leave a server running under valgrind behind (it would load the machine for hours)
    process.kill(server.pid, "SIGKILL");
    throw error;
  }
  // keepalives as real hotspots send them (hbp-and-dmr.md §1.3): without them freedmr drops the
  // silent listeners after its peer timeout (30 s) — a slow start under valgrind gets there
  const everyone = setups.flatMap((setup) => [setup.talker, ...setup.listeners]);
  const pinger = setInterval(() => {
    for (const h of everyone) h.ping();
  }, 5000);
  const sources = setups.map((setup, c) => new CallFrameSource(setup.talker.repeaterId, 2_345_001 + c, setup.talkgroupId, 2, superframes, 0x200000 + c * 0x10000, 0, benchLcEncoder(), 1024));
  let produced = 0;
  /** `frames` frames at `pps` in all, round robin over the talkers (each talker's own pace is pps / calls) */
  const pace = async (frames: number, pps: number): Promise<void> => {
    const t0 = performance.now();
    const start = produced;
    while (produced - start < frames) {
      const due = Math.min(frames, Math.floor(((performance.now() - t0) / 1000) * pps));
      while (produced - start < due) {
        const c = produced % calls;
        setups[c]!.talker.sendRaw(sources[c]!.next());
        produced++;
      }
      await sleep(2);
    }
  };
  const received = (): number => setups.reduce((n, setup) => n + setup.listeners.reduce((m, h) => m + h.received, 0), 0);
  await pace(warmFrames, warmRate);
  await sleep(1500);
  const windowMs = seconds * 1000 + 1500;
  await dumpWindow(server.pid, "start-up and warm-up");
  const i0 = await instructionsSoFar(server.pid);
  await sleep(windowMs);
  const i1 = await instructionsSoFar(server.pid);
  await dumpWindow(server.pid, "idle window");
  const r0 = received();
  const f0 = produced;
  const t0 = performance.now();
  await pace(Math.round(seconds * rate), rate);
  await sleep(Math.max(0, windowMs - (performance.now() - t0)));
  const i2 = await instructionsSoFar(server.pid);
  await dumpWindow(server.pid, "busy window");
  const frames = produced - f0;
  const routed = (received() - r0) / listeners;
  clearInterval(pinger);
  for (const setup of setups) teardownFanout(setup);
  // callgrind writes its file at exit, which is slow under valgrind: no SIGKILL after 3 s here
  process.kill(server.pid, "SIGTERM");
  for (let i = 0; i < 1800 && existsSync(`/proc/${server.pid}`); i++) await sleep(100);
  if (keep === "") rmSync(out, { force: true });
  else console.log(`   kept ${out}.1 (start-up and warm-up), .2 (idle window), .3 (busy window) and ${out} (the rest): callgrind_annotate them`);
  rmSync(`${out}.log`, { force: true });
  const idle = i1.main - i0.main;
  const busy = i2.main - i1.main;
  if (idle > busy / 2) console.log(`   ${name}: the idle window cost over half the busy one — was the server still behind from the warm-up? (lower --rate)`);
  const idleAll = i1.all - i0.all;
  const busyAll = i2.all - i1.all;
  console.log(
    `   ${name.padEnd(8)} main thread: idle window ${(idle / 1e6).toFixed(1)} M, busy window ${(busy / 1e6).toFixed(1)} M instructions ` +
      `(all threads ${(idleAll / 1e6).toFixed(1)} M, ${(busyAll / 1e6).toFixed(1)} M; ${Math.round((busyAll - idleAll) / routed).toLocaleString("en")} per frame); ` +
      `${frames} frames sent, ${Math.round(routed * listeners)}/${frames * listeners} delivered`,
  );
  return { perFrame: (busy - idle) / routed, idle, busy, routed, frames };
}

console.log(
  `routing cost under callgrind: ${calls} call(s) of ${superframes} superframes, fan-out 1 → ${listeners}; warm-up ${warmFrames} frames at ${warmRate} pkt/s; windows of ${seconds + 1.5} s idle, then ${seconds} s at ${rate} pkt/s (+1.5 s)`,
);
const perFrame: Record<string, number> = {};
for (const name of servers) {
  const r = await instructions(name);
  perFrame[name] = r.perFrame;
  console.log(`${name}: ${Math.round(r.perFrame).toLocaleString("en")} instructions per input frame (${Math.round(r.perFrame / listeners).toLocaleString("en")} per forwarded packet)`);
}
if (perFrame.freedmr !== undefined && perFrame.bare !== undefined) {
  console.log(`freedmr / bare relay, user-space instructions per frame (main thread): ${(perFrame.freedmr / perFrame.bare).toFixed(2)}×`);
}

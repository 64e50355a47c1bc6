/**
 * Workers benchmark: 1 freedmr process vs `freedmr --workers 2` (two processes sharing the HBP port
 * with SO_REUSEPORT, joined through a local nats-server the supervisor starts) on this machine.
 *
 *   bun bench/workers.bench.ts [--clients 10000] [--listeners 200] [--rates 250,500,1000] [--seconds 3] [--workers 1,2,2nc]
 *
 * "2nc": 2 workers without [cluster] (logins only: SO_REUSEPORT alone, no NATS, no shared state; a
 * call would not cross between the workers, so there is no fan-out figure).
 *
 * 1. Logins/s: --clients hotspots log in, in phases of at most 5,000 client sockets (each phase's
 *    sockets are closed right after it, without RPTCL, so the server keeps every session and ends
 *    up holding all of them; never more than 5,000 sockets open: the machine's ephemeral ports are
 *    shared). Up to 1,000 logins in flight; a handshake step with no answer in 3 s is retried.
 * 2. Fan-out: one talker, --listeners listeners on one talkgroup (with 2 workers, the kernel spreads
 *    them over both: the half on the other worker get the call through NATS), --rates frames/s in for
 *    --seconds each. Reported: frames delivered per second at the listeners, loss, and the CPU of all
 *    server processes (workers + nats-server) per delivered frame.
 * Figures from a 2-core machine shared with other work: indicative only (docs/workers.md).
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { processCpuNs } from "./support/process_cpu.ts";
import { CallFrameSource } from "./support/talker.ts";
import { benchLcEncoder } from "./support/lc.ts";
import { readJsonLines } from "../test/support/json_lines.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const CLIENTS = Number(arg("clients", "10000"));
const LISTENERS = Number(arg("listeners", "200"));
const RATES = arg("rates", "250,500,1000").split(",").map(Number);
const SECONDS = Number(arg("seconds", "3"));
const WORKER_COUNTS = arg("workers", "1,2,2nc").split(",");
const PHASE_SOCKETS = 5000;
const IN_FLIGHT = 1000;
const PASSPHRASE = "bench-passphrase";
const NATS = Bun.which("nats-server") ?? "/usr/sbin/nats-server";
const ROOT = join(import.meta.dir, "..");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freeUdpPort(): Promise<number> {
  const s = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  const p = s.port;
  s.close();
  return p;
}
function freeTcpPort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

interface Tree {
  port: number;
  pids(): number[];
  stop(): Promise<void>;
}

/** freedmr (workers = 1) or the supervisor with `workers` workers; resolves when all listen (and joined NATS). */
async function startTree(workers: number, cluster: boolean, dir: string): Promise<Tree> {
  const port = await freeUdpPort();
  const lines: string[] = [
    `[log]\nlevel = "info"\nformat = "json"\n`,
    `[hbp]\nbind_addresses = ["127.0.0.1"]\nport = ${port}\npassphrase = "${PASSPHRASE}"\nlogin_rate_limit_per_minute = 0\nmax_peers = ${CLIENTS + LISTENERS + 100}\n`,
    `[http]\nenabled = false\n`,
  ];
  if (workers > 1 && cluster) {
    lines.push(`[cluster]\nenabled = true\nnode_name = "bench"\nservers = ["nats://127.0.0.1:${freeTcpPort()}"]\n`);
    lines.push(`[workers]\nstart_nats_server = true\nnats_server_command = "${NATS}"\nnats_store_directory = "${join(dir, "nats")}"\n`);
  }
  const config = join(dir, `w${workers}.toml`);
  writeFileSync(config, lines.join("\n"));
  const child = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), "--config", config, "--workers", String(workers)], { cwd: dir, stdout: "pipe", stderr: "ignore", stdin: "ignore" });
  const pids = new Map<string, number>();
  let listening = 0;
  let joined = 0;
  void readJsonLines(child.stdout, (line, text) => {
    const msg = String(line["msg"]);
    if (msg.startsWith("listening on UDP")) listening++;
    if (msg === "cluster: connected to NATS") joined++;
    if (/ started \(pid \d+\)$/.test(msg) && typeof line["pid"] === "number") pids.set(String(line["worker"]), line["pid"] as number);
    if (line["level"] !== undefined && Number(line["level"]) >= 50) console.log(`  server: ${text.slice(0, 300)}`);
  });
  const deadline = performance.now() + 30_000;
  while (listening < workers || (workers > 1 && cluster && joined < workers)) {
    if (performance.now() > deadline || child.exitCode !== null) throw new Error(`workers=${workers}: not ready (listening ${listening}, joined ${joined})`);
    await sleep(50);
  }
  return {
    port,
    pids: () => (workers === 1 ? [child.pid] : [...pids.values()]),
    async stop() {
      child.kill("SIGTERM");
      const done = await Promise.race([child.exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!done) child.kill("SIGKILL");
    },
  };
}

const cpuNs = (pids: number[]): number => pids.reduce((sum, pid) => sum + processCpuNs(pid), 0);

async function loginWithRetry(h: BenchHotspot): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await h.login();
      return true;
    } catch {
      // no answer (a dropped datagram) or a NAK: start the handshake again
    }
  }
  return false;
}

async function loginPhases(tree: Tree): Promise<{ seconds: number; ok: number; cpuSeconds: number }> {
  let seconds = 0;
  let ok = 0;
  let cpu = 0;
  for (let first = 0; first < CLIENTS; first += PHASE_SOCKETS) {
    const hotspots: BenchHotspot[] = [];
    for (let i = first; i < Math.min(CLIENTS, first + PHASE_SOCKETS); i++) {
      const h = new BenchHotspot({ serverPort: tree.port, repeaterId: 2_000_001 + i, passphrase: PASSPHRASE, options: "" });
      await h.open();
      hotspots.push(h);
    }
    const cpu0 = cpuNs(tree.pids());
    const t0 = performance.now();
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < hotspots.length) {
        const h = hotspots[next++]!;
        if (await loginWithRetry(h)) ok++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, hotspots.length) }, runner));
    seconds += (performance.now() - t0) / 1000;
    cpu += (cpuNs(tree.pids()) - cpu0) / 1e9;
    for (const h of hotspots) h.close(); // no RPTCL: the sessions stay until the peer timeout
  }
  return { seconds, ok, cpuSeconds: cpu };
}

interface FanoutFigure {
  rateIn: number;
  delivered: number;
  expected: number;
  perSecond: number;
  lossPercent: number;
  cpuSeconds: number;
  cpuPercent: number;
}

async function fanout(tree: Tree): Promise<FanoutFigure[]> {
  const talkgroupId = 2350;
  const talker = new BenchHotspot({ serverPort: tree.port, repeaterId: 3_100_000, passphrase: PASSPHRASE, options: "" });
  await loginWithRetry(talker);
  const listeners: BenchHotspot[] = [];
  for (let i = 0; i < LISTENERS; i++) listeners.push(new BenchHotspot({ serverPort: tree.port, repeaterId: 3_100_001 + i, passphrase: PASSPHRASE, options: `TS2=${talkgroupId};` }));
  for (let i = 0; i < listeners.length; i += 50) await Promise.all(listeners.slice(i, i + 50).map((h) => loginWithRetry(h)));
  const figures: FanoutFigure[] = [];
  try {
    let streamBase = 0x20000000;
    for (const [index, rate] of [100, ...RATES].entries()) {
      const source = new CallFrameSource(talker.repeaterId, 2_345_001, talkgroupId, 2, 20, streamBase, 0, benchLcEncoder(), 2048);
      streamBase += 0x100000;
      const before = listeners.map((h) => h.received);
      const batch: (Uint8Array | number | string)[] = [];
      const seconds = index === 0 ? 2 : SECONDS; // the first run warms up (NATS interest, JIT) and is not reported
      const cpu0 = cpuNs(tree.pids());
      const t0 = performance.now();
      const total = Math.round(rate * seconds);
      let sent = 0;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
        let n = due - sent;
        if (n > 0) {
          batch.length = 0;
          if (n > 256) n = 256;
          for (let i = 0; i < n; i++) batch.push(source.next(), tree.port, "127.0.0.1");
          talker.sendBatch(batch);
          sent += n;
        }
        await sleep(1);
      }
      const elapsed = (performance.now() - t0) / 1000;
      await sleep(500);
      const cpuSeconds = (cpuNs(tree.pids()) - cpu0) / 1e9;
      let delivered = 0;
      for (let i = 0; i < listeners.length; i++) delivered += listeners[i]!.received - before[i]!;
      const expected = source.produced * listeners.length;
      if (index > 0) {
        figures.push({ rateIn: rate, delivered, expected, perSecond: delivered / elapsed, lossPercent: (100 * (expected - delivered)) / Math.max(1, expected), cpuSeconds, cpuPercent: (100 * cpuSeconds) / (elapsed + 0.5) });
      }
    }
  } finally {
    talker.close();
    for (const h of listeners) h.close();
  }
  return figures;
}

const dir = mkdtempSync(join(tmpdir(), "freedmr-workers-bench-"));
console.log(`workers bench: ${CLIENTS} logins (≤ ${PHASE_SOCKETS} sockets at a time), fan-out 1 → ${LISTENERS} at ${RATES.join(", ")} frames/s for ${SECONDS} s; ${navigator.hardwareConcurrency} cores here, shared with other work`);
try {
  for (const variant of WORKER_COUNTS) {
    const workers = Number.parseInt(variant, 10);
    const cluster = !variant.endsWith("nc");
    const tree = await startTree(workers, cluster, dir);
    try {
      const login = await loginPhases(tree);
      console.log(
        `workers=${variant}: ${login.ok}/${CLIENTS} logged in in ${login.seconds.toFixed(2)} s = ${Math.round(login.ok / login.seconds)} logins/s; server CPU ${login.cpuSeconds.toFixed(2)} s (${((1000 * login.cpuSeconds) / Math.max(1, login.ok)).toFixed(3)} ms per login)`,
      );
      if (workers > 1 && !cluster) continue;
      for (const f of await fanout(tree)) {
        console.log(
          `workers=${variant}: fan-out ${f.rateIn} frames/s in → ${Math.round(f.perSecond)} delivered/s (${f.delivered}/${f.expected}, loss ${f.lossPercent.toFixed(2)} %), server CPU ${f.cpuPercent.toFixed(0)} % of a core, ${((1e6 * f.cpuSeconds) / Math.max(1, f.delivered)).toFixed(2)} µs per delivered frame`,
        );
      }
    } finally {
      await tree.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

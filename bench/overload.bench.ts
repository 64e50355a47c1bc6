/**
 * Overload benchmark (issue 14): above the loss-free rate freedmr must degrade by dropping, not by
 * delay. Fan-out 1 → --listeners over real UDP; the listeners are deaf (bench/support/
 * deaf_listeners.py: logged in, never reading, tiny receive buffers), so the server does its whole
 * send work while the generator pays nothing to receive — on a small shared machine a generator that
 * receives 50 copies of every frame saturates long before the server does.
 *
 * Each step runs a fresh freedmr (bench/support/freedmr_entry.ts, in-server probe on) for --seconds:
 * one talker at a given rate, a second hotspot pinging every 100 ms, a new hotspot logging in every
 * second. Reported per step: frames sent, voice bursts shed (the host's `voiceShed`), the server-side
 * delay of the frames it processed (in-server probe: generator send time stamped in the burst → data
 * callback, p50/p99, plus service p99), pings answered, logins completed.
 *
 * 1. the loss-free maximum as without shedding: the highest of --rates at which the server processed
 *    every voice burst with a p99 delay ≤ 20 ms (shedding off);
 * 2. --factor × that rate (default 1.3×) with shedding (the default) and, for comparison, without.
 * Goal: delivered (processed) p99 ≤ 100 ms at 1.3× the loss-free maximum, pings and logins answered.
 *
 *   bun bench/overload.bench.ts [--rates 10000,20000,…,80000] [--factor 1.3] [--seconds 3] [--listeners 2]
 * Needs python3 (the deaf listeners). Latency on a shared machine is noisy.
 * @module
 */
import { join } from "node:path";
import { pinSelf, type ServerProcess } from "./support/server_process.ts";
import { BENCH_PASSPHRASE, GENERATOR_CORE, startFreedmr } from "./support/servers.ts";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { CallFrameSource } from "./support/talker.ts";
import { monoNowMs, writeSendTime } from "./support/mono_clock.ts";
import type { ProbeReport } from "./support/server_probe.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const rates = arg("rates", "10000,20000,30000,40000,50000,60000,70000,80000").split(",").map(Number);
const factor = Number(arg("factor", "1.3"));
const seconds = Number(arg("seconds", "3"));
/** Few listeners: the server's own work per frame, not the kernel's loopback delivery of 50 copies, is what saturates. */
const listenerCount = Number(arg("listeners", "2"));
const TALKGROUP = 2350;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (Bun.which("python3") === null) {
  console.log("overload: python3 not found (the deaf listeners need it); skipped");
  process.exit(0);
}

interface Step {
  rate: number;
  sent: number;
  /** voice bursts sent / processed by the server (the probe saw them) */
  voiceSent: number;
  processed: number;
  shed: number;
  p50: number;
  p99: number;
  serviceP99: number;
  pings: number;
  pongs: number;
  logins: number;
  loginsOk: number;
}

async function step(rate: number, shedding: boolean): Promise<Step> {
  const server: ServerProcess | null = await startFreedmr({ probe: true, env: { FREEDMR_BENCH_STATS: "1", ...(shedding ? {} : { FREEDMR_BENCH_NO_SHED: "1" }) } });
  if (server === null) throw new Error("freedmr did not start");
  const deaf = Bun.spawn(["python3", join(import.meta.dir, "support", "deaf_listeners.py"), String(server.port), String(listenerCount), "314000000", BENCH_PASSPHRASE, String(TALKGROUP)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  try {
    const reader = deaf.stdout.getReader();
    let text = "";
    while (!text.includes("READY")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`deaf listeners exited: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const talker = new BenchHotspot({ serverPort: server.port, repeaterId: 314_100_000, passphrase: BENCH_PASSPHRASE, options: "" });
    const pinger = new BenchHotspot({ serverPort: server.port, repeaterId: 314_100_001, passphrase: BENCH_PASSPHRASE, options: "" });
    await talker.login();
    await pinger.login();
    let pongs = 0;
    let pings = 0;
    pinger.onControl = (data) => {
      if (data[0] === 0x4d && data[3] === 0x50) pongs++; // MSTPONG
    };
    const pingTimer = setInterval(() => {
      pinger.ping();
      pings++;
    }, 100);
    let logins = 0;
    let loginsOk = 0;
    const pending: Promise<void>[] = [];
    const loginTimer = setInterval(() => {
      const h = new BenchHotspot({ serverPort: server.port, repeaterId: 314_200_000 + logins, passphrase: BENCH_PASSPHRASE, options: "" });
      logins++;
      pending.push(
        h
          .login()
          .then(() => void loginsOk++)
          .catch(() => {})
          .finally(() => h.close()),
      );
    }, 1000);
    const source = new CallFrameSource(talker.repeaterId, 2_345_001, TALKGROUP, 2, 20, 0x7000000, 0, null, 4096);
    const batch: (Uint8Array | number | string)[] = [];
    const total = Math.round(rate * seconds);
    let voiceSent = 0;
    const t0 = performance.now();
    while (source.produced < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      let n = due - source.produced;
      if (n > 0) {
        if (n > 256) n = 256;
        batch.length = 0;
        const mono = monoNowMs();
        for (let i = 0; i < n; i++) {
          const frame = source.next();
          if (((frame[15]! >>> 4) & 3) !== 2) {
            writeSendTime(frame, mono); // voice bursts carry their send time
            voiceSent++;
          }
          batch.push(frame, server.port, "127.0.0.1");
        }
        talker.sendBatch(batch);
      }
      await sleep(1);
    }
    clearInterval(loginTimer);
    await Promise.all(pending);
    await sleep(1000);
    clearInterval(pingTimer);
    await sleep(200);
    talker.close();
    pinger.close();
    await server.stop();
    const probe = JSON.parse(/PROBE (\{.*\})/.exec(server.output())?.[1] ?? "null") as ProbeReport | null;
    const host = JSON.parse(/STATS (\{.*\})/.exec(server.output())?.[1] ?? "{}") as { voiceShed?: number; sheddingEpisodes?: number; peakQueuedBytes?: number; datagramsIn?: number; inlineTicks?: number };
    if (process.env.OVERLOAD_DEBUG === "1") console.log(`     host: ${JSON.stringify(host)}`);
    return {
      rate,
      sent: source.produced,
      voiceSent,
      processed: probe?.ingress.n ?? 0,
      shed: host.voiceShed ?? Number.NaN,
      p50: probe?.ingress.p50 ?? Number.NaN,
      p99: probe?.ingress.p99 ?? Number.NaN,
      serviceP99: probe?.service.p99 ?? Number.NaN,
      pings,
      pongs,
      logins,
      loginsOk,
    };
  } finally {
    deaf.stdin.end();
    await Promise.race([deaf.exited, sleep(3000)]);
    deaf.kill();
    await server.stop().catch(() => {});
  }
}

function show(label: string, s: Step): void {
  console.log(
    `   ${label.padEnd(22)} ${String(s.rate).padStart(6)} pkt/s: sent ${String(s.sent).padStart(6)}, voice processed ${((100 * s.processed) / Math.max(1, s.voiceSent)).toFixed(1)} %, shed ${String(s.shed).padStart(6)}; server delay p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (+ service p99 ${s.serviceP99.toFixed(2)} ms); pings ${s.pongs}/${s.pings}; logins ${s.loginsOk}/${s.logins}`,
  );
}

const pinned = pinSelf(GENERATOR_CORE);
console.log(`overload: fan-out 1 → ${listenerCount} deaf listeners, ${seconds} s per step, generator pinned: ${pinned}; load ${(await Bun.file("/proc/loadavg").text()).trim()}`);
// the loss-free maximum as it is today: shedding off, every voice burst processed, p99 ≤ 20 ms
let lossFree = 0;
for (const rate of rates) {
  const s = await step(rate, false);
  show("sweep (no shedding)", s);
  if (s.processed >= s.voiceSent * 0.999 && s.p99 <= 20) lossFree = rate;
  else break;
}
if (lossFree === 0) lossFree = rates[0]!;
const over = Math.round(lossFree * factor);
console.log(`loss-free maximum ≈ ${lossFree} pkt/s in; ${factor}× = ${over} pkt/s`);
const withShedding = await step(over, true);
show("overload, shedding", withShedding);
const without = await step(over, false);
show("overload, no shedding", without);
const ok = withShedding.p99 + withShedding.serviceP99 <= 100;
console.log(
  `goal: processed-frame p99 ≤ 100 ms at ${factor}× the loss-free rate: ${ok ? "met" : "NOT met"} (${(withShedding.p99 + withShedding.serviceP99).toFixed(1)} ms with shedding, ${(without.p99 + without.serviceP99).toFixed(1)} ms without); pings ${withShedding.pongs >= withShedding.pings - 1 ? "answered" : "NOT all answered"}; logins ${withShedding.loginsOk}/${withShedding.logins}`,
);

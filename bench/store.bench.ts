/**
 * State store benchmark (issue 10): what the store writes on an SD card, and how fast 1,000
 * hotspots are back after a restart.
 *
 * 1. Bytes written per hour at 200 calls/hour and 1,000 hotspots, compressed in time. In this
 *    process: the real routing core (1,000 hotspots logged in with options) and the real SQLite
 *    store on a real disk (ext4 here), wired as in the server — every flush interval the router's
 *    `drainStateChanges` goes to `store.apply`, finished calls (stream.end) to `store.recordCall`,
 *    then `store.flush()` (one transaction). One simulated hour = 3600 s / flush interval batches;
 *    200 calls from 2,000 radios, seeded: 70 % group calls on a user-activated talkgroup (renewing
 *    its timer), 20 % to a static talkgroup, 10 % dial-a-TG. Measured: /proc/self/io `wchar`
 *    (bytes handed to write(2)/pwrite(2): WAL frames, checkpoints) and `write_bytes` (bytes the
 *    kernel sent to the block device for this process) across the simulated hour, after the
 *    log-in burst (reported apart). For each flush interval given (default 5, 10, 30 s).
 * 2. Restart recovery for 1,000 hotspots with the compiled binary (dist/freedmr-linux-x64, else
 *    `bun src/main.ts`): each hotspot logs in with KEY'd options, keys up a talkgroup and dials a
 *    reflector; once the store has them all, SIGTERM; the server is started again on the same state
 *    directory and every hotspot logs in again at once (as after an upgrade). Reported: the
 *    snapshot load (from the server's log), spawn → listening, spawn → all logged in, spawn → all
 *    with their dial link and talkgroup again (read from /api/v1/hotspots).
 *
 *   bun bench/store.bench.ts [--hotspots 1000] [--calls-per-hour 200] [--intervals 5,10,30] [--skip-restart]
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Harness, type FakePort } from "../test/core/routing/harness.ts";
import type { CoreEvent } from "../src/core/events.ts";
import { lastHeardEntry } from "../src/services/last_heard.ts";
import { SqliteStore } from "../src/services/store/sqlite_store.ts";
import { Prng } from "../src/lib/prng.ts";
import { BenchHotspot } from "./support/bench_hotspot.ts";
import { sendVoiceCall } from "../test/e2e/routing_support.ts";
import type { HbpClient } from "../test/support/hbp_client.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const HOTSPOTS = Number(arg("hotspots", "1000"));
const CALLS_PER_HOUR = Number(arg("calls-per-hour", "200"));
const INTERVALS = arg("intervals", "5,10,30").split(",").map(Number);
const SKIP_RESTART = process.argv.includes("--skip-restart");
const SEED = Number(process.env["SEED"] ?? 20261204);
const WALL0 = Date.UTC(2026, 11, 4, 20, 0, 0);

function procIo(): { wchar: number; writeBytes: number } {
  const text = readFileSync("/proc/self/io", "utf8");
  const field = (name: string): number => Number(/^(\w+): (\d+)$/m.exec(text.split("\n").find((l) => l.startsWith(name + ":")) ?? "")?.[2] ?? 0);
  return { wchar: field("wchar"), writeBytes: field("write_bytes") };
}

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MiB`;

// ---- 1. bytes per hour ---------------------------------------------------------------------------

function simulateHour(flushSeconds: number): void {
  const dir = mkdtempSync(join("/var/tmp", "freedmr-store-bench-"));
  const prng = new Prng(SEED);
  const h = new Harness({ uaTimerMinutes: 15 });
  const start = h.nowMs;
  const wall = (): number => WALL0 + (h.nowMs - start);
  const store = SqliteStore.open({ directory: dir, historyRows: 10_000, lastHeardRows: 10_000, maxSubscribers: 100_000, subscriberTtlMs: 24 * 3600_000, maxQueued: 100_000, wallClockMs: wall }).store;
  const ports: FakePort[] = [];
  for (let i = 0; i < HOTSPOTS; i++) ports.push(h.hotspot({ repeaterId: 2_340_000 + i, options: `TS1=${91 + (i % 10)};TIMER=15;KEY=k${i}` }));
  let seen = 0;
  const cycle = (): number => {
    store.apply(h.router.drainStateChanges(h.nowMs, wall()));
    const events = h.events.events;
    for (; seen < events.length; seen++) {
      const e = events[seen] as CoreEvent;
      if (e.type === "stream.end") store.recordCall(lastHeardEntry(e, wall()));
    }
    return store.flush();
  };
  // the log-in burst (1,000 hotspots): written once at start
  const io0 = procIo();
  cycle();
  const io1 = procIo();
  // one hour: batches every flushSeconds, calls spread evenly with seeded jitter
  const batches = Math.round(3600 / flushSeconds);
  const callTimes: number[] = [];
  for (let c = 0; c < CALLS_PER_HOUR; c++) callTimes.push(prng.nextInt(3600_000));
  callTimes.sort((a, b) => a - b);
  let nextCall = 0;
  let streamId = 1;
  let rows = 0;
  let nonEmpty = 0;
  const hourStart = h.nowMs;
  for (let b = 0; b < batches; b++) {
    const batchEnd = hourStart + (b + 1) * flushSeconds * 1000;
    while (nextCall < callTimes.length && hourStart + callTimes[nextCall]! < batchEnd) {
      const at = hourStart + callTimes[nextCall]!;
      if (at > h.nowMs) h.advance(at - h.nowMs, 1000);
      const port = prng.pick(ports);
      const radio = 3_100_000 + prng.nextInt(2000);
      const kind = prng.nextInt(100);
      if (kind < 70) h.call(port, { sourceId: radio, destinationId: 3100 + prng.nextInt(20), slot: 2, streamId: streamId++, bursts: 6 * 10 });
      else if (kind < 90) h.call(port, { sourceId: radio, destinationId: 91 + (port.portIndex % 10), slot: 1, streamId: streamId++, bursts: 6 * 10 });
      else h.call(port, { sourceId: radio, destinationId: 2000 + prng.nextInt(50), slot: 2, unit: true, streamId: streamId++, bursts: 6 });
      h.advance(500, 100);
      nextCall++;
    }
    if (batchEnd > h.nowMs) h.advance(batchEnd - h.nowMs, 1000);
    const written = cycle();
    rows += written;
    if (written > 0) nonEmpty++;
  }
  const io2 = procIo();
  const counts = store.counts();
  void store.close();
  const sizes = ["freedmr.sqlite", "freedmr.sqlite-wal"].map((f) => (existsSync(join(dir, f)) ? Bun.file(join(dir, f)).size : 0));
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `  flush every ${String(flushSeconds).padStart(2)} s: per hour ${mib(io2.wchar - io1.wchar)} written (wchar), ${mib(io2.writeBytes - io1.writeBytes)} to the block device (write_bytes); ` +
      `${nonEmpty} of ${batches} batches wrote (${rows} rows); log-in burst of ${HOTSPOTS}: ${kib(io1.wchar - io0.wchar)} wchar; ` +
      `file ${kib(sizes[0]!)} + WAL ${kib(sizes[1]!)} after close; rows: ${JSON.stringify(counts)}`,
  );
}

console.log(`store: bytes written per hour at ${CALLS_PER_HOUR} calls/hour and ${HOTSPOTS} hotspots (seed ${SEED}; simulated hour, real core + real SQLite on /var/tmp (ext4); load ${(await Bun.file("/proc/loadavg").text()).trim()})`);
for (const seconds of INTERVALS) simulateHour(seconds);

// ---- 2. restart recovery -------------------------------------------------------------------------

async function restartRecovery(): Promise<void> {
  const repo = join(import.meta.dir, "..");
  const binary = join(repo, "dist", `freedmr-linux-${process.arch === "arm64" ? "arm64" : "x64"}`);
  const command = existsSync(binary) ? [binary] : [process.execPath, join(repo, "src", "main.ts")];
  const work = mkdtempSync(join(tmpdir(), "freedmr-store-restart-bench-"));
  const state = join(work, "state");
  const config = join(work, "freedmr.toml");
  writeFileSync(config, `[log]\nformat = "json"\nlevel = "info"\n\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\nmax_peers = ${HOTSPOTS + 100}\nlogin_rate_limit_per_minute = 0\n\n[http]\nbind_address = "127.0.0.1"\nport = 0\n\n[store]\ndirectory = "${state}"\nflush_interval_seconds = 2\n`);
  console.log(`\nstore: restart recovery of ${HOTSPOTS} hotspots (${command[0] === binary ? "compiled binary" : "bun src/main.ts"})`);

  interface Server {
    child: ReturnType<typeof Bun.spawn>;
    lines: Record<string, unknown>[];
    spawnedAt: number;
    port: number;
    url: string;
    listeningMs: number;
  }
  const start = async (): Promise<Server> => {
    const spawnedAt = performance.now();
    const child = Bun.spawn([...command, "--config", config], { cwd: work, stdout: "pipe", stderr: "inherit" });
    const lines: Record<string, unknown>[] = [];
    let port = 0;
    let url = "";
    let listeningMs = 0;
    void (async () => {
      let buffer = "";
      for await (const chunk of child.stdout as ReadableStream<Uint8Array>) {
        buffer += new TextDecoder().decode(chunk);
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          try {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            lines.push(parsed);
            if (port === 0 && parsed["socket"] === "hbp" && typeof parsed["port"] === "number") {
              port = parsed["port"];
              listeningMs = performance.now() - spawnedAt;
            }
            if (typeof parsed["url"] === "string") url = parsed["url"];
          } catch {
            // not JSON
          }
        }
      }
    })();
    while (port === 0 || url === "") {
      if (child.exitCode !== null) throw new Error("the server exited");
      await Bun.sleep(5);
    }
    return { child, lines, spawnedAt, port, url, listeningMs };
  };
  const loginAll = async (server: Server, withOptions: boolean): Promise<BenchHotspot[]> => {
    const hotspots: BenchHotspot[] = [];
    for (let i = 0; i < HOTSPOTS; i++) {
      hotspots.push(new BenchHotspot({ serverPort: server.port, repeaterId: 2_340_000 + i, passphrase: "passw0rd", options: withOptions ? `TS1=${91 + (i % 10)};TIMER=30;KEY=k${i}` : "", callsign: `B${i}` }));
    }
    // every hotspot retries on its own until it is in (as MMDVMHost does), 50 at a time in flight
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < hotspots.length) {
        const hs = hotspots[next++]!;
        for (let attempt = 0; ; attempt++) {
          try {
            await hs.login();
            break;
          } catch (error) {
            if (attempt > 20) throw error;
            await Bun.sleep(200);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    return hotspots;
  };
  const restored = async (server: Server): Promise<number> => {
    const body = (await (await fetch(new URL("/api/v1/hotspots?limit=1000", server.url))).json()) as { hotspots: { repeaterId: number; dialedReflector: number; talkgroups: { ts2: number[] } }[] };
    return body.hotspots.filter((h) => h.dialedReflector === 20_000 + (h.repeaterId % 1000) && h.talkgroups.ts2.includes(3100 + (h.repeaterId % 20))).length;
  };

  // every server started is killed however the bench ends
  const children: ReturnType<typeof Bun.spawn>[] = [];
  process.on("exit", () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });
  const startTracked = async (): Promise<Server> => {
    const s = await start();
    children.push(s.child);
    return s;
  };
  // before: state made
  let server = await startTracked();
  let hotspots = await loginAll(server, true);
  for (const hs of hotspots) {
    const client = { repeaterId: hs.repeaterId, sendDmrd: (b: Uint8Array) => (hs.sendRaw(b), true) } as unknown as HbpClient;
    await sendVoiceCall(client, { sourceId: 3_100_000 + (hs.repeaterId % 1000), destinationId: 3100 + (hs.repeaterId % 20), slot: 2, superframes: 1 });
    await sendVoiceCall(client, { sourceId: 3_100_000 + (hs.repeaterId % 1000), destinationId: 20_000 + (hs.repeaterId % 1000), slot: 2, unit: true, superframes: 1 });
  }
  for (let i = 0; i < 600 && (await restored(server)) < HOTSPOTS; i++) await Bun.sleep(100);
  await Bun.sleep(5000); // the journal and a store batch or two
  const stopAt = performance.now();
  server.child.kill("SIGTERM");
  await server.child.exited;
  const stopMs = performance.now() - stopAt;
  for (const hs of hotspots) hs.close();

  // after: the restart
  server = await startTracked();
  hotspots = await loginAll(server, false);
  const loggedInMs = performance.now() - server.spawnedAt;
  let n = 0;
  for (let i = 0; i < 600 && (n = await restored(server)) < HOTSPOTS; i++) await Bun.sleep(50);
  const restoredMs = performance.now() - server.spawnedAt;
  const load = server.lines.find((l) => typeof l["msg"] === "string" && String(l["msg"]).startsWith("state restored"));
  console.log(
    `  SIGTERM → exit ${stopMs.toFixed(0)} ms; snapshot load + import ${String(load?.["ms"] ?? "?")} ms (${String(load?.["pending"] ?? "?")} hotspots, ${String(load?.["subscribers"] ?? "?")} radios); ` +
      `spawn → listening ${server.listeningMs.toFixed(0)} ms; spawn → all ${HOTSPOTS} logged in ${loggedInMs.toFixed(0)} ms; spawn → ${n}/${HOTSPOTS} with talkgroup and dial link again ${restoredMs.toFixed(0)} ms`,
  );
  server.child.kill("SIGTERM");
  await server.child.exited;
  for (const hs of hotspots) hs.close();
  rmSync(work, { recursive: true, force: true });
}

if (!SKIP_RESTART) {
  // a bench that cannot finish says so instead of hanging
  const deadline = setTimeout(() => {
    console.error("store bench: the restart part did not finish within 5 minutes");
    process.exit(1);
  }, 300_000);
  await restartRecovery();
  clearTimeout(deadline);
}

/**
 * Services Worker benchmark (issue 9 §1): does the operator plane cost the packet path anything?
 * Two freedmr processes side by side in one run, on the server core, each with 2,000 hotspots
 * (200 talkers + 200 × 5 listeners from the latency generator, plus idle ones) and 200 calls at real
 * pacing (one frame per 60 ms each):
 *
 *   off  [http] disabled: no services at all
 *   on   the services Worker with 20 browsers on the live WebSocket and a scraper pulling every
 *        API route (hotspot pages of 1,000, talkgroups, diagnostics, metrics, …) every second
 *
 * Reported side by side: end-to-end latency p50/p99/max (arrival at a listener − the talker's send
 * time), the packet thread's CPU (the process's main thread) and the whole process's CPU (with
 * the Worker), and what the browsers and scraper got. Rounds alternate between the two so machine
 * load hits both alike; the scraper pauses during "off" rounds (both servers share the server core,
 * and the "on" server's Worker must not slow the "off" server down). Goal: "on" within 10 % of
 * "off" in packet-path p99 and CPU. On a shared 2-core machine both numbers move with the load:
 * read them side by side, from the same run.
 *
 *   bun bench/services_worker.bench.ts [--calls 200] [--listeners 5] [--idle 800] [--dashboards 20]
 *                                       [--seconds 7] [--rounds 2] [--prewarm 2] [--steady 8] [--warmup 1]
 * @module
 */
import { join } from "node:path";
import { LineChild } from "./support/line_child.ts";
import { pinSelf, type ServerProcess } from "./support/server_process.ts";
import { GENERATOR_CORE, startFreedmr } from "./support/servers.ts";
import { measureRounds, stopSides, summaryLine, warmTogether, type Side as BenchSide } from "./support/side_by_side.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const calls = Number(arg("calls", "200"));
const listeners = Number(arg("listeners", "5"));
const idle = Number(arg("idle", String(Math.max(0, 2000 - calls - calls * Number(arg("listeners", "5"))))));
const dashboards = Number(arg("dashboards", "20"));
const seconds = Number(arg("seconds", "7"));
const rounds = Number(arg("rounds", "2"));
const prewarm = Number(arg("prewarm", "2"));
const steady = Number(arg("steady", "8"));
const warmup = Number(arg("warmup", "1"));
const ROLE = join(import.meta.dir, "support", "latency_role.ts");
const IDLE = join(import.meta.dir, "support", "idle_hotspots.ts");

const pinned = pinSelf(GENERATOR_CORE);
console.log(
  `services worker: ${calls + calls * listeners + idle} hotspots (${calls} talkers, ${calls * listeners} listeners, ${idle} idle), ${calls} calls; "on" adds ${dashboards} live WebSockets + a scraper of every route each second; ` +
    `${rounds} round(s) of ${warmup} s + ${seconds} s each; generator on core ${GENERATOR_CORE}: ${pinned}; load ${(await Bun.file("/proc/loadavg").text()).trim()}`,
);

function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port!;
  s.stop(true);
  return port;
}

interface Side extends BenchSide {
  name: "off" | "on";
  httpPort: number | null;
}

/** Everything started so far, stopped if the run fails half-way (no orphaned servers). */
const started: { stop(): unknown }[] = [];
process.on("uncaughtException", (error) => {
  console.error(error);
  for (const s of started) void s.stop();
  setTimeout(() => process.exit(1), 500);
});

async function side(name: "off" | "on"): Promise<Side> {
  const httpPort = name === "on" ? freePort() : null;
  const server = await startFreedmr(httpPort !== null ? { env: { FREEDMR_BENCH_HTTP_PORT: String(httpPort) } } : {});
  if (server === null) throw new Error(`${name}: freedmr did not start`);
  started.push(server);
  const common = ["--port", String(server.port), "--calls", String(calls), "--listeners", String(listeners)];
  const receiver = new LineChild([process.execPath, ROLE, "receiver", ...common, "--max-seconds", String(seconds + 2)], GENERATOR_CORE);
  const sender = new LineChild([process.execPath, ROLE, "sender", ...common], GENERATOR_CORE);
  const idleChild = new LineChild([process.execPath, IDLE, "--port", String(server.port), "--count", String(idle), "--first-id", "314000000"], GENERATOR_CORE);
  for (const child of [receiver, sender, idleChild]) started.push({ stop: () => child.process.kill() });
  try {
    await Promise.all([receiver.waitFor(/^READY/, 120_000), sender.waitFor(/^READY/, 120_000), idleChild.waitFor(/^READY/, 120_000)]);
  } catch (error) {
    for (const s of started) await s.stop();
    throw error;
  }
  return { name, server, receiver, sender, idle: idleChild, httpPort };
}

/** The "on" side's browsers and scraper. */
class Dashboards {
  readonly sockets: WebSocket[] = [];
  messages = 0;
  bytes = 0;
  requests = 0;
  errors = 0;
  scrapeMs: number[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;
  #busy = false;
  /** The scraper pulls only while true: during "off" rounds it pauses, so the "on" server's Worker does not compete with the "off" server for the server core. */
  active = true;

  constructor(readonly base: string) {}

  async open(n: number): Promise<void> {
    const url = this.base.replace(/^http/, "ws") + "api/v1/live";
    await Promise.all(
      Array.from({ length: n }, () => {
        const ws = new WebSocket(url);
        ws.onmessage = (e) => {
          this.messages++;
          this.bytes += String(e.data).length;
        };
        this.sockets.push(ws);
        return new Promise((resolve, reject) => {
          ws.onopen = resolve;
          ws.onerror = reject;
        });
      }),
    );
  }

  startScraper(): void {
    const routes = [
      "/api/v1/health",
      "/api/v1/status",
      "/api/v1/now",
      "/api/v1/hotspots?limit=1000",
      "/api/v1/hotspots?limit=1000&offset=1000",
      "/api/v1/hotspots/313000000",
      "/api/v1/hotspots/313000000/diagnostics",
      "/api/v1/hotspots/314000000/settings",
      "/api/v1/last-heard?limit=500",
      "/api/v1/last-heard?q=3130",
      "/api/v1/talkgroups?limit=1000",
      "/api/v1/talkgroups/10000",
      "/api/v1/links",
      "/api/v1/openapi.json",
      "/metrics",
    ];
    this.#timer = setInterval(() => {
      if (this.#busy || !this.active) return;
      this.#busy = true;
      const t0 = performance.now();
      void Promise.all(
        routes.map(async (r) => {
          try {
            const res = await fetch(this.base + r.slice(1));
            await res.arrayBuffer();
            this.requests++;
            if (res.status >= 500) this.errors++;
          } catch {
            this.errors++;
          }
        }),
      ).finally(() => {
        this.scrapeMs.push(performance.now() - t0);
        this.#busy = false;
      });
    }, 1000);
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const ws of this.sockets) ws.close();
  }
}

const off = await side("off");
const on = await side("on");
const dash = new Dashboards(`http://127.0.0.1:${on.httpPort}/`);
await dash.open(dashboards);
dash.startScraper();
console.log(`  both servers up with their hotspots; ${dash.sockets.length} WebSockets open on "on"`);

await warmTogether([off, on], prewarm, steady);
console.log("  warmed up together");

const results = await measureRounds([off, on], rounds, warmup, seconds, async (s) => {
  dash.active = s.name === "on";
  await Bun.sleep(1100); // let a scrape in flight finish before an "off" round
});

dash.close();
await stopSides([off, on]);

console.log("");
const a = summaryLine("no services ", results.get("off")!);
const b = summaryLine("services on ", results.get("on")!);
const scrapes = dash.scrapeMs.sort((x, y) => x - y);
console.log(
  `browsers: ${dash.messages} live messages (${(dash.bytes / 1024).toFixed(0)} KiB); scraper: ${dash.requests} requests, ${dash.errors} errors, one pass of every route p50 ${(scrapes[Math.floor(scrapes.length / 2)] ?? 0).toFixed(0)} ms`,
);
console.log(`services on / off: p99 ×${(b.p99 / a.p99).toFixed(2)}, packet-thread CPU ×${(b.main / a.main).toFixed(2)} (goal: within 10 %, i.e. ≤ ×1.10)`);
process.exit(0);

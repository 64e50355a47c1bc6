/**
 * Feeds benchmark (issue 11 "Done means"): does running every feed, busy, cost the packet path
 * anything? Two freedmr processes side by side in one run, each with the same hotspots and calls
 * at real pacing (latency generator: talkers, listeners, idle hotspots):
 *
 *   off  no services at all ([http], [report], [mqtt] off)
 *   on   the services Worker with the report socket and a monitor reading it, MQTT to a real
 *        mosquitto with a subscriber on <prefix>/v1/#, and 20 last-heard feed clients (10
 *        WebSocket, 10 SSE, some filtered)
 *
 * Reported side by side: end-to-end latency p50/p99/max (arrival at a listener − the talker's send
 * time), the packet thread's CPU and the whole process's CPU, and what each feed delivered. Rounds
 * alternate so machine load hits both alike. Goal: "on" p99 within 10 % of "off".
 *
 *   off  (with --off worker) the services Worker with HTTP but no feeds and no clients: the feeds' own cost
 *
 *   bun bench/feeds.bench.ts [--off none|worker] [--only report,mqtt,feed] [--calls 100] [--listeners 5] [--idle 400] [--feeds 20]
 *                            [--seconds 5] [--rounds 2] [--prewarm 2] [--steady 5] [--warmup 1]
 * @module
 */
import mqtt from "mqtt";
import { NetstringDecoder } from "../src/services/report/netstring.ts";
import { Mosquitto, mosquittoPath } from "../test/support/mosquitto.ts";
import { summarize } from "./support/latency_samples.ts";
import { pinSelf } from "./support/server_process.ts";
import { GENERATOR_CORE } from "./support/servers.ts";
import { freePort, measureRounds, startSide, stopSides, summaryLine, warmTogether } from "./support/side_by_side.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const calls = Number(arg("calls", "100"));
const listeners = Number(arg("listeners", "5"));
const idle = Number(arg("idle", "400"));
const feeds = Number(arg("feeds", "20"));
const seconds = Number(arg("seconds", "5"));
const rounds = Number(arg("rounds", "2"));
const prewarm = Number(arg("prewarm", "2"));
const steady = Number(arg("steady", "5"));
const warmup = Number(arg("warmup", "1"));
/** --off worker: the "off" server runs the services Worker with HTTP too (no feeds, no clients), isolating the feeds' own cost. */
const offWorker = arg("off", "none") === "worker";
/** --only report,mqtt,feed: which feeds "on" runs (and which consumers connect); default all three. */
const only = new Set(arg("only", "report,mqtt,feed").split(","));

if (mosquittoPath === null) {
  console.log("feeds: mosquitto is not installed (apt-get install mosquitto); skipped");
  process.exit(0);
}
const pinned = pinSelf(GENERATOR_CORE);
console.log(
  `feeds: ${calls + calls * listeners + idle} hotspots (${calls} talkers, ${calls * listeners} listeners, ${idle} idle), ${calls} calls; "off" ${offWorker ? "runs the services Worker (HTTP, no feeds)" : "has no services"}; "on" adds ${[only.has("report") ? "the report socket + a monitor" : "", only.has("mqtt") ? "MQTT + a subscriber" : "", only.has("feed") ? `${feeds} last-heard feed clients` : ""].filter((x) => x !== "").join(", ")}; ` +
    `${rounds} round(s) of ${warmup} s + ${seconds} s each; generator on core ${GENERATOR_CORE}: ${pinned}; load ${(await Bun.file("/proc/loadavg").text()).trim()}`,
);

const broker = await Mosquitto.start();
const httpPort = freePort();
const reportPort = freePort();
const load = { calls, listeners, idle, seconds };

/** The "on" side's consumers: a monitor on the report socket, an MQTT subscriber, feed clients. */
class Consumers {
  monitorMessages = 0;
  monitorEvents = 0;
  mqttMessages = 0;
  feedRecords = 0;
  readonly #closers: (() => void)[] = [];

  async open(): Promise<void> {
    if (only.has("report")) await this.#openMonitor();
    if (only.has("mqtt")) await this.#openSubscriber();
    if (only.has("feed")) await this.#openFeedClients();
  }

  async #openMonitor(): Promise<void> {
    const decoder = new NetstringDecoder(64 * 1024 * 1024);
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: reportPort,
      socket: {
        data: (_s, data) => {
          const fed = decoder.feed(data);
          if (!fed.ok) return;
          for (const m of fed.messages) {
            this.monitorMessages++;
            if (m[0] === 0x07) this.monitorEvents++;
          }
        },
      },
    });
    this.#closers.push(() => socket.end());
  }

  async #openSubscriber(): Promise<void> {
    const sub = mqtt.connect(broker.url, { clientId: "bench-subscriber" });
    await new Promise<void>((resolve) => sub.once("connect", () => sub.subscribe("bench/v1/#", { qos: 0 }, () => resolve())));
    sub.on("message", () => this.mqttMessages++);
    this.#closers.push(() => sub.end(true));
  }

  async #openFeedClients(): Promise<void> {
    const base = `http://127.0.0.1:${httpPort}/api/v1/feed/lastheard`;
    const filters = ["", "?country=31", "?tg=10000,10001,10002", ""];
    await Promise.all(
      Array.from({ length: feeds }, async (_, i) => {
        const query = filters[i % filters.length]!;
        if (i % 2 === 0) {
          const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws${query}`);
          ws.onmessage = () => this.feedRecords++;
          this.#closers.push(() => ws.close());
          await new Promise((resolve, reject) => {
            ws.onopen = resolve;
            ws.onerror = reject;
          });
        } else {
          const abort = new AbortController();
          const response = await fetch(`${base}${query}`, { signal: abort.signal });
          this.#closers.push(() => abort.abort());
          void (async () => {
            const text = new TextDecoder();
            try {
              for await (const chunk of response.body!) this.feedRecords += (text.decode(chunk as Uint8Array).match(/^event: lastheard$/gm) ?? []).length;
            } catch {
              // aborted
            }
          })();
        }
      }),
    );
  }

  close(): void {
    for (const close of this.#closers) close();
  }
}

const off = await startSide("off", offWorker ? { FREEDMR_BENCH_HTTP_PORT: String(freePort()) } : {}, load, true);
const on = await startSide(
  "on",
  { FREEDMR_BENCH_HTTP_PORT: String(httpPort), ...(only.has("report") ? { FREEDMR_BENCH_REPORT_PORT: String(reportPort) } : {}), ...(only.has("mqtt") ? { FREEDMR_BENCH_MQTT_URL: broker.url } : {}) },
  load,
  true,
);
const consumers = new Consumers();
await consumers.open();
console.log(`  both servers up with their hotspots; "on" has a monitor, an MQTT subscriber and ${feeds} feed clients`);
await warmTogether([off, on], prewarm, steady);
console.log("  warmed up together");
const results = await measureRounds([off, on], rounds, warmup, seconds);

const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
const metric = (name: string) => metrics.split("\n").find((l) => l.startsWith(name))?.split(" ").at(-1) ?? "?";
consumers.close();
const probes = await stopSides([off, on]);
await broker.stop();

console.log("");
const a = summaryLine("feeds off", results.get("off")!);
const b = summaryLine("feeds on ", results.get("on")!);
console.log(
  `feeds delivered: monitor ${consumers.monitorMessages} messages (${consumers.monitorEvents} BRDG_EVENT lines), MQTT subscriber ${consumers.mqttMessages} messages, feed clients ${consumers.feedRecords} records; ` +
    `services Worker: events lost ${metric("freedmr_services_worker_events_lost_total")}, resyncs ${metric("freedmr_services_worker_resyncs_total")}, restarts ${metric("freedmr_services_worker_restarts_total")}; drops: mqtt queue-full ${metric('freedmr_mqtt_dropped_total{reason="queue-full"}')}, feed ${metric("freedmr_feed_dropped_total")}, report slow ${metric("freedmr_report_slow_clients_dropped_total")}, bus ${metric('freedmr_bus_dropped_total{service="services-worker"}')}`,
);
// a shared machine makes whole rounds slow now and then: the median of the rounds' p99s is the steadier figure
const medianRoundP99 = (name: string): number => {
  const p99s = results.get(name)!.map((r) => summarize(r.latencies).p99).sort((x, y) => x - y);
  const mid = p99s.length >> 1;
  return p99s.length % 2 === 1 ? p99s[mid]! : (p99s[mid - 1]! + p99s[mid]!) / 2;
};
const medOff = medianRoundP99("off");
const medOn = medianRoundP99("on");
console.log(`median of the rounds' p99: off ${medOff.toFixed(3)} ms, on ${medOn.toFixed(3)} ms (×${(medOn / medOff).toFixed(2)})`);
// the in-server probe (whole run): our code per voice datagram (data callback → drain returned), and timer lateness
for (const [name, p] of probes) {
  console.log(`in-server ${name.padEnd(3)}: per-datagram service p50 ${p.service.p50.toFixed(4)} p99 ${p.service.p99.toFixed(4)} max ${p.service.max.toFixed(3)} ms; ingress p99 ${p.ingress.p99.toFixed(3)} ms; tick lateness p99 ${p.tickLate.p99.toFixed(2)} ms`);
}
const probeOff = probes.get("off");
const probeOn = probes.get("on");
if (probeOff !== undefined && probeOn !== undefined) console.log(`in-server on / off: service p99 ×${(probeOn.service.p99 / probeOff.service.p99).toFixed(2)}, ingress p99 ×${(probeOn.ingress.p99 / probeOff.ingress.p99).toFixed(2)}`);
console.log(`feeds on / off: p99 ×${(b.p99 / a.p99).toFixed(2)}, packet-thread CPU ×${(b.main / a.main).toFixed(2)} (goal: p99 within 10 %, i.e. ≤ ×1.10)`);
process.exit(0);

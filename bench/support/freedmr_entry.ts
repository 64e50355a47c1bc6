/**
 * freedmr under benchmark: the real startServer (HBP master, shell, UDP host) with the real router,
 * on 127.0.0.1 port 0, silent logger; prints `READY <port>` on stdout. Used until src/main.ts
 * wires the router itself (then the benchmark can spawn `bun src/main.ts --config …` instead).
 *
 * FREEDMR_BENCH_PROBE=1 installs the in-server latency probe (bench/support/server_probe.ts) on
 * the UDP host and prints its `PROBE {json}` line on SIGTERM.
 * FREEDMR_BENCH_HTTP_PORT=<port> runs the services Worker (dashboard/API) on 127.0.0.1:<port>;
 * without it [http] is off, so the other benchmarks measure the packet path alone.
 * FREEDMR_BENCH_STATS=1 prints the UDP host's counters as `STATS {json}` on SIGTERM;
 * FREEDMR_BENCH_NO_SHED=1 turns overload shedding off; FREEDMR_BENCH_STREAM_TIMEOUT_MS=<ms> sets the
 * router's stream timeout (routing_cost under valgrind); FREEDMR_BENCH_TICK_MS=<ms> sets the shell's
 * fast tick (default 25; the idle tick is 4× it); FREEDMR_BENCH_HOLD=<n> sets how many received
 * datagrams' forwarded copies the UDP host may hold for one sendmmsg (0 = send after every datagram).
 * FREEDMR_SENDMMSG=0 (read by startServer) sends through Bun's send/sendMany rather than sendmmsg.
 * FREEDMR_BENCH_REPORT_PORT=<port> and FREEDMR_BENCH_MQTT_URL=<url> turn on the report socket and
 * MQTT (bench/feeds.bench.ts).
 * @module
 */
import pino from "pino";
import { defaultConfig } from "../../src/config/schema.ts";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { startServer } from "../../src/shell/server.ts";
import { ServerProbe } from "./server_probe.ts";
import "./sched_slice.ts";

const config = defaultConfig();
config.hbp.bind_addresses = ["127.0.0.1"];
config.hbp.port = 0;
config.hbp.login_rate_limit_per_minute = 0;
config.log.level = "silent";
const httpPort = process.env.FREEDMR_BENCH_HTTP_PORT;
config.http.enabled = httpPort !== undefined && httpPort !== "";
config.http.bind_address = "127.0.0.1";
config.http.port = config.http.enabled ? Number(httpPort) : 0;
config.http.max_live_clients = 1000;
// FREEDMR_BENCH_REPORT_PORT / FREEDMR_BENCH_MQTT_URL: the report socket and MQTT (bench/feeds.bench.ts)
const reportPort = process.env.FREEDMR_BENCH_REPORT_PORT;
if (reportPort !== undefined && reportPort !== "") Object.assign(config.report, { enabled: true, bind_address: "127.0.0.1", port: Number(reportPort) });
const mqttUrl = process.env.FREEDMR_BENCH_MQTT_URL;
if (mqttUrl !== undefined && mqttUrl !== "") Object.assign(config.mqtt, { enabled: true, url: mqttUrl, prefix: "bench", stats_interval_seconds: 5 });
const streamTimeoutMs = Number(process.env.FREEDMR_BENCH_STREAM_TIMEOUT_MS ?? "0");
const probe = process.env.FREEDMR_BENCH_PROBE === "1" ? new ServerProbe(25) : null;
const server = await startServer(config, pino({ level: "silent" }), {
  warnDefaultPassphrase: false,
  ...(process.env.FREEDMR_BENCH_TICK_MS ? { tickIntervalMs: Number(process.env.FREEDMR_BENCH_TICK_MS) } : {}),
  // FREEDMR_BENCH_STREAM_TIMEOUT_MS: a longer silence before a stream ends (bench/routing_cost.bench.ts:
  // under valgrind the JIT's compiler threads stall the packet thread for longer than the 360 ms default)
  createRouter: (deps) => createRouter(routingOptions(streamTimeoutMs > 0 ? { streamTimeoutMs } : {}), deps),
  probe,
  ...(process.env.FREEDMR_BENCH_HOLD ? { holdDatagrams: Number(process.env.FREEDMR_BENCH_HOLD) } : {}),
  // FREEDMR_BENCH_NO_SHED=1: overload shedding off (to compare against it)
  ...(process.env.FREEDMR_BENCH_NO_SHED === "1" ? { shedding: { highBytes: 0, lowBytes: 0, sustainMs: 0 } } : {}),
});
process.on("SIGTERM", () => {
  probe?.print();
  // FREEDMR_BENCH_STATS=1: the UDP host's counters (overload shedding) as one `STATS {json}` line.
  if (process.env.FREEDMR_BENCH_STATS === "1") console.log(`STATS ${JSON.stringify(server.host.stats)}`);
  void server.stop("bench").then(() => process.exit(0));
});
console.log(`READY ${server.boundSockets()[0]!.port}`);

/**
 * For cluster_off.test.ts: start the real composition (startFreedmr) on 127.0.0.1 port 0 with
 * `[cluster] enabled` as argv[2] says ("on"/"off"; NATS address unreachable), then print the
 * cluster/NATS modules loaded (one JSON line) and stop.
 */
import pino from "pino";
import { startFreedmr } from "../../../src/cli/start_freedmr.ts";
import { defaultConfig } from "../../../src/config/schema.ts";

const config = defaultConfig();
config.hbp.port = 0;
config.hbp.bind_addresses = ["127.0.0.1"];
config.http.enabled = false;
config.cluster.enabled = process.argv[2] === "on";
config.cluster.servers = ["nats://127.0.0.1:1"];
const server = await startFreedmr(config, pino({ level: "silent" }));
await Bun.sleep(100);
console.log(JSON.stringify({ loaded: (globalThis as { __clusterModulesLoaded?: string[] }).__clusterModulesLoaded ?? null }));
await server.stop();
process.exit(0);

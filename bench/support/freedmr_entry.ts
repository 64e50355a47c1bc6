/**
 * freedmr under benchmark: the real startServer (HBP master, shell, UDP host) with the real router,
 * on 127.0.0.1 port 0, silent logger; prints `READY <port>` on stdout. Used until src/main.ts
 * wires the router itself (then the benchmark can spawn `bun src/main.ts --config …` instead).
 * @module
 */
import pino from "pino";
import { defaultConfig } from "../../src/config/schema.ts";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { startServer } from "../../src/shell/server.ts";

const config = defaultConfig();
config.hbp.bind_addresses = ["127.0.0.1"];
config.hbp.port = 0;
config.hbp.login_rate_limit_per_minute = 0;
config.log.level = "silent";
const server = await startServer(config, pino({ level: "silent" }), {
  warnDefaultPassphrase: false,
  createRouter: (deps) => createRouter(routingOptions({}), deps),
});
process.on("SIGTERM", () => {
  void server.stop("bench").then(() => process.exit(0));
});
console.log(`READY ${server.boundSockets()[0]!.port}`);

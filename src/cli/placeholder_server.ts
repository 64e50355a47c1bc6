/**
 * TEMPORARY: stands in for src/shell/server.ts `startServer` until the HBP master shell lands, so the
 * CLI, config and packaging can be built and tested. It opens no socket. Delete when main.ts imports
 * the real startServer.
 * @module
 */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../shell/log.ts";
import type { Stoppable } from "./serve.ts";

export function startServerPlaceholder(config: Config, log: Logger): Stoppable {
  log.warn({ port: config.hbp.port }, "TEMPORARY BUILD: the HBP master is not integrated yet; no socket is open");
  const keepAlive = setInterval(() => {}, 1 << 30);
  return {
    stop: () => clearInterval(keepAlive),
  };
}

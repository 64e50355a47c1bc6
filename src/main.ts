#!/usr/bin/env bun
/**
 * Composition root: `freedmr [options]` (options: src/cli/args.ts).
 *
 * The CLI validates the config (exit 2 before any socket opens), creates the logger, starts the
 * server and owns SIGTERM/SIGINT (src/cli/serve.ts), so the server is started without its own
 * signal handlers or passphrase warning. The server is the HBP master (src/shell/server.ts) with
 * the routing core as its router and the federation links (OpenBridge/FBP, upstream masters) as
 * extra handlers sharing that router, all built from the validated config.
 * @module
 */
import { processOutput, runCli } from "./cli/run.ts";
import type { Config } from "./config/schema.ts";
import type { FederationRouter } from "./core/federation/context.ts";
import { createFederation } from "./core/federation/federation.ts";
import { federationOptionsFromConfig } from "./config/federation_options.ts";
import { routingOptionsFromConfig } from "./config/routing_options.ts";
import { createRouter } from "./core/routing/index.ts";
import type { Logger } from "./shell/log.ts";
import { startServer } from "./shell/server.ts";

function startFreedmr(config: Config, log: Logger) {
  return startServer(config, log, {
    warnDefaultPassphrase: false,
    handleSignals: false,
    createRouter: (deps) => createRouter(routingOptionsFromConfig(config), deps),
    extraHandlers: (deps) => {
      const federation = createFederation(federationOptionsFromConfig(config), {
        router: deps.router as FederationRouter,
        outbox: deps.outbox,
        events: deps.events,
        prng: deps.prng.fork("federation"),
        wallClockMs: Date.now,
        portIndexes: deps.portIndexes,
      });
      return [...federation.handlers];
    },
  });
}

const exitCode = await runCli(process.argv.slice(2), processOutput, startFreedmr);
if (exitCode !== 0) process.exitCode = exitCode;

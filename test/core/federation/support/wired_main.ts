#!/usr/bin/env bun
/**
 * src/main.ts with the router and federation wired in — exactly the wiring proposed for
 * startServer/main (see the federation report). The multi-process federation tests start this
 * entry point while src/main.ts does not create the router and the federation links itself, and
 * src/main.ts as soon as it does (processes.ts decides).
 */
import { runCli, processOutput } from "../../../../src/cli/run.ts";
import type { FederationRouter } from "../../../../src/core/federation/context.ts";
import { createFederation } from "../../../../src/core/federation/federation.ts";
import { federationOptionsFromConfig } from "../../../../src/config/federation_options.ts";
import { createRouter } from "../../../../src/core/routing/index.ts";
import { routingOptionsFromConfig } from "../../../../src/config/routing_options.ts";
import { startServer } from "../../../../src/shell/server.ts";

const exitCode = await runCli(process.argv.slice(2), processOutput, (config, log) =>
  startServer(config, log, {
    warnDefaultPassphrase: false,
    handleSignals: false,
    createRouter: (deps) => createRouter(routingOptionsFromConfig(config), deps),
    extraHandlers: (deps) => [
      ...createFederation(federationOptionsFromConfig(config), {
        router: deps.router as FederationRouter,
        outbox: deps.outbox,
        events: deps.events,
        prng: deps.prng.fork("federation"),
        wallClockMs: Date.now,
        portIndexes: deps.portIndexes,
      }).handlers,
    ],
  }),
);
if (exitCode !== 0) process.exitCode = exitCode;

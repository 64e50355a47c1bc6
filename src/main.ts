#!/usr/bin/env bun
/**
 * Composition root: `freedmr [options]` (options: src/cli/args.ts). The CLI validates the config
 * (exit 2 before any socket opens), creates the logger, starts the server and owns SIGTERM/SIGINT
 * (src/cli/serve.ts), so the server is started without its own signal handlers or passphrase warning.
 * @module
 */
import { processOutput, runCli } from "./cli/run.ts";
import { startServer } from "./shell/server.ts";

const exitCode = await runCli(process.argv.slice(2), processOutput, (config, log) =>
  startServer(config, log, { warnDefaultPassphrase: false, handleSignals: false }),
);
if (exitCode !== 0) process.exitCode = exitCode;

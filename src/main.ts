#!/usr/bin/env bun
/**
 * Composition root: `freedmr [options]` (options: src/cli/args.ts).
 *
 * The CLI validates the config (exit 2 before any socket opens), creates the logger, starts the
 * whole server (src/cli/start_freedmr.ts) and owns SIGTERM/SIGINT (src/cli/serve.ts).
 * @module
 */
import { processOutput, runCli } from "./cli/run.ts";
import { startFreedmr } from "./cli/start_freedmr.ts";

// Worker processes ([workers] count, [cluster] workers, --workers) are started by src/cli/supervisor.ts
// through serve(): every process here is one server.
const exitCode = await runCli(process.argv.slice(2), processOutput, (config, log) => startFreedmr(config, log));
if (exitCode !== 0) process.exitCode = exitCode;

#!/usr/bin/env bun
/**
 * Composition root: `freedmr [options]` (see src/cli/args.ts for the options).
 * @module
 */
import { processOutput, runCli } from "./cli/run.ts";
import { startServerPlaceholder } from "./cli/placeholder_server.ts";

const exitCode = await runCli(process.argv.slice(2), processOutput, startServerPlaceholder);
if (exitCode !== 0) process.exitCode = exitCode;

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
import { watchSupervisor, workerRole } from "./shell/cluster/worker_role.ts";

const exitCode = await runCli(process.argv.slice(2), processOutput, async (config, log) => {
  // [cluster] workers ≥ 2: this process supervises N worker processes (docs/cluster.md)
  const role = workerRole(config, process.env);
  if (role.kind === "supervisor") return (await import("./shell/cluster/supervisor.ts")).startSupervisor(config, log, role.workers);
  if (role.kind === "worker") {
    const server = await startFreedmr(role.config, log, { reusePort: true });
    watchSupervisor(() => {
      log.warn("cluster: the supervisor is gone; this worker stops");
      void server.stop("supervisor-gone").finally(() => process.exit(0));
    });
    return server;
  }
  return startFreedmr(config, log);
});
if (exitCode !== 0) process.exitCode = exitCode;

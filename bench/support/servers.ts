/**
 * The servers the benchmarks compare, each started in its own process on core 0 (when taskset is
 * there) while the generator runs on core 1 (bun-notes.md addendum).
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from "./server_process.ts";

export const BENCH_PASSPHRASE = "passw0rd";
const ROOT = join(import.meta.dir, "..", "..");
export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

/** Options for the benchmark servers; `probe` turns on the in-server latency probe (PROBE line at exit). */
export interface BenchServerOptions extends ServerProcessOptions {
  readonly probe?: boolean;
}

/**
 * BENCH_SERVER_ENV="K=V,K2=V2" adds environment for the servers only (e.g. BUN_OPTIONS=--cpu-prof-md,
 * BUN_JSC_reportCompileTimes=1), BENCH_SERVER_STDERR=<dir> writes each server's stderr to
 * <dir>/<name>.<time>.stderr.log: profiling the servers of any benchmark without touching the generator.
 */
function profilingOptions(name: string): ServerProcessOptions {
  const env = Object.fromEntries(
    (process.env.BENCH_SERVER_ENV ?? "")
      .split(",")
      .filter((kv) => kv.includes("="))
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
  const dir = process.env.BENCH_SERVER_STDERR;
  return { env, ...(dir !== undefined && dir !== "" ? { stderrPath: join(dir, `${name}.${Date.now()}.stderr.log`) } : {}) };
}

function processOptions(options: BenchServerOptions, probeEnv: string, name: string): ServerProcessOptions {
  const profiling = profilingOptions(name);
  return { ...profiling, ...options, env: { ...profiling.env, ...options.env, ...(options.probe === true ? { [probeEnv]: "1" } : {}) } };
}

export function startBareRelay(options: BenchServerOptions = {}): Promise<ServerProcess> {
  return startServerProcess("bare-relay", [process.execPath, join(ROOT, "bench", "bare_relay.ts"), "--port", "0"], SERVER_CORE, processOptions(options, "BARE_RELAY_PROBE", "bare-relay"));
}

/** freedmr via bench/support/freedmr_entry.ts (startServer with a bench config), or null if it cannot start yet. */
export async function startFreedmr(options: BenchServerOptions = {}): Promise<ServerProcess | null> {
  const entry = join(ROOT, "bench", "support", "freedmr_entry.ts");
  if (!existsSync(join(ROOT, "src", "main.ts")) && !existsSync(join(ROOT, "src", "shell"))) return null;
  try {
    return await startServerProcess("freedmr", [process.execPath, entry], SERVER_CORE, processOptions(options, "FREEDMR_BENCH_PROBE", "freedmr"));
  } catch (error) {
    console.error(`freedmr could not start: ${(error as Error).message}`);
    return null;
  }
}

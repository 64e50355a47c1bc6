/**
 * The servers the benchmarks compare, each started in its own process on core 0 (when taskset is
 * there) while the generator runs on core 1 (bun-notes.md addendum).
 * @module
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServerProcess, type ServerProcess } from "./server_process.ts";

export const BENCH_PASSPHRASE = "passw0rd";
const ROOT = join(import.meta.dir, "..", "..");
export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

export function startBareRelay(): Promise<ServerProcess> {
  return startServerProcess("bare-relay", [process.execPath, join(ROOT, "bench", "bare_relay.ts"), "--port", "0"], SERVER_CORE);
}

/** freedmr via bench/support/freedmr_entry.ts (startServer with a bench config), or null if it cannot start yet. */
export async function startFreedmr(): Promise<ServerProcess | null> {
  const entry = join(ROOT, "bench", "support", "freedmr_entry.ts");
  if (!existsSync(join(ROOT, "src", "main.ts")) && !existsSync(join(ROOT, "src", "shell"))) return null;
  const dir = mkdtempSync(join(tmpdir(), "freedmr-bench-"));
  writeFileSync(join(dir, "note.txt"), "bench scratch dir\n");
  try {
    return await startServerProcess("freedmr", [process.execPath, entry], SERVER_CORE);
  } catch (error) {
    console.error(`freedmr could not start: ${(error as Error).message}`);
    return null;
  }
}

/**
 * The compiled binaries for the binary, install and qemu tests: built once per change of the
 * sources (dist/freedmr-linux-<arch> is reused while it is newer than every file it is built from),
 * under a lock file so several test processes — or several engineers' test runs in the same tree —
 * never build the same file at the same time.
 */
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { binaryName, build, type Arch } from "../../../scripts/build.ts";

export const repoRoot = join(import.meta.dir, "..", "..", "..");
export const distDir = join(repoRoot, "dist");

/** A lock older than this belongs to a build that died; take it over. */
const STALE_LOCK_MS = 5 * 60 * 1000;
const BUILD_TIMEOUT_MS = 10 * 60 * 1000;

function newestSourceMtimeMs(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else if (stat.mtimeMs > newest) {
      newest = stat.mtimeMs;
    }
  };
  for (const path of ["src", "package.json", "package-lock.json", "scripts/build.ts", "install.sh"]) {
    const full = join(repoRoot, path);
    if (existsSync(full)) visit(full);
  }
  return newest;
}

function isFresh(arch: Arch): boolean {
  const path = join(distDir, binaryName(arch));
  const sums = join(distDir, "SHA256SUMS");
  if (!existsSync(path) || !existsSync(sums)) return false;
  const newest = newestSourceMtimeMs();
  return statSync(path).mtimeMs > newest && statSync(sums).mtimeMs >= statSync(path).mtimeMs;
}

const builtThisProcess = new Map<Arch, Promise<string>>();

/** Path to an up-to-date dist/freedmr-linux-<arch>, building it if needed. */
export function ensureBinary(arch: Arch): Promise<string> {
  let pending = builtThisProcess.get(arch);
  if (pending === undefined) {
    pending = buildIfStale(arch);
    builtThisProcess.set(arch, pending);
  }
  return pending;
}

async function buildIfStale(arch: Arch): Promise<string> {
  const path = join(distDir, binaryName(arch));
  const lock = join(distDir, `.build-${arch}.lock`);
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    if (isFresh(arch)) return path;
    let fd: number | undefined;
    try {
      fd = openSync(lock, "wx");
    } catch {
      fd = undefined;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, String(process.pid));
        if (!isFresh(arch)) {
          const started = performance.now();
          await build({ arches: [arch], outDir: distDir, log: () => {} });
          console.log(`built ${binaryName(arch)} for the tests in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
        return path;
      } finally {
        closeSync(fd);
        rmSync(lock, { force: true });
      }
    }
    // Someone else is building: wait for them, or take over a lock left by a dead build.
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
    } catch {
      // lock vanished: loop and re-check
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    await Bun.sleep(250);
  }
}

/**
 * What the installer tests share: a local HTTP server (Bun.serve on an ephemeral port) serving dist
 * directories the way a release is served, fake binaries (shell scripts answering --version /
 * --print-default-config / --check-config / --first-boot, and recording that they ran), and a
 * non-blocking runner (the server answering the installer lives in the test process).
 */
import { appendFileSync, chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { repoRoot } from "../../binary/support/ensure_binary.ts";

export const installScript = join(repoRoot, "install.sh");

export function sha256(path: string): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(readFileSync(path));
  return hasher.digest("hex");
}

/** Serves directories by first path segment: http://127.0.0.1:port/<name>/<file>. */
export class DistServer {
  readonly #served = new Map<string, string>();
  readonly #server: Server<undefined>;

  constructor() {
    this.#server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const [, name, file] = new URL(request.url).pathname.split("/");
        const dir = name === undefined ? undefined : this.#served.get(name);
        if (dir === undefined || file === undefined || file.includes("..")) return new Response("not found", { status: 404 });
        const path = join(dir, file);
        return existsSync(path) ? new Response(Bun.file(path)) : new Response("not found", { status: 404 });
      },
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#server.port}`;
  }

  /** Serve `dir` (with install.sh copied in) under `name`; returns its base URL. */
  serve(name: string, dir: string): string {
    copyFileSync(installScript, join(dir, "install.sh"));
    this.#served.set(name, dir);
    return `${this.baseUrl}/${name}`;
  }

  stop(): void {
    void this.#server.stop(true);
  }
}

/**
 * A fake freedmr for `arch`. When FAKE_FREEDMR_RAN is set, each run appends "<arch> <args>" to that
 * file, so a test can tell which architecture's binary the installer executed.
 */
export function fakeBinary(version: string, arch: string): string {
  return `#!/bin/sh
if [ -n "\${FAKE_FREEDMR_RAN:-}" ]; then echo "${arch} $*" >>"$FAKE_FREEDMR_RAN"; fi
case "$1" in
--version) echo "freedmr ${version} (commit fake, bun 0.0.0, linux-${arch})" ;;
--print-default-config) printf '# fake default\\n[hbp]\\nport = 62031\\npassphrase = "passw0rd"\\n# passphrase_file = "/var/lib/freedmr/passphrase"\\n\\n[voice]\\ndirectory = ""\\n\\n[store]\\ndirectory = ""\\nflush_interval_seconds = 10\\n' ;;
--check-config)
  if grep -q INVALID "$2"; then echo "$2: hbp.bogus: unknown key" >&2; exit 2; fi
  if grep -q '^passphrase = "passw0rd"$' "$2"; then echo "$2: warning: default passphrase" >&2; fi
  if grep -q '^passphrase_file = ' "$2"; then echo "$2: warning: hbp.passphrase_file: it does not exist" >&2; fi
  echo "OK: $2 is a valid freedmr config" ;;
*) exit 0 ;;
esac
`;
}

export interface FakeDistOptions {
  readonly corrupt?: boolean;
  readonly omitEntry?: boolean;
}

/** Write a dist directory with fake binaries for both architectures and their SHA256SUMS. */
export function writeFakeDist(dir: string, version: string, options: FakeDistOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (const arch of ["x64", "arm64"]) {
    const file = join(dir, `freedmr-linux-${arch}`);
    writeFileSync(file, fakeBinary(version, arch));
    chmodSync(file, 0o644); // served files need not be executable; the installer sets the mode
    if (options.omitEntry === true && arch === "x64") continue;
    lines.push(`${options.corrupt === true ? "0".repeat(64) : sha256(file)}  freedmr-linux-${arch}`);
  }
  writeFileSync(join(dir, "SHA256SUMS"), `${lines.join("\n")}\n`);
}

/** Write a dist directory holding real compiled binaries (hard-linked when possible) and their SHA256SUMS. */
export function writeRealDist(dir: string, binaries: Partial<Record<"x64" | "arm64", string>>): void {
  mkdirSync(dir, { recursive: true });
  for (const [arch, binary] of Object.entries(binaries)) {
    const target = join(dir, `freedmr-linux-${arch}`);
    try {
      linkSync(binary, target);
    } catch {
      copyFileSync(binary, target);
    }
    appendFileSync(join(dir, "SHA256SUMS"), `${sha256(target)}  freedmr-linux-${arch}\n`);
  }
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a command without blocking the event loop, killing it if it takes longer than `timeoutMs`. */
export async function runAsync(command: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  const child = Bun.spawn(command, { cwd: options.cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: options.env });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

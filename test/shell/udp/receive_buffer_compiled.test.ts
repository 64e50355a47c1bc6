/**
 * The SO_RCVBUF raise (bun:ffi setsockopt on the Bun.udpSocket's fd) works inside a
 * `bun build --compile` binary, not only under `bun run`.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("a compiled binary raises SO_RCVBUF on its Bun.udpSocket", () => {
  const dir = mkdtempSync(join(tmpdir(), "freedmr-rcvbuf-"));
  try {
    const binary = join(dir, "probe");
    const build = Bun.spawnSync(
      [process.execPath, "build", "--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", join(import.meta.dir, "fixtures/receive_buffer_probe.ts"), "--outfile", binary],
      { stdout: "pipe", stderr: "pipe" },
    );
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
    const run = Bun.spawnSync([binary, String(2 * 1024 * 1024)], { stdout: "pipe", stderr: "pipe" });
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(run.stdout.toString()) as { standalone: boolean; before: number; effective: number; method: string };
    console.log("compiled probe:", report);
    expect(report.standalone).toBe(true);
    expect(["force", "rcvbuf"]).toContain(report.method);
    expect(report.effective).toBeGreaterThan(report.before);
    expect(report.effective).toBeGreaterThanOrEqual(2 * 1024 * 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/**
 * The arm64 binary on a Raspberry Pi 3/4-class CPU, emulated: qemu-user with `-cpu cortex-a53`
 * (ARMv8.0, no LSE atomics — the CPU that broke Bun 1.3.7–1.3.8, bun-notes.md §8). Runs
 * `--version` and a hotspot login round trip over real UDP.
 *
 * Needs qemu-aarch64 (Debian: qemu-user or qemu-user-static) and the arm64 C/C++ runtime
 * (`dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64`). Without them
 * the test says why and skips — except in CI (CI=true), where it fails: .ci/run installs them.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HbpClient } from "../support/hbp_client.ts";
import { startFreedmr } from "../cli/support/freedmr_process.ts";
import { ensureBinary } from "./support/ensure_binary.ts";

const inCi = process.env.CI === "true" || process.env.CI === "1";
const qemu = Bun.which("qemu-aarch64") ?? Bun.which("qemu-aarch64-static");
/** Where an arm64 glibc sysroot lives: "/" with multiarch libs installed. */
const sysroot = "/";
const arm64LibsPresent =
  existsSync("/lib/aarch64-linux-gnu/libc.so.6") &&
  (existsSync("/usr/lib/aarch64-linux-gnu/libstdc++.so.6") || existsSync("/lib/aarch64-linux-gnu/libstdc++.so.6"));
const missing =
  qemu === null
    ? "qemu-aarch64 / qemu-aarch64-static not found (apt-get install qemu-user)"
    : !arm64LibsPresent
      ? "arm64 libc/libstdc++ not installed (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64)"
      : null;
const canRun = process.platform === "linux" && missing === null;

if (!canRun) {
  const why = process.platform !== "linux" ? "not Linux" : missing;
  if (inCi) {
    test("arm64 smoke test prerequisites (required in CI)", () => {
      throw new Error(`arm64 smoke test cannot run in CI: ${why}`);
    });
  } else {
    console.log(`arm64 qemu smoke test skipped: ${why}`);
  }
}

describe.if(canRun)("arm64 binary under qemu-user -cpu cortex-a53", () => {
  let binary = "";
  let work = "";
  beforeAll(async () => {
    binary = await ensureBinary("arm64");
    work = mkdtempSync(join(tmpdir(), "freedmr-arm64-"));
    return () => rmSync(work, { recursive: true, force: true });
  }, 600_000);

  const command = (): string[] => [qemu!, "-cpu", "cortex-a53", "-L", sysroot, binary];

  test("--version", () => {
    const result = Bun.spawnSync([...command(), "--version"], { cwd: work, stdout: "pipe", stderr: "pipe" });
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toMatch(/^freedmr \d+\.\d+\.\d+ \(commit \S+, bun \d+\.\d+\.\d+, linux-arm64\)\n$/);
  }, 60_000);

  test("login round trip and clean SIGTERM", async () => {
    const server = await startFreedmr([...command(), "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--log-format", "json"], { cwd: work, timeoutMs: 60_000 });
    let client: HbpClient | undefined;
    try {
      client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345602, passphrase: "passw0rd" });
      const result = await client.tryLogin({ timeoutMs: 10_000 });
      expect(result.ok).toBe(true);
      expect(await client.ping(10_000)).toBe(true);
    } finally {
      await client?.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.lines.at(-1)?.msg).toBe("stopped");
  }, 120_000);
});

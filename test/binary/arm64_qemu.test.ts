/**
 * The arm64 binary on a Raspberry Pi 3/4-class CPU, emulated: qemu-user with `-cpu cortex-a53`
 * (ARMv8.0, no LSE atomics — the CPU that broke Bun 1.3.7–1.3.8, bun-notes.md §8). Runs
 * `--version` and a hotspot login round trip over real UDP.
 *
 * Needs qemu-aarch64 (Debian: qemu-user or qemu-user-static) and the arm64 C runtime the binary
 * links: its interpreter /lib/ld-linux-aarch64.so.1 and DT_NEEDED libc.so.6, libm.so.6,
 * libpthread.so.0, libdl.so.2, ld-linux-aarch64.so.1 — all in Debian's libc6:arm64
 * (`dpkg --add-architecture arm64; apt-get install libc6:arm64`); no libstdc++ (checked below
 * against the built binary). Without them the test says why and skips — except in CI (CI=true),
 * where it fails: .ci/run installs them.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HbpClient } from "../support/hbp_client.ts";
import { startFreedmr } from "../cli/support/freedmr_process.ts";
import { elfNeeds } from "./support/elf_needs.ts";
import { ensureBinary } from "./support/ensure_binary.ts";

const inCi = process.env.CI === "true" || process.env.CI === "1";
const qemu = Bun.which("qemu-aarch64") ?? Bun.which("qemu-aarch64-static");
/** Where an arm64 glibc sysroot lives: "/" with multiarch libs installed. */
const sysroot = "/";
/**
 * What the arm64 binary needs to start (`readelf -l` interpreter, `readelf -d` NEEDED; the test
 * below checks the built binary against this) and the Debian package that ships all of it.
 */
const ARM64_INTERPRETER = "/lib/ld-linux-aarch64.so.1";
const ARM64_NEEDED = ["libc.so.6", "ld-linux-aarch64.so.1", "libpthread.so.0", "libdl.so.2", "libm.so.6"];
const ARM64_PACKAGE = "libc6:arm64";
const arm64Library = (name: string): boolean => existsSync(`/lib/aarch64-linux-gnu/${name}`) || existsSync(`/usr/lib/aarch64-linux-gnu/${name}`);
const missingArm64 = [...(existsSync(ARM64_INTERPRETER) ? [] : [ARM64_INTERPRETER]), ...ARM64_NEEDED.filter((name) => !arm64Library(name))];
const missing =
  qemu === null
    ? "qemu-aarch64 / qemu-aarch64-static not found (apt-get install qemu-user)"
    : missingArm64.length > 0
      ? `arm64 C runtime not installed: ${missingArm64.join(", ")} missing (dpkg --add-architecture arm64; apt-get install ${ARM64_PACKAGE})`
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

  test(`the binary needs exactly the interpreter and libraries of ${ARM64_PACKAGE} (what .ci/run installs)`, () => {
    const needs = elfNeeds(binary);
    expect(needs.interpreter).toBe(ARM64_INTERPRETER);
    expect([...needs.needed].sort()).toEqual([...ARM64_NEEDED].sort());
  });

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
      // the replies went out through sendmmsg via bun:ffi: the arm64 structure layout (sendmmsg_batch.ts)
      expect(server.lines.find((l) => l.socket === "hbp" && String(l.msg).startsWith("listening on UDP"))?.send).toBe("sendmmsg");
      expect(await client.ping(10_000)).toBe(true);
    } finally {
      await client?.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.lines.at(-1)?.msg).toBe("stopped");
  }, 120_000);
});

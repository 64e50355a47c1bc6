/**
 * The compiled x64 binary (dist/freedmr-linux-x64, built if stale): CLI behaviour, a hotspot login
 * round trip over real UDP, and that a hostile .env / bunfig.toml in its working directory is ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPILE_FLAGS } from "../../scripts/build.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { defaultConfig } from "../../src/config/schema.ts";
import { decodeReceivedDmrd, HbpClient } from "../support/hbp_client.ts";
import { FrameType } from "../../src/wire/dmrd.ts";
import { sendVoiceCall } from "../e2e/routing_support.ts";
import { startFreedmr } from "../cli/support/freedmr_process.ts";
import { distDir, ensureBinary, repoRoot } from "./support/ensure_binary.ts";

const packageVersion = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const isX64 = process.arch === "x64" && process.platform === "linux";
const work = mkdtempSync(join(tmpdir(), "freedmr-binary-"));
let binary = "";

beforeAll(async () => {
  if (isX64) binary = await ensureBinary("x64");
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], cwd = work): { exitCode: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([binary, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe.if(isX64)("compiled x64 binary", () => {
  test("dist has the binary and a SHA256SUMS entry that matches it", async () => {
    const sums = readFileSync(join(distDir, "SHA256SUMS"), "utf8");
    const line = sums.split("\n").find((entry) => entry.endsWith("  freedmr-linux-x64"));
    expect(line).toBeDefined();
    const hasher = new Bun.CryptoHasher("sha256");
    hasher.update(await Bun.file(binary).arrayBuffer());
    expect(line!.split("  ")[0]).toBe(hasher.digest("hex"));
  });

  test("--version has the version baked in at build time", () => {
    const { exitCode, stdout } = run(["--version"]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^freedmr ${packageVersion.replaceAll(".", "\\.")} \\(commit (?:[0-9a-f]{7,}(?:\\+dirty)?|unknown), bun \\d+\\.\\d+\\.\\d+, linux-x64\\)\\n$`));
    expect(stdout).not.toContain("-dev");
  });

  test("--print-default-config round trip: passes --check-config and loads to the defaults", () => {
    const printed = run(["--print-default-config"]);
    expect(printed.exitCode).toBe(0);
    const parsed = parseConfigText(printed.stdout, "toml");
    expect(parsed.ok && parsed.config).toEqual(defaultConfig());
    const path = join(work, "default.toml");
    writeFileSync(path, printed.stdout);
    const checked = run(["--check-config", path]);
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toContain("OK");
  });

  test("--check-config of a bad file exits 2 naming the key", () => {
    const path = join(work, "bad.toml");
    writeFileSync(path, "[hbp]\nport = 70000\n[logs]\nlevel = 1\n");
    const { exitCode, stderr } = run(["--check-config", path]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("hbp.port: got 70000, expected an integer from 0 to 65535");
    expect(stderr).toContain('logs: unknown key (set to a table {"level":1}); did you mean "log"?');
  });

  test("--print-config-schema is JSON", () => {
    const { exitCode, stdout } = run(["--print-config-schema"]);
    expect(exitCode).toBe(0);
    expect((JSON.parse(stdout) as { title: string }).title).toBe("freedmr configuration");
  });

  test("login round trip (RPTL…RPTC → RPTACK, RPTPING → MSTPONG) and clean SIGTERM", async () => {
    const server = await startFreedmr([binary, "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--log-format", "json"], { cwd: work });
    let client: HbpClient | undefined;
    try {
      client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601, passphrase: "passw0rd", callsign: "G4TST" });
      const result = await client.tryLogin({ timeoutMs: 5000 });
      expect(result.ok).toBe(true);
      expect(client.ofTag("RPTACK").length).toBeGreaterThanOrEqual(3);
      expect(await client.ping(5000)).toBe(true);
    } finally {
      await client?.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.lines.at(-1)?.msg).toBe("stopped");
  });

  test("a group call reaches a subscriber with its own id stamped, sent through sendmmsg (bun:ffi) in the binary", async () => {
    const server = await startFreedmr([binary, "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--log-format", "json"], { cwd: work });
    const clients: HbpClient[] = [];
    try {
      const listening = server.lines.find((l) => l.socket === "hbp" && String(l.msg).startsWith("listening on UDP"));
      expect(listening?.send).toBe("sendmmsg");
      for (const repeaterId of [2345611, 2345612, 2345613]) {
        const client = await HbpClient.open({ serverPort: server.port, repeaterId, passphrase: "passw0rd", callsign: "G4TST", options: "TS2=3100;" });
        clients.push(client);
        await client.login();
      }
      const [talker, ...listeners] = clients as [HbpClient, ...HbpClient[]];
      const call = await sendVoiceCall(talker, { sourceId: 2345611, destinationId: 3100, slot: 2, superframes: 2 });
      for (const listener of listeners) {
        expect(await listener.waitForDmrd((f) => f.streamId === call.streamId && f.frameType === FrameType.DataSync && f.dataType === 2, 5000)).not.toBeNull();
        const frames = listener.ofTag("DMRD").map((r) => decodeReceivedDmrd(r.bytes, r)).filter((f) => f !== null && f.streamId === call.streamId);
        expect(frames.length).toBe(call.frames);
        // each listener's copy carries its own repeater id in bytes 11–14 (what the master rewrites)
        expect(frames.every((f) => f!.repeaterId === listener.repeaterId)).toBe(true);
      }
    } finally {
      for (const c of clients) await c.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("a hostile bunfig.toml (preload) and .env in the working directory are ignored", async () => {
    const hostile = join(work, "hostile");
    mkdirSync(hostile, { recursive: true });
    writeFileSync(join(hostile, "evil.js"), 'require("fs").writeFileSync("PWNED", "x"); console.log("EVIL PRELOAD RAN");\n');
    writeFileSync(join(hostile, "bunfig.toml"), 'preload = ["./evil.js"]\nlogLevel = "debug"\n');
    writeFileSync(join(hostile, ".env"), "HOSTILE=from-dotenv\nBUN_OPTIONS=--smol\n");

    const version = run(["--version"], hostile);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).not.toContain("EVIL");
    const server = await startFreedmr([binary, "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--log-format", "json"], { cwd: hostile });
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.stdoutText()).not.toContain("EVIL");
    expect(existsSync(join(hostile, "PWNED"))).toBe(false);

    // .env leaves no trace in freedmr's output, so show it with a probe compiled with the very same
    // flags — and, as a control, that the probe does see both files without them.
    writeFileSync(join(work, "probe.ts"), 'console.log(`HOSTILE=${process.env.HOSTILE ?? "unset"}`);\n');
    const compile = (flags: readonly string[], out: string): void => {
      const built = Bun.spawnSync([process.execPath, "build", ...flags, join(work, "probe.ts"), "--outfile", out], { cwd: work, stdout: "pipe", stderr: "pipe" });
      expect(built.exitCode).toBe(0);
    };
    compile(COMPILE_FLAGS, join(work, "probe-safe"));
    compile(["--compile"], join(work, "probe-default"));
    const safe = Bun.spawnSync([join(work, "probe-safe")], { cwd: hostile, stdout: "pipe" }).stdout.toString();
    expect(safe).toBe("HOSTILE=unset\n");
    expect(existsSync(join(hostile, "PWNED"))).toBe(false);
    const control = Bun.spawnSync([join(work, "probe-default")], { cwd: hostile, stdout: "pipe" }).stdout.toString();
    expect(control).toContain("HOSTILE=from-dotenv");
    expect(control).toContain("EVIL PRELOAD RAN");
  }, 60_000);
});

/**
 * Serving from source (`bun src/main.ts`): a hotspot logs in over real UDP, SIGTERM stops cleanly
 * with exit 0, secrets stay out of the log, and a port already in use is exit 1 with a clear log line.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HbpClient } from "../support/hbp_client.ts";
import { startFreedmr } from "./support/freedmr_process.ts";

const main = join(import.meta.dir, "..", "..", "src", "main.ts");
const work = mkdtempSync(join(tmpdir(), "freedmr-serve-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("serving from source", () => {
  test("embedded default on --port 0: login round trip, ping, loud default-passphrase warning, clean SIGTERM", async () => {
    const server = await startFreedmr([process.execPath, main, "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--log-format", "json"], { cwd: work });
    let client: HbpClient | undefined;
    try {
      client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601, passphrase: "passw0rd" });
      const result = await client.tryLogin();
      expect(result).toEqual({ ok: true, salt: expect.any(Number) });
      expect(await client.ping()).toBe(true);
      const warning = server.lines.find((line) => line.level === "warn" && String(line.msg).includes("public default"));
      expect(warning).toBeDefined();
    } finally {
      await client?.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.lines.at(-1)?.msg).toBe("stopped");
    expect(server.stdoutText()).not.toContain("passw0rd");
  });

  test("a config file's passphrase is used and never logged, even at trace level", async () => {
    const secret = "c0rrect-horse-battery";
    const path = join(work, "secret.toml");
    writeFileSync(path, `[log]\nlevel = "trace"\nformat = "json"\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\npassphrase = "${secret}"\n`);
    const server = await startFreedmr([process.execPath, main, "--config", path], { cwd: work });
    let client: HbpClient | undefined;
    try {
      client = await HbpClient.open({ serverPort: server.port, repeaterId: 3120101, passphrase: "passw0rd" });
      const refused = await client.tryLogin();
      expect(refused.ok).toBe(false);
      await client.reopen();
      const accepted = await client.tryLogin({ passphrase: secret });
      expect(accepted.ok).toBe(true);
    } finally {
      await client?.close();
    }
    expect(await server.stop("SIGINT")).toBe(0);
    expect(server.lines.some((line) => line.msg === "effective config")).toBe(true);
    expect(server.stdoutText()).not.toContain(secret);
    expect(server.stderrText()).not.toContain(secret);
    expect(server.lines.some((line) => line.level === "warn" && String(line.msg).includes("public default"))).toBe(false);
  });

  test("a port already in use exits 1 with a fatal log line", async () => {
    const occupied = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    try {
      const result = Bun.spawnSync([process.execPath, main, "--port", String(occupied.port), "--bind", "127.0.0.1", "--log-format", "json"], {
        cwd: work,
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(result.exitCode).toBe(1);
      const lines = result.stdout
        .toString()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const fatal = lines.find((line) => line["level"] === "fatal");
      expect(String(fatal?.["msg"])).toContain(`freedmr could not start: UDP port ${occupied.port} on 127.0.0.1 is already in use`);
    } finally {
      occupied.close();
    }
  });

  test("a bind address this machine does not have exits 1 naming it, even after another socket opened", async () => {
    const child = Bun.spawn(
      [process.execPath, main, "--port", "0", "--http-port", "0", "--bind", "127.0.0.1", "--bind", "192.0.2.1", "--log-format", "json"],
      { cwd: work, stdout: "pipe", stderr: "pipe" },
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [stdout, exitCode] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    clearTimeout(timer);
    expect(exitCode).toBe(1);
    const fatal = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line["level"] === "fatal");
    expect(String(fatal?.["msg"])).toContain("no such local address");
  });
});

/**
 * SIGHUP to a running server (`bun src/main.ts`, a real process): it must not die. It reloads the
 * config (here the embedded default, unchanged: test/cli/reload.test.ts covers real changes) and
 * keeps serving: the hotspot logged in before the signal still gets its pongs, a new hotspot can log
 * in, and SIGTERM still stops it cleanly with a goodbye.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HbpClient } from "../support/hbp_client.ts";
import { startFreedmr, type LogLine } from "./support/freedmr_process.ts";

const main = join(import.meta.dir, "..", "..", "src", "main.ts");
const work = mkdtempSync(join(tmpdir(), "freedmr-sighup-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function waitForLine(lines: LogLine[], predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = lines.find(predicate);
    if (found !== undefined) return found;
    await Bun.sleep(20);
  }
  return undefined;
}

test("SIGHUP: reloads, keeps running and answers HBP logins", async () => {
  const server = await startFreedmr([process.execPath, main, "--port", "0", "--bind", "127.0.0.1", "--log-format", "json"], { cwd: work });
  let before: HbpClient | undefined;
  let after: HbpClient | undefined;
  try {
    before = await HbpClient.open({ serverPort: server.port, repeaterId: 2345611, passphrase: "passw0rd" });
    expect((await before.tryLogin()).ok).toBe(true);

    server.process.kill("SIGHUP");
    const warning = await waitForLine(server.lines, (line) => String(line.msg).startsWith("SIGHUP:"), 10_000);
    expect(warning?.msg).toBe("SIGHUP: config reloaded");
    expect(warning?.level).toBe("info");
    expect(server.lines.some((line) => line.msg === "reload: the config is unchanged")).toBe(true);
    expect(warning?.["signal"]).toBe("SIGHUP");
    expect(server.process.exitCode).toBeNull();

    // a second SIGHUP is no more fatal than the first
    server.process.kill("SIGHUP");
    expect(await waitForLine(server.lines, (line) => String(line.msg).startsWith("SIGHUP:") && line !== warning, 10_000)).toBeDefined();

    expect(await before.ping()).toBe(true);
    after = await HbpClient.open({ serverPort: server.port, repeaterId: 2345612, passphrase: "passw0rd" });
    expect((await after.tryLogin()).ok).toBe(true);
    expect(await after.ping()).toBe(true);
    expect(server.process.exitCode).toBeNull();
  } finally {
    await before?.close();
    await after?.close();
  }
  expect(await server.stop("SIGTERM")).toBe(0);
  expect(server.lines.some((line) => line.msg === "closing: saying goodbye to every peer")).toBe(true);
  expect(server.lines.at(-1)?.msg).toBe("stopped");
}, 60_000);

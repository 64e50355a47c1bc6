/**
 * Reload of a real process (`bun src/main.ts --config file`): SIGHUP re-reads the file through the
 * start's path; a config that does not validate is refused with every problem logged and the old
 * one keeps running; `POST /api/v1/admin/reload` does the same and answers with the report.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HbpClient } from "../support/hbp_client.ts";
import { startFreedmr, type FreedmrProcess } from "./support/freedmr_process.ts";
import { ensureBinary } from "../binary/support/ensure_binary.ts";

const main = join(import.meta.dir, "..", "..", "src", "main.ts");
const work = mkdtempSync(join(tmpdir(), "freedmr-reload-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function toml(passphrase: string, extra = ""): string {
  return `[log]\nlevel = "info"\nformat = "json"\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\nlogin_rate_limit_per_minute = 0\npassphrase = "${passphrase}"\n[http]\nbind_address = "127.0.0.1"\nport = 0\nadmin_token = "the-admin-token-0123456789"\n${extra}`;
}

async function waitForLine(server: FreedmrProcess, from: number, predicate: (msg: string) => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (server.lines.slice(from).some((l) => predicate(String(l.msg)))) return true;
    await HbpClient.settle(20);
  }
  return false;
}

describe("reload of a running process", () => {
  test("SIGHUP applies a new passphrase; an invalid config is refused, every problem logged, the old one runs; the admin API reloads too", async () => {
    const path = join(work, "freedmr.toml");
    writeFileSync(path, toml("first-pass"));
    const server = await startFreedmr([process.execPath, main, "--config", path], { cwd: work });
    const clients: HbpClient[] = [];
    const open = async (id: number, passphrase: string): Promise<HbpClient> => {
      const c = await HbpClient.open({ serverPort: server.port, repeaterId: id, passphrase });
      clients.push(c);
      return c;
    };
    try {
      const connected = await open(2345701, "first-pass");
      await connected.login();

      // 1. SIGHUP with a new passphrase
      writeFileSync(path, toml("second-pass"));
      let mark = server.lines.length;
      server.process.kill("SIGHUP");
      expect(await waitForLine(server, mark, (m) => m.startsWith("reload: applied"))).toBe(true);
      expect(await connected.ping()).toBe(true);
      expect((await (await open(2345702, "first-pass")).tryLogin()).ok).toBe(false);
      expect((await (await open(2345703, "second-pass")).tryLogin()).ok).toBe(true);

      // 2. an invalid config: refused, every problem named, the running one stays
      writeFileSync(path, toml("third-pass", `[routing]\nua_timer_minutes = "soon"\n[bogus_section]\nx = 1\n`));
      mark = server.lines.length;
      server.process.kill("SIGHUP");
      expect(await waitForLine(server, mark, (m) => m.startsWith("reload refused"))).toBe(true);
      await HbpClient.settle(50);
      const problems = server.lines.slice(mark).filter((l) => String(l.msg).startsWith("reload: ") && l.level === "error");
      expect(problems.length).toBeGreaterThanOrEqual(2);
      expect(problems.some((l) => String(l.msg).includes("routing.ua_timer_minutes"))).toBe(true);
      expect(problems.some((l) => String(l.msg).includes("bogus_section"))).toBe(true);
      expect(await connected.ping()).toBe(true);
      expect((await (await open(2345704, "third-pass")).tryLogin()).ok).toBe(false);
      expect((await (await open(2345705, "second-pass")).tryLogin()).ok).toBe(true);

      // 3. the admin API
      const urlLine = server.lines.find((l) => String(l.msg).startsWith("dashboard and API on "));
      const url = String(urlLine?.["url"]);
      writeFileSync(path, toml("fourth-pass"));
      const unauthorized = await fetch(`${url}api/v1/admin/reload`, { method: "POST" });
      expect(unauthorized.status).toBe(401);
      const response = await fetch(`${url}api/v1/admin/reload`, { method: "POST", headers: { authorization: "Bearer the-admin-token-0123456789" } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { ok: boolean; command: string; reload: { applied: string[]; needsRestart: string[] } };
      expect(body.ok).toBe(true);
      expect(body.reload.applied).toContain("hbp.passphrase");
      expect((await (await open(2345706, "fourth-pass")).tryLogin()).ok).toBe(true);
      // an invalid config through the API: 400 naming the problem
      writeFileSync(path, toml("fifth-pass", `[routing]\nua_timer_minutes = -5\n`));
      const refused = await fetch(`${url}api/v1/admin/reload`, { method: "POST", headers: { authorization: "Bearer the-admin-token-0123456789" } });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toContain("routing.ua_timer_minutes");
      expect(await connected.ping()).toBe(true);
      expect(server.stdoutText()).not.toContain("second-pass");
    } finally {
      for (const c of clients) await c.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
  }, 30_000);
});

describe("reload and alias data in the compiled binary", () => {
  const x64 = process.arch === "x64";
  test.skipIf(!x64)("the compiled binary's Worker loads alias data from a local server; SIGHUP reloads", async () => {
    const data = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ users: [{ radio_id: 2345678, callsign: "G0ABC", fname: "Ada", surname: "Lovelace", country: "United Kingdom" }] }) });
    const state = mkdtempSync(join(work, "state-"));
    const path = join(work, "binary.toml");
    const aliases = `[aliases]\nusers = "http://127.0.0.1:${data.port}/users.json"\n`;
    writeFileSync(path, toml("first-pass", aliases));
    const binary = await ensureBinary("x64");
    const server = await startFreedmr([binary, "--config", path], { cwd: state, timeoutMs: 60_000 });
    const clients: HbpClient[] = [];
    try {
      expect(await waitForLine(server, 0, (m) => m === "aliases: 1 users loaded from the download", 20_000)).toBe(true);
      const c = await HbpClient.open({ serverPort: server.port, repeaterId: 234567801, passphrase: "first-pass", callsign: "G0ABC" });
      clients.push(c);
      expect((await c.tryLogin()).ok).toBe(true);
      const url = String(server.lines.find((l) => String(l.msg).startsWith("dashboard and API on "))?.["url"]);
      let owner: unknown = null;
      const deadline = performance.now() + 10_000;
      while (owner === null && performance.now() < deadline) {
        const body = (await (await fetch(`${url}api/v1/hotspots`)).json()) as { hotspots: { owner: unknown }[] };
        owner = body.hotspots[0]?.owner ?? null;
        if (owner === null) await HbpClient.settle(50);
      }
      expect(owner).toEqual({ callsign: "G0ABC", name: "Ada Lovelace", city: null, country: "United Kingdom" });
      // the cache is written in the working directory (the state directory under systemd)
      expect(await Bun.file(join(state, "aliases-users.cache")).exists()).toBe(true);

      writeFileSync(path, toml("second-pass", aliases));
      const mark = server.lines.length;
      server.process.kill("SIGHUP");
      expect(await waitForLine(server, mark, (m) => m.startsWith("reload: applied hbp.passphrase"))).toBe(true);
      expect(await c.ping()).toBe(true);
    } finally {
      for (const c of clients) await c.close();
      data.stop(true);
    }
    expect(await server.stop("SIGTERM")).toBe(0);
  }, 240_000);
});

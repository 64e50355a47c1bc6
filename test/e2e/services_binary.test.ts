/**
 * The services Worker inside the compiled x64 binary (dist/freedmr-linux-x64, built if stale): the
 * Worker is an extra entry point of the compile, so this proves it is embedded and starts from
 * /$bunfs. The binary runs from a directory without the sources; a hotspot logs in over real UDP and
 * the API is read over real HTTP and WebSocket (ports chosen at run time), an admin action goes
 * back to the packet thread, and SIGTERM stops everything cleanly.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { startFreedmr, type FreedmrProcess } from "../cli/support/freedmr_process.ts";
import { HbpClient } from "../support/hbp_client.ts";

const isX64 = process.arch === "x64" && process.platform === "linux";
const work = mkdtempSync(join(tmpdir(), "freedmr-services-binary-"));
const TOKEN = "binary-admin-token-0123456789";
let binary = "";

beforeAll(async () => {
  if (isX64) binary = await ensureBinary("x64");
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function dashboardUrl(server: FreedmrProcess): Promise<string> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const line = server.lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("dashboard and API on"));
    if (line !== undefined) return String(line["url"]);
    if (performance.now() > deadline) throw new Error(`no dashboard line in the log:\n${server.stdoutText()}\n${server.stderrText()}`);
    await Bun.sleep(20);
  }
}

describe.if(isX64)("services Worker in the compiled binary", () => {
  test("the binary serves the API from its embedded Worker: hotspots, live WebSocket, admin kick, metrics; clean SIGTERM", async () => {
    const config = join(work, "freedmr.toml");
    writeFileSync(config, `[log]\nformat = "json"\n\n[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\n\n[http]\nbind_address = "127.0.0.1"\nport = 0\nadmin_token = "${TOKEN}"\n`);
    const server = await startFreedmr([binary, "--config", config], { cwd: work });
    let client: HbpClient | undefined;
    try {
      const url = await dashboardUrl(server);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601, passphrase: "passw0rd", callsign: "G4TST", options: "TS2=2350;" });
      await client.login({ passphrase: "passw0rd" });

      let hotspots: any = null;
      for (let i = 0; i < 200 && hotspots?.total !== 1; i++) {
        hotspots = await (await fetch(new URL("/api/v1/hotspots", url))).json();
        if (hotspots.total !== 1) await Bun.sleep(25);
      }
      expect(hotspots.hotspots[0]).toMatchObject({ repeaterId: 2345601, callsign: "G4TST", talkgroups: { ts2: [2350] } });
      expect(hotspots.hotspots[0].address).toBeUndefined();

      const messages: any[] = [];
      const ws = new WebSocket(url.replace(/^http/, "ws") + "api/v1/live");
      ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
      for (let i = 0; i < 200 && messages.length < 2; i++) await Bun.sleep(25);
      ws.close();
      expect(messages.map((m) => m.type)).toEqual(["hello", "snapshot"]);

      // the Worker's thread is niced (10), the packet thread is not
      const pid = server.process.pid;
      const nice = (tid: string): number => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      };
      const tids = readdirSync(`/proc/${pid}/task`);
      expect(tids.filter((t) => readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim() === "Worker").map(nice)).toEqual([10]);
      expect(nice(String(pid))).toBe(0);

      const openapi = (await (await fetch(new URL("/api/v1/openapi.json", url))).json()) as { openapi: string };
      expect(openapi.openapi).toBe("3.1.0");
      const metrics = await (await fetch(new URL("/metrics", url))).text();
      expect(metrics).toContain("freedmr_hotspots_connected 1");

      const from = client.received.length;
      const kicked = await fetch(new URL("/api/v1/admin/hotspots/2345601/kick", url), { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
      expect(kicked.status).toBe(200);
      expect(await client.waitFor((r) => r.tag === "MSTCL", 5000, from)).not.toBeNull();
    } finally {
      await client?.close();
    }
    expect(await server.stop("SIGTERM")).toBe(0);
    // the helper may still be reading the last stdout chunk when the exit code arrives
    for (let i = 0; i < 100 && !server.lines.some((l) => l.msg === "stopped"); i++) await Bun.sleep(20);
    expect(server.lines.some((l) => l.msg === "stopped")).toBe(true);
    expect(server.stderrText()).not.toContain("ModuleNotFound");
  }, 120_000);
});

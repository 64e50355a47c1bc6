/**
 * `--workers 2` in the compiled binary (dist/freedmr-linux-x64): the supervisor starts its workers
 * from its own executable (no bun, no sources), both bind the one HBP port (SO_REUSEPORT through
 * Bun's socket flags, read back with getsockopt through bun:ffi in the binary), hotspots log in, and
 * SIGTERM stops everything with exit 0.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { freePorts } from "../core/federation/support/e2e.ts";
import { serverToml } from "../core/federation/support/processes.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { isListening, startSupervisor, stopAllSupervisors } from "./support/supervisor_process.ts";
import { hotspotIds, until } from "./support/worker_net.ts";

const clients: HbpClient[] = [];
afterAll(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await stopAllSupervisors();
});

const maybe = process.arch === "x64" ? describe : describe.skip;

maybe("--workers 2 in the compiled binary", () => {
  test("two binary workers share the HBP port; 16 hotspots log in across both; SIGTERM exits 0", async () => {
    const binary = await ensureBinary("x64");
    const [hbpPort] = (await freePorts(1)) as [number];
    const toml = [serverToml(2340, hbpPort, []), '[http]\nbind_address = "127.0.0.1"\nport = 0\n'].join("\n");
    const supervisor = await startSupervisor(toml, 2, [binary]);
    for (const index of [1, 2]) expect(await supervisor.waitForLog(isListening(index), 30_000)).not.toBeNull();
    expect(await until(() => supervisor.apiUrl(1) !== null && supervisor.apiUrl(2) !== null)).toBe(true);
    for (let i = 0; i < 16; i++) clients.push(await HbpClient.open({ serverPort: hbpPort, repeaterId: 311_000_400 + i }));
    await Promise.all(clients.map((c) => c.login()));
    let held: number[][] = [];
    await until(async () => {
      held = await Promise.all([1, 2].map((i) => hotspotIds(supervisor.apiUrl(i)!)));
      return held[0]!.length + held[1]!.length >= 16;
    });
    expect(held[0]!.length + held[1]!.length).toBe(16);
    expect(held[0]!.length).toBeGreaterThan(0);
    expect(held[1]!.length).toBeGreaterThan(0);
    supervisor.process.kill("SIGTERM");
    expect(await supervisor.process.exited).toBe(0);
  }, 600_000);
});

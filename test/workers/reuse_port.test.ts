/**
 * SO_REUSEPORT on the HBP socket (src/shell/udp/reuse_port.ts, hbp.reuse_port): two sockets share a
 * port only with it; the kernel keeps each client's 4-tuple on one socket; two real freedmr
 * processes on one port each complete whole logins (a login split across processes would be NAKed)
 * and between them hold every hotspot exactly once.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { checkReusePort, ReusePortError, reusePortSocketOptions, reusePortState } from "../../src/shell/udp/reuse_port.ts";
import { freePorts } from "../core/federation/support/e2e.ts";
import { killAll, serverToml, spawnServer, type ServerProcess } from "../core/federation/support/processes.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { apiUrlOf, hotspotIds, until } from "./support/worker_net.ts";

type Socket = Bun.udp.Socket<"buffer">;

async function serverSocket(port: number, reusePort: boolean, onData: (clientPort: number) => void): Promise<Socket> {
  // `flags` (SO_REUSEPORT) is not in bun-types: reuse_port.ts
  const open = Bun.udpSocket as unknown as (options: unknown) => Promise<Socket>;
  return await open({
    hostname: "127.0.0.1",
    port,
    ...reusePortSocketOptions(reusePort),
    socket: { data: (_s: unknown, _d: unknown, clientPort: number) => onData(clientPort) },
  });
}

describe("SO_REUSEPORT sockets", () => {
  test("two sockets share a port only with reuse_port, and getsockopt reads it back", async () => {
    const a = await serverSocket(0, true, () => {});
    const b = await serverSocket(a.port, true, () => {});
    expect(b.port).toBe(a.port);
    expect(reusePortState(a, a.port)).toBe("on");
    expect(checkReusePort(b, b.port, "hbp")).toBe("on");
    let refused = "";
    try {
      const c = await serverSocket(a.port, false, () => {});
      c.close();
    } catch (error) {
      refused = String(error);
    }
    expect(refused).toContain("EADDRINUSE");
    const plain = await serverSocket(0, false, () => {});
    expect(reusePortState(plain, plain.port)).toBe("off");
    expect(() => checkReusePort(plain, plain.port, "hbp")).toThrow(ReusePortError);
    for (const s of [a, b, plain]) s.close();
  });

  test("the kernel keeps each client's datagrams on one socket (300 clients × 5 datagrams)", async () => {
    const seenBy = new Map<number, Set<number>>(); // client port -> server sockets that saw it
    const counts = [0, 0];
    const note = (which: number) => (clientPort: number): void => {
      counts[which]!++;
      let set = seenBy.get(clientPort);
      if (set === undefined) seenBy.set(clientPort, (set = new Set()));
      set.add(which);
    };
    const first = await serverSocket(0, true, note(0));
    const second = await serverSocket(first.port, true, note(1));
    const clients: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) clients.push(await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 }));
      const payload = new Uint8Array(8);
      for (let round = 0; round < 5; round++) {
        for (const c of clients) c.send(payload, first.port, "127.0.0.1");
        await Bun.sleep(20);
      }
      const deadline = performance.now() + 5000;
      while (counts[0]! + counts[1]! < 1500 && performance.now() < deadline) await Bun.sleep(20);
    } finally {
      for (const c of clients) c.close();
      first.close();
      second.close();
    }
    expect(counts[0]! + counts[1]!).toBe(1500);
    expect(seenBy.size).toBe(300);
    const split = [...seenBy.values()].filter((s) => s.size > 1).length;
    expect(split).toBe(0);
    // both sockets get a share (all 300 on one: probability 2^-299)
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });
});

describe("two freedmr processes on one HBP port (hbp.reuse_port = true)", () => {
  const clients: HbpClient[] = [];
  afterAll(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => {});
    await killAll();
  });

  test("40 hotspots each log in whole and keep answering pings; each is held by exactly one process", async () => {
    const [hbpPort] = await freePorts(1);
    const toml = serverToml(2340, hbpPort!, []).replace("login_rate_limit_per_minute = 0\n", "login_rate_limit_per_minute = 0\nreuse_port = true\n") + '\n[http]\nbind_address = "127.0.0.1"\nport = 0\n';
    const servers: ServerProcess[] = [await spawnServer("reuse-a", toml, 1), await spawnServer("reuse-b", toml, 1)];
    const apis: string[] = [];
    for (const s of servers) {
      const line = await s.waitForLog((l) => apiUrlOf(l) !== null, 15_000);
      expect(line).not.toBeNull();
      apis.push(apiUrlOf(line!)!);
    }
    for (let i = 0; i < 40; i++) {
      const client = await HbpClient.open({ serverPort: hbpPort!, repeaterId: 311_000_100 + i });
      clients.push(client);
    }
    await Promise.all(clients.map((c) => c.login()));
    for (let round = 0; round < 3; round++) {
      const pongs = await Promise.all(clients.map((c) => c.ping()));
      expect(pongs.every(Boolean)).toBe(true);
    }
    let held: number[][] = [];
    await until(async () => {
      held = await Promise.all(apis.map((api) => hotspotIds(api)));
      return held[0]!.length + held[1]!.length >= 40;
    });
    expect(held[0]!.length + held[1]!.length).toBe(40);
    expect(new Set([...held[0]!, ...held[1]!]).size).toBe(40);
    expect(held[0]!.length).toBeGreaterThan(0);
    expect(held[1]!.length).toBeGreaterThan(0);
  }, 60_000);
});

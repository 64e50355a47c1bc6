import { afterEach, describe, expect, test } from "bun:test";
import { HbpClient } from "../support/hbp_client.ts";
import { RecordingRouter, startTestServer, type TestServer } from "../support/test_server.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop();
  server = null;
});

async function client(id: number, extra: Partial<Parameters<typeof HbpClient.open>[0]> = {}): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: server!.port, repeaterId: id, ...extra });
  clients.push(c);
  return c;
}

describe("HBP handshake over UDP", () => {
  test("RPTL → salt, RPTK, RPTC, RPTO → connected; options reach the router; ping → MSTPONG", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const c = await client(2345601, { callsign: "g4abc", options: "TS1=1,2;TS2=91;" });
    const result = await c.tryLogin();
    expect(result.ok).toBe(true);
    // every reply came from the server's port (the socket the client sent to)
    for (const r of c.received) expect(r.port).toBe(server.port);
    const acks = c.ofTag("RPTACK");
    expect(acks.length).toBe(4);
    // RPTACK + salt, then RPTACK + id three times
    expect(Array.from(acks[1]!.bytes.subarray(6))).toEqual([0x00, 0x23, 0xca, 0x81]);
    expect(await c.ping()).toBe(true);
    const pong = c.ofTag("MSTPONG")[0]!;
    expect(pong.bytes.length).toBe(11);
    expect(Array.from(pong.bytes.subarray(7))).toEqual([0x00, 0x23, 0xca, 0x81]);
    expect(router.up.length).toBe(1);
    expect(router.up[0]!.callsign).toBe("G4ABC");
    expect(router.options.map((o) => o.options)).toEqual(["TS1=1,2;TS2=91;"]);
    const up = await server.waitForEvent("session.up");
    expect(up?.repeaterId).toBe(2345601);
    expect(up?.callsign).toBe("G4ABC");
  });
});

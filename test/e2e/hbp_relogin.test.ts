/**
 * Re-login from a new address, spoofing, and two stations on one id (hbp-and-dmr.md §1.6–1.7).
 * Clients reopen their socket on a new port after MSTNAK/MSTCL/timeout, so a known id may log in
 * again from anywhere — but an unauthenticated RPTL must never disturb the live session.
 */
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

async function client(id: number, passphrase?: string): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: server!.port, repeaterId: id, ...(passphrase !== undefined ? { passphrase } : {}) });
  clients.push(c);
  return c;
}

describe("re-login and spoofing", () => {
  test("an RPTL (and a failed RPTK) from a new address does not disturb the live session", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const live = await client(2345601);
    await live.login();
    const intruder = await client(2345601, "wrong-guess");
    intruder.sendRptl();
    expect((await intruder.waitFor((r) => r.tag === "RPTACK"))?.bytes.length).toBe(10);
    // live session still answers, still routes
    expect(await live.ping()).toBe(true);
    live.sendFrame({ sourceId: 2345001, destinationId: 91, slot: 2 });
    expect(await server.until(() => router.frames.length === 1)).toBe(true);
    // failed RPTK: intruder NAKed, live untouched
    intruder.sendRptk();
    expect((await intruder.waitForNext((r) => r.tag === "MSTNAK" || r.tag === "RPTACK"))?.tag).toBe("MSTNAK");
    expect(await live.ping()).toBe(true);
    expect(live.ofTag("MSTNAK").length).toBe(0);
    expect(server.eventsOf("session.down").length).toBe(0);
    expect(router.down.length).toBe(0);
    expect(server.hbp.session(2345601)?.endpoint.port).toBe(live.localPort);
  });

  test("the same station re-logs in from a new port: replaced only once RPTK passes", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const c = await client(2345602);
    await c.login();
    const oldPort = c.localPort;
    const newPort = await c.reopen();
    expect(newPort).not.toBe(oldPort);
    c.sendRptl();
    const salt = await c.waitForNext((r) => r.tag === "RPTACK");
    expect(salt).not.toBeNull();
    // still the old session until RPTK
    expect(server.hbp.session(2345602)?.endpoint.port).toBe(oldPort);
    expect(server.hbp.session(2345602)?.connected).toBe(true);
    c.sendRptk(new DataView(salt!.bytes.buffer, salt!.bytes.byteOffset).getUint32(6));
    await c.waitForNext((r) => r.tag === "RPTACK");
    expect(server.hbp.session(2345602)?.endpoint.port).toBe(newPort);
    const down = await server.waitForEvent("session.down");
    expect(down?.reason).toBe("replaced");
    c.sendRptc();
    await c.waitForNext((r) => r.tag === "RPTACK");
    expect(await c.ping()).toBe(true);
    expect(router.up.length).toBe(2);
    expect(router.down.length).toBe(1);
    expect(server.hbp.counters.replaced).toBe(1);
    expect(server.hbp.counters.conflicts).toBe(0);
  });

  test("a full re-login from the same port (client NAKed while running) works", async () => {
    server = await startTestServer();
    const c = await client(2345603);
    await c.login();
    await c.login();
    expect(await c.ping()).toBe(true);
    expect(server.hbp.connectedCount).toBe(1);
  });

  test("DMRD, RPTCL and pings naming a live id from another address are dropped and counted", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const live = await client(2345604);
    await live.login();
    const spoofer = await client(2345604);
    spoofer.sendFrame({ sourceId: 1, destinationId: 91 });
    spoofer.sendFrame({ sourceId: 1, destinationId: 91, length: 53 });
    spoofer.sendRptcl();
    spoofer.sendRpto("TS1=666;");
    expect((await spoofer.waitFor((r) => r.tag === "MSTNAK"))?.tag).toBe("MSTNAK"); // the RPTO gets a NAK (to the sender)
    expect(await spoofer.ping()).toBe(false);
    await HbpClient.settle(30);
    expect(router.frames.length).toBe(0);
    expect(router.options.length).toBe(0);
    expect(server.hbp.counters.spoofed).toBe(5);
    expect(server.hbp.session(2345604)?.connected).toBe(true);
    expect(await live.ping()).toBe(true);
    expect(live.ofTag("MSTNAK").length).toBe(0);
    live.sendFrame({ sourceId: 1, destinationId: 91 });
    expect(await server.until(() => router.frames.length === 1)).toBe(true);
  });

  test("two stations using the same id (both keep talking) are detected and reported", async () => {
    server = await startTestServer();
    const first = await client(2345605);
    const second = await client(2345605);
    await first.login();
    await second.login(); // replaces the first
    // the first station keeps pinging from its address: NAKed, and the conflict is reported
    expect(await first.ping()).toBe(false);
    const conflict = await server.waitForEvent("session.conflict");
    expect(conflict?.repeaterId).toBe(2345605);
    expect(conflict?.oldAddress).toBe(`127.0.0.1:${first.localPort}`);
    expect(conflict?.newAddress).toBe(`127.0.0.1:${second.localPort}`);
    // it logs in again (as a real client would after the NAK) and they flip-flop: still one report per minute
    await first.login();
    expect(await second.ping()).toBe(false);
    expect(server.hbp.counters.conflicts).toBeGreaterThanOrEqual(2);
    expect(server.eventsOf("session.conflict").length).toBe(1);
  });
});

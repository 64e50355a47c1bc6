/**
 * HBP handshake, keep-alive, logout and timeout over real UDP (hbp-and-dmr.md §1.2, §1.6).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { HbpClient, type HbpClientOptions } from "../support/hbp_client.ts";
import { RecordingRouter, startTestServer, type TestServer, type TestServerOverrides } from "../support/test_server.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop();
  server = null;
});

async function start(overrides: TestServerOverrides = {}): Promise<TestServer> {
  server = await startTestServer(overrides);
  return server;
}

async function client(id: number, extra: Partial<HbpClientOptions> = {}): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: server!.port, repeaterId: id, ...extra });
  clients.push(c);
  return c;
}

const ID_BYTES = [0x00, 0x23, 0xca, 0x81]; // 2345601

describe("HBP handshake over UDP", () => {
  test("RPTL → salt, RPTK, RPTC, RPTO → connected; options reach the router; ping → MSTPONG", async () => {
    const router = new RecordingRouter();
    await start({ router });
    const c = await client(2345601, { callsign: "g4abc", options: "TS1=1,2;TS2=91;" });
    const result = await c.tryLogin();
    expect(result.ok).toBe(true);
    for (const r of c.received) expect(r.port).toBe(server!.port);
    const acks = c.ofTag("RPTACK");
    expect(acks.length).toBe(4);
    expect(acks.every((a) => a.bytes.length === 10)).toBe(true);
    for (const ack of acks.slice(1)) expect(Array.from(ack.bytes.subarray(6))).toEqual(ID_BYTES);
    expect(await c.ping()).toBe(true);
    const pong = c.ofTag("MSTPONG")[0]!;
    expect(pong.bytes.length).toBe(11);
    expect(Array.from(pong.bytes.subarray(7))).toEqual(ID_BYTES);
    expect(router.up.length).toBe(1);
    expect(router.up[0]!.callsign).toBe("G4ABC");
    expect(router.up[0]!.repeaterId).toBe(2345601);
    expect(router.options.map((o) => o.options)).toEqual(["TS1=1,2;TS2=91;"]);
    const up = await server!.waitForEvent("session.up");
    expect(up?.repeaterId).toBe(2345601);
    expect(up?.callsign).toBe("G4ABC");
    expect(up?.address).toBe("127.0.0.1");
    expect(up?.port).toBe(c.localPort);
    const info = server!.hbp.sessionInfos()[0]!;
    expect(info.state).toBe("connected");
    expect(info.options).toBe("TS1=1,2;TS2=91;");
  });

  test("salts differ between logins and the digest is checked against the salt sent", async () => {
    await start();
    const a = await client(1001);
    const b = await client(1002);
    await a.login();
    await b.login();
    expect(a.salt).not.toBe(b.salt);
    // a replayed RPTK (old salt) from a fresh login attempt is refused
    const c = await client(1003);
    c.sendRptl();
    const salt = await c.waitFor((r) => r.tag === "RPTACK");
    expect(salt).not.toBeNull();
    c.sendRptk(a.salt);
    const nak = await c.waitForNext((r) => r.tag === "MSTNAK" || r.tag === "RPTACK");
    expect(nak?.tag).toBe("MSTNAK");
  });

  test("handshake without RPTO; RPTO later (again) is acknowledged and reaches the router each time", async () => {
    const router = new RecordingRouter();
    await start({ router });
    const c = await client(3120101);
    await c.login();
    expect(router.options.length).toBe(0);
    c.sendRpto("TS2=91;");
    expect((await c.waitForNext((r) => r.tag === "RPTACK"))?.bytes.length).toBe(10);
    c.sendRpto("TS2=3100;TS1=;");
    await c.waitForNext((r) => r.tag === "RPTACK");
    expect(router.options.map((o) => o.options)).toEqual(["TS2=91;", "TS2=3100;TS1=;"]);
  });

  test("RPTO between RPTK and RPTC is stored and handed to the router when the port comes up", async () => {
    const router = new RecordingRouter();
    await start({ router });
    const c = await client(3120102);
    c.sendRptl();
    const salt = await c.waitFor((r) => r.tag === "RPTACK");
    c.sendRptk(new DataView(salt!.bytes.buffer, salt!.bytes.byteOffset).getUint32(6));
    await c.waitForNext((r) => r.tag === "RPTACK");
    c.sendRpto("TS1=9;");
    expect((await c.waitForNext((r) => r.tag === "RPTACK" || r.tag === "MSTNAK"))?.tag).toBe("RPTACK");
    expect(router.options.length).toBe(0);
    c.sendRptc();
    await c.waitForNext((r) => r.tag === "RPTACK");
    expect(router.up.length).toBe(1);
    expect(router.options.map((o) => o.options)).toEqual(["TS1=9;"]);
  });

  test("wrong passphrase → MSTNAK at RPTK, refusal event, no session", async () => {
    await start({ hbp: { passphrase: "s3cret-pass" } });
    const c = await client(2345602);
    const result = await c.tryLogin();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.stage).toBe("rptk");
      expect(result.reason).toBe("nak");
      expect(Array.from(result.reply!.bytes.subarray(6))).toEqual([0x00, 0x23, 0xca, 0x82]);
    }
    const refused = await server!.waitForEvent("session.refused");
    expect(refused?.reason).toBe("bad-passphrase");
    expect(server!.hbp.sessionCount).toBe(0);
    expect(await c.ping(300)).toBe(false);
    // and the right one works
    expect((await c.tryLogin({ passphrase: "s3cret-pass" })).ok).toBe(true);
  });

  test("unknown peer: ping, RPTC, RPTO, DMRD and RPTK without RPTL all get MSTNAK", async () => {
    await start();
    const c = await client(2345603);
    for (const send of [() => c.sendPing(), () => c.sendRptc(), () => c.sendRpto("TS1=1;"), () => c.sendFrame({ sourceId: 1, destinationId: 9 }), () => c.sendRptk(1234)]) {
      const from = c.received.length;
      send();
      const reply = await c.waitFor(() => true, 1000, from);
      expect(reply?.tag).toBe("MSTNAK");
      expect(reply?.bytes.length).toBe(10);
      expect(reply?.port).toBe(server!.port);
    }
    // RPTK without RPTL: salts are stateless cookies now, so it is simply a digest that matches no
    // salt we would have sent — a failed authentication, NAKed like the others.
    expect(server!.hbp.counters.unknownPeer).toBe(4);
    expect(server!.hbp.counters.badPassphrase).toBe(1);
  });

  test("wrong state: ping and DMRD after RPTK but before RPTC get MSTNAK", async () => {
    const router = new RecordingRouter();
    await start({ router });
    const c = await client(2345604);
    c.sendRptl();
    const salt = await c.waitFor((r) => r.tag === "RPTACK");
    c.sendRptk(new DataView(salt!.bytes.buffer, salt!.bytes.byteOffset).getUint32(6));
    await c.waitForNext((r) => r.tag === "RPTACK");
    expect(await c.ping(1000)).toBe(false);
    c.sendFrame({ sourceId: 1, destinationId: 9 });
    expect((await c.waitForNext(() => true))?.tag).toBe("MSTNAK");
    expect(router.frames.length).toBe(0);
    expect(server!.hbp.counters.wrongState).toBe(2);
  });

  test("RPTCL removes the peer: port down, session.down closed-by-peer, later pings NAKed", async () => {
    const router = new RecordingRouter();
    await start({ router });
    const c = await client(2345605);
    await c.login();
    c.sendRptcl();
    const down = await server!.waitForEvent("session.down");
    expect(down?.reason).toBe("closed-by-peer");
    expect(router.down.length).toBe(1);
    expect(server!.hbp.sessionCount).toBe(0);
    expect(await c.ping(500)).toBe(false);
  });

  test("a peer silent for longer than the timeout is dropped (and told with MSTNAK)", async () => {
    const router = new RecordingRouter();
    await start({ router, hbp: { peer_timeout_seconds: 0.3 } });
    const quiet = await client(2345606);
    const chatty = await client(2345607);
    await quiet.login();
    await chatty.login();
    const down = server!.waitForEvent("session.down", (e) => e.repeaterId === 2345606, 3000);
    // keep the chatty one alive meanwhile
    for (let i = 0; i < 10 && (await Promise.race([down.then(() => true), HbpClient.settle(100).then(() => false)])) === false; i++) {
      expect(await chatty.ping()).toBe(true);
    }
    expect((await down)?.reason).toBe("timeout");
    expect(await quiet.waitFor((r) => r.tag === "MSTNAK", 1000)).not.toBeNull();
    expect(server!.hbp.session(2345607)?.connected).toBe(true);
    expect(router.down.map((p) => p.repeaterId)).toEqual([2345606]);
  });

  test("stop sends MSTCL+id to every connected peer", async () => {
    await start();
    const a = await client(2345608);
    const b = await client(2345609);
    await a.login();
    await b.login();
    await server!.stop();
    const closeA = await a.waitFor((r) => r.tag === "MSTCL", 1000);
    const closeB = await b.waitFor((r) => r.tag === "MSTCL", 1000);
    expect(closeA?.bytes.length).toBe(9);
    expect(Array.from(closeA!.bytes.subarray(5))).toEqual([0x00, 0x23, 0xca, 0x88]);
    expect(Array.from(closeB!.bytes.subarray(5))).toEqual([0x00, 0x23, 0xca, 0x89]);
    expect(closeA?.port).toBe(server!.port);
    const downs = server!.eventsOf("session.down");
    expect(downs.map((e) => e.reason)).toEqual(["shutdown", "shutdown"]);
  });

  test("replies leave from the socket the client sent to (two sockets, two ports)", async () => {
    await start({ hbp: { bind_addresses: ["127.0.0.1", "127.0.0.1"] } });
    expect(server!.ports.length).toBe(2);
    expect(server!.ports[0]).not.toBe(server!.ports[1]);
    const a = await client(4001);
    const b = await HbpClient.open({ serverPort: server!.ports[1]!, repeaterId: 4002 });
    clients.push(b);
    await a.login();
    await b.login();
    expect(await a.ping()).toBe(true);
    expect(await b.ping()).toBe(true);
    expect(a.received.every((r) => r.port === server!.ports[0])).toBe(true);
    expect(b.received.every((r) => r.port === server!.ports[1])).toBe(true);
    await server!.stop();
    expect((await b.waitFor((r) => r.tag === "MSTCL", 1000))?.port).toBe(server!.ports[1]);
  });
});

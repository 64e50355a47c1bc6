/**
 * Frames and side messages over UDP: DMRD 53/55 from connected peers reach the router; frames the
 * router sends leave as 55 bytes carrying the receiving peer's id; DMRA/DMRG/RPTG are accepted
 * without harm; IPv4 and IPv6 peers share one dual-stack socket and hear each other.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { HbpClient } from "../support/hbp_client.ts";
import { RecordingRouter, startTestServer, type TestServer } from "../support/test_server.ts";
import { ipv6LoopbackAvailable } from "../support/hbp_client.ts";
import type { RouterPort } from "../../src/core/router_port.ts";
import type { Outbox } from "../../src/core/outbox.ts";
import { copyDmrdTo55, type DmrdFrame } from "../../src/wire/dmrd.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop();
  server = null;
});

/** A router that repeats every frame to every other connected port (what a TG bridge does). */
class EchoRouter extends RecordingRouter {
  readonly ports = new Set<RouterPort>();
  constructor(readonly outbox: () => Outbox) {
    super();
    this.onFrameHook = (nowMs: number, from: RouterPort, frame: DmrdFrame) => {
      for (const port of this.ports) {
        if (port === from) continue;
        const tx = port.txBuffer(frame.slot);
        copyDmrdTo55(frame.bytes, tx);
        port.emit(nowMs, tx, this.outbox());
      }
    };
  }
  override onPortUp(nowMs: number, port: RouterPort): void {
    super.onPortUp(nowMs, port);
    this.ports.add(port);
  }
  override onPortDown(nowMs: number, port: RouterPort): void {
    super.onPortDown(nowMs, port);
    this.ports.delete(port);
  }
}

async function echoServer(bind: string[] = ["127.0.0.1"]): Promise<{ router: EchoRouter }> {
  let outbox: Outbox | null = null;
  const router = new EchoRouter(() => outbox!);
  server = await startTestServer({
    hbp: { bind_addresses: bind },
    router: (deps) => {
      outbox = deps.outbox;
      return router;
    },
  });
  return { router };
}

const burst = Uint8Array.from({ length: 33 }, (_, i) => (i * 7 + 3) & 0xff);

describe("DMRD", () => {
  test("55- and 53-byte DMRD from a connected peer reach the router, decoded", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const c = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601 });
    clients.push(c);
    await c.login();
    c.sendFrame({ sourceId: 2345001, destinationId: 91, slot: 2, streamId: 0xdeadbeef, burst, ber: 3, rssi: 0x39 });
    c.sendFrame({ sourceId: 2345002, destinationId: 3100, slot: 1, streamId: 7, burst, length: 53 });
    expect(await server.until(() => router.frames.length === 2)).toBe(true);
    const [a, b] = router.frames;
    expect([a!.sourceId, a!.destinationId, a!.slot, a!.streamId, a!.length, a!.repeaterId]).toEqual([2345001, 91, 2, 0xdeadbeef, 55, 2345601]);
    expect([b!.sourceId, b!.destinationId, b!.slot, b!.streamId, b!.length]).toEqual([2345002, 3100, 1, 7, 53]);
    expect(Array.from(a!.bytes.subarray(20, 53))).toEqual(Array.from(burst));
    expect(a!.port.repeaterId).toBe(2345601);
    expect(server.hbp.counters.dmrdIn).toBe(1);
    expect(server.hbp.counters.dmrdShortIn).toBe(1);
  });

  test("frames sent to peers are 55 bytes with the receiving peer's id in bytes 11–14, from the server port", async () => {
    await echoServer();
    const a = await HbpClient.open({ serverPort: server!.port, repeaterId: 1001 });
    const b = await HbpClient.open({ serverPort: server!.port, repeaterId: 1002 });
    clients.push(a, b);
    await a.login();
    await b.login();
    a.sendFrame({ sourceId: 2345001, destinationId: 91, slot: 2, burst, length: 53 });
    const got = await b.waitForDmrd((f) => f.sourceId === 2345001);
    expect(got).not.toBeNull();
    expect(got!.length).toBe(55);
    expect(got!.repeaterId).toBe(1002);
    expect(got!.from.port).toBe(server!.port);
    expect(Array.from(got!.burst)).toEqual(Array.from(burst));
    expect(got!.ber).toBe(0);
    expect(a.dmrd.length).toBe(0);
  });

  test("a DMRD with a bad frame type is dropped and counted", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const c = await HbpClient.open({ serverPort: server.port, repeaterId: 2345602 });
    clients.push(c);
    await c.login();
    const bytes = c.sendFrame({ sourceId: 1, destinationId: 2 });
    bytes[15] = 0x30; // frame type 3: unused
    c.sendDmrd(bytes);
    expect(await c.ping()).toBe(true);
    expect(router.frames.length).toBe(1);
    expect(server.hbp.counters.malformedDmrd).toBe(1);
  });
});

describe("side messages", () => {
  test("DMRA (15/19, with or without repeater id), DMRG (14/18) and RPTG (25) are accepted without harm", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router });
    const c = await HbpClient.open({ serverPort: server.port, repeaterId: 2345603 });
    clients.push(c);
    await c.login();
    const withId = (tag: string, length: number): Uint8Array => {
      const out = new Uint8Array(length).fill(0x01);
      out.set(new TextEncoder().encode(tag), 0);
      new DataView(out.buffer).setUint32(4, 2345603);
      return out;
    };
    for (const [tag, length] of [["DMRA", 15], ["DMRA", 19], ["DMRG", 14], ["DMRG", 18], ["RPTG", 25]] as const) c.send(withId(tag, length));
    // MMDVMHost direct-mode layouts carry no repeater id: bytes 4–6 are the source radio id
    const noId = (tag: string, length: number): Uint8Array => {
      const out = new Uint8Array(length);
      out.set(new TextEncoder().encode(tag), 0);
      out.set([0x23, 0xca, 0xce, 0x00], 4);
      return out;
    };
    c.send(noId("DMRA", 15));
    c.send(noId("DMRG", 14));
    // the same from a stranger: dropped and counted, never NAKed
    const stranger = await HbpClient.open({ serverPort: server.port, repeaterId: 2345699 });
    clients.push(stranger);
    stranger.send(noId("DMRA", 15));
    stranger.send(withId("DMRA", 19));
    expect(await c.ping()).toBe(true);
    expect(await server.until(() => server!.hbp.counters.sideChannelUnattributed === 2)).toBe(true);
    const counters = server.hbp.counters;
    expect([counters.talkerAlias, counters.gps, counters.homePosition]).toEqual([3, 3, 1]);
    expect(server.hbp.session(2345603)?.lastTalkerAliasSourceId).toBe(0x23cace);
    expect(stranger.received.length).toBe(0);
    expect(counters.sideChannelMalformed).toBe(0);
    expect(counters.malformedBadLength + counters.malformedUnknownTag + counters.handlerErrors).toBe(0);
    expect(c.ofTag("MSTNAK").length).toBe(0);
    expect(router.frames.length).toBe(0);
  });
});

describe("dual stack", () => {
  test("an IPv4 and an IPv6 peer log in on one '::' socket and hear each other", async () => {
    if (!(await ipv6LoopbackAvailable())) {
      console.log("::1 unavailable here: IPv6 part skipped");
      return;
    }
    await echoServer(["::"]);
    expect(server!.ports.length).toBe(1);
    const v4 = await HbpClient.open({ serverPort: server!.port, serverAddress: "127.0.0.1", repeaterId: 4001 });
    const v6 = await HbpClient.open({ serverPort: server!.port, serverAddress: "::1", repeaterId: 6001 });
    clients.push(v4, v6);
    await v4.login();
    await v6.login();
    expect(await v4.ping()).toBe(true);
    expect(await v6.ping()).toBe(true);
    const infos = server!.hbp.sessionInfos();
    expect(infos.find((i) => i.repeaterId === 4001)?.address).toBe("127.0.0.1");
    expect(infos.find((i) => i.repeaterId === 6001)?.address).toBe("::1");
    expect(infos.every((i) => i.socketIndex === 0)).toBe(true);
    v4.sendFrame({ sourceId: 2345001, destinationId: 91, slot: 2, burst });
    const at6 = await v6.waitForDmrd((f) => f.sourceId === 2345001);
    expect(at6?.repeaterId).toBe(6001);
    expect(at6?.from.address).toBe("::1");
    v6.sendFrame({ sourceId: 2345002, destinationId: 91, slot: 2, burst });
    const at4 = await v4.waitForDmrd((f) => f.sourceId === 2345002);
    expect(at4?.repeaterId).toBe(4001);
    expect(at4?.from.port).toBe(server!.port);
  });
});

/**
 * Fuzz over UDP (seeded; replay with SEED=n): random datagrams of every length and random
 * tag-prefixed junk, from a stranger and from the connected peer's own socket, while that peer
 * stays connected and keeps getting pongs. Nothing throws, everything is dropped and counted.
 */
import { afterEach, expect, test } from "bun:test";
import { Prng } from "../../src/lib/prng.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { RecordingRouter, startTestServer, type TestServer } from "../support/test_server.ts";
import { testSeed } from "../support/seed.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop();
  server = null;
});

const TAGS = ["RPTL", "RPTK", "RPTC", "RPTCL", "RPTO", "RPTP", "RPTPING", "RPTG", "RPTA", "RPTS", "DMRD", "DMRA", "DMRG", "DMR", "MSTP", "MSTCL", "RPT", "R", ""];

test("random datagrams of every length and tag-prefixed junk never disturb a connected peer", async () => {
  const prng = new Prng(testSeed("hbp fuzz"));
  const router = new RecordingRouter();
  server = await startTestServer({ router });
  const peer = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601 });
  const stranger = await HbpClient.open({ serverPort: server.port, repeaterId: 7777777 });
  clients.push(peer, stranger);
  await peer.login();

  const junk = (length: number, tag: string, id: number | null): Uint8Array => {
    const out = new Uint8Array(length);
    prng.fill(out);
    for (let i = 0; i < tag.length && i < length; i++) out[i] = tag.charCodeAt(i);
    if (id !== null) {
      // sometimes name the live peer's id at the offsets the tags use
      const offset = tag === "RPTPING" ? 7 : tag === "RPTCL" ? 5 : tag === "DMRD" ? 11 : 4;
      for (let i = 0; i < 4 && offset + i < length; i++) out[offset + i] = (id >>> (24 - 8 * i)) & 0xff;
    }
    return out;
  };

  // The one well-formed message that legitimately ends the session is RPTCL from the peer itself.
  const send = (from: HbpClient, bytes: Uint8Array): void => {
    const isLogout = bytes.length === 9 && String.fromCharCode(...bytes.subarray(0, 5)) === "RPTCL";
    if (from === peer && isLogout) return;
    from.send(bytes);
    sent++;
  };
  let sent = 0;
  for (let round = 0; round < 4; round++) {
    // every length 0..400, from both sockets
    for (let length = 0; length <= 400; length++) {
      const from = prng.chance(1, 2) ? stranger : peer;
      send(from, junk(length, prng.pick(TAGS), prng.chance(1, 2) ? 2345601 : null));
    }
    // lengths near the real ones, with real tags
    for (let i = 0; i < 300; i++) {
      const tag = prng.pick(TAGS);
      const length = prng.pick([3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 15, 18, 19, 25, 39, 40, 41, 53, 54, 55, 56, 71, 301, 302, 303, 512, 513, 1500]);
      const from = prng.chance(1, 3) ? peer : stranger;
      send(from, junk(length, tag, prng.chance(2, 3) ? 2345601 : prng.nextUint32()));
    }
    // once the server has seen it all, the peer is still connected and answered
    expect(await server.until(() => server!.hbp.counters.datagrams >= sent + 3)).toBe(true);
    await HbpClient.settle(20);
    expect(await peer.ping()).toBe(true);
  }
  // a big datagram too
  stranger.send(junk(9000, "DMRD", 2345601));
  expect(await peer.ping()).toBe(true);

  const counters = server.hbp.counters;
  expect(counters.handlerErrors).toBe(0);
  expect(server.server.stats().host.handlerErrors).toBe(0);
  expect(counters.malformedTooShort + counters.malformedUnknownTag + counters.malformedBadLength).toBeGreaterThan(sent / 2);
  // still the same session, from the same address
  const session = server.hbp.session(2345601);
  expect(session?.connected).toBe(true);
  expect(session?.endpoint.port).toBe(peer.localPort);
  expect(router.down.length).toBe(0);
  // and a newcomer can still log in normally
  const late = await HbpClient.open({ serverPort: server.port, repeaterId: 2345699 });
  clients.push(late);
  expect((await late.tryLogin()).ok).toBe(true);
});

/**
 * Access control over UDP: access rules (id, range, callsign at RPTC, per-rule passphrase),
 * registration ACL, maximum peers, id 0, and the per-IP login rate limit.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { HbpClient, type HbpClientOptions } from "../support/hbp_client.ts";
import { RecordingRouter, startTestServer, type TestServer } from "../support/test_server.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop();
  server = null;
});

async function client(id: number, extra: Partial<HbpClientOptions> = {}): Promise<HbpClient> {
  const c = await HbpClient.open({ serverPort: server!.port, repeaterId: id, ...extra });
  clients.push(c);
  return c;
}

describe("access rules", () => {
  test("deny by id and by id range at RPTL; others allowed", async () => {
    server = await startTestServer({
      hbp: {
        access_rules: [
          { name: "banned one", repeater_id: 2345601, action: "deny" },
          { name: "banned block", repeater_id_range: [3100000, 3199999], action: "deny" },
        ],
      },
    });
    const one = await (await client(2345601)).tryLogin();
    expect(one.ok === false && one.stage === "rptl" && one.reason === "nak").toBe(true);
    const block = await (await client(3123456)).tryLogin();
    expect(block.ok === false && block.stage === "rptl").toBe(true);
    expect((await (await client(2345602)).tryLogin()).ok).toBe(true);
    expect((await (await client(3200000)).tryLogin()).ok).toBe(true);
    const refusals = server.eventsOf("session.refused");
    expect(refusals.map((e) => [e.repeaterId, e.reason])).toEqual([
      [2345601, "access-rule"],
      [3123456, "access-rule"],
    ]);
  });

  test("deny by callsign takes effect at RPTC and removes the half-registered peer", async () => {
    const router = new RecordingRouter();
    server = await startTestServer({ router, hbp: { access_rules: [{ name: "no pirates", callsign: "PIR?T*", action: "deny" }] } });
    const pirate = await client(2345603, { callsign: "pirate1" });
    const result = await pirate.tryLogin();
    expect(result.ok === false && result.stage === "rptc" && result.reason === "nak").toBe(true);
    const refused = await server.waitForEvent("session.refused");
    expect(refused?.reason).toBe("callsign-denied");
    expect(refused?.callsign).toBe("PIRATE1");
    expect(server.hbp.sessionCount).toBe(0);
    expect(router.up.length).toBe(0);
    // not half-registered: pings, frames and options are NAKed and nothing reaches the router
    expect(await pirate.ping(500)).toBe(false);
    pirate.sendFrame({ sourceId: 1, destinationId: 91 });
    expect((await pirate.waitForNext((r) => r.tag === "MSTNAK"))).not.toBeNull();
    expect(router.frames.length).toBe(0);
    expect(server.eventsOf("session.up").length).toBe(0);
    // a different callsign on another id is fine
    expect((await (await client(2345604, { callsign: "G4ABC" })).tryLogin()).ok).toBe(true);
  });

  test("per-rule passphrase by id range: the rule's passphrase works, the global one does not", async () => {
    server = await startTestServer({
      hbp: { passphrase: "global-pass", access_rules: [{ name: "club", repeater_id_range: [2340000, 2349999], action: "allow", passphrase: "club-pass" }] },
    });
    expect((await (await client(2345605, { passphrase: "global-pass" })).tryLogin()).ok).toBe(false);
    expect((await (await client(2345606, { passphrase: "club-pass" })).tryLogin()).ok).toBe(true);
    // outside the range: the global passphrase applies
    expect((await (await client(3120101, { passphrase: "club-pass" })).tryLogin()).ok).toBe(false);
    expect((await (await client(3120102, { passphrase: "global-pass" })).tryLogin()).ok).toBe(true);
    expect(server.hbp.session(2345606)?.accessRule).toBe("club");
    expect(server.hbp.session(3120102)?.accessRule).toBeNull();
  });

  test("per-rule passphrase by callsign is checked at RPTC against the deciding rule", async () => {
    server = await startTestServer({
      hbp: { passphrase: "global-pass", access_rules: [{ name: "g4 club", callsign: "G4*", action: "allow", passphrase: "g4-pass" }] },
    });
    // a G4 callsign with the G4 passphrase: in
    expect((await (await client(2345607, { callsign: "G4XYZ", passphrase: "g4-pass" })).tryLogin()).ok).toBe(true);
    // a G4 callsign with the global passphrase: passes RPTK (the callsign is not known yet), refused at RPTC
    const wrong = await (await client(2345608, { callsign: "G4XYZ", passphrase: "global-pass" })).tryLogin();
    expect(wrong.ok === false && wrong.stage === "rptc").toBe(true);
    // a non-G4 callsign trying the G4 passphrase: refused at RPTC
    const sneaky = await (await client(2345609, { callsign: "M0ABC", passphrase: "g4-pass" })).tryLogin();
    expect(sneaky.ok === false && sneaky.stage === "rptc").toBe(true);
    expect((await (await client(2345610, { callsign: "M0ABC", passphrase: "global-pass" })).tryLogin()).ok).toBe(true);
    expect(server.eventsOf("session.refused").map((e) => e.reason)).toEqual(["bad-passphrase", "bad-passphrase"]);
    expect(server.hbp.sessionCount).toBe(2);
  });

  test("rules are matched in order: an earlier allow wins over a later catch-all deny", async () => {
    server = await startTestServer({
      hbp: {
        access_rules: [
          { name: "mine", repeater_id: 2345611, action: "allow" },
          { name: "everyone else", action: "deny" },
        ],
      },
    });
    expect((await (await client(2345611)).tryLogin()).ok).toBe(true);
    expect((await (await client(2345612)).tryLogin()).ok).toBe(false);
  });
});

describe("registration ACL, max peers, id 0", () => {
  test("registration ACL (FreeDMR syntax) refuses listed ids at RPTL", async () => {
    server = await startTestServer({ hbp: { registration_acl: "DENY:1-5,3120101" } });
    const denied = await (await client(3120101)).tryLogin();
    expect(denied.ok === false && denied.stage === "rptl").toBe(true);
    expect((await (await client(3)).tryLogin()).ok).toBe(false);
    expect((await (await client(3120102)).tryLogin()).ok).toBe(true);
    expect(server.eventsOf("session.refused").map((e) => e.reason)).toEqual(["acl", "acl"]);
  });

  test("max peers: the next new id is refused, a connected id may still re-login", async () => {
    server = await startTestServer({ hbp: { max_peers: 2 } });
    const a = await client(1001);
    await a.login();
    await (await client(1002)).login();
    const third = await (await client(1003)).tryLogin();
    expect(third.ok === false && third.stage === "rptl").toBe(true);
    expect(server.eventsOf("session.refused").at(-1)?.reason).toBe("max-peers");
    await a.reopen();
    expect((await a.tryLogin()).ok).toBe(true);
    expect(server.hbp.sessionCount).toBe(2);
  });

  test("repeater id 0 is refused", async () => {
    server = await startTestServer();
    const zero = await (await client(0)).tryLogin();
    expect(zero.ok === false && zero.stage === "rptl").toBe(true);
    expect(server.eventsOf("session.refused")[0]?.reason).toBe("invalid-id");
  });
});

describe("login rate limit", () => {
  test("failed logins ban the address: the failing id is ignored, correct logins still work, successes never count", async () => {
    server = await startTestServer({ hbp: { login_rate_limit_per_minute: 5, login_ban_seconds: 600 } });
    const connected = await client(2345620);
    await connected.login();
    // More successful logins from this one address than the limit: none of them counts.
    for (let i = 0; i < 8; i++) {
      const c = await client(2345630 + i);
      expect((await c.tryLogin()).ok).toBe(true);
    }
    expect(server.hbp.bannedPrefixes(0)).toEqual([]);
    const flooder = await client(9999999, { passphrase: "guess" });
    for (let i = 0; i < 6; i++) {
      const result = await flooder.tryLogin(); // failures 1..5 counted, the 6th crosses the limit
      expect(result.ok === false && result.stage === "rptk" && result.reason === "nak").toBe(true);
    }
    const refused = await server.waitForEvent("session.refused", (e) => e.reason === "rate-limited");
    expect(refused?.address).toBe("127.0.0.1");
    expect(refused?.repeaterId).toBe(9999999);
    // banned: the failing id now gets no answer at all from this address
    const again = await flooder.tryLogin({ timeoutMs: 200 });
    expect(again.ok === false && again.stage === "rptl" && again.reason === "timeout").toBe(true);
    expect(await server.waitForEvent("session.refused", (e) => e.reason === "banned")).not.toBeNull();
    expect(server.hbp.counters.rateLimited).toBeGreaterThanOrEqual(1);
    // …but a hotspot with the right passphrase behind the same address logs in as usual
    const newcomer = await client(2345621);
    expect((await newcomer.tryLogin()).ok).toBe(true);
    // the connected peer keeps pinging, sending options, and may re-login from its address
    expect(await connected.ping()).toBe(true);
    connected.sendRpto("TS2=91;");
    expect((await connected.waitForNext((r) => r.tag === "RPTACK" || r.tag === "MSTNAK"))?.tag).toBe("RPTACK");
    await connected.reopen();
    expect((await connected.tryLogin()).ok).toBe(true);
    expect(await connected.ping()).toBe(true);
    expect(server.eventsOf("session.refused").filter((e) => e.reason === "rate-limited").length).toBe(1);
  });
});

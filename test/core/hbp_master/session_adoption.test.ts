/**
 * The HBP master's session adoption hook (src/core/hbp_master/session_adoption.ts) with a fake
 * adopter: a keepalive, frame or options from an endpoint with no session is offered to the
 * adopter before MSTNAK; an adopted session is Connected (router port up, options re-applied,
 * session.up with `adopted`), answered MSTPONG / routed / acknowledged; the master's own rules
 * still decide (ACL, access rule identity, max peers), and the adopter is never asked for logins,
 * logouts or a live session's foreign endpoint.
 */
import { describe, expect, test } from "bun:test";
import { aclOrThrow } from "../../../src/core/acl.ts";
import type { AdoptableSession, SessionAdopter } from "../../../src/core/hbp_master/session_adoption.ts";
import { parseRptc, encodeRptc, type RptcConfig } from "../../../src/wire/rptc.ts";
import { Harness, dmrd, msg, rpto } from "./harness.ts";

const ADDRESS = "::ffff:192.0.2.7";
const PORT = 51_000;

function configOf(repeaterId: number, callsign = "N0CALL"): RptcConfig {
  const parsed = parseRptc(encodeRptc({ repeaterId, callsign, slots: "3", rxFrequencyHz: 438_000_000, txFrequencyHz: 430_000_000 }));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.config;
}

/** An adopter holding one record per id for one endpoint (what the cluster's mirror does), counting its calls. */
function fakeAdopter(records: Map<number, { address: string; port: number; offer: AdoptableSession }>): SessionAdopter & { calls: number } {
  const adopter = ((_nowMs: number, repeaterId: number, _socketIndex: number, address: string, port: number) => {
    adopter.calls++;
    const r = records.get(repeaterId);
    return r !== undefined && r.address === address && r.port === port ? r.offer : null;
  }) as SessionAdopter & { calls: number };
  adopter.calls = 0;
  return adopter;
}

function offer(repeaterId: number, extra: Partial<AdoptableSession> = {}): AdoptableSession {
  return { repeaterId, config: configOf(repeaterId), accessRule: null, options: "TS2=3100;", ...extra };
}

describe("HbpMaster session adoption", () => {
  test("without an adopter an unknown peer's ping is NAKed (as before)", () => {
    const h = new Harness();
    expect(h.recv(msg("RPTPING", 3100001), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(h.master.counters.unknownPeer).toBe(1);
  });

  test("a ping from the exact endpoint of a shared session is adopted: MSTPONG, port up, options re-applied, session.up adopted", () => {
    const h = new Harness();
    const adopter = fakeAdopter(new Map([[3100001, { address: ADDRESS, port: PORT, offer: offer(3100001) }]]));
    h.master.setSessionAdopter(adopter);
    const reply = h.recv(msg("RPTPING", 3100001), PORT, ADDRESS);
    expect(reply.map((s) => s.tag)).toEqual(["MSTPONG"]);
    expect(reply[0]!.port).toBe(PORT);
    const session = h.master.session(3100001)!;
    expect(session.connected).toBe(true);
    expect(session.callsign).toBe("N0CALL");
    expect(session.options).toBe("TS2=3100;");
    expect(session.simplex).toBe(false);
    expect(h.recording.up).toEqual([session]);
    expect(h.recording.options.map((o) => o.options)).toEqual(["TS2=3100;"]);
    const ups = h.events.events.filter((e) => e.type === "session.up");
    expect(ups).toHaveLength(1);
    expect(ups[0]).toMatchObject({ repeaterId: 3100001, adopted: true, port: PORT, address: "192.0.2.7" });
    expect(h.master.counters.adoptions).toBe(1);
    expect(h.master.counters.unknownPeer).toBe(0);
    expect(h.master.connectedCount).toBe(1);
    // from now on an ordinary session: the next ping is answered without asking again
    expect(h.recv(msg("RPTPING", 3100001), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTPONG"]);
    expect(adopter.calls).toBe(1);
    // and it ends as any session does (timeout → NAK, session.down)
    expect(h.tick(31_000).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(h.master.session(3100001)).toBeUndefined();
    expect(h.recording.down).toEqual([session]);
  });

  test("a frame from the exact endpoint is adopted and routed; RPTO is adopted and applied", () => {
    const h = new Harness();
    h.master.setSessionAdopter(
      fakeAdopter(
        new Map([
          [3100002, { address: ADDRESS, port: PORT, offer: offer(3100002) }],
          [3100003, { address: ADDRESS, port: PORT + 1, offer: offer(3100003, { options: null }) }],
        ]),
      ),
    );
    expect(h.recv(dmrd(3100002, { destinationId: 91 }), PORT, ADDRESS)).toEqual([]);
    expect(h.recording.frames.map((f) => [f.repeaterId, f.destinationId])).toEqual([[3100002, 91]]);
    const reply = h.recv(rpto(3100003, "TS1=91;"), PORT + 1, ADDRESS);
    expect(reply.map((s) => s.tag)).toEqual(["RPTACK"]);
    expect(h.recording.options.map((o) => o.options)).toEqual(["TS2=3100;", "TS1=91;"]);
    expect(h.master.counters.adoptions).toBe(2);
  });

  test("another port or address claiming the id is not adopted (MSTNAK); logins and logouts never ask the adopter", () => {
    const h = new Harness();
    const adopter = fakeAdopter(new Map([[3100004, { address: ADDRESS, port: PORT, offer: offer(3100004) }]]));
    h.master.setSessionAdopter(adopter);
    expect(h.recv(msg("RPTPING", 3100004), PORT + 1, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(h.recv(msg("RPTPING", 3100004), PORT, "::ffff:192.0.2.8").map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(h.master.session(3100004)).toBeUndefined();
    expect(adopter.calls).toBe(2);
    h.recv(msg("RPTCL", 3100004), PORT, ADDRESS);
    h.recv(msg("RPTL", 3100004), PORT, ADDRESS);
    expect(adopter.calls).toBe(2);
    expect(h.master.counters.adoptions).toBe(0);
  });

  test("a live session is never replaced by adoption: a ping naming it from another endpoint is dropped as spoofed", () => {
    const h = new Harness();
    h.login(3100005, { port: PORT, address: ADDRESS });
    const adopter = fakeAdopter(new Map([[3100005, { address: ADDRESS, port: PORT + 5, offer: offer(3100005) }]]));
    h.master.setSessionAdopter(adopter);
    expect(h.recv(msg("RPTPING", 3100005), PORT + 5, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(adopter.calls).toBe(0);
    expect(h.master.counters.spoofed).toBe(1);
    expect(h.master.session(3100005)!.endpoint.port).toBe(PORT);
  });

  test("the master's own rules decide: ACL, access rule identity, max peers; a wrong id in the record is refused", () => {
    const denied = new Harness({ registrationAcl: aclOrThrow("DENY:3100006") });
    denied.master.setSessionAdopter(fakeAdopter(new Map([[3100006, { address: ADDRESS, port: PORT, offer: offer(3100006) }]])));
    expect(denied.recv(msg("RPTPING", 3100006), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(denied.master.counters.adoptionsRefused).toBe(1);

    // the login proved rule "club"'s passphrase there; here the global one decides: refused
    const otherRule = new Harness();
    otherRule.master.setSessionAdopter(fakeAdopter(new Map([[3100007, { address: ADDRESS, port: PORT, offer: offer(3100007, { accessRule: "club" }) }]])));
    expect(otherRule.recv(msg("RPTPING", 3100007), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(otherRule.master.counters.adoptionsRefused).toBe(1);

    // the same rule here: adopted, and the session carries the rule's name
    const sameRule = new Harness({ accessRules: [{ name: "club", repeaterIdRange: [3100000, 3100999], action: "allow", passphrase: "club-secret" }] });
    sameRule.master.setSessionAdopter(fakeAdopter(new Map([[3100007, { address: ADDRESS, port: PORT, offer: offer(3100007, { accessRule: "club" }) }]])));
    expect(sameRule.recv(msg("RPTPING", 3100007), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTPONG"]);
    expect(sameRule.master.session(3100007)!.accessRule).toBe("club");

    const full = new Harness({ maxPeers: 1 });
    full.login(3100008, { port: PORT + 8, address: ADDRESS });
    full.master.setSessionAdopter(fakeAdopter(new Map([[3100009, { address: ADDRESS, port: PORT, offer: offer(3100009) }]])));
    expect(full.recv(msg("RPTPING", 3100009), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(full.master.counters.adoptionsRefused).toBe(1);

    const wrongId = new Harness();
    wrongId.master.setSessionAdopter(fakeAdopter(new Map([[3100010, { address: ADDRESS, port: PORT, offer: offer(3100011) }]])));
    expect(wrongId.recv(msg("RPTPING", 3100010), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(wrongId.master.session(3100010)).toBeUndefined();
    expect(wrongId.master.counters.adoptionsRefused).toBe(1);
  });

  test("an adopter that throws costs a NAK, never the server", () => {
    const h = new Harness();
    h.master.setSessionAdopter(() => {
      throw new Error("broken adopter");
    });
    expect(h.recv(msg("RPTPING", 3100012), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
    expect(h.master.counters.handlerErrors).toBe(1);
  });

  describe("holding unknown peers while the cluster's sessions load", () => {
    test("until the hold ends, an unknown peer's ping, frame and options are dropped and counted, not NAKed; then NAKed again", () => {
      const h = new Harness();
      h.master.holdUnknownPeers(h.nowMs + 5_000);
      expect(h.recv(msg("RPTPING", 3100001), PORT, ADDRESS)).toEqual([]);
      expect(h.recv(dmrd(3100001), PORT, ADDRESS)).toEqual([]);
      expect(h.recv(rpto(3100001, "TS2=3100;"), PORT, ADDRESS)).toEqual([]);
      expect(h.master.counters.unknownPeerHeld).toBe(3);
      expect(h.master.counters.unknownPeer).toBe(0);
      h.nowMs += 5_000;
      expect(h.recv(msg("RPTPING", 3100001), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
      expect(h.master.counters.unknownPeer).toBe(1);
      expect(h.master.counters.unknownPeerHeld).toBe(3);
    });

    test("a held hotspot is taken over once its record is there; ending the hold early (0) NAKs at once", () => {
      const h = new Harness();
      const records = new Map<number, { address: string; port: number; offer: AdoptableSession }>();
      h.master.setSessionAdopter(fakeAdopter(records));
      h.master.holdUnknownPeers(h.nowMs + 10_000);
      expect(h.recv(msg("RPTPING", 3100001), PORT, ADDRESS)).toEqual([]);
      // the mirror loads: the next keepalive finds the session
      records.set(3100001, { address: ADDRESS, port: PORT, offer: offer(3100001) });
      expect(h.recv(msg("RPTPING", 3100001), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTPONG"]);
      expect(h.master.counters.adoptions).toBe(1);
      h.master.holdUnknownPeers(0);
      expect(h.recv(msg("RPTPING", 3100002), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
      expect(h.master.counters.unknownPeerHeld).toBe(1);
    });

    test("logins are never held, an RPTC with no session is NAKed (a login begun elsewhere), and so is a record our rules refuse", () => {
      const h = new Harness({ registrationAcl: aclOrThrow("DENY:3100009") });
      h.master.setSessionAdopter(fakeAdopter(new Map([[3100009, { address: ADDRESS, port: PORT, offer: offer(3100009) }]])));
      h.master.holdUnknownPeers(h.nowMs + 10_000);
      expect(h.recv(msg("RPTL", 3100001), PORT, ADDRESS).map((s) => s.tag)).toEqual(["RPTACK"]);
      expect(h.recv(encodeRptc({ repeaterId: 3100002, callsign: "N0CALL" }), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
      expect(h.recv(msg("RPTPING", 3100009), PORT, ADDRESS).map((s) => s.tag)).toEqual(["MSTNAK"]);
      expect(h.master.counters.adoptionsRefused).toBe(1);
      expect(h.master.counters.unknownPeerHeld).toBe(0);
    });
  });
});

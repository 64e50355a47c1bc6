/**
 * Login protection driven deterministically (fake time, synthetic source addresses): stateless
 * salts, the per-prefix login guard, and floods that must not block legitimate logins (issue 8 §2).
 * The same behaviour over real sockets is in test/e2e/hbp_login_flood.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { loginPrefix } from "../../../src/core/hbp_master/address_prefix.ts";
import { HANDSHAKES_PER_PREFIX_MAX } from "../../../src/core/hbp_master/hbp_master.ts";
import { BLOCKED_IDS_PER_PREFIX, FailureVerdict, LoginGuard } from "../../../src/core/hbp_master/login_guard.ts";
import { SALT_WINDOW_MS, SaltCookie } from "../../../src/core/hbp_master/salt_cookie.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { readUint32 } from "../../../src/wire/dmrd.ts";
import { encodeRptc } from "../../../src/wire/rptc.ts";
import { testSeed } from "../../support/seed.ts";
import { Harness, msg, rptk } from "./harness.ts";

/** Rate limits on, at the shipped defaults (20 failures per minute, 10-minute ban). */
const PROTECTED = { loginRateLimitPerMinute: 20, loginBanMs: 600_000 };

describe("loginPrefix", () => {
  test("IPv4 is the address, IPv6 the /64, IPv4-mapped IPv6 is IPv4", () => {
    expect(loginPrefix("192.0.2.1")).toBe("192.0.2.1");
    expect(loginPrefix("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(loginPrefix("2001:db8:a:b:1:2:3:4")).toBe("2001:db8:a:b::/64");
    expect(loginPrefix("2001:DB8:A:B::99")).toBe("2001:db8:a:b::/64");
    expect(loginPrefix("2001:0db8:000a:000b::1")).toBe("2001:db8:a:b::/64");
    expect(loginPrefix("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(loginPrefix("::1")).toBe("0:0:0:0::/64");
    expect(loginPrefix("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(loginPrefix("64:ff9b:1:2:3:4:192.0.2.1")).toBe("64:ff9b:1:2::/64");
    // every address of one /64 is one key; the next /64 is another
    expect(loginPrefix("fd00:8:1:0:ffff:1:2:3")).toBe(loginPrefix("fd00:8:1::7"));
    expect(loginPrefix("fd00:8:1:1::7")).not.toBe(loginPrefix("fd00:8:1::7"));
    expect(loginPrefix("::")).toBe("0:0:0:0::/64");
    expect(loginPrefix("1::")).toBe("1:0:0:0::/64");
    expect(loginPrefix("1:2:3:4:5:6:7:8")).toBe("1:2:3:4::/64");
    expect(loginPrefix("1:2:3:4:5:6:7::")).toBe("1:2:3:4::/64");
    expect(loginPrefix("::2:3:4:5:6:7:8")).toBe("0:2:3:4::/64");
    expect(loginPrefix("::ffff:0:192.0.2.1")).toBe("0:0:0:0::/64");
    expect(loginPrefix("::FFFF:192.0.2.1")).toBe("192.0.2.1");
    // junk stays itself (lower-cased; it can only come from a bug in the shell; never throws)
    for (const junk of ["not:an:address:zz", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::1.2.3.256", ":::"]) {
      expect(loginPrefix(junk)).toBe(junk.toLowerCase());
    }
  });
});

describe("SaltCookie", () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  test("is truncated HMAC-SHA256(secret, window ‖ id ‖ socket ‖ port ‖ address) (RFC 2104, checked against node:crypto)", () => {
    const cookie = new SaltCookie(secret);
    const message = new Uint8Array(60);
    const view = new DataView(message.buffer);
    view.setUint32(0, 57_000);
    view.setUint32(4, 2345601);
    view.setUint16(8, 1);
    view.setUint16(10, 62031);
    const address = "2001:db8:a:b:1:2:3:4";
    for (let i = 0; i < address.length; i++) message[12 + i] = address.charCodeAt(i);
    const expected = createHmac("sha256", secret).update(message).digest().readUInt32BE(0);
    expect(cookie.salt(57_000, 2345601, 1, address, 62031)).toBe(expected);
  });
  test("differs by window, id, socket, port and address; a different secret gives different salts", () => {
    const cookie = new SaltCookie(secret);
    const base = cookie.salt(1, 2345601, 0, "192.0.2.1", 5000);
    expect(cookie.salt(1, 2345601, 0, "192.0.2.1", 5000)).toBe(base);
    const variants = [
      cookie.salt(2, 2345601, 0, "192.0.2.1", 5000),
      cookie.salt(1, 2345602, 0, "192.0.2.1", 5000),
      cookie.salt(1, 2345601, 1, "192.0.2.1", 5000),
      cookie.salt(1, 2345601, 0, "192.0.2.1", 5001),
      cookie.salt(1, 2345601, 0, "192.0.2.2", 5000),
      new SaltCookie(secret.map((b) => b ^ 1)).salt(1, 2345601, 0, "192.0.2.1", 5000),
    ];
    expect(new Set([base, ...variants]).size).toBe(7);
    expect(() => new SaltCookie(new Uint8Array(8))).toThrow();
  });
});

describe("LoginGuard", () => {
  test("RPTLs answered by an RPTK never count; unanswered ones count after a full 10-s bucket", () => {
    const guard = new LoginGuard(3, 10_000);
    for (let i = 0; i < 100; i++) {
      guard.onRptl(i, "a");
      guard.onRptk(i + 1, "a");
    }
    // an RPTL at the end of one bucket answered early in the next
    guard.onRptl(9_999, "a");
    guard.onRptk(10_001, "a");
    guard.sweep(40_000);
    expect(guard.unanswered).toBe(0);
    expect(guard.isBanned(40_000, "a")).toBe(false);
    // 4 RPTLs nobody answers: counted once they are one full bucket old → over the limit → banned
    for (let i = 0; i < 4; i++) guard.onRptl(50_000, "b");
    guard.sweep(55_000);
    expect(guard.isBanned(55_000, "b")).toBe(false);
    guard.sweep(70_000);
    expect(guard.unanswered).toBe(4);
    expect(guard.isBanned(70_000, "b")).toBe(true);
    // …which blocks no id: nothing failed by id
    expect(guard.isBlocked(70_000, "b", 1)).toBe(false);
  });

  test("failures ban the prefix; failing ids are blocked there; other ids and prefixes are not; bans expire", () => {
    const guard = new LoginGuard(3, 10_000);
    expect([1, 2, 3].map((t) => guard.onFailure(t, "a", 7))).toEqual([FailureVerdict.Counted, FailureVerdict.Counted, FailureVerdict.Counted]);
    expect(guard.onFailure(4, "a", 7)).toBe(FailureVerdict.BanStarted);
    expect(guard.isBlocked(5, "a", 7)).toBe(true);
    expect(guard.isBlocked(5, "a", 8)).toBe(false);
    expect(guard.isBlocked(5, "b", 7)).toBe(false);
    expect(guard.onFailure(6, "a", 8)).toBe(FailureVerdict.Blocked);
    expect(guard.isBlocked(7, "a", 8)).toBe(true);
    expect(guard.bannedPrefixes(7)).toEqual(["a"]);
    expect(guard.isBlocked(10_003, "a", 7)).toBe(true);
    expect(guard.isBlocked(10_004, "a", 7)).toBe(false);
    expect(guard.onFailure(10_005, "a", 7)).toBe(FailureVerdict.Counted);
    // the window resets after a minute
    const windowed = new LoginGuard(2, 1000);
    windowed.onFailure(0, "x", 1);
    windowed.onFailure(1, "x", 1);
    expect(windowed.onFailure(60_001, "x", 1)).toBe(FailureVerdict.Counted);
    // disabled
    const off = new LoginGuard(0, 1000);
    for (let i = 0; i < 100; i++) off.onFailure(i, "x", 1);
    expect(off.isBlocked(100, "x", 1)).toBe(false);
    expect(off.size).toBe(0);
  });

  test("a ban is never evicted to make room; with the table full of bans a new prefix is just not tracked", () => {
    const guard = new LoginGuard(1, 600_000, 4);
    for (const p of ["b1", "b2"]) {
      guard.onFailure(0, p, 1);
      guard.onFailure(0, p, 1);
    }
    for (let i = 0; i < 50; i++) guard.onFailure(1, `n${i}`, 1);
    expect(guard.size).toBe(4);
    expect(guard.bannedPrefixes(2).sort()).toEqual(["b1", "b2"]);
    for (const p of ["b3", "b4"]) {
      guard.onFailure(3, p, 1);
      guard.onFailure(3, p, 1);
    }
    expect(guard.bannedPrefixes(4).sort()).toEqual(["b1", "b2", "b3", "b4"]);
    guard.onFailure(5, "late", 1);
    expect(guard.untracked).toBe(1);
    expect(guard.bannedPrefixes(5).length).toBe(4);
    expect(guard.isBlocked(6, "b1", 1)).toBe(true);
  });

  test("blocked ids per prefix are bounded", () => {
    const guard = new LoginGuard(1, 600_000);
    guard.onFailure(0, "a", 1);
    guard.onFailure(0, "a", 2);
    for (let id = 3; id < BLOCKED_IDS_PER_PREFIX + 12; id++) guard.onFailure(1, "a", id);
    expect(guard.blockedIdsFull).toBe(10);
    expect(guard.isBlocked(2, "a", BLOCKED_IDS_PER_PREFIX + 11)).toBe(false);
    expect(guard.isBlocked(2, "a", 2)).toBe(true);
    expect(guard.blockedIds).toBe(BLOCKED_IDS_PER_PREFIX);
    // and over all prefixes; ids are released when their ban ends
    const small = new LoginGuard(1, 1000, 1000, 5);
    for (const p of ["a", "b", "c"]) for (let id = 1; id <= 4; id++) small.onFailure(0, p, id);
    expect(small.blockedIds).toBe(5);
    // per prefix: id 1 counted, id 2 starts the ban (blocked), ids 3 and 4 blocked → 9 to block, room for 5
    expect(small.blockedIdsFull).toBe(4);
    small.sweep(2000);
    expect(small.blockedIds).toBe(0);
  });
});

/** One full login by a legitimate hotspot; true when every step was acknowledged. */
function tryLogin(h: Harness, id: number, address: string, port: number, passphrase = "passw0rd"): boolean {
  const r1 = h.recv(msg("RPTL", id), port, address);
  if (r1[0]?.tag !== "RPTACK") return false;
  const r2 = h.recv(rptk(id, readUint32(r1[0].bytes, 6), passphrase), port, address);
  if (r2[0]?.tag !== "RPTACK") return false;
  const r3 = h.recv(encodeRptc({ repeaterId: id, callsign: "N0CALL" }), port, address);
  return r3[0]?.tag === "RPTACK";
}

describe("stateless handshake", () => {
  test("a salt is accepted in its window and the next, not later; the RPTL left no state", () => {
    const h = new Harness(PROTECTED);
    const salt = readUint32(h.recv(msg("RPTL", 1001))[0]!.bytes, 6);
    expect(h.master.stats(h.nowMs).pendingLogins).toBe(0);
    expect(h.master.sessionCount).toBe(0);
    h.nowMs += SALT_WINDOW_MS + 5_000;
    expect(h.recv(rptk(1001, salt, "passw0rd"))[0]?.tag).toBe("RPTACK");
    const late = new Harness(PROTECTED);
    const lateSalt = readUint32(late.recv(msg("RPTL", 1001))[0]!.bytes, 6);
    late.nowMs += 2 * SALT_WINDOW_MS + 1;
    expect(late.recv(rptk(1001, lateSalt, "passw0rd"))[0]?.tag).toBe("MSTNAK");
    // the salt is bound to the endpoint: the same RPTK from another port fails
    const moved = new Harness(PROTECTED);
    const movedSalt = readUint32(moved.recv(msg("RPTL", 1001), 50000)[0]!.bytes, 6);
    expect(moved.recv(rptk(1001, movedSalt, "passw0rd"), 50001)[0]?.tag).toBe("MSTNAK");
    expect(moved.events.ofType("session.refused").map((e) => e.reason)).toEqual(["bad-passphrase"]);
  });

  test("salts come from the secret passed in: two masters with different secrets send different salts", () => {
    const a = new Harness({}, undefined, 1024, Uint8Array.from({ length: 32 }, () => 1));
    const b = new Harness({}, undefined, 1024, Uint8Array.from({ length: 32 }, () => 2));
    const saltA = readUint32(a.recv(msg("RPTL", 1001))[0]!.bytes, 6);
    const saltB = readUint32(b.recv(msg("RPTL", 1001))[0]!.bytes, 6);
    expect(saltA).not.toBe(saltB);
    expect(saltA).toBe(new SaltCookie(Uint8Array.from({ length: 32 }, () => 1)).salt(SaltCookie.window(a.nowMs), 1001, 0, "::ffff:192.0.2.1", 50000));
  });
});

describe("floods (synthetic addresses, 3,000 RPTL/s of simulated time)", () => {
  const FLOOD_SECONDS = 30;
  const RPTL_PER_SECOND = 3_000;

  function flood(h: Harness, source: (i: number, prng: Prng) => string, prng: Prng, legit: (i: number) => { address: string; port: number }): { ok: number; tries: number } {
    const total = FLOOD_SECONDS * RPTL_PER_SECOND;
    const stepMs = 1000 / RPTL_PER_SECOND;
    const start = h.nowMs;
    let ok = 0;
    let tries = 0;
    let legitCount = 0;
    for (let i = 0; i < total; i++) {
      h.nowMs = start + i * stepMs;
      h.recv(msg("RPTL", 1 + prng.nextInt(16_000_000)), 1024 + prng.nextInt(60_000), source(i, prng));
      if (i % 300 === 150) {
        h.tick(0);
        // a legitimate new hotspot every 100 ms, from its own address
        const { address, port } = legit(legitCount);
        const id = 3_000_000 + legitCount++;
        tries++;
        if (tryLogin(h, id, address, port)) ok++;
      }
    }
    return { ok, tries };
  }

  test("1,100 IPv4 addresses: every legitimate login succeeds first time; the flood leaves no login state", () => {
    const seed = testSeed("login flood 1100 addresses");
    const h = new Harness(PROTECTED);
    const { ok, tries } = flood(
      h,
      (i) => `::ffff:10.${(i % 1100) >> 8}.${(i % 1100) & 0xff}.1`,
      new Prng(seed),
      (i) => ({ address: `::ffff:192.0.${2 + (i >> 8)}.${i & 0xff}`, port: 40000 + i }),
    );
    expect(tries).toBe(300);
    expect(ok).toBe(tries);
    expect(h.master.sessionCount).toBe(tries);
    expect(h.master.stats(h.nowMs).pendingLogins).toBe(0);
    // every flooding address went unanswered long enough to be banned; no legitimate one was
    expect(h.master.guardStats.bansStarted).toBe(1100);
    const bans = h.events.ofType("session.refused").filter((e) => e.reason === "rate-limited");
    expect(new Set(bans.map((e) => e.address)).size).toBe(1100);
    expect(h.master.bannedPrefixes(h.nowMs).every((p) => p.startsWith("10."))).toBe(true);
    expect(h.master.guardStats.prefixes).toBeLessThanOrEqual(1100 + tries);
  });

  test("one IPv6 /64 at 3,000 RPTL/s from random interface ids: one key, legitimate logins (even inside that /64) succeed", () => {
    const seed = testSeed("login flood one /64");
    const h = new Harness(PROTECTED);
    const hex = (prng: Prng): string => prng.nextInt(0x10000).toString(16);
    const { ok, tries } = flood(
      h,
      (_i, prng) => `2001:db8:bad:1:${hex(prng)}:${hex(prng)}:${hex(prng)}:${hex(prng)}`,
      new Prng(seed),
      (i) => ({ address: i % 10 === 0 ? `2001:db8:bad:1::beef:${i.toString(16)}` : `2001:db8:${(i + 1).toString(16)}::1`, port: 40000 + i }),
    );
    expect(ok).toBe(tries);
    expect(h.master.bannedPrefixes(h.nowMs)).toEqual(["2001:db8:bad:1::/64"]);
    // one refusal event for the ban, naming the /64
    expect(h.events.ofType("session.refused").map((e) => [e.reason, e.address])).toEqual([["rate-limited", "2001:db8:bad:1::/64"]]);
    expect(h.master.guardStats.prefixes).toBeLessThanOrEqual(1 + tries);
    expect(h.master.stats(h.nowMs).pendingLogins).toBe(0);
  });
});

describe("CGNAT and clubs", () => {
  test("500 hotspots behind one address log in again at once after a restart, during a wrong-passphrase flood from that address", () => {
    const seed = testSeed("cgnat restart");
    const prng = new Prng(seed);
    const address = "::ffff:203.0.113.7";
    const before = new Harness(PROTECTED, undefined, 4096);
    for (let i = 0; i < 500; i++) expect(tryLogin(before, 2_000_000 + i, address, 20_000 + i)).toBe(true);
    // restart: a new master, nobody logged in; everyone comes back in the same burst
    const h = new Harness(PROTECTED, undefined, 4096);
    const salts: number[] = [];
    const attack = (): void => {
      const id = 9_000_000 + prng.nextInt(1_000);
      const port = 1024 + prng.nextInt(60_000);
      const reply = h.recv(msg("RPTL", id), port, address);
      if (reply[0]?.tag === "RPTACK") h.recv(rptk(id, readUint32(reply[0].bytes, 6), "guess"), port, address);
    };
    for (let i = 0; i < 500; i++) {
      attack();
      const reply = h.recv(msg("RPTL", 2_000_000 + i), 30_000 + i, address);
      expect(reply[0]?.tag).toBe("RPTACK");
      salts.push(readUint32(reply[0]!.bytes, 6));
      h.nowMs += 20;
    }
    for (let i = 0; i < 500; i++) {
      attack();
      expect(h.recv(rptk(2_000_000 + i, salts[i]!, "passw0rd"), 30_000 + i, address)[0]?.tag).toBe("RPTACK");
    }
    for (let i = 0; i < 500; i++) {
      attack();
      expect(h.recv(encodeRptc({ repeaterId: 2_000_000 + i, callsign: "N0CALL" }), 30_000 + i, address)[0]?.tag).toBe("RPTACK");
    }
    expect(h.master.connectedCount).toBe(500);
    // the flood got the address banned and its ids ignored there, and nothing else
    expect(h.master.bannedPrefixes(h.nowMs)).toEqual(["203.0.113.7"]);
    expect(h.events.ofType("session.refused").filter((e) => e.reason === "rate-limited").length).toBe(1);
    expect(h.master.counters.rateLimited).toBeGreaterThan(0);
    expect(h.events.ofType("session.refused").every((e) => e.repeaterId >= 9_000_000)).toBe(true);
    // a new hotspot behind the banned address still gets in
    expect(tryLogin(h, 2_000_999, address, 40_000)).toBe(true);
  });

  test("logins that authenticate but never configure are bounded per prefix (server half full) and count as failures when they expire", () => {
    // max_peers = 2 × the bound: the server is half full when one prefix holds the bound
    const h = new Harness({ ...PROTECTED, peerTimeoutMs: 30_000, maxPeers: 2 * HANDSHAKES_PER_PREFIX_MAX }, undefined, 4096);
    const greedy = "::ffff:198.51.100.9";
    const open = (id: number, address: string, port: number): string => {
      const salt = readUint32(h.recv(msg("RPTL", id), port, address)[0]!.bytes, 6);
      return h.recv(rptk(id, salt, "passw0rd"), port, address)[0]!.tag;
    };
    for (let i = 0; i < HANDSHAKES_PER_PREFIX_MAX; i++) expect(open(5_000_000 + i, greedy, 10_000 + i)).toBe("RPTACK");
    expect(open(5_999_999, greedy, 9_000)).toBe("MSTNAK");
    expect(h.events.ofType("session.refused").at(-1)?.reason).toBe("handshake-limit");
    expect(h.master.stats(h.nowMs).pendingLogins).toBe(HANDSHAKES_PER_PREFIX_MAX);
    // another prefix is unaffected
    expect(tryLogin(h, 1001, "::ffff:192.0.2.1", 50000)).toBe(true);
    // they expire without RPTC: unanswered handshakes → the prefix is banned, those ids ignored there
    for (let t = 0; t < 10; t++) {
      h.tick(5_000);
      h.recv(msg("RPTPING", 1001), 50000, "::ffff:192.0.2.1");
    }
    expect(h.master.stats(h.nowMs).pendingLogins).toBe(0);
    expect(h.master.bannedPrefixes(h.nowMs)).toEqual(["198.51.100.9"]);
    expect(h.recv(msg("RPTL", 5_000_100), 10_100, greedy)).toEqual([]);
    expect(h.events.ofType("session.refused").at(-1)?.reason).toBe("banned");
    // but a hotspot that does finish its login gets in from there
    expect(tryLogin(h, 5_999_998, greedy, 11_111)).toBe(true);
    expect(h.master.session(1001)?.connected).toBe(true);
  });

  test("below half of max_peers, one address may hold more handshakes than the bound (a restart burst behind one address)", () => {
    const h = new Harness({ ...PROTECTED, maxPeers: 4 * HANDSHAKES_PER_PREFIX_MAX }, undefined, 4096);
    const salts: number[] = [];
    const count = HANDSHAKES_PER_PREFIX_MAX + 100;
    for (let i = 0; i < count; i++) salts.push(readUint32(h.recv(msg("RPTL", 6_000_000 + i), 10_000 + i)[0]!.bytes, 6));
    for (let i = 0; i < count; i++) expect(h.recv(rptk(6_000_000 + i, salts[i]!, "passw0rd"), 10_000 + i)[0]?.tag).toBe("RPTACK");
    for (let i = 0; i < count; i++) expect(h.recv(encodeRptc({ repeaterId: 6_000_000 + i, callsign: "N0CALL" }), 10_000 + i)[0]?.tag).toBe("RPTACK");
    expect(h.master.connectedCount).toBe(count);
    expect(h.master.counters.refusedPendingFull).toBe(0);
  });
});

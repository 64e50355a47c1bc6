/**
 * The HBP master driven directly (no sockets): fake time, deterministic salts. Covers what is
 * awkward over UDP — timing, lost replies, outbox pressure, buggy routers, allocation.
 */
import { describe, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { loginDigest, constantTimeEqual, passphraseBytes } from "../../../src/core/hbp_master/auth.ts";
import { AccessRules } from "../../../src/core/hbp_master/access_rules.ts";
import { PortIndexPool } from "../../../src/core/hbp_master/port_index_pool.ts";
import { NullRouter, type FrameRouter } from "../../../src/core/router_contract.ts";
import type { RouterPort } from "../../../src/core/router_port.ts";
import { fromHex, toHex } from "../../../src/lib/hex.ts";
import { encodeRptc } from "../../../src/wire/rptc.ts";
import { Harness, dmrd, msg, rptk, rpto } from "./harness.ts";
import { TIMEOUTS_PER_SWEEP_MAX } from "../../../src/core/hbp_master/hbp_master.ts";

describe("auth", () => {
  test("the worked example: sha256(ca0ab9c2 ‖ passw0rd) (hbp-and-dmr.md §1.2)", () => {
    expect(toHex(loginDigest(0xca0ab9c2, passphraseBytes("passw0rd")))).toBe("546e613fb5a7c19dfc39b8aa5cecbcb5486b2235e02b0cadf46c37af9cc3e5df");
  });
  test("constantTimeEqual", () => {
    expect(constantTimeEqual(fromHex("0102"), fromHex("0102"))).toBe(true);
    expect(constantTimeEqual(fromHex("0102"), fromHex("0103"))).toBe(false);
    expect(constantTimeEqual(fromHex("0102"), fromHex("010200"))).toBe(false);
  });
});

describe("access rules", () => {
  test("order decides; callsign rules defer the decision to RPTC and contribute passphrases", () => {
    const rules = new AccessRules([
      { name: "g4", callsign: "G4*", action: "allow", passphrase: "g4" },
      { name: "block", repeaterIdRange: [100, 200], action: "deny" },
      { name: "vip", repeaterId: 300, action: "allow", passphrase: "vip" },
      { name: "rest", action: "deny" },
    ]);
    // 150: a callsign rule precedes the id deny, so RPTL cannot refuse yet; only the G4 passphrase can work
    const v150 = rules.atLogin(150);
    expect(v150.denied).toBeNull();
    expect(v150.passphrases.map((p) => (p === null ? null : new TextDecoder().decode(p)))).toEqual(["g4"]);
    expect(rules.atConfig(150, "G4ABC")?.name).toBe("g4");
    expect(rules.atConfig(150, "M0ABC")?.name).toBe("block");
    const v300 = rules.atLogin(300);
    expect(v300.passphrases.map((p) => (p === null ? null : new TextDecoder().decode(p)))).toEqual(["g4", "vip"]);
    expect(rules.atConfig(300, "M0ABC")?.name).toBe("vip");
    expect(rules.atConfig(999, "M0ABC")?.name).toBe("rest");
    expect(new AccessRules([{ name: "x", repeaterId: 5, action: "deny" }]).atLogin(5).denied?.name).toBe("x");
    expect(new AccessRules([]).atLogin(5).passphrases).toEqual([null]);
  });
  test("callsign globs: * and ?, case-insensitive, regex characters literal", () => {
    const rules = new AccessRules([{ name: "g", callsign: "m?a*/P", action: "deny" }]);
    expect(rules.atConfig(1, "M0ABC/P")?.name).toBe("g");
    expect(rules.atConfig(1, "M0ABC/M")).toBeNull();
    expect(rules.atConfig(1, "MM0ABC/P")).toBeNull();
  });
});

describe("HbpMaster", () => {
  test("a lost RPTACK: repeated RPTL gets the same salt; repeated RPTK and RPTC are acknowledged again", () => {
    const h = new Harness();
    const first = h.recv(msg("RPTL", 1001));
    const again = h.recv(msg("RPTL", 1001));
    expect(toHex(first[0]!.bytes)).toBe(toHex(again[0]!.bytes));
    const salt = new DataView(first[0]!.bytes.buffer).getUint32(6);
    expect(h.recv(rptk(1001, salt, "passw0rd"))[0]?.tag).toBe("RPTACK");
    expect(h.recv(rptk(1001, salt, "passw0rd"))[0]?.tag).toBe("RPTACK");
    expect(h.recv(rptk(1001, salt, "wrong"))[0]?.tag).toBe("MSTNAK");
    const rptc = encodeRptc({ repeaterId: 1001, callsign: "N0CALL" });
    expect(h.recv(rptc)[0]?.tag).toBe("RPTACK");
    expect(h.recv(rptc)[0]?.tag).toBe("RPTACK");
    expect(h.recording.up.length).toBe(1);
    expect(h.events.ofType("session.up").length).toBe(1);
  });

  test("timeouts: a silent session goes after peerTimeoutMs; a pinging one stays; half-done logins expire", () => {
    const h = new Harness({ peerTimeoutMs: 30_000 });
    h.login(1001, { port: 1 });
    h.login(1002, { port: 2 });
    h.recv(msg("RPTL", 1003), 3);
    for (let t = 0; t < 6; t++) {
      h.tick(10_000);
      expect(h.recv(msg("RPTPING", 1002), 2)[0]?.tag).toBe("MSTPONG");
    }
    expect(h.master.session(1001)).toBeUndefined();
    expect(h.master.session(1002)?.connected).toBe(true);
    expect(h.master.stats(h.nowMs).pendingLogins).toBe(0);
    expect(h.events.ofType("session.down").map((e) => [e.repeaterId, e.reason])).toEqual([[1001, "timeout"]]);
    expect(h.sent.some((s) => s.tag === "MSTNAK" && s.port === 1)).toBe(true);
  });

  test("a mass timeout is spread over ticks: at most TIMEOUTS_PER_SWEEP_MAX sessions go per pass", () => {
    const count = TIMEOUTS_PER_SWEEP_MAX * 2 + 10;
    const h = new Harness({ peerTimeoutMs: 30_000 }, undefined, count * 8);
    for (let i = 0; i < count; i++) h.login(10_000 + i, { port: 1000 + i });
    expect(h.master.connectedCount).toBe(count);
    h.tick(31_000);
    expect(h.master.connectedCount).toBe(count - TIMEOUTS_PER_SWEEP_MAX);
    h.tick(25);
    expect(h.master.connectedCount).toBe(count - 2 * TIMEOUTS_PER_SWEEP_MAX);
    h.tick(25);
    expect(h.master.connectedCount).toBe(0);
    expect(h.events.ofType("session.down").length).toBe(count);
    h.tick(25); // no backlog left: the next pass waits for the sweep interval again
    expect(h.master.counters.timeouts).toBe(count);
  });

  test("port indexes are dense and reused; the session is a RouterPort with the RPTC data", () => {
    const h = new Harness();
    h.login(1001, { port: 1, callsign: "g4abc" });
    h.login(1002, { port: 2 });
    const a = h.master.session(1001)!;
    expect([a.portIndex, h.master.session(1002)!.portIndex]).toEqual([0, 1]);
    expect(a.name).toBe("G4ABC/1001");
    expect(a.simplex).toBe(true);
    h.recv(msg("RPTCL", 1001), 1);
    h.login(1003, { port: 3 });
    expect(h.master.session(1003)!.portIndex).toBe(0);
    const pool = new PortIndexPool();
    expect([pool.acquire(), pool.acquire(), pool.acquire()]).toEqual([0, 1, 2]);
    pool.release(1);
    expect(pool.acquire()).toBe(1);
    expect(pool.live).toBe(3);
    expect(() => pool.release(7)).toThrow();
  });

  test("emit stamps the receiving peer's id into bytes 11–14 and copies buffers it does not own", () => {
    const h = new Harness();
    h.login(1001, { port: 1 });
    h.login(1002, { port: 2 });
    const a = h.master.session(1001)!;
    const b = h.master.session(1002)!;
    const shared = dmrd(9999, { flags: 0xa1 });
    a.emit(h.nowMs, shared, h.outbox);
    b.emit(h.nowMs, shared, h.outbox);
    const out = h.drain();
    expect(out.map((s) => [s.port, new DataView(s.bytes.buffer).getUint32(11), s.bytes.length])).toEqual([
      [1, 1001, 55],
      [2, 1002, 55],
    ]);
    // own tx buffer: no copy, id stamped in place
    const tx = a.txBuffer(2);
    tx.set(dmrd(9999));
    a.emit(h.nowMs, tx, h.outbox);
    expect(h.outbox.buffers[0]).toBe(tx);
    expect(new DataView(tx.buffer, tx.byteOffset, tx.byteLength).getUint32(11)).toBe(1001);
    h.drain();
    // a session that went away drops (counted)
    h.recv(msg("RPTCL", 1001), 1);
    a.emit(h.nowMs, a.txBuffer(1), h.outbox);
    expect(h.outbox.count).toBe(0);
    expect(h.master.counters.dmrdOutDropped).toBe(1);
  });

  test("a router that throws never escapes onDatagram; the master keeps serving", () => {
    const throwing: FrameRouter = {
      onPortUp() {},
      onPortDown() {},
      onOptions() {},
      onTick() {},
      onFrame() {
        throw new Error("router bug");
      },
    };
    const h = new Harness({}, throwing);
    h.login(1001);
    expect(() => h.recv(dmrd(1001))).not.toThrow();
    expect(h.master.counters.handlerErrors).toBe(1);
    expect(h.events.ofType("log").at(-1)?.level).toBe("error");
    expect(h.recv(msg("RPTPING", 1001))[0]?.tag).toBe("MSTPONG");
  });

  test("shutdown with a small outbox: MSTCL in rounds, every peer gets one", () => {
    const h = new Harness({}, new NullRouter(), 4);
    for (let i = 0; i < 10; i++) h.login(2000 + i, { port: 100 + i });
    let rounds = 0;
    const closes: number[] = [];
    for (;;) {
      rounds++;
      const done = h.master.shutdown(h.nowMs);
      closes.push(...h.drain().filter((s) => s.tag === "MSTCL").map((s) => s.port));
      if (done) break;
    }
    expect(rounds).toBeGreaterThan(1);
    expect(closes.sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    expect(h.master.sessionCount).toBe(0);
    expect(h.events.ofType("session.down").every((e) => e.reason === "shutdown")).toBe(true);
  });

  test("conflict reports are rate-limited to one per id per minute but always counted", () => {
    const h = new Harness();
    h.login(1001, { port: 1 });
    h.login(1001, { port: 2 });
    for (let i = 0; i < 5; i++) expect(h.recv(msg("RPTPING", 1001), 1)[0]?.tag).toBe("MSTNAK");
    expect(h.master.counters.conflicts).toBe(5);
    expect(h.events.ofType("session.conflict").length).toBe(1);
    h.nowMs += 61_000;
    h.recv(msg("RPTPING", 1001), 2);
    h.recv(msg("RPTPING", 1001), 1);
    expect(h.events.ofType("session.conflict").length).toBe(2);
  });

  test("RPTO is accepted after RPTK and after RPTC, repeatedly; options reach the router when connected", () => {
    const h = new Harness();
    h.login(1001, { options: "TS1=1;" });
    expect(h.recv(rpto(1001, "TS2=91;"))[0]?.tag).toBe("RPTACK");
    expect(h.recording.options.map((o) => o.options)).toEqual(["TS1=1;", "TS2=91;"]);
  });

  test("after warm-up, RPTPING→MSTPONG and DMRD→router allocate nothing in our code", () => {
    const frames: RouterPort[] = [];
    const router = new NullRouter();
    router.onFrame = function (this: NullRouter, _n: number, port: RouterPort): void {
      this.frames++;
      if (frames.length < 1) frames.push(port);
    } as NullRouter["onFrame"];
    const h = new Harness({}, router);
    h.login(1001, { port: 7, address: "::ffff:192.0.2.7" });
    const ping = msg("RPTPING", 1001);
    const frame = dmrd(1001);
    const address = "::ffff:192.0.2.7";
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        h.master.onDatagram(i, 0, address, 7, ping);
        h.outbox.clear();
        h.master.onDatagram(i, 0, address, 7, frame);
      }
    };
    run(20_000);
    Bun.gc(true);
    const before = heapStats().objectCount;
    run(100_000);
    const after = heapStats().objectCount;
    // heapStats itself allocates a few hundred objects (bun-notes §2); 200,000 packets must not add more
    console.log(`objects added over 200,000 packets: ${after - before}`);
    expect(after - before).toBeLessThan(1_000);
    expect(h.master.counters.pings).toBeGreaterThan(100_000);
    expect(router.frames).toBe(120_000);
    expect(h.master.counters.handlerErrors).toBe(0);
  });
});

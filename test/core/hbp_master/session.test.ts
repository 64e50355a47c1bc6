import { describe, expect, test } from "bun:test";
import { Endpoint, IPV4_SOCKETS_MAX } from "../../../src/core/endpoint.ts";
import { HbpCounters } from "../../../src/core/hbp_master/counters.ts";
import { HbpSession, SessionBatch, SessionState } from "../../../src/core/hbp_master/session.ts";
import { SessionColumns } from "../../../src/core/hbp_master/session_columns.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { PortKind } from "../../../src/core/router_port.ts";
import { DmrdStage, readUint32 } from "../../../src/wire/dmrd.ts";

const digest = new Uint8Array([1, 2, 3]);
const passphrase = new Uint8Array([9]);

function session(address = "10.0.0.1", port = 40_000): HbpSession {
  return new SessionBatch(new SessionColumns(new HbpCounters())).take(2345601, 1, address, port, 0xdeadbeef, digest, passphrase, 1_000);
}

describe("HbpSession layout", () => {
  test("the session is its own endpoint", () => {
    const s = session();
    expect(s.endpoint).toBe(s);
    expect(s.endpoint.socketIndex).toBe(1);
    expect(s.endpoint.address).toBe("10.0.0.1");
    expect(s.endpoint.port).toBe(40_000);
    expect(s.endpoint.matches(1, "10.0.0.1", 40_000)).toBe(true);
    expect(s.endpoint.matches(0, "10.0.0.1", 40_000)).toBe(false);
    expect(s.kind).toBe(PortKind.Hotspot);
  });

  test("handshake fields until forgetLogin, then gone", () => {
    const s = session();
    expect(s.salt).toBe(0xdeadbeef);
    expect(s.digest).toBe(digest);
    expect(s.provenPassphrase).toBe(passphrase);
    expect(s.authenticatedAtMs).toBe(1_000);
    s.forgetLogin();
    expect(s.salt).toBe(0);
    expect(s.digest.length).toBe(0);
    expect(s.provenPassphrase.length).toBe(0);
    expect(s.conflictReportedAtMs).toBe(Number.NEGATIVE_INFINITY);
    expect(s.replacedEndpoint).toBeNull();
    expect(s.lastTalkerAliasSourceId).toBe(0);
  });

  test("rare fields survive forgetLogin and are written after it", () => {
    const s = session();
    const old = session("10.0.0.2", 40_001);
    s.replacedEndpoint = old.endpoint;
    s.replacedAtMs = 500;
    s.conflictReportedAtMs = 700;
    s.forgetLogin();
    expect(s.salt).toBe(0);
    expect(s.replacedAtMs).toBe(500);
    expect(s.conflictReportedAtMs).toBe(700);
    // a plain copy of the replaced endpoint, not the replaced session
    expect(s.replacedEndpoint).not.toBe(old);
    expect(s.replacedEndpoint!.matches(1, "10.0.0.2", 40_001)).toBe(true);

    const t = session();
    t.forgetLogin();
    t.lastTalkerAliasSourceId = 0x23cace;
    t.lastGpsSourceId = 42;
    expect(t.lastTalkerAliasSourceId).toBe(0x23cace);
    expect(t.lastGpsSourceId).toBe(42);
    expect(t.salt).toBe(0);
  });

  test("emit stamps the peer's id into its own per-slot buffers and queues them to its endpoint", () => {
    const s = session();
    s.state = SessionState.Connected;
    s.portIndex = 0; // frames are counted in the row of the port index (session_columns.ts)
    const outbox = new Outbox(8);
    const frame = new Uint8Array(55);
    frame[15] = 0x80; // TS2
    s.emit(0, frame, outbox);
    const ts2 = s.txBuffer(2);
    expect(outbox.count).toBe(1);
    expect(outbox.endpoints[0]).toBe(s.endpoint);
    expect(outbox.buffers[0]).toBe(ts2);
    expect([ts2[11], ts2[12], ts2[13], ts2[14]]).toEqual([0x00, 0x23, 0xca, 0x81]);
    expect(s.txBuffer(1)).not.toBe(ts2);
    // the router writes into the port's own buffer: sent as is, no copy
    const ts1 = s.txBuffer(1);
    s.emit(0, ts1, outbox);
    expect(outbox.buffers[1]).toBe(ts1);
    expect(s.framesOut).toBe(2);
  });
});

describe("SessionBatch", () => {
  test("hands out distinct sessions, each started once with its own id, endpoint and handshake", () => {
    const counters = new HbpCounters();
    const batch = new SessionBatch(new SessionColumns(counters));
    const sessions = Array.from({ length: 300 }, (_, i) => batch.take(3100000 + i, i % 2, `10.0.${i >> 8}.${i & 255}`, 40_000 + i, 7 + i, digest, passphrase, 5_000 + i));
    expect(new Set(sessions).size).toBe(300); // across two batches
    sessions.forEach((s, i) => {
      expect([s.repeaterId, s.socketIndex, s.address, s.port, s.salt, s.lastHeardMs, s.authenticatedAtMs]).toEqual([3100000 + i, i % 2, `10.0.${i >> 8}.${i & 255}`, 40_000 + i, 7 + i, 5_000 + i, 5_000 + i]);
      expect(s.endpoint.matches(i % 2, `10.0.${i >> 8}.${i & 255}`, 40_000 + i)).toBe(true);
      expect(s.state).toBe(SessionState.Authenticated);
      expect(s.counters).toBe(counters);
      expect(s.digest).toBe(digest);
      expect(s.provenPassphrase).toBe(passphrase);
    });
    expect(() => sessions[0]!.start(1, 0, "10.9.9.9", 1, 0, digest, passphrase, 0)).toThrow(); // started once
  });
});

describe("SessionColumns (connect time and frame counts by port index)", () => {
  test("state and simplex share a number without disturbing each other; socket and port survive packing", () => {
    const s = session("2001:db8::1", 65_535);
    expect([s.socketIndex, s.port, s.address]).toEqual([1, 65_535, "2001:db8::1"]);
    expect(s.matches(1, "2001:db8::1", 65_535)).toBe(true);
    expect(s.matches(2, "2001:db8::1", 65_535 - 65_536)).toBe(false);
    expect(s.matches(0, "2001:db8::1", 65_535 + 65_536)).toBe(false);
    expect(s.simplex).toBe(false);
    s.simplex = true;
    expect(s.state).toBe(SessionState.Authenticated);
    s.state = SessionState.Connected;
    expect([s.state, s.simplex, s.connected]).toEqual([SessionState.Connected, true, true]);
    s.simplex = false;
    expect([s.state, s.simplex]).toEqual([SessionState.Connected, false]);
    s.state = SessionState.Removed;
    expect([s.state, s.simplex, s.connected]).toEqual([SessionState.Removed, false, false]);
  });

  test("the port index shares that number too: each of the three is written without disturbing the others", () => {
    const s = session();
    expect(s.portIndex).toBe(-1);
    s.portIndex = 0;
    s.simplex = true;
    s.state = SessionState.Connected;
    expect([s.portIndex, s.state, s.simplex]).toEqual([0, SessionState.Connected, true]);
    s.portIndex = 70_000; // past 16 bits (opens its row: 274 pages of counts)
    expect([s.portIndex, s.state, s.simplex]).toEqual([70_000, SessionState.Connected, true]);
    s.simplex = false;
    s.state = SessionState.Removed;
    expect([s.portIndex, s.state, s.simplex]).toEqual([70_000, SessionState.Removed, false]);
    s.portIndex = -1;
    expect([s.portIndex, s.state, s.simplex]).toEqual([-1, SessionState.Removed, false]);
    expect(() => (s.portIndex = 2 ** 28)).toThrow(); // checked before any row is opened
  });

  test("an IPv4 endpoint matches on its number: address, socket and port each tell it apart; other text never matches", () => {
    const s = session("192.0.2.17", 62_031);
    expect(s.matches(1, "192.0.2.17", 62_031)).toBe(true);
    expect(s.matches(1, "192.0.2.18", 62_031)).toBe(false);
    expect(s.matches(1, "192.0.2.1", 62_031)).toBe(false);
    expect(s.matches(1, "92.0.2.17", 62_031)).toBe(false);
    expect(s.matches(0, "192.0.2.17", 62_031)).toBe(false);
    expect(s.matches(1, "192.0.2.17", 62_030)).toBe(false);
    expect(s.matches(1, "2001:db8::1", 62_031)).toBe(false);
    expect(s.matches(1, "", 62_031)).toBe(false);
    expect(s.matches(1, "192.0.2.17.5", 62_031)).toBe(false);
    // a socket index past the numeric key's range compares the text, as IPv6 does
    const far = new SessionBatch(new SessionColumns(new HbpCounters())).take(3100001, IPV4_SOCKETS_MAX, "192.0.2.17", 62_031, 1, digest, passphrase, 0);
    expect(far.matches(IPV4_SOCKETS_MAX, "192.0.2.17", 62_031)).toBe(true);
    expect(far.matches(IPV4_SOCKETS_MAX, "192.0.2.18", 62_031)).toBe(false);
  });

  test("each session counts in its own row; a reused port index starts from zero; no row reads zero", () => {
    const columns = new SessionColumns(new HbpCounters());
    const batch = new SessionBatch(columns);
    const outbox = new Outbox(100_000);
    const frame = new Uint8Array(55);
    const live: HbpSession[] = [];
    // 200 sessions (past the first column size), each with its own counts
    for (let i = 0; i < 200; i++) {
      const s = batch.take(3_100_000 + i, 0, "10.0.0.1", 30_000 + i, 0, digest, passphrase, 0);
      expect([s.portIndex, s.framesIn, s.framesOut, s.connectedAtMs]).toEqual([-1, 0, 0, 0]);
      s.state = SessionState.Connected;
      s.portIndex = i;
      s.connectedAtMs = 10_000 + i;
      for (let k = 0; k < i % 7; k++) s.countFrameIn();
      for (let k = 0; k < i % 5; k++) s.emit(0, frame, outbox);
      live.push(s);
    }
    live.forEach((s, i) => expect([s.connectedAtMs, s.framesIn, s.framesOut]).toEqual([10_000 + i, i % 7, i % 5]));
    // port 3 leaves; a new session takes index 3 again
    const gone = live[3]!;
    gone.state = SessionState.Removed;
    gone.portIndex = -1;
    expect([gone.framesIn, gone.framesOut, gone.connectedAtMs]).toEqual([0, 0, 0]); // its row is no longer its own
    const next = batch.take(3_200_000, 0, "10.0.0.2", 1, 0, digest, passphrase, 0);
    next.state = SessionState.Connected;
    next.portIndex = 3;
    expect([next.framesIn, next.framesOut, next.connectedAtMs]).toEqual([0, 0, 0]);
    next.connectedAtMs = 99;
    next.countFrameIn();
    expect([next.framesIn, next.connectedAtMs]).toEqual([1, 99]);
    // the neighbours kept theirs
    expect([live[2]!.framesIn, live[4]!.framesIn, live[4]!.framesOut]).toEqual([2, 4, 4]);
    expect(columns.counters.dmrdOut).toBe(live.reduce((sum, _s, i) => sum + (i % 5), 0));
  });

  test("emitStaged: into the outbox's staged rows while one is free, else into the session's own slot buffer; same bytes, counted either way", () => {
    const columns = new SessionColumns(new HbpCounters());
    const batch = new SessionBatch(columns);
    const outbox = new Outbox(16, 1); // one staged row
    const stage = new DmrdStage();
    for (let i = 0; i < 55; i++) stage.bytes[i] = 0x40 + i;
    const sessions = [0, 1, 2].map((i) => {
      const s = batch.take(3_100_100 + i, 0, "10.0.0.1", 30_100 + i, 0, digest, passphrase, 0);
      s.state = SessionState.Connected;
      s.portIndex = i;
      return s;
    });
    sessions[0]!.emitStaged(0, 1, stage.words, 0x21, outbox); // the staged row
    sessions[1]!.emitStaged(0, 2, stage.words, 0xa1, outbox); // its own TS2 buffer
    sessions[2]!.emitStaged(0, 1, stage.words, 0x21, outbox); // its own TS1 buffer
    expect(outbox.count).toBe(3);
    expect(outbox.holdable).toBe(false); // own buffers are reused by the next frame: drain after this call
    expect(outbox.buffers[0]).not.toBe(sessions[0]!.txBuffer(1));
    expect(outbox.buffers[1]).toBe(sessions[1]!.txBuffer(2));
    expect(outbox.buffers[2]).toBe(sessions[2]!.txBuffer(1));
    for (let i = 0; i < 3; i++) {
      const out = outbox.buffers[i]!;
      expect(out.length).toBe(55);
      expect(readUint32(out, 11)).toBe(3_100_100 + i);
      expect(out[15]).toBe(i === 1 ? 0xa1 : 0x21);
      for (let k = 0; k < 55; k++) if (k < 11 || k > 15) expect(out[k]).toBe(0x40 + k);
      expect(sessions[i]!.framesOut).toBe(1);
    }
    expect(columns.counters.dmrdOut).toBe(3);
  });
});

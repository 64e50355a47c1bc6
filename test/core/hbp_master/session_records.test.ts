/**
 * What the master keeps per session outside the session object (session_columns.ts: connect time
 * and frame counts by port index; callsign_code.ts: the callsign as a number when it can be), read
 * back after many logins and logouts that reuse port indexes. Seeded.
 */
import { describe, expect, test } from "bun:test";
import { callsignText, encodeCallsign } from "../../../src/core/hbp_master/callsign_code.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { testSeed } from "../../support/seed.ts";
import { dmrd, Harness, msg } from "./harness.ts";

describe("callsign code", () => {
  test("letters, digits, '-' and '/' up to 8 characters become a number and read back; anything else stays text", () => {
    for (const text of ["", "A", "0", "M0ABC", "g4abc", "PD1XYZ/P", "ZZZZZZZZ", "////////", "zzzzzzzz", "DL1-ABC", "00000000"]) {
      const code = encodeCallsign(text);
      expect(typeof code).toBe("number");
      expect(Number.isSafeInteger(code)).toBe(true);
      expect(callsignText(code)).toBe(text);
    }
    // every length, every symbol in every position
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/";
    for (let length = 0; length <= 8; length++) {
      for (let shift = 0; shift < alphabet.length; shift++) {
        let text = "";
        for (let i = 0; i < length; i++) text += alphabet[(shift + i * 7) % alphabet.length];
        expect(callsignText(encodeCallsign(text))).toBe(text);
      }
    }
    // distinct texts, distinct codes (length is part of the code: "0" and "00" differ)
    const codes = new Set(["0", "00", "000", "A", "A0", "0A", ""].map(encodeCallsign));
    expect(codes.size).toBe(7);
    for (const text of ["DL1 ABC", "M0ABC.", "ABCDEFGHI", "Ä1ABC", "a_b", "\u20ac"]) {
      expect(encodeCallsign(text)).toBe(text);
      expect(callsignText(encodeCallsign(text))).toBe(text);
    }
  });
});

describe("session records after logins and logouts", () => {
  test("callsign, connect time and frame counts read back per session while port indexes are reused", () => {
    const seed = testSeed("session_records");
    const prng = new Prng(seed);
    const h = new Harness({ maxPeers: 1_000 });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/- .";
    const want = new Map<number, { port: number; callsign: string; connectedAtMs: number; framesIn: number; framesOut: number }>();
    let nextId = 3_100_000;
    let nextPort = 20_000;
    for (let step = 0; step < 1_500; step++) {
      h.nowMs += 1 + prng.nextInt(50);
      const live = [...want.keys()];
      const action = prng.nextInt(10);
      if (action < 3 || live.length < 5) {
        const id = nextId++;
        const port = nextPort++;
        let callsign = "";
        const length = 1 + prng.nextInt(8);
        for (let i = 0; i < length; i++) callsign += alphabet[prng.nextInt(alphabet.length)];
        callsign = callsign.trim() === "" ? "X" : callsign.trim();
        h.login(id, { port, callsign });
        const session = h.master.session(id)!;
        want.set(id, { port, callsign: session.callsign, connectedAtMs: h.nowMs, framesIn: 0, framesOut: 0 });
        expect(session.callsign.toUpperCase()).toBe(callsign.toUpperCase());
      } else if (action < 5) {
        const id = live[prng.nextInt(live.length)]!;
        h.recv(msg("RPTCL", id), want.get(id)!.port);
        want.delete(id);
        expect(h.master.session(id)).toBeUndefined();
      } else if (action < 8) {
        const id = live[prng.nextInt(live.length)]!;
        h.recv(dmrd(id), want.get(id)!.port);
        want.get(id)!.framesIn++;
      } else {
        const id = live[prng.nextInt(live.length)]!;
        const session = h.master.session(id)!;
        session.emit(h.nowMs, dmrd(9_999), h.outbox);
        h.drain();
        want.get(id)!.framesOut++;
      }
    }
    const infos = h.master.sessionInfos();
    expect(infos.length).toBe(want.size);
    const indexes = new Set<number>();
    for (const info of infos) {
      const w = want.get(info.repeaterId)!;
      expect([info.callsign, info.port, info.connectedAtMs, info.framesIn, info.framesOut]).toEqual([w.callsign, w.port, w.connectedAtMs, w.framesIn, w.framesOut]);
      expect(h.master.session(info.repeaterId)!.config!.callsign).toBe(w.callsign);
      indexes.add(info.portIndex);
    }
    // dense indexes, reused: fewer than the logins made
    expect(indexes.size).toBe(want.size);
    expect(Math.max(...indexes)).toBeLessThan(nextId - 3_100_000);
  });
});

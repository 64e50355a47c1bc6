/**
 * A connected session's RPTC configuration, kept in the master's columns by port index
 * (session_columns.ts) but the callsign (kept by the session): every field reads back as parsed,
 * at the edges of the fixed-width fields and for seeded random field texts; a reused port index
 * starts blank; the texts are let go with the index.
 */
import { describe, expect, test } from "bun:test";
import { HbpCounters } from "../../../src/core/hbp_master/counters.ts";
import { HbpSession, SessionBatch, SessionState } from "../../../src/core/hbp_master/session.ts";
import { SessionColumns } from "../../../src/core/hbp_master/session_columns.ts";
import { Endpoint } from "../../../src/core/endpoint.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { encodeRptc, parseRptc, type RptcConfig } from "../../../src/wire/rptc.ts";
import { testSeed } from "../../support/seed.ts";

function parsed(bytes: Uint8Array): RptcConfig {
  const result = parseRptc(bytes);
  if (!result.ok) throw new Error(result.error);
  return result.config;
}

/** An RPTC with raw field text at fixed offsets (hbp-and-dmr.md §1.3), for values encodeRptc would not write. */
function rawRptc(fields: Record<number, string>): Uint8Array {
  const bytes = encodeRptc({ repeaterId: 2345601, callsign: "M0ABC" });
  for (const [offset, text] of Object.entries(fields)) for (let i = 0; i < text.length; i++) bytes[Number(offset) + i] = text.charCodeAt(i);
  return bytes;
}

/** A session of the config's id, connected on `portIndex` of `columns` and configured with it. */
function connected(columns: SessionColumns, config: RptcConfig, portIndex: number): HbpSession {
  const s = new SessionBatch(columns).take(config.repeaterId, 0, "192.0.2.1", 62_031 + portIndex, 1, new Uint8Array(32), new Uint8Array(8), 1_000);
  s.state = SessionState.Connected;
  s.portIndex = portIndex;
  s.configure(config);
  return s;
}

describe("a session's RPTC configuration in the master's columns", () => {
  test("reads back every field of the parsed RPTC", () => {
    const config = parsed(encodeRptc({ repeaterId: 2345601, callsign: "m0abc", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, power: 25, colourCode: 7, latitude: 51.5, longitude: -0.1275, heightM: 123, location: "London", description: "club", slots: "3", url: "https://example.org", softwareId: "20260713", packageId: "MMDVM_HS" }));
    const s = connected(new SessionColumns(new HbpCounters()), config, 0);
    expect(s.config).toEqual(config);
    expect(s.callsign).toBe(config.callsign);
    expect(s.callsign).toBe("M0ABC"); // parseRptc upper-cases it
    expect(s.simplex).toBe(false);
    expect(s.config!.simplex).toBe(false);
  });

  test("the edges of the fixed-width fields: negative heights, power and frequencies, no slots character, simplex", () => {
    const columns = new SessionColumns(new HbpCounters());
    const low = parsed(rawRptc({ 16: "-99999999", 25: "999999999", 34: "-9", 36: "99", 55: "-99", 97: " " }));
    expect([low.rxFrequencyHz, low.txFrequencyHz, low.heightM, low.power, low.slots]).toEqual([-99_999_999, 999_999_999, -99, -9, ""]);
    expect(connected(columns, low, 1).config).toEqual(low);
    const high = parsed(rawRptc({ 34: "99", 36: "-9", 55: "999", 97: "4" }));
    const s = connected(columns, high, 2);
    expect(s.config).toEqual(high);
    expect(s.simplex).toBe(true);
    const sameFrequency = parsed(encodeRptc({ repeaterId: 1, callsign: "X", rxFrequencyHz: 433_000_000, txFrequencyHz: 433_000_000, slots: "1" }));
    expect(connected(columns, sameFrequency, 3).config!.simplex).toBe(true);
  });

  test("seeded: random field texts read back as parsed, across pages of rows", () => {
    const seed = testSeed("session rptc");
    const prng = new Prng(seed);
    const columns = new SessionColumns(new HbpCounters());
    const digits = (width: number): string => {
      let text = prng.nextUint32() % 5 === 0 ? "-" : "";
      while (text.length < width) text += String(prng.nextUint32() % 10);
      return text;
    };
    const sessions: [HbpSession, RptcConfig][] = [];
    for (let i = 0; i < 600; i++) {
      const slot = String.fromCharCode(0x20 + (prng.nextUint32() % 0x5f));
      const word = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(0x21 + (prng.nextUint32() % 0x5e))).join("");
      const bytes = rawRptc({ 16: digits(9), 25: digits(9), 34: digits(2), 36: digits(2), 38: digits(8), 46: digits(9), 55: digits(3), 58: word(20), 78: word(19), 97: slot, 98: word(30), 222: word(40), 262: word(40) });
      bytes.set([0, 0, 0, 0], 4);
      new DataView(bytes.buffer).setUint32(4, 3_100_000 + i);
      const config = parsed(bytes);
      sessions.push([connected(columns, config, i), config]);
    }
    for (const [s, config] of sessions) expect(s.config).toEqual(config);
  });

  test("none before RPTC or once gone; the callsign stays; a reused port index starts blank and its texts are let go", () => {
    const columns = new SessionColumns(new HbpCounters());
    const first = parsed(encodeRptc({ repeaterId: 3100001, callsign: "PD1XYZ", rxFrequencyHz: 430_000_000, location: "Utrecht", description: "attic", url: "https://example.net", softwareId: "a", packageId: "b", colourCode: 3 }));
    const waiting = new SessionBatch(columns).take(3100001, 0, "192.0.2.9", 62_000, 1, new Uint8Array(32), new Uint8Array(8), 1_000);
    expect(waiting.config).toBeNull();
    expect(waiting.callsign).toBe("");
    const s = connected(columns, first, 5);
    expect(s.config!.location).toBe("Utrecht");
    s.state = SessionState.Removed;
    s.portIndex = -1;
    expect(s.config).toBeNull();
    expect(s.callsign).toBe("PD1XYZ");
    expect(s.name).toBe("PD1XYZ/3100001");
    // the row's texts are gone with the index: nothing of the earlier hotspot is held or shown
    expect(columns.rptc(5, 0, "")).toMatchObject({ location: "", description: "", url: "", softwareId: "", packageId: "" });
    const next = new SessionBatch(columns).take(3100002, 0, "192.0.2.10", 62_001, 1, new Uint8Array(32), new Uint8Array(8), 2_000);
    next.state = SessionState.Connected;
    next.portIndex = 5;
    expect(next.config).toEqual({ repeaterId: 3100002, callsign: "", rxFrequencyHz: 0, txFrequencyHz: 0, power: 0, colourCode: 0, latitude: 0, longitude: 0, heightM: 0, location: "", description: "", slots: "", url: "", softwareId: "", packageId: "", simplex: false });
  });
});

import { describe, expect, test } from "bun:test";
import { CompactRptc, CompactRptcBatch } from "../../../src/core/hbp_master/compact_rptc.ts";
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

describe("CompactRptc", () => {
  test("reads back every field of the parsed RPTC", () => {
    const config = parsed(encodeRptc({ repeaterId: 2345601, callsign: "m0abc", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, power: 25, colourCode: 7, latitude: 51.5, longitude: -0.1275, heightM: 123, location: "London", description: "club", slots: "3", url: "https://example.org", softwareId: "20260713", packageId: "MMDVM_HS" }));
    const compact = new CompactRptc(config);
    expect(compact.toJSON()).toEqual(config);
    expect(compact.simplex).toBe(false);
    expect(compact.power).toBe(25);
    expect(compact.colourCode).toBe(7);
    expect(compact.heightM).toBe(123);
    expect(compact.slots).toBe("3");
  });

  test("the edges of the fixed-width fields: negative heights and power, no slots character, simplex", () => {
    const config = parsed(rawRptc({ 34: "-9", 36: "99", 55: "-99", 97: " " }));
    expect(config.heightM).toBe(-99);
    expect(config.power).toBe(-9);
    expect(config.slots).toBe("");
    expect(new CompactRptc(config).toJSON()).toEqual(config);
    const high = parsed(rawRptc({ 34: "99", 36: "-9", 55: "999", 97: "4" }));
    const compact = new CompactRptc(high);
    expect(compact.toJSON()).toEqual(high);
    expect(compact.simplex).toBe(true);
    const sameFrequency = parsed(encodeRptc({ repeaterId: 1, callsign: "X", rxFrequencyHz: 433_000_000, txFrequencyHz: 433_000_000, slots: "1" }));
    expect(new CompactRptc(sameFrequency).simplex).toBe(true);
  });

  test("seeded: random field texts read back as parsed", () => {
    const seed = testSeed("compact rptc");
    const prng = new Prng(seed);
    const digits = (width: number): string => {
      let text = prng.nextUint32() % 5 === 0 ? "-" : "";
      while (text.length < width) text += String(prng.nextUint32() % 10);
      return text;
    };
    for (let i = 0; i < 500; i++) {
      const slot = String.fromCharCode(0x20 + (prng.nextUint32() % 0x5f));
      const config = parsed(rawRptc({ 16: digits(9), 25: digits(9), 34: digits(2), 36: digits(2), 38: digits(8), 46: digits(9), 55: digits(3), 97: slot }));
      expect(new CompactRptc(config).toJSON()).toEqual(config);
    }
  });
});

describe("CompactRptcBatch", () => {
  test("each record taken holds its own config, across batches", () => {
    const batch = new CompactRptcBatch();
    const configs = Array.from({ length: 300 }, (_, i) => parsed(encodeRptc({ repeaterId: 3100000 + i, callsign: `M${i}ABC`, colourCode: i % 16, heightM: i, slots: i % 2 === 0 ? "4" : "3" })));
    const records = configs.map((c) => batch.take(c));
    expect(new Set(records).size).toBe(300);
    records.forEach((r, i) => expect(r.toJSON()).toEqual(configs[i]!));
  });
});

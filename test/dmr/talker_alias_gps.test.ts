import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { TalkerAliasAssembler, TalkerAliasFormat, encodeTalkerAlias } from "../../src/dmr/talker_alias.ts";
import { GpsPosition, decodeGpsLc, encodeGpsLc } from "../../src/dmr/gps.ts";
import { Prng } from "../../src/lib/prng.ts";
import { testSeed } from "../support/seed.ts";

function assemble(lcs: Uint8Array, count: number, order?: number[]): TalkerAliasAssembler {
  const ta = new TalkerAliasAssembler();
  for (const i of order ?? Array.from({ length: count }, (_, k) => k)) ta.addLc(lcs, 9 * i);
  return ta;
}

describe("talker alias formats", () => {
  const cases: [string, TalkerAliasFormat][] = [
    ["N0CALL Probe", TalkerAliasFormat.Iso88591],
    ["Zoë Ångström DMR", TalkerAliasFormat.Iso88591],
    ["9M2SFL Saiful Azhar", TalkerAliasFormat.Utf8],
    ["Jürgen 🐧 DL1ABC", TalkerAliasFormat.Utf8],
    ["VU2NSK DMR ID", TalkerAliasFormat.Utf16Be],
    ["ДМР Радио", TalkerAliasFormat.Utf16Be],
    ["G0ABC seven-bit alias 1234567", TalkerAliasFormat.SevenBit],
    ["W3MSG", TalkerAliasFormat.SevenBit],
  ];
  for (const [text, format] of cases) {
    test(`${JSON.stringify(text)} in format ${format} round-trips, in any block order`, () => {
      const lcs = new Uint8Array(36);
      const count = encodeTalkerAlias(text, format, lcs);
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(4);
      const forward = assemble(lcs, count);
      expect(forward.complete).toBe(true);
      expect(forward.text).toBe(text);
      expect(forward.format).toBe(format);
      const backward = assemble(lcs, count, Array.from({ length: count }, (_, k) => count - 1 - k));
      expect(backward.text).toBe(text);
      // without the last block it is not complete (unless it fits the header)
      if (count > 1) expect(assemble(lcs, count - 1).complete).toBe(false);
    });
  }

  test("a 7-bit alias packs 49 bits in the header and 56 per block", () => {
    const lcs = new Uint8Array(36);
    expect(encodeTalkerAlias("ABCDEFG", TalkerAliasFormat.SevenBit, lcs)).toBe(1); // 7×7 = 49 bits
    expect(encodeTalkerAlias("ABCDEFGH", TalkerAliasFormat.SevenBit, lcs)).toBe(2);
    expect(encodeTalkerAlias("A".repeat(31), TalkerAliasFormat.SevenBit, lcs)).toBe(4); // 49+3×56 = 217 ≥ 217
    // header byte: format 0, length 7, first bit = MSB of 'A' (0x41 → 1000001 → first bit 1)
    encodeTalkerAlias("ABCDEFG", TalkerAliasFormat.SevenBit, lcs);
    expect(lcs[2]).toBe((0 << 6) | (7 << 1) | 1);
  });

  test("padding after the length is ignored (S21JSR vector has non-zero padding)", () => {
    const ta = new TalkerAliasAssembler();
    for (const hex of ["0400ae5332314a5352", "050020416275205361", "06006c6568204d642e", "0700204a75001706ae"]) ta.addLc(fromHex(hex), 0);
    expect(ta.text).toBe("S21JSR Abu Saleh Md. Ju");
  });

  test("a UTF-8 length counts octets (ETSI TS 102 361-2 §7.2.19): a multibyte alias has no trailing NUL", () => {
    // "Jürgen DL1ABC" as a radio sends it: 14 octets (ü is two), header byte 0 = format 2, length 14
    const ta = new TalkerAliasAssembler();
    for (const hex of ["04009c4ac3bc726765", "05006e20444c314142", "060043000000000000"]) ta.addLc(fromHex(hex), 0);
    expect(ta.complete).toBe(true);
    expect(ta.text).toBe("Jürgen DL1ABC");
    expect(ta.text.length).toBe(13);
    // the encoder writes the octet count: header byte 0 = 0x80 | 14 << 1
    const lcs = new Uint8Array(36);
    expect(encodeTalkerAlias("Jürgen DL1ABC", TalkerAliasFormat.Utf8, lcs)).toBe(3);
    expect(lcs[2]).toBe(0x9c);
    expect(toHex(lcs, 0, 27)).toBe("04009c4ac3bc726765" + "05006e20444c314142" + "060043000000000000");
  });

  test("NUL padding inside the length is stripped in every format", () => {
    const ta = new TalkerAliasAssembler();
    // ISO-8859-1, length 8: "W3MSG" + three NULs
    ta.addLc(fromHex("04005057334d534700"), 0);
    ta.addLc(fromHex("050000000000000000"), 0);
    expect(ta.text).toBe("W3MSG");
    // UTF-8, length 6: "Øy" (3 octets) + NULs, all in the header
    const u = new TalkerAliasAssembler();
    u.addLc(fromHex("04008cc39879000000"), 0);
    expect(u.text).toBe("Øy");
    // UTF-16BE, length 3: "AB" + U+0000
    const w = new TalkerAliasAssembler();
    w.addLc(fromHex("0400c6004100420000"), 0);
    expect(w.text).toBe("AB");
  });

  test("a new header starts a new alias; non-TA LCs are ignored", () => {
    const ta = new TalkerAliasAssembler();
    expect(ta.addLc(fromHex("00000000000923cace"), 0)).toBe(false);
    expect(ta.addLc(fromHex("04004a57334d534700"), 0)).toBe(true);
    expect(ta.text).toBe("W3MSG");
    expect(ta.addLc(fromHex("04004a57334d534700"), 0)).toBe(false); // repeated
    expect(ta.addLc(fromHex("040058455231435720"), 0)).toBe(false);
    expect(ta.complete).toBe(false);
    expect(ta.addLc(fromHex("0500566963746f7200"), 0)).toBe(true);
    expect(ta.text).toBe("ER1CW Victor");
    expect(ta.addLc(fromHex("0410566963746f7200"), 0)).toBe(false); // FID ≠ 0
  });
});

describe("GPS info LC", () => {
  test("hand-computed vector: 0x0800000 ⇒ 90° E, 0x400000 ⇒ 45° N", () => {
    // longitude 25 bits = 0x0800000 → 0x800000·360/2²⁵ = 90; latitude 24 bits = 0x400000 → 45
    const lc = fromHex("08000" + "6" + "800000" + "400000");
    const position = new GpsPosition();
    expect(toHex(lc)).toBe("080006800000400000");
    expect(decodeGpsLc(lc, 0, position)).toBe(true);
    expect(position.longitude).toBe(90);
    expect(position.latitude).toBe(45);
    expect(position.positionError).toBe(3);
    // negative: longitude −90 = 0x1800000 (25-bit two's complement), latitude −45 = 0xc00000
    const south = fromHex("080007800000c00000");
    expect(decodeGpsLc(south, 0, position)).toBe(true);
    expect(position.longitude).toBe(-90);
    expect(position.latitude).toBe(-45);
    expect(decodeGpsLc(fromHex("00000000000923cace"), 0, position)).toBe(false);
  });

  test("random positions round-trip within one step (seeded)", () => {
    const prng = new Prng(testSeed("gps round trip"));
    const lc = new Uint8Array(9);
    const position = new GpsPosition();
    for (let i = 0; i < 2000; i++) {
      const latitude = (prng.nextUint32() / 0x1_0000_0000) * 179.99 - 89.995;
      const longitude = (prng.nextUint32() / 0x1_0000_0000) * 359.99 - 179.995;
      encodeGpsLc(lc, 0, latitude, longitude, i & 7);
      expect(decodeGpsLc(lc, 0, position)).toBe(true);
      expect(Math.abs(position.latitude - latitude)).toBeLessThanOrEqual(180 / 0x1000000);
      expect(Math.abs(position.longitude - longitude)).toBeLessThanOrEqual(360 / 0x2000000);
      expect(position.positionError).toBe(i & 7);
    }
  });
});

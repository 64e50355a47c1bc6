import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import {
  HbpClassification,
  HbpKind,
  HbpMalformed,
  HbpPeerReplies,
  classifyHbp,
  encodeMstcl,
  encodeMstnak,
  encodeMstpong,
  encodeRptack,
  encodeRptsbkn,
} from "../../src/wire/hbp.ts";
import { capturePath } from "../support/fixtures.ts";
import { readPcapUdp } from "../support/pcap.ts";
import { Prng } from "../../src/lib/prng.ts";
import { testSeed } from "../support/seed.ts";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
function message(tag: string, length: number, idOffset = tag.length, id = 0x0023ca81): Uint8Array {
  const out = new Uint8Array(length);
  out.set(ascii(tag).subarray(0, length), 0);
  if (idOffset + 4 <= length) new DataView(out.buffer).setUint32(idOffset, id);
  return out;
}

describe("classifyHbp", () => {
  const c = new HbpClassification();

  test.each([
    ["RPTL", 8, 4, HbpKind.Rptl],
    ["RPTK", 40, 4, HbpKind.Rptk],
    ["RPTC", 302, 4, HbpKind.Rptc],
    ["RPTCL", 9, 5, HbpKind.Rptcl],
    ["RPTO", 8, 4, HbpKind.Rpto],
    ["RPTO", 40, 4, HbpKind.Rpto],
    ["RPTPING", 11, 7, HbpKind.Rptping],
    ["DMRA", 15, 4, HbpKind.Dmra],
    ["DMRA", 19, 4, HbpKind.Dmra],
    ["DMRG", 14, 4, HbpKind.Dmrg],
    ["DMRG", 18, 4, HbpKind.Dmrg],
    ["RPTG", 25, 4, HbpKind.Rptg],
  ] as const)("%s of %i bytes (id at %i)", (tag, length, idOffset, kind) => {
    expect(classifyHbp(message(tag, length, idOffset), c)).toBe(kind);
    expect(c.repeaterId).toBe(0x0023ca81);
    expect(c.malformed).toBe(HbpMalformed.None);
  });

  test("DMRD 53 and 55: id from bytes 11–14", () => {
    for (const length of [53, 55]) {
      expect(classifyHbp(message("DMRD", length, 11, 3120101), c)).toBe(HbpKind.Dmrd);
      expect(c.repeaterId).toBe(3120101);
    }
  });

  test("prefix-ambiguous tags are told apart by length and the longer tag", () => {
    // RPTC of 9 bytes is not RPTCL unless it says RPTCL; RPTCL of 302 bytes is an RPTC
    expect(classifyHbp(message("RPTCX", 9), c)).toBe(0);
    expect(c.malformed).toBe(HbpMalformed.BadLength);
    expect(classifyHbp(message("RPTCL", 302, 4), c)).toBe(HbpKind.Rptc);
    // RPTP must be RPTPING
    expect(classifyHbp(message("RPTPONG", 11), c)).toBe(0);
    expect(c.malformed).toBe(HbpMalformed.UnknownTag);
    expect(classifyHbp(message("RPTP", 5), c)).toBe(0);
    expect(c.malformed).toBe(HbpMalformed.BadLength);
  });

  test.each([
    ["RPTL", [7, 9, 12]],
    ["RPTK", [8, 39, 41]],
    ["RPTC", [8, 10, 301, 303]],
    ["RPTPING", [10, 12]],
    ["DMRD", [4, 52, 54, 56, 71]],
    ["DMRA", [14, 16, 18, 20]],
    ["DMRG", [13, 15, 19]],
    ["RPTG", [24, 26]],
    ["RPTO", [7, 513]],
  ] as const)("%s with a wrong length is BadLength", (tag, lengths) => {
    for (const length of lengths) {
      expect(classifyHbp(message(tag, length), c)).toBe(0);
      expect(c.malformed).toBe(HbpMalformed.BadLength);
    }
  });

  test("too short, unknown tags, master-only tags", () => {
    for (const bytes of [new Uint8Array(0), ascii("R"), ascii("RPT")]) {
      expect(classifyHbp(bytes, c)).toBe(0);
      expect(c.malformed).toBe(HbpMalformed.TooShort);
    }
    for (const tag of ["XXXX", "MSTPONG", "MSTNAK", "RPTACK", "RPTSBKN", "DMRC", "DMRP", "DMRE"]) {
      expect(classifyHbp(message(tag, 11), c)).toBe(0);
      expect(c.malformed).toBe(HbpMalformed.UnknownTag);
    }
  });

  test("seeded random bytes never throw and always yield a kind or a reason", () => {
    const prng = new Prng(testSeed("classifyHbp random"));
    for (let i = 0; i < 20_000; i++) {
      const bytes = new Uint8Array(prng.nextInt(400));
      prng.fill(bytes);
      if (bytes.length >= 4 && prng.chance(1, 2)) bytes.set(ascii(prng.pick(["RPTL", "RPTK", "RPTC", "RPTO", "RPTP", "DMRD", "DMRA", "DMRG", "RPTG"])), 0);
      const kind = classifyHbp(bytes, c);
      expect(kind === 0 ? c.malformed !== HbpMalformed.None : c.malformed === HbpMalformed.None).toBe(true);
    }
  });

  test("every client message in a real capture classifies (DMRGateway ↔ BrandMeister/DMR+)", () => {
    const datagrams = readPcapUdp(capturePath("marrold_mmdvm_example.pcap"));
    const fromClient = datagrams.filter((d) => d.sourceAddress === "10.0.130.113");
    expect(fromClient.length).toBeGreaterThan(100);
    const kinds = new Set<number>();
    for (const d of fromClient) {
      const kind = classifyHbp(d.payload, c);
      expect(kind).not.toBe(0);
      kinds.add(kind);
    }
    for (const kind of [HbpKind.Rptl, HbpKind.Rptk, HbpKind.Rptc, HbpKind.Rpto, HbpKind.Rptping, HbpKind.Dmrd]) expect(kinds.has(kind)).toBe(true);
  });
});

describe("encoders", () => {
  test("byte-exact master replies (hbp-and-dmr.md §1.2)", () => {
    const buf = new Uint8Array(16);
    expect(encodeRptack(buf, 0, 0xca0ab9c2)).toBe(10);
    expect(toHex(buf, 0, 10)).toBe("52505441434b" + "ca0ab9c2");
    expect(encodeMstnak(buf, 0, 0x0023ca81)).toBe(10);
    expect(toHex(buf, 0, 10)).toBe("4d53544e414b" + "0023ca81");
    expect(encodeMstpong(buf, 0, 0x0023ca81)).toBe(11);
    expect(toHex(buf, 0, 11)).toBe("4d5354504f4e47" + "0023ca81");
    expect(encodeMstcl(buf, 2, 0x0023ca81)).toBe(9);
    expect(toHex(buf, 2, 11)).toBe("4d5354434c" + "0023ca81");
    expect(encodeRptsbkn(buf, 0, 1)).toBe(11);
    expect(toHex(buf, 0, 11)).toBe("52505453424b4e" + "00000001");
  });

  test("HbpPeerReplies: exact-length views encoded once", () => {
    const r = new HbpPeerReplies(0x0023ca81);
    expect(r.ack).toEqual(fromHex("52505441434b0023ca81"));
    expect(r.nak).toEqual(fromHex("4d53544e414b0023ca81"));
    expect(r.pong).toEqual(fromHex("4d5354504f4e470023ca81"));
    expect(r.close).toEqual(fromHex("4d5354434c0023ca81"));
    expect(r.ack.buffer).toBe(r.close.buffer);
  });
});

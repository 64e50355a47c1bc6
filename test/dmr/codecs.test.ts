import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { BptcStatus, decodeBptc19696, encodeBptc19696 } from "../../src/dmr/bptc_196_96.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER, rs129Check, rs129Parity } from "../../src/dmr/rs_12_9.ts";
import { golay2087Decode, golay2087Encode } from "../../src/dmr/golay_20_8.ts";
import { qr1676Decode, qr1676Encode } from "../../src/dmr/qr_16_7.ts";
import { crcCcitt, embeddedLcChecksum } from "../../src/dmr/crc.ts";
import { FullLcStatus, LinkControl, decodeFullLc, encodeFullLc } from "../../src/dmr/full_lc.ts";
import { EmbeddedLcStatus, decodeEmbeddedLc, encodeEmbeddedLc } from "../../src/dmr/embedded_lc.ts";
import { SlotType, decodeSlotType, encodeSlotType } from "../../src/dmr/slot_type.ts";
import { Emb, decodeEmb, encodeEmb } from "../../src/dmr/emb.ts";
import { SyncPattern, detectSync, writeSync } from "../../src/dmr/sync.ts";
import { vectors } from "./fixtures.ts";

describe("check values of hbp-and-dmr.md §2.4–2.8 and §5.1", () => {
  test("slot type CC 1 / DT 1 and DT 2 (§2.4)", () => {
    expect(golay2087Encode(0x11)).toBe(0x11b8c);
    expect(golay2087Encode(0x12)).toBe(0x12a59);
  });
  test("EMB CC 1 PI 0 LCSS 1,3,2,0 (§2.5)", () => {
    expect(qr1676Encode((1 << 3) | 1)).toBe(0x1391);
    expect(qr1676Encode((1 << 3) | 3)).toBe(0x1774);
    expect(qr1676Encode((1 << 3) | 2)).toBe(0x1507);
    expect(qr1676Encode((1 << 3) | 0)).toBe(0x11e2);
  });
  test("RS(12,9) parity and masked blocks (§2.7)", () => {
    const lc = fromHex("00000000000923cace");
    const parity = new Uint8Array(3);
    rs129Parity(lc, 0, parity, 0);
    expect(toHex(parity)).toBe("835ee6");
    const tg91 = fromHex("00000000005b23cace");
    rs129Parity(tg91, 0, parity, 0);
    expect(toHex(parity.map((b) => b ^ RS_MASK_VOICE_HEADER))).toBe("bf4cce");
    expect(toHex(parity.map((b) => b ^ RS_MASK_TERMINATOR))).toBe("b043c1");
  });
  test("header and terminator bursts of TG 9 / 2345678 (§5.1)", () => {
    const lc = fromHex("00000000000923cace");
    const header = fromHex("02900baa041c11d007706ce0846dff57d75df5de33740c202ce000c05201c901ad");
    const terminator = fromHex("02ff0b7e04ac11a807006c4084adff57d75df5d966600f182b800c805a01d0019e");
    const burst = header.slice();
    burst.fill(0, 0, 12);
    burst.fill(0, 21);
    encodeFullLc(lc, 0, RS_MASK_VOICE_HEADER, burst, 0);
    expect(toHex(burst)).toBe(toHex(header));
    const tburst = terminator.slice();
    tburst.fill(0xff, 0, 12);
    encodeFullLc(lc, 0, RS_MASK_TERMINATOR, tburst, 0);
    expect(toHex(tburst)).toBe(toHex(terminator));
    const out = new Uint8Array(9);
    expect(decodeFullLc(header, 0, RS_MASK_VOICE_HEADER, out, 0)).toBe(FullLcStatus.Valid);
    expect(toHex(out)).toBe("00000000000923cace");
    expect(decodeFullLc(header, 0, RS_MASK_TERMINATOR, out, 0)).toBe(FullLcStatus.Invalid);
    expect(decodeFullLc(terminator, 0, RS_MASK_TERMINATOR, out, 0)).toBe(FullLcStatus.Valid);
  });
  test("embedded fragments and checksum 18 (§5.1)", () => {
    const lc = fromHex("00000000000923cace");
    expect(embeddedLcChecksum(lc, 0)).toBe(18);
    const fragments = new Uint32Array(4);
    encodeEmbeddedLc(lc, 0, fragments, 0);
    expect(Array.from(fragments, (f) => f.toString(16).padStart(8, "0"))).toEqual(["03000f06", "050c0303", "0f00240a", "00272d28"]);
  });
  test("CRC-CCITT of '123456789'", () => {
    expect(crcCcitt(fromHex(vectors.crcCcitt.input), 0, 9).toString(16)).toBe(vectors.crcCcitt.crc);
  });
});

describe("dmr-vectors.json", () => {
  const out = new Uint8Array(12);
  for (const v of vectors.fullLc) {
    test(`full LC: ${v.name}`, () => {
      const lc = fromHex(v.lc9);
      const fields = new LinkControl().read(lc, 0);
      expect({ pf: fields.pf, flco: fields.flco, fid: fields.fid, serviceOptions: fields.serviceOptions, dst: fields.destinationId, src: fields.sourceId }).toEqual(v.lc);
      const encoded = new Uint8Array(9);
      fields.write(encoded, 0);
      expect(toHex(encoded)).toBe(v.lc9);
      const parity = new Uint8Array(3);
      rs129Parity(lc, 0, parity, 0);
      expect(toHex(parity)).toBe(v.rsParity);
      expect(rs129Check(fromHex(v.headerBlock), 0, RS_MASK_VOICE_HEADER)).toBe(true);
      expect(rs129Check(fromHex(v.terminatorBlock), 0, RS_MASK_TERMINATOR)).toBe(true);
      expect(rs129Check(fromHex(v.terminatorBlock), 0, RS_MASK_VOICE_HEADER)).toBe(false);
      // BPTC of the blocks
      for (const [blockHex, burstHex] of [
        [v.headerBlock, v.headerBurst],
        [v.terminatorBlock, v.terminatorBurst],
      ] as const) {
        const burst = fromHex(burstHex);
        expect(decodeBptc19696(burst, 0, out, 0)).toBe(BptcStatus.Valid);
        expect(toHex(out)).toBe(blockHex);
        const rebuilt = burst.slice();
        rebuilt.fill(0x5a, 0, 12);
        rebuilt.fill(0xa5, 21);
        encodeBptc19696(fromHex(blockHex), 0, rebuilt, 0);
        expect(toHex(rebuilt)).toBe(burstHex);
      }
      // full LC through the burst, with offset
      const framed = new Uint8Array(40);
      framed.set(fromHex(v.headerBurst), 5);
      const lcOut = new Uint8Array(12);
      expect(decodeFullLc(framed, 5, RS_MASK_VOICE_HEADER, lcOut, 3)).toBe(FullLcStatus.Valid);
      expect(toHex(lcOut.subarray(3))).toBe(v.lc9);
      // slot type and sync of the bursts
      const st = new SlotType();
      expect(decodeSlotType(fromHex(v.headerBurst), 0, st)).toBe(true);
      expect([st.colourCode, st.dataType]).toEqual([1, 1]);
      expect(decodeSlotType(fromHex(v.terminatorBurst), 0, st)).toBe(true);
      expect([st.colourCode, st.dataType]).toEqual([1, 2]);
      expect(detectSync(fromHex(v.headerBurst), 0)).toBe(SyncPattern.BsData);
      // embedded LC
      expect(embeddedLcChecksum(lc, 0)).toBe(v.embeddedChecksum);
      const fragments = new Uint32Array(4);
      encodeEmbeddedLc(lc, 0, fragments, 0);
      expect(Array.from(fragments, (f) => f.toString(16).padStart(8, "0"))).toEqual(v.embeddedFragments);
      const back = new Uint8Array(9);
      expect(decodeEmbeddedLc(fragments, 0, back, 0)).toBe(EmbeddedLcStatus.Valid);
      expect(toHex(back)).toBe(v.lc9);
    });
  }

  test("BPTC error-correction cases", () => {
    for (const c of vectors.bptcErrorCorrection.cases) {
      const status = decodeBptc19696(fromHex(c.burst), 0, out, 0);
      expect(toHex(out)).toBe(c.expectedBlock);
      expect(status).toBe(BptcStatus.Corrected);
    }
    // burst bit 0 carries only the unused matrix bit R3: nothing to correct
    const onlyBit0 = fromHex(vectors.fullLc[2]!.headerBurst);
    onlyBit0[0] = onlyBit0[0]! ^ 0x80;
    expect(decodeBptc19696(onlyBit0, 0, out, 0)).toBe(BptcStatus.Valid);
    expect(toHex(out)).toBe(vectors.fullLc[2]!.headerBlock);
  });

  test("slot type: all 256 codewords encode, decode, and survive 3 bit errors", () => {
    const burst = new Uint8Array(33);
    const st = new SlotType();
    for (let cc = 0; cc < 16; cc++) {
      for (let dt = 0; dt < 16; dt++) {
        const expected = Number.parseInt(vectors.slotType.codewords[cc]![dt]!, 16);
        expect(golay2087Encode((cc << 4) | dt)).toBe(expected);
        encodeSlotType(burst, 0, cc, dt);
        expect(decodeSlotType(burst, 0, st)).toBe(true);
        expect([st.colourCode, st.dataType, st.errors]).toEqual([cc, dt, 0]);
        const damaged = expected ^ (1 << (cc % 20)) ^ (1 << ((dt + 7) % 20)) ^ (1 << 19);
        expect(golay2087Decode(damaged)).toBe((cc << 4) | dt);
      }
    }
  });

  test("EMB: all 128 codewords encode, decode, and survive 2 bit errors", () => {
    const burst = new Uint8Array(33);
    const emb = new Emb();
    for (let cc = 0; cc < 16; cc++) {
      for (let pi = 0; pi < 2; pi++) {
        for (let lcss = 0; lcss < 4; lcss++) {
          const expected = Number.parseInt(vectors.emb.codewords[cc]![pi]![lcss]!, 16);
          expect(qr1676Encode((cc << 3) | (pi << 2) | lcss)).toBe(expected);
          encodeEmb(burst, 0, cc, pi, lcss);
          expect(decodeEmb(burst, 0, emb)).toBe(true);
          expect([emb.colourCode, emb.pi, emb.lcss]).toEqual([cc, pi, lcss]);
          expect(qr1676Decode(expected ^ (1 << lcss) ^ (1 << (8 + cc % 8)))).toBe((cc << 3) | (pi << 2) | lcss);
        }
      }
    }
  });

  test("sync patterns", () => {
    const names: Record<string, SyncPattern> = {
      "bs-voice": SyncPattern.BsVoice,
      "bs-data": SyncPattern.BsData,
      "ms-voice": SyncPattern.MsVoice,
      "ms-data": SyncPattern.MsData,
      "tdma1-voice": SyncPattern.Tdma1Voice,
      "tdma1-data": SyncPattern.Tdma1Data,
      "tdma2-voice": SyncPattern.Tdma2Voice,
      "tdma2-data": SyncPattern.Tdma2Data,
    };
    for (const [name, hex] of Object.entries(vectors.sync)) {
      const burst = new Uint8Array(33).fill(0xff);
      writeSync(burst, 0, names[name]!);
      // bits 108–155 = low nibble of byte 13 … high nibble of byte 19
      const got = toHex(burst, 13, 20).slice(1, 13);
      expect(got).toBe(hex);
      expect(detectSync(burst, 0)).toBe(names[name]!);
      burst[15] = burst[15]! ^ 0x01;
      expect(detectSync(burst, 0)).toBe(SyncPattern.None);
      expect(detectSync(burst, 0, 1)).toBe(names[name]!);
      expect(burst[0]).toBe(0xff);
    }
  });
});

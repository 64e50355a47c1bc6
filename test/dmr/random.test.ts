/** Seeded randomised tests: round trips, single-error correction, and garbage that must not throw. */
import { describe, expect, test } from "bun:test";
import { Prng } from "../../src/lib/prng.ts";
import { toHex } from "../../src/lib/hex.ts";
import { testSeed } from "../support/seed.ts";
import { BptcStatus, bptcBurstBit, decodeBptc19696, encodeBptc19696, encodeBptc19696Reference } from "../../src/dmr/bptc_196_96.ts";
import { FullLcStatus, decodeFullLc, encodeFullLc } from "../../src/dmr/full_lc.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER } from "../../src/dmr/rs_12_9.ts";
import { EmbeddedLcStatus, decodeEmbeddedLc, encodeEmbeddedLc, encodeEmbeddedLcReference, isEmbeddedLcValid } from "../../src/dmr/embedded_lc.ts";
import { decodeSlotType, SlotType } from "../../src/dmr/slot_type.ts";
import { decodeEmb, Emb } from "../../src/dmr/emb.ts";
import { detectSync } from "../../src/dmr/sync.ts";
import { Csbk, decodeCsbk, rewriteCsbkDestination } from "../../src/dmr/csbk.ts";
import { DataHeader, decodeDataHeader, rewriteDataHeaderDestination } from "../../src/dmr/data_header.ts";
import { TalkerAliasAssembler } from "../../src/dmr/talker_alias.ts";
import { GpsPosition, decodeGpsLc } from "../../src/dmr/gps.ts";
import { LcRewrite, SourceLc } from "../../src/dmr/stream_rewriter.ts";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { CallType, DmrdFrame, DmrdStatus, copyDmrdTo55, decodeDmrd } from "../../src/wire/dmrd.ts";
import { flipBurstBit } from "./rewrite_helpers.ts";

describe("round trips of random LCs", () => {
  test("full LC (header and terminator masks) and embedded LC", () => {
    const prng = new Prng(testSeed("random LC round trips"));
    const lc = new Uint8Array(9);
    const out = new Uint8Array(9);
    const burst = new Uint8Array(33);
    const fragments = new Uint32Array(4);
    for (let i = 0; i < 3000; i++) {
      prng.fill(lc);
      prng.fill(burst);
      const keep = toHex(burst, 13, 20);
      const mask = prng.chance(1, 2) ? RS_MASK_VOICE_HEADER : RS_MASK_TERMINATOR;
      encodeFullLc(lc, 0, mask, burst, 0);
      expect(toHex(burst, 13, 20)).toBe(keep);
      expect(decodeFullLc(burst, 0, mask, out, 0)).toBe(FullLcStatus.Valid);
      expect(toHex(out)).toBe(toHex(lc));
      expect(decodeFullLc(burst, 0, mask === RS_MASK_VOICE_HEADER ? RS_MASK_TERMINATOR : RS_MASK_VOICE_HEADER, out, 0)).toBe(FullLcStatus.Invalid);
      encodeEmbeddedLc(lc, 0, fragments, 0);
      expect(decodeEmbeddedLc(fragments, 0, out, 0)).toBe(EmbeddedLcStatus.Valid);
      expect(toHex(out)).toBe(toHex(lc));
      // one flipped bit in the 128 embedded bits is corrected
      const f = prng.nextInt(4);
      const bit = prng.nextInt(32);
      fragments[f] = (fragments[f]! ^ (1 << bit)) >>> 0;
      const status = decodeEmbeddedLc(fragments, 0, out, 0);
      // transmitted bit t sits in matrix row t mod 8: rows 0–6 are corrected by Hamming(16,11,4),
      // a flip in row 7 (column parity) is detected by the column check
      const row = (32 * f + 31 - bit) % 8;
      if (row < 7) {
        expect(status).toBe(EmbeddedLcStatus.Corrected);
        expect(toHex(out)).toBe(toHex(lc));
      } else {
        expect(status).toBe(EmbeddedLcStatus.BadParity);
      }
    }
  });
});

describe("table-driven encoders equal the bit-matrix reference encoders", () => {
  test("BPTC(196,96) and embedded LC on random input (seeded)", () => {
    const prng = new Prng(testSeed("table vs reference"));
    const block = new Uint8Array(12);
    const a = new Uint8Array(40);
    const b = new Uint8Array(40);
    const fa = new Uint32Array(4);
    const fb = new Uint32Array(4);
    for (let i = 0; i < 3000; i++) {
      prng.fill(block);
      prng.fill(a);
      b.set(a);
      encodeBptc19696(block, 0, a, 3);
      encodeBptc19696Reference(block, 0, b, 3);
      expect(toHex(a)).toBe(toHex(b));
      encodeEmbeddedLc(block, 1, fa, 0);
      encodeEmbeddedLcReference(block, 1, fb, 0);
      expect(Array.from(fa)).toEqual(Array.from(fb));
    }
  });
});

describe("BPTC(196,96)", () => {
  test("every single-bit error in a block is corrected (random blocks, all 196 positions)", () => {
    const prng = new Prng(testSeed("bptc single errors"));
    const block = new Uint8Array(12);
    const out = new Uint8Array(12);
    const burst = new Uint8Array(33);
    for (let round = 0; round < 8; round++) {
      prng.fill(block);
      encodeBptc19696(block, 0, burst, 0);
      for (let a = 0; a < 196; a++) {
        const damaged = burst.slice();
        flipBurstBit(damaged, 0, bptcBurstBit(a));
        const status = decodeBptc19696(damaged, 0, out, 0);
        expect(toHex(out)).toBe(toHex(block));
        // matrix bit 0 is the unused R3 bit: nothing to correct
        expect(status).toBe(a === 0 ? BptcStatus.Valid : BptcStatus.Corrected);
      }
    }
  });

  test("every pair of errors in different rows and columns is corrected too", () => {
    const prng = new Prng(testSeed("bptc double errors"));
    const block = new Uint8Array(12);
    const out = new Uint8Array(12);
    const burst = new Uint8Array(33);
    prng.fill(block);
    encodeBptc19696(block, 0, burst, 0);
    for (let i = 0; i < 2000; i++) {
      const a = 1 + prng.nextInt(195);
      const b = 1 + prng.nextInt(195);
      const ra = Math.floor((a - 1) / 15);
      const rb = Math.floor((b - 1) / 15);
      if (ra === rb || (a - 1) % 15 === (b - 1) % 15) continue;
      const damaged = burst.slice();
      flipBurstBit(damaged, 0, bptcBurstBit(a));
      flipBurstBit(damaged, 0, bptcBurstBit(b));
      expect(decodeBptc19696(damaged, 0, out, 0)).toBe(BptcStatus.Corrected);
      expect(toHex(out)).toBe(toHex(block));
    }
  });
});

describe("random and truncated input never throws", () => {
  test("codecs on random bursts", () => {
    const prng = new Prng(testSeed("random bursts"));
    const burst = new Uint8Array(33);
    const out = new Uint8Array(12);
    const lc = new Uint8Array(9);
    const fragments = new Uint32Array(4);
    const ta = new TalkerAliasAssembler();
    const gps = new GpsPosition();
    let validFullLc = 0;
    let validEmbedded = 0;
    for (let i = 0; i < 5000; i++) {
      prng.fill(burst);
      decodeBptc19696(burst, 0, out, 0);
      if (decodeFullLc(burst, 0, RS_MASK_VOICE_HEADER, lc, 0) !== FullLcStatus.Invalid) validFullLc++;
      decodeSlotType(burst, 0, new SlotType());
      decodeEmb(burst, 0, new Emb());
      detectSync(burst, 0, 3);
      decodeCsbk(burst, 0, new Csbk());
      decodeDataHeader(burst, 0, new DataHeader());
      rewriteCsbkDestination(burst, 0, 9, true);
      rewriteDataHeaderDestination(burst, 0, 9, true);
      for (let k = 0; k < 4; k++) fragments[k] = prng.nextUint32();
      if (isEmbeddedLcValid(decodeEmbeddedLc(fragments, 0, lc, 0))) validEmbedded++;
      ta.addLc(lc, 0);
      decodeGpsLc(lc, 0, gps);
    }
    // random bits almost never pass RS(12,9) (2⁻²⁴) or the embedded checks
    expect(validFullLc).toBe(0);
    expect(validEmbedded).toBeLessThan(5);
  });

  test("SourceLc, LcRewrite and the inspector on random and truncated DMRD", () => {
    const prng = new Prng(testSeed("random dmrd"));
    const frame = new DmrdFrame();
    const source = new SourceLc();
    const rewrite = new LcRewrite();
    const inspector = new StreamInspector();
    const target = new Uint8Array(55);
    let decoded = 0;
    for (let i = 0; i < 20000; i++) {
      const length = prng.chance(3, 4) ? 55 : prng.chance(1, 2) ? 53 : prng.nextInt(60);
      const bytes = new Uint8Array(length);
      prng.fill(bytes);
      if (length >= 4) bytes.set([0x44, 0x4d, 0x52, 0x44]);
      inspector.push(bytes);
      if (decodeDmrd(bytes, frame) !== DmrdStatus.Ok) continue;
      decoded++;
      if (prng.chance(1, 20)) {
        source.reset(frame);
        rewrite.prepare(source, prng.nextInt(0x1000000), prng.chance(1, 2) ? CallType.Group : CallType.Unit);
      }
      source.observe(frame);
      copyDmrdTo55(bytes, target);
      rewrite.apply(frame, target);
    }
    expect(decoded).toBeGreaterThan(10000);
  });
});

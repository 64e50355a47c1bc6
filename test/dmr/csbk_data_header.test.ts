import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { AddressRewrite, BlockStatus, Csbk, decodeCsbk, encodeCsbkBlock, rewriteCsbkDestination } from "../../src/dmr/csbk.ts";
import { DataHeader, decodeDataHeader, rewriteDataHeaderDestination } from "../../src/dmr/data_header.ts";
import { CRC_MASK_CSBK, CRC_MASK_DATA_HEADER, crcCcitt } from "../../src/dmr/crc.ts";
import { decodeBptc19696, encodeBptc19696 } from "../../src/dmr/bptc_196_96.ts";
import { SlotType, decodeSlotType } from "../../src/dmr/slot_type.ts";
import { CallType, DmrdFrame, copyDmrdTo55, decodeDmrd, dmrdFlags, FrameType, writeUint24, writeUint32 } from "../../src/wire/dmrd.ts";
import { LcRewrite, RewriteResult, SourceLc } from "../../src/dmr/stream_rewriter.ts";
import { vectors } from "./fixtures.ts";

/** burst bits 98–165: slot type + sync, which a rewrite must keep */
function slotTypeAndSync(burst: Uint8Array): string {
  return `${(burst[12]! & 0x3f).toString(16)}/${toHex(burst, 13, 20)}/${(burst[20]! & 0xfc).toString(16)}`;
}

/** a DMRD around a data burst */
function dmrdOf(burst: Uint8Array, dataType: number, callType: CallType, src: number, dst: number): Uint8Array {
  const d = new Uint8Array(55);
  d.set([0x44, 0x4d, 0x52, 0x44]);
  writeUint24(d, 5, src);
  writeUint24(d, 8, dst);
  writeUint32(d, 11, 312000101);
  d[15] = dmrdFlags(1, callType, FrameType.DataSync, dataType);
  writeUint32(d, 16, 0x01020304);
  d.set(burst, 20);
  return d;
}

describe("CSBK vectors", () => {
  for (const v of vectors.csbk) {
    test(v.name, () => {
      const block = fromHex(v.block);
      expect((crcCcitt(block, 0, 10) ^ CRC_MASK_CSBK).toString(16).padStart(4, "0")).toBe(v.crc);
      const csbk = new Csbk();
      expect(decodeCsbk(fromHex(v.burst), 0, csbk)).toBe(BlockStatus.Valid);
      expect(toHex(csbk.block)).toBe(v.block);
      expect({
        lb: csbk.lastBlock,
        pf: csbk.protectFlag,
        csbko: csbk.csbko,
        fid: csbk.fid,
        dataFollows: csbk.dataFollows,
        group: csbk.group,
        blocksToFollow: csbk.blocksToFollow,
        dst: csbk.destinationId,
        src: csbk.sourceId,
      }).toEqual(v.fields);
      const st = new SlotType();
      expect(decodeSlotType(fromHex(v.burst), 0, st)).toBe(true);
      expect([st.colourCode, st.dataType]).toEqual([v.cc, v.dataType]);
      const rebuilt = fromHex(v.burst);
      rebuilt.fill(0, 0, 12);
      const b = block.slice();
      b[10] = 0;
      b[11] = 0;
      encodeCsbkBlock(b, rebuilt, 0);
      expect(toHex(rebuilt)).toBe(v.burst);
    });
  }

  test("rewriting the addresses of a CSBK keeps a valid CRC (mask A5A5) and changes only the BPTC bits", () => {
    for (const v of vectors.csbk) {
      const burst = fromHex(v.burst);
      expect(rewriteCsbkDestination(burst, 0, 9, true)).toBe(AddressRewrite.Rewritten);
      const csbk = new Csbk();
      expect(decodeCsbk(burst, 0, csbk)).toBe(BlockStatus.Valid);
      expect([csbk.destinationId, csbk.sourceId, csbk.group, csbk.blocksToFollow]).toEqual([9, v.fields.src, 1, v.fields.blocksToFollow]);
      expect(slotTypeAndSync(burst)).toBe(slotTypeAndSync(fromHex(v.burst)));
      // the data-header mask does not validate it
      const block = new Uint8Array(12);
      decodeBptc19696(burst, 0, block, 0);
      expect(((crcCcitt(block, 0, 10) ^ CRC_MASK_DATA_HEADER) >>> 8) === block[10] && ((crcCcitt(block, 0, 10) ^ CRC_MASK_DATA_HEADER) & 0xff) === block[11]).toBe(false);
      expect(rewriteCsbkDestination(burst, 0, 3120002, false)).toBe(AddressRewrite.Rewritten);
      decodeCsbk(burst, 0, csbk);
      expect([csbk.destinationId, csbk.group]).toEqual([3120002, 0]);
    }
  });

  test("a CSBK with a bad CRC is left untouched", () => {
    const burst = fromHex(vectors.csbk[0]!.burst);
    // change a content byte without updating the CRC
    const block = new Uint8Array(12);
    decodeBptc19696(burst, 0, block, 0);
    block[5] = block[5]! ^ 0x01;
    encodeBptc19696(block, 0, burst, 0);
    const copy = burst.slice();
    expect(rewriteCsbkDestination(burst, 0, 9, true)).toBe(AddressRewrite.BadCrc);
    expect(toHex(burst)).toBe(toHex(copy));
  });
});

describe("data header vectors", () => {
  for (const v of vectors.dataHeader) {
    test(v.name, () => {
      const block = fromHex(v.block);
      expect((crcCcitt(block, 0, 10) ^ CRC_MASK_DATA_HEADER).toString(16).padStart(4, "0")).toBe(v.crc);
      const header = new DataHeader();
      expect(decodeDataHeader(fromHex(v.burst), 0, header)).toBe(BlockStatus.Valid);
      expect(toHex(header.block)).toBe(v.block);
      expect({
        group: header.group,
        responseRequested: header.responseRequested,
        dpf: header.dpf,
        sap: header.sap,
        dst: header.destinationId,
        src: header.sourceId,
        fullMessage: header.fullMessage,
        blocksToFollow: header.blocksToFollow,
      }).toEqual(v.fields);
      // a CSBK decoder rejects it (different CRC mask)
      expect(decodeCsbk(fromHex(v.burst), 0, new Csbk())).toBe(BlockStatus.BadCrc);
    });
  }

  test("rewrite destination and G/I with a valid CRC (mask CCCC)", () => {
    for (const v of vectors.dataHeader) {
      const burst = fromHex(v.burst);
      expect(rewriteDataHeaderDestination(burst, 0, 91, true)).toBe(AddressRewrite.Rewritten);
      const header = new DataHeader();
      expect(decodeDataHeader(burst, 0, header)).toBe(BlockStatus.Valid);
      expect([header.destinationId, header.sourceId, header.group, header.dpf, header.sap, header.blocksToFollow]).toEqual([91, v.fields.src, 1, v.fields.dpf, v.fields.sap, v.fields.blocksToFollow]);
      expect(slotTypeAndSync(burst)).toBe(slotTypeAndSync(fromHex(v.burst)));
    }
  });
});

describe("LcRewrite on data calls", () => {
  test("CSBK preamble + data header are readdressed; data blocks untouched", () => {
    const csbk = vectors.csbk[0]!;
    const header = vectors.dataHeader[0]!;
    const dataBlock = fromHex(header.burst);
    dataBlock[3] = dataBlock[3]! ^ 0xff; // arbitrary payload bits: a "rate ½ block" that must not change
    const stream = [
      dmrdOf(fromHex(csbk.burst), 3, CallType.Unit, 3120001, 3120002),
      dmrdOf(fromHex(header.burst), 6, CallType.Unit, 3120001, 3120002),
      dmrdOf(dataBlock, 7, CallType.Unit, 3120001, 3120002),
    ];
    const frame = new DmrdFrame();
    const source = new SourceLc();
    const rewrite = new LcRewrite();
    const out: Uint8Array[] = [];
    const results: RewriteResult[] = [];
    stream.forEach((d, i) => {
      decodeDmrd(d, frame);
      if (i === 0) {
        source.reset(frame);
        rewrite.prepare(source, 4000, CallType.Group);
      }
      source.observe(frame);
      const t = new Uint8Array(55);
      copyDmrdTo55(d, t);
      results.push(rewrite.apply(frame, t));
      out.push(t);
    });
    expect(results).toEqual([RewriteResult.Ok, RewriteResult.Ok, RewriteResult.Ok]);
    const c = new Csbk();
    expect(decodeCsbk(out[0]!, 20, c)).toBe(BlockStatus.Valid);
    expect([c.destinationId, c.group, c.sourceId]).toEqual([4000, 1, 3120001]);
    const h = new DataHeader();
    expect(decodeDataHeader(out[1]!, 20, h)).toBe(BlockStatus.Valid);
    expect([h.destinationId, h.group, h.sourceId]).toEqual([4000, 1, 3120001]);
    expect(toHex(out[2]!, 20, 53)).toBe(toHex(stream[2]!, 20, 53));
    for (const o of out) {
      decodeDmrd(o, frame);
      expect([frame.destinationId, frame.callType]).toEqual([4000, CallType.Group]);
    }
  });
});

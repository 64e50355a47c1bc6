import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { CallType, DmrdFrame, FrameType, copyDmrdTo55, decodeDmrd } from "../../src/wire/dmrd.ts";
import { LcOrigin, LcRewrite, SOURCE_CHANGED_GPS, SOURCE_CHANGED_TALKER_ALIAS, SourceLc, setDmrdSlot } from "../../src/dmr/stream_rewriter.ts";
import { encodeFullLc } from "../../src/dmr/full_lc.ts";
import { TalkerAliasFormat, encodeTalkerAlias } from "../../src/dmr/talker_alias.ts";
import { encodeGpsLc } from "../../src/dmr/gps.ts";
import { RS_MASK_VOICE_HEADER } from "../../src/dmr/rs_12_9.ts";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { vectors } from "./fixtures.ts";
import { ambeBits, rewriteStream } from "./rewrite_helpers.ts";

describe("stream rewriter on the vector voice calls", () => {
  for (const call of vectors.voiceCalls) {
    const input = call.dmrd.map(fromHex);
    for (const [destinationId, callType] of [
      [9, CallType.Group],
      [91, CallType.Group],
      [2345601, CallType.Unit],
      [16777215, CallType.Group],
    ] as const) {
      test(`${call.name} → ${destinationId} ${callType === CallType.Unit ? "unit" : "group"}`, () => {
        const before = new StreamInspector();
        for (const d of input) before.push(d);
        const output = rewriteStream(input, destinationId, callType);
        const after = new StreamInspector();
        for (const d of output) after.push(d);
        expect(after.badDatagrams).toBe(0);
        expect(after.headers.length).toBe(1);
        expect(after.terminators.length).toBe(1);
        const expectedFlco = callType === CallType.Unit ? 3 : 0;
        for (const lc of [...after.headers, ...after.terminators]) {
          expect(lc.valid).toBe(true);
          expect(lc.destinationId).toBe(destinationId);
          expect(lc.sourceId).toBe(call.params.src);
          expect(lc.flco).toBe(expectedFlco);
          // PF, FID and service options kept
          expect(lc.fid).toBe(before.headers[0]!.fid);
          expect(lc.serviceOptions).toBe(before.headers[0]!.serviceOptions);
          expect(lc.pf).toBe(before.headers[0]!.pf);
        }
        expect(after.embedded.length).toBe(before.embedded.length);
        expect(after.embedded.every((e) => e.valid)).toBe(true);
        const identities = after.embedded.filter((e) => e.identity);
        expect(identities.length).toBe(before.embedded.filter((e) => e.identity).length);
        expect(identities.length).toBeGreaterThan(0);
        for (const e of identities) {
          expect(e.destinationId).toBe(destinationId);
          expect(e.flco).toBe(expectedFlco);
        }
        expect(after.talkerAliases).toEqual(before.talkerAliases);
        expect(after.slotTypesInvalid).toBe(0);
        expect(after.embsInvalid).toBe(0);
        // per packet: DMRD dst and call-type bit; AMBE never touched; TA fragments and F byte-identical
        const frame = new DmrdFrame();
        for (let i = 0; i < input.length; i++) {
          const a = input[i]!;
          const b = output[i]!;
          decodeDmrd(b, frame);
          expect(frame.destinationId).toBe(destinationId);
          expect(frame.callType).toBe(callType);
          expect(toHex(b, 0, 8)).toBe(toHex(a, 0, 8));
          expect(toHex(b, 11, 15)).toBe(toHex(a, 11, 15));
          expect(b[15]! & 0xbf).toBe(a[15]! & 0xbf);
          expect(toHex(b, 16, 55).length).toBe(78);
          if (frame.frameType !== FrameType.DataSync) {
            expect(ambeBits(b)).toBe(ambeBits(a));
            // EMB / sync bits (108–115, 148–155) untouched
            expect(b[33]! & 0x0f).toBe(a[33]! & 0x0f);
            expect(b[34]! & 0xf0).toBe(a[34]! & 0xf0);
            expect(b[38]! & 0x0f).toBe(a[38]! & 0x0f);
            expect(b[39]! & 0xf0).toBe(a[39]! & 0xf0);
            if (frame.frameType === FrameType.VoiceSync || frame.dataType === 5) expect(toHex(b, 20, 53)).toBe(toHex(a, 20, 53));
          } else {
            // slot type and sync kept
            expect(a[32]! & 0x3f).toBe(b[32]! & 0x3f);
            expect(toHex(b, 33, 40)).toBe(toHex(a, 33, 40));
            expect(a[40]! & 0xfc).toBe(b[40]! & 0xfc);
          }
        }
        // talker-alias superframes byte-identical
        const taSets = before.embedded.filter((e) => !e.identity).map((e) => e.sequence);
        for (const seqE of taSets) {
          for (let k = 0; k < 4; k++) {
            const index = input.findIndex((d) => d[4] === ((seqE - k) & 0xff));
            expect(toHex(output[index]!)).toBe(toHex(input[index]!).slice(0, 16) + toHex(output[index]!).slice(16, 22) + toHex(input[index]!).slice(22, 30) + toHex(output[index]!).slice(30, 32) + toHex(input[index]!).slice(32));
          }
        }
      });
    }
  }

  test("the TA call keeps its alias through the rewrite", () => {
    const call = vectors.voiceCalls[1]!;
    const after = new StreamInspector();
    for (const d of rewriteStream(call.dmrd.map(fromHex), 9, CallType.Group)) after.push(d);
    expect(after.talkerAliases).toEqual([call.params.talkerAlias!]);
  });

  test("rewriting to the same destination and call type changes no byte", () => {
    for (const call of vectors.voiceCalls) {
      const input = call.dmrd.map(fromHex);
      const output = rewriteStream(input, call.params.dst, call.params.priv ? CallType.Unit : CallType.Group);
      expect(output.map((d) => toHex(d))).toEqual(input.map((d) => toHex(d)));
    }
  });

  test("slot change is the flag bit only", () => {
    const d = fromHex(vectors.voiceCalls[0]!.dmrd[1]!);
    const t = d.slice();
    setDmrdSlot(t, 2);
    expect(t[15]).toBe(d[15]! | 0x80);
    for (let i = 0; i < 55; i++) if (i !== 15) expect(t[i]).toBe(d[i]!);
    setDmrdSlot(t, 1);
    expect(toHex(t)).toBe(toHex(d));
  });
});

describe("SourceLc", () => {
  test("learns the header LC, and from the embedded LC in late entry", () => {
    // DMR+ style: the DMRD header says TG 9 while the LC inside says TG 3100
    const call = vectors.voiceCalls[0]!.dmrd.map((h) => {
      const d = fromHex(h);
      d[8] = 0;
      d[9] = 0;
      d[10] = 9;
      return d;
    });
    const frame = new DmrdFrame();
    const source = new SourceLc();
    decodeDmrd(call[0]!, frame);
    source.reset(frame);
    expect(source.origin).toBe(LcOrigin.Dmrd);
    expect(toHex(source.lc)).toBe("0000000000092f9b81");
    const version = source.version;
    expect(source.observe(frame)).toBe(true);
    expect(source.version).toBe(version + 1);
    expect(source.origin).toBe(LcOrigin.Header);
    expect(toHex(source.lc)).toBe("000000000c1c2f9b81");
    expect(source.observe(frame)).toBe(false); // repeated header: no change
    // late entry: start at burst A of superframe 1
    const late = new SourceLc();
    decodeDmrd(call[1]!, frame);
    late.reset(frame);
    let changedAt = -1;
    for (let i = 1; i < call.length - 1; i++) {
      decodeDmrd(call[i]!, frame);
      if (late.observe(frame) && changedAt < 0) changedAt = i;
    }
    expect(changedAt).toBe(5); // burst E of the first superframe
    expect(late.origin).toBe(LcOrigin.Embedded);
    expect(toHex(late.lc)).toBe("000000000c1c2f9b81");
    expect(late.embeddedValid).toBe(2);
    decodeDmrd(call[call.length - 1]!, frame);
    expect(late.observe(frame)).toBe(false); // the terminator confirms the same LC
    expect(late.origin).toBe(LcOrigin.Header);
  });

  test("late-entry rewrite follows the learned LC from the next superframe", () => {
    const call = vectors.voiceCalls[0]!.dmrd.map((h) => {
      const d = fromHex(h);
      d[10] = 9; // DMRD dst 0x000c09, LC dst 3100
      return d;
    });
    const output = rewriteStream(call.slice(1), 9, CallType.Group);
    const after = new StreamInspector();
    for (const d of output) after.push(d);
    // first superframe: the DMRD-seeded LC did not match the air LC, so its B–E were left alone
    expect(after.embedded.map((e) => e.destinationId)).toEqual([3100, 9]);
    expect(after.terminators[0]!.destinationId).toBe(9);
    expect(after.embedded.every((e) => e.valid)).toBe(true);
  });
});

describe("SourceLc side data and router-style re-prepare", () => {
  test("talker alias and GPS arriving as full LCs", () => {
    const header = fromHex(vectors.voiceCalls[0]!.dmrd[0]!);
    const frame = new DmrdFrame();
    decodeDmrd(header, frame);
    const source = new SourceLc();
    source.reset(frame);
    source.observe(frame);
    const lcs = new Uint8Array(36);
    const count = encodeTalkerAlias("DL1ABC Full LC", TalkerAliasFormat.Utf8, lcs);
    const burst = header.slice();
    for (let i = 0; i < count; i++) {
      encodeFullLc(lcs, 9 * i, RS_MASK_VOICE_HEADER, burst, 20);
      decodeDmrd(burst, frame);
      expect(source.observe(frame)).toBe(false); // the identity LC does not change
      expect((source.changes & SOURCE_CHANGED_TALKER_ALIAS) !== 0).toBe(i === count - 1);
      expect(source.talkerAliasComplete).toBe(i === count - 1); // mirrors talkerAlias.complete
    }
    expect(source.talkerAlias.text).toBe("DL1ABC Full LC");
    const gps = new Uint8Array(9);
    encodeGpsLc(gps, 0, -33.8688, 151.2093, 1);
    encodeFullLc(gps, 0, RS_MASK_VOICE_HEADER, burst, 20);
    decodeDmrd(burst, frame);
    source.observe(frame);
    expect(source.changes).toBe(SOURCE_CHANGED_GPS);
    expect(source.hasGps).toBe(true);
    expect(source.gps.latitude).toBeCloseTo(-33.8688, 4);
    expect(source.gps.longitude).toBeCloseTo(151.2093, 4);
    expect(toHex(source.lc)).toBe("000000000c1c2f9b81");
  });

  test("re-preparing whenever observe() returns true gives the same bytes as letting apply() refresh", () => {
    const call = vectors.voiceCalls[1]!.dmrd.map((h) => {
      const d = fromHex(h);
      d[10] = d[10]! ^ 1; // DMRD dst disagrees with the LC: late entry learns mid-stream
      return d;
    });
    const lazy = rewriteStream(call.slice(1), 9, CallType.Group);
    const frame = new DmrdFrame();
    const source = new SourceLc();
    const rewrite = new LcRewrite();
    const eager = call.slice(1).map((d, i) => {
      decodeDmrd(d, frame);
      if (i === 0) {
        source.reset(frame);
        rewrite.prepare(source, 9, CallType.Group);
      }
      if (source.observe(frame)) rewrite.prepare(source, 9, CallType.Group);
      const t = new Uint8Array(55);
      copyDmrdTo55(d, t);
      rewrite.apply(frame, t);
      return toHex(t);
    });
    expect(eager).toEqual(lazy.map((d) => toHex(d)));
    const after = new StreamInspector();
    for (const d of lazy) after.push(d);
    expect(after.embedded.every((e) => e.valid)).toBe(true);
    expect(after.talkerAliases).toEqual(["N0CALL Probe"]);
  });
});

test("an LcRewrite reused for a new stream (SourceLc.reset, no release) starts afresh even mid-superframe", () => {
  const first = vectors.voiceCalls[0]!.dmrd.map(fromHex);
  const second = vectors.voiceCalls[1]!.dmrd.map(fromHex);
  const frame = new DmrdFrame();
  const source = new SourceLc();
  const rewrite = new LcRewrite();
  const run = (datagrams: Uint8Array[]) =>
    datagrams.map((d, i) => {
      decodeDmrd(d, frame);
      if (i === 0) {
        source.reset(frame);
        rewrite.prepare(source, 9, CallType.Group);
      }
      source.observe(frame);
      const t = new Uint8Array(55);
      copyDmrdTo55(d, t);
      rewrite.apply(frame, t);
      return t;
    });
  run(first.slice(0, 4)); // stop inside a superframe (after burst C)
  const out = run(second.slice(3)); // next stream enters at burst C of its first superframe
  const fresh = rewriteStream(second.slice(3), 9, CallType.Group);
  expect(out.map((d) => toHex(d))).toEqual(fresh.map((d) => toHex(d)));
});

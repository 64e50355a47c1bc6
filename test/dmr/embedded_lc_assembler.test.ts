/**
 * EmbeddedLcAssembler keeps the result of the last set it decoded and gives it again for the same
 * four fragments (a call repeats its LC every superframe): every result must still be what
 * decodeEmbeddedLc gives for that set — after an invalid set, a corrected one, a different LC, and
 * for the very first set even when it equals the assembler's blank words (all zero).
 */
import { describe, expect, test } from "bun:test";
import { AssemblerResult, decodeEmbeddedLc, EmbeddedLcAssembler, EmbeddedLcStatus, encodeEmbeddedLc, writeEmbeddedFragment } from "../../src/dmr/embedded_lc.ts";
import { Flco, LC_BYTES, writeLc } from "../../src/dmr/full_lc.ts";

const BURST_BYTES = 33;

/** A group voice LC (FLCO 0) from `sourceId` to talkgroup `talkgroupId`. */
function lcOf(talkgroupId: number, sourceId: number): Uint8Array {
  const lc = new Uint8Array(LC_BYTES);
  writeLc(lc, 0, 0, Flco.GroupVoice, 0, 0, talkgroupId, sourceId);
  return lc;
}

function fragmentsOf(lc: Uint8Array): Uint32Array {
  const fragments = new Uint32Array(4);
  encodeEmbeddedLc(lc, 0, fragments, 0);
  return fragments;
}

/** Offer bursts A–F of one superframe carrying `fragments` in B–E; the result of burst E. */
function superframe(assembler: EmbeddedLcAssembler, fragments: Uint32Array): AssemblerResult {
  const burst = new Uint8Array(BURST_BYTES);
  let atE: AssemblerResult = AssemblerResult.Pending;
  for (let sequence = 0; sequence <= 5; sequence++) {
    burst.fill(0x55);
    if (sequence >= 1 && sequence <= 4) writeEmbeddedFragment(burst, 0, fragments[sequence - 1]!);
    const result = assembler.push(burst, 0, sequence);
    if (sequence === 4) atE = result;
    else expect(result).toBe(AssemblerResult.Pending);
  }
  return atE;
}

/** What decodeEmbeddedLc itself says of `fragments`. */
function direct(fragments: Uint32Array): { status: EmbeddedLcStatus; lc: Uint8Array } {
  const lc = new Uint8Array(LC_BYTES);
  return { status: decodeEmbeddedLc(fragments, 0, lc, 0), lc };
}

describe("EmbeddedLcAssembler, superframe after superframe", () => {
  test("the same set again, a corrected one, an invalid one, the first again, another LC: each as decodeEmbeddedLc has it", () => {
    const assembler = new EmbeddedLcAssembler();
    const x = lcOf(91, 2_345_001);
    const y = lcOf(3100, 2_345_002);
    const setX = fragmentsOf(x);
    const setY = fragmentsOf(y);
    const oneBitOff = setX.slice();
    oneBitOff[1] = oneBitOff[1]! ^ (1 << 7);
    const garbled = setX.slice();
    garbled[0] = garbled[0]! ^ 0x0f0f0f0f;
    garbled[2] = garbled[2]! ^ 0xf0f0f0f0;
    expect(direct(oneBitOff).status).toBe(EmbeddedLcStatus.Corrected);
    expect(direct(garbled).status === EmbeddedLcStatus.Valid || direct(garbled).status === EmbeddedLcStatus.Corrected).toBe(false);

    const sequence = [setX, setX, setX, oneBitOff, oneBitOff, setX, garbled, garbled, setX, setY, setY, setX];
    for (const [i, set] of sequence.entries()) {
      const want = direct(set);
      const result = superframe(assembler, set);
      expect([i, result]).toEqual([i, want.status === EmbeddedLcStatus.Valid || want.status === EmbeddedLcStatus.Corrected ? AssemblerResult.Valid : AssemblerResult.Invalid]);
      expect([i, assembler.status]).toEqual([i, want.status]);
      expect([i, Array.from(assembler.lc)]).toEqual([i, Array.from(want.lc)]);
      const fragments = new Uint32Array(4);
      assembler.fragments(fragments);
      expect(Array.from(fragments)).toEqual(Array.from(set));
    }
    // the valid sets decode to their own LCs
    expect(Array.from(direct(setX).lc)).toEqual(Array.from(x));
    expect(Array.from(direct(setY).lc)).toEqual(Array.from(y));
  });

  test("a first set of all-zero fragments (the assembler's blank words) is decoded, not taken as already known", () => {
    const zeros = new Uint32Array(4);
    const want = direct(zeros);
    const assembler = new EmbeddedLcAssembler();
    superframe(assembler, zeros);
    expect(assembler.status).toBe(want.status);
    expect(Array.from(assembler.lc)).toEqual(Array.from(want.lc));
  });

  test("a set broken by a missing burst is incomplete and leaves the last result alone", () => {
    const assembler = new EmbeddedLcAssembler();
    const setX = fragmentsOf(lcOf(91, 2_345_001));
    expect(superframe(assembler, setX)).toBe(AssemblerResult.Valid);
    const burst = new Uint8Array(BURST_BYTES);
    writeEmbeddedFragment(burst, 0, setX[0]!);
    assembler.push(burst, 0, 1);
    assembler.push(burst, 0, 3); // C lost
    expect(assembler.push(burst, 0, 4)).toBe(AssemblerResult.Incomplete);
    expect(superframe(assembler, setX)).toBe(AssemblerResult.Valid);
    expect(assembler.status).toBe(EmbeddedLcStatus.Valid);
  });
});

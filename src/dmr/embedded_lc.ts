/**
 * Embedded LC of voice bursts B–E (ETSI TS 102 361-1 Annex B.2.1; hbp-and-dmr.md §2.8).
 *
 * 128-bit matrix of 8 rows × 16 columns (index 16·row + col): rows 0–1 hold 11 LC bits each in
 * cols 0–10, rows 2–6 hold 10 LC bits in cols 0–9 and one bit of the 5-bit checksum in col 10
 * (MSB in row 2); rows 0–6 carry Hamming(16,11,4) parity in cols 11–15; row 7 is the even parity of
 * each column. The matrix is sent column by column; transmitted bits 0–31, 32–63, 64–95, 96–127 are
 * the fragments of bursts B, C, D, E (EMB LCSS 1, 3, 3, 2), in burst bits 116–147. Burst F carries a
 * null fragment (LCSS 0) or reverse-channel data.
 *
 * Fragments are handled as unsigned 32-bit integers (first transmitted bit = MSB).
 * @module
 */

import { HAMMING_16_11_4, HammingResult } from "./hamming.ts";
import { embeddedLcChecksum } from "./crc.ts";
import { LC_BYTES } from "./full_lc.ts";

export const EMBEDDED_FRAGMENTS = 4;
const MATRIX_BITS = 128;
const ROWS = 8;
const COLUMNS = 16;
/** matrix index of LC bit i (0 = MSB of LC byte 0), and of checksum bit j (0 = MSB) */
const lcBitIndex = new Uint8Array(72);
const checksumBitIndex = new Uint8Array(5);
/** transmittedToMatrix[t]: matrix index of transmitted bit t (column-wise read-out) */
const transmittedToMatrix = new Uint8Array(MATRIX_BITS);
{
  let i = 0;
  for (let row = 0; row < 2; row++) for (let col = 0; col <= 10; col++) lcBitIndex[i++] = 16 * row + col;
  for (let row = 2; row < 7; row++) {
    for (let col = 0; col <= 9; col++) lcBitIndex[i++] = 16 * row + col;
    checksumBitIndex[row - 2] = 16 * row + 10;
  }
  for (let t = 0; t < MATRIX_BITS; t++) transmittedToMatrix[t] = (t % ROWS) * COLUMNS + Math.floor(t / ROWS);
}

export const enum EmbeddedLcStatus {
  Valid = 0,
  /** valid after single-error correction in one or more rows */
  Corrected = 1,
  /** a Hamming(16,11,4) row is uncorrectable */
  BadHamming = 2,
  /** a column fails its row-7 parity */
  BadParity = 3,
  /** the 5-bit checksum does not match the LC */
  BadChecksum = 4,
}

export function isEmbeddedLcValid(status: EmbeddedLcStatus): boolean {
  return status === EmbeddedLcStatus.Valid || status === EmbeddedLcStatus.Corrected;
}

const matrix = new Uint8Array(MATRIX_BITS);

/** Reference encoder through the bit matrix, with an explicit checksum (builds the tables below). */
function encodeMatrix(lc: Uint8Array, offset: number, checksum: number, fragments: Uint32Array, fragmentsOffset: number): void {
  matrix.fill(0);
  for (let i = 0; i < 72; i++) matrix[lcBitIndex[i]!] = (lc[offset + (i >>> 3)]! >>> (7 - (i & 7))) & 1;
  for (let j = 0; j < 5; j++) matrix[checksumBitIndex[j]!] = (checksum >>> (4 - j)) & 1;
  for (let row = 0; row < 7; row++) HAMMING_16_11_4.encode(matrix, 16 * row, 1);
  for (let col = 0; col < COLUMNS; col++) {
    let parity = 0;
    for (let row = 0; row < 7; row++) parity ^= matrix[16 * row + col]!;
    matrix[16 * 7 + col] = parity;
  }
  for (let f = 0; f < EMBEDDED_FRAGMENTS; f++) {
    let word = 0;
    for (let t = 0; t < 32; t++) word = (word << 1) | matrix[transmittedToMatrix[32 * f + t]!]!;
    fragments[fragmentsOffset + f] = word >>> 0;
  }
}

/** Slow reference encoder, for tests. */
export function encodeEmbeddedLcReference(lc: Uint8Array, offset: number, fragments: Uint32Array, fragmentsOffset: number): void {
  encodeMatrix(lc, offset, embeddedLcChecksum(lc, offset), fragments, fragmentsOffset);
}

/*
 * Hamming and column parity are linear in the 72 LC bits and 5 checksum bits, so the fragments are
 * the XOR of per-nibble images: nibbleFragments[(q·16 + v)·4 …] for LC nibble q (0–17) = v, and
 * checksumFragments[c·4 …] for checksum c (0–30). 5 KB, built once at module load.
 */
// Int32Array, not Uint32Array: the XORs below then stay int32 in the JIT. Uint32Array elements at or
// above 2^31 are doubles, and with them the optimised encoder took 470–850 ns per call; with int32
// tables 45–70 ns (a loop over random LCs after warm-up, Bun 1.4.5 x64).
const nibbleFragments = new Int32Array(18 * 16 * 4);
const checksumFragments = new Int32Array(32 * 4);
{
  const zero = new Uint8Array(LC_BYTES);
  const single = new Uint8Array(LC_BYTES);
  const image = new Uint32Array(4);
  for (let q = 0; q < 18; q++) {
    for (let v = 0; v < 16; v++) {
      single.fill(0);
      single[q >>> 1] = q & 1 ? v : v << 4;
      encodeMatrix(single, 0, 0, image, 0);
      nibbleFragments.set(image, (q * 16 + v) * 4);
    }
  }
  for (let c = 0; c < 32; c++) {
    encodeMatrix(zero, 0, c, image, 0);
    checksumFragments.set(image, c * 4);
  }
}

/** The last encodeWords() result, as int32 (same 32 bits as the unsigned fragments). */
const encoded = new Int32Array(EMBEDDED_FRAGMENTS);

/** The fragments of the LC at lc[offset..] into `encoded`; int32 throughout (see the tables). */
function encodeWords(lc: Uint8Array, offset: number): void {
  const c = embeddedLcChecksum(lc, offset) * 4;
  let f0 = checksumFragments[c]!;
  let f1 = checksumFragments[c + 1]!;
  let f2 = checksumFragments[c + 2]!;
  let f3 = checksumFragments[c + 3]!;
  for (let b = 0; b < LC_BYTES; b++) {
    const v = lc[offset + b]!;
    const high = (2 * b * 16 + (v >>> 4)) * 4;
    const low = ((2 * b + 1) * 16 + (v & 0x0f)) * 4;
    f0 ^= nibbleFragments[high]! ^ nibbleFragments[low]!;
    f1 ^= nibbleFragments[high + 1]! ^ nibbleFragments[low + 1]!;
    f2 ^= nibbleFragments[high + 2]! ^ nibbleFragments[low + 2]!;
    f3 ^= nibbleFragments[high + 3]! ^ nibbleFragments[low + 3]!;
  }
  encoded[0] = f0;
  encoded[1] = f1;
  encoded[2] = f2;
  encoded[3] = f3;
}

/**
 * The four 32-bit fragments (B, C, D, E) of the LC at lc[offset..], written to
 * fragments[fragmentsOffset..+4]. Table-driven; allocation-free.
 */
export function encodeEmbeddedLc(lc: Uint8Array, offset: number, fragments: Uint32Array, fragmentsOffset: number): void {
  encodeWords(lc, offset);
  // an int32 stored into a Uint32Array keeps its 32 bits (ToUint32)
  fragments[fragmentsOffset] = encoded[0]!;
  fragments[fragmentsOffset + 1] = encoded[1]!;
  fragments[fragmentsOffset + 2] = encoded[2]!;
  fragments[fragmentsOffset + 3] = encoded[3]!;
}

/** lcBitTransmitted[i]: transmitted bit (0–127) carrying LC bit i */
const lcBitTransmitted = new Uint8Array(72);
{
  const matrixToTransmitted = new Uint8Array(MATRIX_BITS);
  for (let t = 0; t < MATRIX_BITS; t++) matrixToTransmitted[transmittedToMatrix[t]!] = t;
  for (let i = 0; i < 72; i++) lcBitTransmitted[i] = matrixToTransmitted[lcBitIndex[i]!]!;
}
const fastFragments = new Int32Array(EMBEDDED_FRAGMENTS);

/**
 * Decode the LC from its four fragments (B, C, D, E) into out[outOffset..outOffset+9]. The bytes
 * are written even when the status is not valid.
 */
export function decodeEmbeddedLc(
  fragments: Uint32Array,
  fragmentsOffset: number,
  out: Uint8Array,
  outOffset: number,
): EmbeddedLcStatus {
  // fast path: read the LC bits where they were sent, re-encode (with the checksum of those bits)
  // and compare all 128 bits; any difference goes through the correcting decoder below. The words
  // are taken as int32 (`| 0`, the same 32 bits) so the JIT keeps to integer code.
  const received = fastFragments;
  received[0] = fragments[fragmentsOffset]! | 0;
  received[1] = fragments[fragmentsOffset + 1]! | 0;
  received[2] = fragments[fragmentsOffset + 2]! | 0;
  received[3] = fragments[fragmentsOffset + 3]! | 0;
  for (let b = 0; b < LC_BYTES; b++) {
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const t = lcBitTransmitted[b * 8 + i]!;
      v = (v << 1) | ((received[t >>> 5]! >> (31 - (t & 31))) & 1);
    }
    out[outOffset + b] = v;
  }
  encodeWords(out, outOffset);
  if (encoded[0] === received[0] && encoded[1] === received[1] && encoded[2] === received[2] && encoded[3] === received[3]) {
    return EmbeddedLcStatus.Valid;
  }
  for (let f = 0; f < EMBEDDED_FRAGMENTS; f++) {
    const word = fragments[fragmentsOffset + f]!;
    for (let t = 0; t < 32; t++) matrix[transmittedToMatrix[32 * f + t]!] = (word >>> (31 - t)) & 1;
  }
  let corrected = false;
  let badRow = false;
  for (let row = 0; row < 7; row++) {
    const result = HAMMING_16_11_4.decode(matrix, 16 * row, 1);
    if (result === HammingResult.Uncorrectable) badRow = true;
    else if (result === HammingResult.Corrected) corrected = true;
  }
  for (let b = 0; b < LC_BYTES; b++) {
    let v = 0;
    for (let i = 0; i < 8; i++) v = (v << 1) | matrix[lcBitIndex[b * 8 + i]!]!;
    out[outOffset + b] = v;
  }
  if (badRow) return EmbeddedLcStatus.BadHamming;
  for (let col = 0; col < COLUMNS; col++) {
    let parity = 0;
    for (let row = 0; row < ROWS; row++) parity ^= matrix[16 * row + col]!;
    if (parity !== 0) return EmbeddedLcStatus.BadParity;
  }
  let checksum = 0;
  for (let j = 0; j < 5; j++) checksum = (checksum << 1) | matrix[checksumBitIndex[j]!]!;
  if (checksum !== embeddedLcChecksum(out, outOffset)) return EmbeddedLcStatus.BadChecksum;
  return corrected ? EmbeddedLcStatus.Corrected : EmbeddedLcStatus.Valid;
}

/** Read the 32 embedded-signalling bits (burst bits 116–147) of the burst at burst[offset..]. */
export function readEmbeddedFragment(burst: Uint8Array, offset: number): number {
  return (
    (((burst[offset + 14]! & 0x0f) << 28) |
      (burst[offset + 15]! << 20) |
      (burst[offset + 16]! << 12) |
      (burst[offset + 17]! << 4) |
      (burst[offset + 18]! >>> 4)) >>>
    0
  );
}

/** Write 32 embedded-signalling bits into burst bits 116–147; the EMB halves around them stay. */
export function writeEmbeddedFragment(burst: Uint8Array, offset: number, fragment: number): void {
  burst[offset + 14] = (burst[offset + 14]! & 0xf0) | (fragment >>> 28);
  burst[offset + 15] = (fragment >>> 20) & 0xff;
  burst[offset + 16] = (fragment >>> 12) & 0xff;
  burst[offset + 17] = (fragment >>> 4) & 0xff;
  burst[offset + 18] = (burst[offset + 18]! & 0x0f) | ((fragment & 0x0f) << 4);
}

export const enum AssemblerResult {
  /** nothing complete yet */
  Pending = 0,
  /** burst E closed a complete set that decoded valid: `lc` holds it */
  Valid = 1,
  /** burst E closed a complete set that failed its checks */
  Invalid = 2,
  /** burst E arrived but a fragment of its set (B, C or D) was missing */
  Incomplete = 3,
}

/** The four fragments of a set handed to decodeEmbeddedLc (a set is decoded only when it changed). */
const decodeWords = new Uint32Array(EMBEDDED_FRAGMENTS);

/**
 * Collects the fragments of bursts B–E (voice sequence 1–4 in the DMRD flags) and decodes the
 * embedded LC when burst E arrives (a set equal to the last one decoded keeps its result). A set is only assembled from B, C, D, E arriving consecutively:
 * B starts a set, and a missing, repeated or out-of-order burst (lost upstream; the DMRD sequence
 * numbers may still be contiguous) makes the set incomplete, so fragments of two superframes are
 * never spliced. Every burst E yields Valid, Invalid or Incomplete. Allocation-free.
 *
 * The fragments are fields of the assembler, not a typed array: a router offers every voice burst
 * of every call, and a call's assembler is out of the CPU cache by its next burst 60 ms later — as
 * fields they share the assembler's cache line, where an array would be two more misses (its object
 * and its bytes).
 */
export class EmbeddedLcAssembler {
  /** the set being assembled: fragments of B, C, D and E */
  #b = 0;
  #c = 0;
  #d = 0;
  #e = 0;
  /** voice sequence expected next (2 = C after B … 4 = E), 0 = no set in progress */
  #expected = 0;
  /** a set was decoded: the #last* fields hold it, and `status` and `lc` its result */
  #decoded = false;
  #lastB = 0;
  #lastC = 0;
  #lastD = 0;
  #lastE = 0;
  status: EmbeddedLcStatus = EmbeddedLcStatus.BadHamming;
  readonly lc = new Uint8Array(LC_BYTES);

  reset(): void {
    this.#expected = 0;
  }

  /** The fragments of the set being assembled (B, C, D, E), into `out` from `offset`. */
  fragments(out: Uint32Array, offset = 0): void {
    out[offset] = this.#b;
    out[offset + 1] = this.#c;
    out[offset + 2] = this.#d;
    out[offset + 3] = this.#e;
  }

  /**
   * Offer one voice burst. `voiceSequence`: 0 = A … 5 = F (DMRD flags low nibble for voice frames).
   */
  push(burst: Uint8Array, offset: number, voiceSequence: number): AssemblerResult {
    if (voiceSequence === 1) {
      this.#b = readEmbeddedFragment(burst, offset);
      this.#expected = 2;
      return AssemblerResult.Pending;
    }
    const inOrder = voiceSequence === this.#expected;
    if (voiceSequence === 2 || voiceSequence === 3) {
      if (inOrder) {
        if (voiceSequence === 2) this.#c = readEmbeddedFragment(burst, offset);
        else this.#d = readEmbeddedFragment(burst, offset);
        this.#expected++;
      } else {
        this.#expected = 0;
      }
      return AssemblerResult.Pending;
    }
    this.#expected = 0;
    if (voiceSequence !== 4) return AssemblerResult.Pending;
    if (!inOrder) return AssemblerResult.Incomplete;
    const e = readEmbeddedFragment(burst, offset);
    this.#e = e;
    // A call sends the same LC superframe after superframe: the same four fragments as the last
    // set decoded have its result already (decodeEmbeddedLc depends on the fragments alone).
    if (!this.#decoded || this.#b !== this.#lastB || this.#c !== this.#lastC || this.#d !== this.#lastD || e !== this.#lastE) {
      this.fragments(decodeWords);
      this.status = decodeEmbeddedLc(decodeWords, 0, this.lc, 0);
      this.#lastB = this.#b;
      this.#lastC = this.#c;
      this.#lastD = this.#d;
      this.#lastE = e;
      this.#decoded = true;
    }
    return isEmbeddedLcValid(this.status) ? AssemblerResult.Valid : AssemblerResult.Invalid;
  }
}

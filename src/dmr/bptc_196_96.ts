/**
 * BPTC(196,96) block product turbo code (ETSI TS 102 361-1 Annex B.1.1; hbp-and-dmr.md §2.6):
 * the 12-byte block of voice LC headers, terminators, PI headers, CSBKs, data headers, rate-½ data
 * and idle bursts.
 *
 * Matrix: bit 0 unused (R3) + 13 rows × 15 columns, index 1 + 15·row + col. Data (96 bits, MSB
 * first) in row 0 cols 3–10 and rows 1–8 cols 0–10; rows 0–8 carry Hamming(15,11,3) in cols
 * 11–14; rows 9–12 carry the Hamming(13,9,3) parity of each column. Matrix bit a is transmitted
 * as bit (a·181) mod 196; transmitted bits 0–97 are burst bits 0–97 and 98–195 are burst bits
 * 166–263 (burst bits 98–165 = slot type + sync are not part of the code).
 * @module
 */

import { getBit, setBit } from "./bits.ts";
import { HAMMING_13_9_3, HAMMING_15_11_3, HammingResult } from "./hamming.ts";

export const BPTC_BLOCK_BYTES = 12;
const MATRIX_BITS = 196;
const COLUMNS = 15;
const DATA_ROWS = 9;
/** interleave multiplier, ETSI TS 102 361-1 Annex B.1.1 */
const INTERLEAVE_STEP = 181;
/** burst bits 98–165 hold slot type and sync (hbp-and-dmr.md §2.1) */
const FIRST_HALF_BITS = 98;
const SECOND_HALF_BURST_BIT = 166;

export const enum BptcStatus {
  /** every row and column checked clean */
  Valid = 0,
  /** single errors were corrected; the block is now consistent */
  Corrected = 1,
  /** errors remain after correction; the block returned is a best effort */
  Uncorrectable = 2,
}

/** burstBitOfMatrix[a]: burst bit (0–263) carrying matrix bit a */
const burstBitOfMatrix = new Uint16Array(MATRIX_BITS);
/** dataIndex[i]: matrix index of data bit i (0 = MSB of block byte 0) */
const dataIndex = new Uint8Array(96);
{
  for (let a = 0; a < MATRIX_BITS; a++) {
    const transmitted = (a * INTERLEAVE_STEP) % MATRIX_BITS;
    burstBitOfMatrix[a] = transmitted < FIRST_HALF_BITS ? transmitted : transmitted - FIRST_HALF_BITS + SECOND_HALF_BURST_BIT;
  }
  let i = 0;
  for (let col = 3; col <= 10; col++) dataIndex[i++] = 1 + col;
  for (let row = 1; row < DATA_ROWS; row++) for (let col = 0; col <= 10; col++) dataIndex[i++] = 1 + 15 * row + col;
}

/** Scratch matrix, reused by every call (single-threaded; no call re-enters another). */
const matrix = new Uint8Array(MATRIX_BITS);

/** The data bits of `block` → a complete code matrix in `matrix`. */
function buildMatrix(block: Uint8Array, blockOffset: number): void {
  matrix.fill(0);
  for (let i = 0; i < 96; i++) matrix[dataIndex[i]!] = (block[blockOffset + (i >>> 3)]! >>> (7 - (i & 7))) & 1;
  for (let row = 0; row < DATA_ROWS; row++) HAMMING_15_11_3.encode(matrix, 1 + 15 * row, 1);
  for (let col = 0; col < COLUMNS; col++) HAMMING_13_9_3.encode(matrix, 1 + col, COLUMNS);
}

/** Slow reference encoder (bit by bit through the matrix): builds the tables below; used by tests. */
export function encodeBptc19696Reference(block: Uint8Array, blockOffset: number, burst: Uint8Array, burstOffset: number): void {
  buildMatrix(block, blockOffset);
  for (let a = 0; a < MATRIX_BITS; a++) setBit(burst, burstOffset, burstBitOfMatrix[a]!, matrix[a]!);
}

/*
 * The code is linear over GF(2), so the burst image of a block is the XOR of the images of its
 * 24 data nibbles. nibbleImages[(q·16 + v)·9 …] = the 33-byte image (as 9 words, padded to 36
 * bytes) of nibble q (data bits 4q…4q+3) holding value v, BPTC bits only. XORing whole words is a
 * bytewise XOR, so the byte order of the platform does not matter as long as tables and
 * accumulator are read through the same byte view. 13.8 KB, built once at module load.
 */
const IMAGE_WORDS = 9;
const nibbleImages = new Uint32Array(24 * 16 * IMAGE_WORDS);
const accumulator = new Uint32Array(IMAGE_WORDS);
const accumulatorBytes = new Uint8Array(accumulator.buffer);
{
  const bitImages = new Uint32Array(96 * IMAGE_WORDS);
  const bitImageBytes = new Uint8Array(bitImages.buffer);
  const single = new Uint8Array(12);
  for (let i = 0; i < 96; i++) {
    single.fill(0);
    single[i >>> 3] = 0x80 >>> (i & 7);
    encodeBptc19696Reference(single, 0, bitImageBytes, i * IMAGE_WORDS * 4);
  }
  for (let q = 0; q < 24; q++) {
    for (let v = 0; v < 16; v++) {
      const base = (q * 16 + v) * IMAGE_WORDS;
      for (let k = 0; k < 4; k++) {
        if ((v >>> (3 - k)) & 1) {
          const bit = (4 * q + k) * IMAGE_WORDS;
          for (let w = 0; w < IMAGE_WORDS; w++) nibbleImages[base + w] = nibbleImages[base + w]! ^ bitImages[bit + w]!;
        }
      }
    }
  }
}

/** BPTC image of block[blockOffset..+12] into `accumulator` (bytes 0–32, bits 98–165 zero). */
function encodeToAccumulator(block: Uint8Array, blockOffset: number): void {
  accumulator.fill(0);
  for (let b = 0; b < BPTC_BLOCK_BYTES; b++) {
    const v = block[blockOffset + b]!;
    const high = (2 * b * 16 + (v >>> 4)) * IMAGE_WORDS;
    const low = ((2 * b + 1) * 16 + (v & 0x0f)) * IMAGE_WORDS;
    for (let w = 0; w < IMAGE_WORDS; w++) accumulator[w] = accumulator[w]! ^ nibbleImages[high + w]! ^ nibbleImages[low + w]!;
  }
}

/** burst byte 12: bits 96–97 BPTC (mask 0xC0); byte 20: bits 166–167 BPTC (mask 0x03) */
const BYTE12_BPTC = 0xc0;
const BYTE20_BPTC = 0x03;

/**
 * Encode the 12-byte block at block[blockOffset..] into the 196 BPTC bits of the 33-byte burst at
 * burst[burstOffset..]. Burst bits 98–165 are left as they are. Table-driven; allocation-free.
 */
export function encodeBptc19696(block: Uint8Array, blockOffset: number, burst: Uint8Array, burstOffset: number): void {
  encodeToAccumulator(block, blockOffset);
  const a = accumulatorBytes;
  for (let i = 0; i < 12; i++) burst[burstOffset + i] = a[i]!;
  burst[burstOffset + 12] = (burst[burstOffset + 12]! & ~BYTE12_BPTC) | a[12]!;
  burst[burstOffset + 20] = (burst[burstOffset + 20]! & ~BYTE20_BPTC) | a[20]!;
  for (let i = 21; i < 33; i++) burst[burstOffset + i] = a[i]!;
}

/** dataBurstBit[i]: burst bit carrying data bit i */
const dataBurstBit = new Uint16Array(96);
for (let i = 0; i < 96; i++) dataBurstBit[i] = burstBitOfMatrix[dataIndex[i]!]!;

/**
 * Decode the BPTC bits of the 33-byte burst at burst[burstOffset..] into 12 bytes at
 * out[outOffset..], correcting single errors per row and column (up to 5 passes).
 * Never throws for in-range offsets; the caller guarantees 33 bytes are readable.
 */
export function decodeBptc19696(burst: Uint8Array, burstOffset: number, out: Uint8Array, outOffset: number): BptcStatus {
  // fast path: read the data bits where they were sent, re-encode, and compare all BPTC bits
  for (let b = 0; b < BPTC_BLOCK_BYTES; b++) {
    let v = 0;
    for (let i = 0; i < 8; i++) v = (v << 1) | getBit(burst, burstOffset, dataBurstBit[b * 8 + i]!);
    out[outOffset + b] = v;
  }
  encodeToAccumulator(out, outOffset);
  if (sameBptcBits(burst, burstOffset)) return BptcStatus.Valid;
  return decodeSlow(burst, burstOffset, out, outOffset);
}

/** True when the BPTC bits of the burst equal `accumulator`, ignoring the unused matrix bit R3. */
function sameBptcBits(burst: Uint8Array, o: number): boolean {
  const a = accumulatorBytes;
  // matrix bit 0 (R3) is transmitted as burst bit 0 (0·181 mod 196 = 0): not part of the code
  if (((burst[o]! ^ a[0]!) & 0x7f) !== 0) return false;
  for (let i = 1; i < 12; i++) if (burst[o + i] !== a[i]) return false;
  if (((burst[o + 12]! ^ a[12]!) & BYTE12_BPTC) !== 0) return false;
  if (((burst[o + 20]! ^ a[20]!) & BYTE20_BPTC) !== 0) return false;
  for (let i = 21; i < 33; i++) if (burst[o + i] !== a[i]) return false;
  return true;
}

function decodeSlow(burst: Uint8Array, burstOffset: number, out: Uint8Array, outOffset: number): BptcStatus {
  for (let a = 0; a < MATRIX_BITS; a++) matrix[a] = getBit(burst, burstOffset, burstBitOfMatrix[a]!);
  let corrected = false;
  for (let pass = 0; pass < 5; pass++) {
    let fixedThisPass = false;
    for (let col = 0; col < COLUMNS; col++) {
      if (HAMMING_13_9_3.decode(matrix, 1 + col, COLUMNS) === HammingResult.Corrected) fixedThisPass = true;
    }
    for (let row = 0; row < DATA_ROWS; row++) {
      if (HAMMING_15_11_3.decode(matrix, 1 + 15 * row, 1) === HammingResult.Corrected) fixedThisPass = true;
    }
    if (!fixedThisPass) break;
    corrected = true;
  }
  let clean = true;
  for (let col = 0; col < COLUMNS && clean; col++) if (HAMMING_13_9_3.syndrome(matrix, 1 + col, COLUMNS) !== 0) clean = false;
  for (let row = 0; row < DATA_ROWS && clean; row++) if (HAMMING_15_11_3.syndrome(matrix, 1 + 15 * row, 1) !== 0) clean = false;
  for (let b = 0; b < BPTC_BLOCK_BYTES; b++) {
    let v = 0;
    for (let i = 0; i < 8; i++) v = (v << 1) | matrix[dataIndex[b * 8 + i]!]!;
    out[outOffset + b] = v;
  }
  if (!clean) return BptcStatus.Uncorrectable;
  return corrected ? BptcStatus.Corrected : BptcStatus.Valid;
}

/** Burst bit (0–263) that carries BPTC matrix bit `a` (0–195); for tests. */
export function bptcBurstBit(a: number): number {
  return burstBitOfMatrix[a] ?? -1;
}

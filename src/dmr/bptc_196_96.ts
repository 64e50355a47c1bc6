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

/**
 * Encode the 12-byte block at block[blockOffset..] into the 196 BPTC bits of the 33-byte burst at
 * burst[burstOffset..]. Burst bits 98–165 are left as they are.
 */
export function encodeBptc19696(block: Uint8Array, blockOffset: number, burst: Uint8Array, burstOffset: number): void {
  buildMatrix(block, blockOffset);
  for (let a = 0; a < MATRIX_BITS; a++) setBit(burst, burstOffset, burstBitOfMatrix[a]!, matrix[a]!);
}

/**
 * Decode the BPTC bits of the 33-byte burst at burst[burstOffset..] into 12 bytes at
 * out[outOffset..], correcting single errors per row and column (up to 5 passes).
 * Never throws for in-range offsets; the caller guarantees 33 bytes are readable.
 */
export function decodeBptc19696(burst: Uint8Array, burstOffset: number, out: Uint8Array, outOffset: number): BptcStatus {
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

/**
 * Quadratic-residue QR(16,7,6) code of the EMB (ETSI TS 102 361-1 Annex B.3.2; hbp-and-dmr.md
 * §2.5): codeword = 7 info bits ‖ 8-bit remainder of info·x⁸ mod x⁸+x⁵+x⁴+x³+1 (0x139) ‖ one
 * even-parity bit. Minimum distance 6: up to 2 errors are corrected. The 128 codewords are
 * tabulated once at module load.
 * @module
 */

import { popcount32 } from "./bits.ts";

/** generator polynomial of the EMB code, hbp-and-dmr.md §2.5 */
const QR_GENERATOR = 0x139;
/** errors the decoder corrects (minimum distance 6) */
const QR_CORRECTABLE = 2;

const codewords = new Uint16Array(128);
for (let info = 0; info < 128; info++) {
  let remainder = info << 8;
  for (let bit = 14; bit >= 8; bit--) if (remainder & (1 << bit)) remainder ^= QR_GENERATOR << (bit - 8);
  const word15 = (info << 8) | remainder;
  codewords[info] = (word15 << 1) | (popcount32(word15) & 1);
}

/** The 16-bit codeword of a 7-bit info value. */
export function qr1676Encode(info: number): number {
  return codewords[info & 0x7f]!;
}

/** Decode a 16-bit word: the 7-bit info of the nearest codeword within 2 bit errors, or -1. */
export function qr1676Decode(word: number): number {
  let best = -1;
  let bestDistance = QR_CORRECTABLE + 1;
  for (let info = 0; info < 128; info++) {
    const distance = popcount32((codewords[info]! ^ word) & 0xffff);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = info;
      if (distance === 0) break;
    }
  }
  return best;
}

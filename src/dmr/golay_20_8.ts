/**
 * Golay(20,8,7) code of the slot type (ETSI TS 102 361-1 Annex B.3.1; hbp-and-dmr.md §2.4):
 * codeword = 8 info bits ‖ 11-bit remainder of info·x¹¹ mod g(x), g = x¹¹+x¹⁰+x⁶+x⁵+x⁴+x²+1
 * (0xC75) ‖ one even-parity bit over the first 19 bits. Minimum distance 7: up to 3 errors are
 * corrected. The 256 codewords are tabulated once at module load.
 * @module
 */

import { popcount32 } from "./bits.ts";

/** generator polynomial g(x) of the slot-type code, hbp-and-dmr.md §2.4 */
const GOLAY_GENERATOR = 0xc75;
/** errors the decoder corrects (minimum distance 7) */
const GOLAY_CORRECTABLE = 3;

const codewords = new Uint32Array(256);
for (let info = 0; info < 256; info++) {
  let remainder = info << 11;
  for (let bit = 18; bit >= 11; bit--) if (remainder & (1 << bit)) remainder ^= GOLAY_GENERATOR << (bit - 11);
  const word19 = (info << 11) | remainder;
  codewords[info] = (word19 << 1) | (popcount32(word19) & 1);
}

/** The 20-bit codeword of an 8-bit info value. */
export function golay2087Encode(info: number): number {
  return codewords[info & 0xff]!;
}

/**
 * Decode a 20-bit word: the info byte (0–255) of the nearest codeword within 3 bit errors, or -1.
 * `errorsOut`, when given, receives the number of corrected bits in element 0.
 */
export function golay2087Decode(word: number, errorsOut?: Uint8Array): number {
  let best = -1;
  let bestDistance = GOLAY_CORRECTABLE + 1;
  for (let info = 0; info < 256; info++) {
    const distance = popcount32((codewords[info]! ^ word) & 0xfffff);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = info;
      if (distance === 0) break;
    }
  }
  if (errorsOut !== undefined && best >= 0) errorsOut[0] = bestDistance;
  return best;
}

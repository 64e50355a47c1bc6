/**
 * Reed-Solomon RS(12,9) over GF(2⁸) protecting the full LC (ETSI TS 102 361-1 Annex B.3.6;
 * hbp-and-dmr.md §2.7). Primitive polynomial x⁸+x⁴+x³+x²+1 (0x11D), α = 2, generator
 * g(x) = (x+α)(x+α²)(x+α³) = x³ + 14x² + 56x + 64, systematic; the highest-degree parity byte is
 * sent first. The parity is XORed with a mask that tells what the LC is for:
 * voice LC header 0x96, terminator with LC 0x99 (ETSI TS 102 361-1 §B.3.12, hbp-and-dmr.md §2.7).
 * Receivers only check (no correction), as MMDVMHost does.
 * @module
 */

/** RS parity mask of a voice LC header (ETSI TS 102 361-1 Table B.21) */
export const RS_MASK_VOICE_HEADER = 0x96;
/** RS parity mask of a terminator with LC (ETSI TS 102 361-1 Table B.21) */
export const RS_MASK_TERMINATOR = 0x99;

/** primitive polynomial x⁸+x⁴+x³+x²+1 */
const PRIMITIVE = 0x11d;
/** generator coefficients g2, g1, g0 of x³ + 14x² + 56x + 64 */
const G2 = 14;
const G1 = 56;
const G0 = 64;

const exp = new Uint8Array(512);
const log = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= PRIMITIVE;
  }
  for (let i = 255; i < 512; i++) exp[i] = exp[i - 255]!;
}

export function gfMultiply(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return exp[log[a]! + log[b]!]!;
}

/**
 * Compute the three RS(12,9) parity bytes of lc[offset..offset+9] (unmasked, highest degree
 * first) into out[outOffset..outOffset+3].
 */
export function rs129Parity(lc: Uint8Array, offset: number, out: Uint8Array, outOffset: number): void {
  let r2 = 0;
  let r1 = 0;
  let r0 = 0;
  for (let i = 0; i < 9; i++) {
    const feedback = lc[offset + i]! ^ r2;
    r2 = r1 ^ gfMultiply(feedback, G2);
    r1 = r0 ^ gfMultiply(feedback, G1);
    r0 = gfMultiply(feedback, G0);
  }
  out[outOffset] = r2;
  out[outOffset + 1] = r1;
  out[outOffset + 2] = r0;
}

/** Write masked parity into block[offset+9..offset+12] for the 9 LC bytes at block[offset..]. */
export function rs129Encode(block: Uint8Array, offset: number, mask: number): void {
  rs129Parity(block, offset, block, offset + 9);
  block[offset + 9] = block[offset + 9]! ^ mask;
  block[offset + 10] = block[offset + 10]! ^ mask;
  block[offset + 11] = block[offset + 11]! ^ mask;
}

/** True when the 12-byte block at block[offset..] carries valid masked RS(12,9) parity. */
export function rs129Check(block: Uint8Array, offset: number, mask: number): boolean {
  let r2 = 0;
  let r1 = 0;
  let r0 = 0;
  for (let i = 0; i < 9; i++) {
    const feedback = block[offset + i]! ^ r2;
    r2 = r1 ^ gfMultiply(feedback, G2);
    r1 = r0 ^ gfMultiply(feedback, G1);
    r0 = gfMultiply(feedback, G0);
  }
  return (
    (r2 ^ mask) === block[offset + 9] && (r1 ^ mask) === block[offset + 10] && (r0 ^ mask) === block[offset + 11]
  );
}

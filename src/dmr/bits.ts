/**
 * Bit access on byte buffers, MSB-first: bit 0 is the most significant bit of byte 0
 * (hbp-and-dmr.md §2.1, dmr-vectors README "Bit numbering"). Used by every air-interface codec.
 * Nothing here allocates.
 * @module
 */

/** Read bit `bit` (MSB-first) of `bytes` starting at byte `offset`. */
export function getBit(bytes: Uint8Array, offset: number, bit: number): number {
  return (bytes[offset + (bit >>> 3)]! >>> (7 - (bit & 7))) & 1;
}

/** Write bit `bit` (MSB-first) of `bytes` starting at byte `offset`. */
export function setBit(bytes: Uint8Array, offset: number, bit: number, value: number): void {
  const index = offset + (bit >>> 3);
  const mask = 0x80 >>> (bit & 7);
  if (value & 1) bytes[index] = bytes[index]! | mask;
  else bytes[index] = bytes[index]! & ~mask;
}

/** Read `count` (≤ 32) bits starting at bit `bit`, MSB first, as an unsigned integer. */
export function readBits(bytes: Uint8Array, offset: number, bit: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = ((value << 1) | getBit(bytes, offset, bit + i)) >>> 0;
  return value >>> 0;
}

/** Write the low `count` (≤ 32) bits of `value` starting at bit `bit`, MSB first. */
export function writeBits(bytes: Uint8Array, offset: number, bit: number, count: number, value: number): void {
  for (let i = 0; i < count; i++) setBit(bytes, offset, bit + i, value >>> (count - 1 - i));
}

/** Unpack `count` bits (MSB first) from bytes[offset..] into `bits` (one 0/1 per element) at `bitsOffset`. */
export function unpackBits(bytes: Uint8Array, offset: number, bits: Uint8Array, bitsOffset: number, count: number): void {
  for (let i = 0; i < count; i++) bits[bitsOffset + i] = (bytes[offset + (i >>> 3)]! >>> (7 - (i & 7))) & 1;
}

/** Pack `count` bits (one 0/1 per element) from `bits` at `bitsOffset` into bytes[offset..], MSB first. Whole bytes are overwritten. */
export function packBits(bits: Uint8Array, bitsOffset: number, bytes: Uint8Array, offset: number, count: number): void {
  const byteCount = (count + 7) >>> 3;
  for (let b = 0; b < byteCount; b++) {
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const k = b * 8 + i;
      v = (v << 1) | (k < count ? bits[bitsOffset + k]! & 1 : 0);
    }
    bytes[offset + b] = v;
  }
}

/** Number of set bits in a 32-bit value. */
export function popcount32(value: number): number {
  let v = value >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

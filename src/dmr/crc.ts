/**
 * Checksums of the DMR air interface (ETSI TS 102 361-1 Annex B.3.7–B.3.11; hbp-and-dmr.md §2.8–2.9):
 *  - CRC-CCITT (x¹⁶+x¹²+x⁵+1, initial 0, MSB first, result inverted) masked per data type:
 *    CSBK 0xA5A5, data header 0xCCCC, PI header 0x6969 (ETSI TS 102 361-1 Table B.21);
 *  - the 5-bit checksum of the embedded LC: (sum of the 9 LC bytes) mod 31 (Annex B.3.11).
 * @module
 */

/** CRC mask of a CSBK (ETSI TS 102 361-1 Table B.21) */
export const CRC_MASK_CSBK = 0xa5a5;
/** CRC mask of a data header (ETSI TS 102 361-1 Table B.21) */
export const CRC_MASK_DATA_HEADER = 0xcccc;
/** CRC mask of a PI header (ETSI TS 102 361-1 Table B.21) */
export const CRC_MASK_PI_HEADER = 0x6969;
/** CRC-CCITT generator x¹⁶+x¹²+x⁵+1 */
const CCITT_POLY = 0x1021;

const table = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ CCITT_POLY) & 0xffff : (c << 1) & 0xffff;
  table[i] = c;
}

/** CRC-CCITT of bytes[offset..offset+length], initial 0, inverted, unmasked. */
export function crcCcitt(bytes: Uint8Array, offset: number, length: number): number {
  let crc = 0;
  for (let i = 0; i < length; i++) crc = ((crc << 8) ^ table[((crc >>> 8) ^ bytes[offset + i]!) & 0xff]!) & 0xffff;
  return ~crc & 0xffff;
}

/** Write the masked CRC-CCITT of block bytes 0–9 into bytes 10–11 (big-endian). */
export function crcCcittEncodeBlock(block: Uint8Array, offset: number, mask: number): void {
  const crc = crcCcitt(block, offset, 10) ^ mask;
  block[offset + 10] = crc >>> 8;
  block[offset + 11] = crc & 0xff;
}

/** True when block bytes 10–11 hold the masked CRC-CCITT of bytes 0–9. */
export function crcCcittCheckBlock(block: Uint8Array, offset: number, mask: number): boolean {
  const crc = crcCcitt(block, offset, 10) ^ mask;
  return block[offset + 10] === crc >>> 8 && block[offset + 11] === (crc & 0xff);
}

/** Embedded-LC 5-bit checksum: sum of the 9 LC bytes mod 31 (ETSI TS 102 361-1 Annex B.3.11). */
export function embeddedLcChecksum(lc: Uint8Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += lc[offset + i]!;
  return sum % 31;
}

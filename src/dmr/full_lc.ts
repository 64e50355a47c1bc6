/**
 * Full link control (ETSI TS 102 361-2 §7.1; hbp-and-dmr.md §2.7): the 9-byte LC carried
 * BPTC(196,96)-coded, with masked RS(12,9) parity, in voice LC headers and terminators.
 *
 *   byte 0: PF(1) R(1) FLCO(6)   byte 1: FID   byte 2: service options
 *   bytes 3–5: destination id    bytes 6–8: source id   (24-bit big-endian)
 *
 * Encoding rewrites only the 196 BPTC bits of the burst; slot type and sync (bits 98–165) stay.
 * @module
 */

import { decodeBptc19696, encodeBptc19696 } from "./bptc_196_96.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER, rs129Check, rs129Encode } from "./rs_12_9.ts";

export const LC_BYTES = 9;

/** Full LC opcodes (ETSI TS 102 361-2 §7.1, Table 7.1; hbp-and-dmr.md §2.7). */
export const enum Flco {
  GroupVoice = 0,
  UnitToUnitVoice = 3,
  TalkerAliasHeader = 4,
  TalkerAliasBlock1 = 5,
  TalkerAliasBlock2 = 6,
  TalkerAliasBlock3 = 7,
  GpsInfo = 8,
}

/** FLCO field: low 6 bits of LC byte 0 (ETSI TS 102 361-2 §7.1.1) */
const FLCO_MASK = 0x3f;
/** protect flag: bit 7 of LC byte 0 */
const PF_MASK = 0x80;

export const enum FullLcStatus {
  /** RS(12,9) parity valid, no BPTC correction needed */
  Valid = 0,
  /** RS parity valid after BPTC single-error correction */
  Corrected = 1,
  /** RS parity wrong: not an LC of this kind, or too damaged */
  Invalid = 2,
}

export function lcFlco(lc: Uint8Array, offset: number): number {
  return lc[offset]! & FLCO_MASK;
}
export function lcProtectFlag(lc: Uint8Array, offset: number): number {
  return (lc[offset]! & PF_MASK) >>> 7;
}
export function lcFid(lc: Uint8Array, offset: number): number {
  return lc[offset + 1]!;
}
export function lcServiceOptions(lc: Uint8Array, offset: number): number {
  return lc[offset + 2]!;
}
export function lcDestination(lc: Uint8Array, offset: number): number {
  return (lc[offset + 3]! << 16) | (lc[offset + 4]! << 8) | lc[offset + 5]!;
}
export function lcSource(lc: Uint8Array, offset: number): number {
  return (lc[offset + 6]! << 16) | (lc[offset + 7]! << 8) | lc[offset + 8]!;
}
/** FLCO 0 (group voice) or 3 (unit-to-unit voice): an LC that names the call's addresses. */
export function isIdentityFlco(flco: number): boolean {
  return flco === Flco.GroupVoice || flco === Flco.UnitToUnitVoice;
}

/** Write a complete 9-byte LC. */
export function writeLc(
  lc: Uint8Array,
  offset: number,
  pf: number,
  flco: number,
  fid: number,
  serviceOptions: number,
  destinationId: number,
  sourceId: number,
): void {
  lc[offset] = ((pf & 1) << 7) | (flco & FLCO_MASK);
  lc[offset + 1] = fid & 0xff;
  lc[offset + 2] = serviceOptions & 0xff;
  lc[offset + 3] = (destinationId >>> 16) & 0xff;
  lc[offset + 4] = (destinationId >>> 8) & 0xff;
  lc[offset + 5] = destinationId & 0xff;
  lc[offset + 6] = (sourceId >>> 16) & 0xff;
  lc[offset + 7] = (sourceId >>> 8) & 0xff;
  lc[offset + 8] = sourceId & 0xff;
}

/** Decoded LC fields, for logs and tests (the 9 bytes stay the canonical form). */
export class LinkControl {
  pf = 0;
  flco = 0;
  fid = 0;
  serviceOptions = 0;
  destinationId = 0;
  sourceId = 0;

  read(lc: Uint8Array, offset: number): this {
    this.pf = lcProtectFlag(lc, offset);
    this.flco = lcFlco(lc, offset);
    this.fid = lcFid(lc, offset);
    this.serviceOptions = lcServiceOptions(lc, offset);
    this.destinationId = lcDestination(lc, offset);
    this.sourceId = lcSource(lc, offset);
    return this;
  }

  write(lc: Uint8Array, offset: number): void {
    writeLc(lc, offset, this.pf, this.flco, this.fid, this.serviceOptions, this.destinationId, this.sourceId);
  }
}

/** RS mask for a data type: 1 voice LC header → 0x96, 2 terminator → 0x99 (hbp-and-dmr.md §2.7). */
export function rsMaskOfDataType(dataType: number): number {
  return dataType === 2 ? RS_MASK_TERMINATOR : RS_MASK_VOICE_HEADER;
}

const block = new Uint8Array(12);

/**
 * Encode the LC at lc[lcOffset..] with RS mask `mask` (RS_MASK_VOICE_HEADER / RS_MASK_TERMINATOR)
 * into the BPTC bits of the burst at burst[burstOffset..]; bits 98–165 untouched.
 */
export function encodeFullLc(lc: Uint8Array, lcOffset: number, mask: number, burst: Uint8Array, burstOffset: number): void {
  for (let i = 0; i < LC_BYTES; i++) block[i] = lc[lcOffset + i]!;
  rs129Encode(block, 0, mask);
  encodeBptc19696(block, 0, burst, burstOffset);
}

/**
 * Decode the full LC of the burst at burst[burstOffset..] checked against RS mask `mask` into
 * out[outOffset..outOffset+9]. The bytes are written even when the status is Invalid.
 */
export function decodeFullLc(
  burst: Uint8Array,
  burstOffset: number,
  mask: number,
  out: Uint8Array,
  outOffset: number,
): FullLcStatus {
  const bptc = decodeBptc19696(burst, burstOffset, block, 0);
  for (let i = 0; i < LC_BYTES; i++) out[outOffset + i] = block[i]!;
  if (!rs129Check(block, 0, mask)) return FullLcStatus.Invalid;
  return bptc === 0 ? FullLcStatus.Valid : FullLcStatus.Corrected;
}

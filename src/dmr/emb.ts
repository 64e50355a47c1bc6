/**
 * EMB of voice bursts B–F (ETSI TS 102 361-1 §9.1.2; hbp-and-dmr.md §2.5): colour code (4) ‖ PI (1)
 * ‖ LCSS (2), QR(16,7)-coded; codeword bits 0–7 are burst bits 108–115, bits 8–15 are burst bits
 * 148–155.
 * @module
 */

import { readBits, writeBits } from "./bits.ts";
import { qr1676Decode, qr1676Encode } from "./qr_16_7.ts";

/** burst bit of the first EMB half, hbp-and-dmr.md §2.1 */
const EMB_FIRST_BIT = 108;
/** burst bit of the second EMB half, hbp-and-dmr.md §2.1 */
const EMB_SECOND_BIT = 148;

/** Link-control start/stop (ETSI TS 102 361-1 §9.3.3). */
export const enum Lcss {
  /** single fragment, or the null fragment of burst F */
  Single = 0,
  First = 1,
  Last = 2,
  Continuation = 3,
}

/** LCSS of voice bursts B, C, D, E, F (hbp-and-dmr.md §2.8), indexed by voice sequence 1..5 */
export const LCSS_OF_BURST: readonly number[] = [Lcss.Single, Lcss.First, Lcss.Continuation, Lcss.Continuation, Lcss.Last, Lcss.Single];

export class Emb {
  colourCode = 0;
  pi = 0;
  lcss = 0;
}

/** Write the EMB for (colourCode, pi, lcss) into the burst at burst[offset..]. */
export function encodeEmb(burst: Uint8Array, offset: number, colourCode: number, pi: number, lcss: number): void {
  const codeword = qr1676Encode(((colourCode & 0x0f) << 3) | ((pi & 1) << 2) | (lcss & 3));
  writeBits(burst, offset, EMB_FIRST_BIT, 8, codeword >>> 8);
  writeBits(burst, offset, EMB_SECOND_BIT, 8, codeword & 0xff);
}

/** The raw 16-bit EMB word of a burst. */
export function readEmbWord(burst: Uint8Array, offset: number): number {
  return ((readBits(burst, offset, EMB_FIRST_BIT, 8) << 8) | readBits(burst, offset, EMB_SECOND_BIT, 8)) >>> 0;
}

/** Decode the EMB of the burst at burst[offset..] into `out`; false when uncorrectable. */
export function decodeEmb(burst: Uint8Array, offset: number, out: Emb): boolean {
  const info = qr1676Decode(readEmbWord(burst, offset));
  if (info < 0) return false;
  out.colourCode = info >>> 3;
  out.pi = (info >>> 2) & 1;
  out.lcss = info & 3;
  return true;
}

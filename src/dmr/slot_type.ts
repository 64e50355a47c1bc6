/**
 * Slot type of data/control bursts (ETSI TS 102 361-1 §9.1.3; hbp-and-dmr.md §2.4): colour code (4)
 * ‖ data type (4), Golay(20,8)-coded; codeword bits 0–9 are burst bits 98–107, bits 10–19 are
 * burst bits 156–165.
 * @module
 */

import { readBits, writeBits } from "./bits.ts";
import { golay2087Decode, golay2087Encode } from "./golay_20_8.ts";

/** burst bit of the first slot-type half, hbp-and-dmr.md §2.1 */
const SLOT_TYPE_FIRST_BIT = 98;
/** burst bit of the second slot-type half, hbp-and-dmr.md §2.1 */
const SLOT_TYPE_SECOND_BIT = 156;

/** Decoded slot type, reused by the caller. */
export class SlotType {
  colourCode = 0;
  dataType = 0;
  /** bit errors corrected by the Golay decoder */
  errors = 0;
}

const errorsScratch = new Uint8Array(1);

/** Write the slot type for (colourCode, dataType) into the burst at burst[offset..]. */
export function encodeSlotType(burst: Uint8Array, offset: number, colourCode: number, dataType: number): void {
  const codeword = golay2087Encode(((colourCode & 0x0f) << 4) | (dataType & 0x0f));
  writeBits(burst, offset, SLOT_TYPE_FIRST_BIT, 10, codeword >>> 10);
  writeBits(burst, offset, SLOT_TYPE_SECOND_BIT, 10, codeword & 0x3ff);
}

/** The raw 20-bit slot-type word of a burst. */
export function readSlotTypeWord(burst: Uint8Array, offset: number): number {
  return ((readBits(burst, offset, SLOT_TYPE_FIRST_BIT, 10) << 10) | readBits(burst, offset, SLOT_TYPE_SECOND_BIT, 10)) >>> 0;
}

/** Decode the slot type of the burst at burst[offset..] into `out`; false when uncorrectable. */
export function decodeSlotType(burst: Uint8Array, offset: number, out: SlotType): boolean {
  const info = golay2087Decode(readSlotTypeWord(burst, offset), errorsScratch);
  if (info < 0) return false;
  out.colourCode = info >>> 4;
  out.dataType = info & 0x0f;
  out.errors = errorsScratch[0]!;
  return true;
}

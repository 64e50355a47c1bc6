/**
 * Control signalling block, data type 3 (ETSI TS 102 361-2 §7.2 / TS 102 361-4; hbp-and-dmr.md §2.9):
 * a BPTC(196,96) block of 10 content bytes + CRC-CCITT ⊕ 0xA5A5.
 *
 *   byte 0: LB(1) PF(1) CSBKO(6)   byte 1: FID   bytes 2–9: opcode data
 *
 * For the opcodes a master relays between radios, bytes 4–6 are the target (destination) address
 * and bytes 7–9 the source address (ETSI TS 102 361-2 §7.1.2; MMDVMHost DMRCSBK). The preamble
 * CSBK (0x3D) adds byte 2 bit 7 = data follows, bit 6 = group (1) / individual (0), byte 3 =
 * blocks to follow.
 * @module
 */

import { decodeBptc19696, encodeBptc19696 } from "./bptc_196_96.ts";
import { CRC_MASK_CSBK, crcCcittCheckBlock, crcCcittEncodeBlock } from "./crc.ts";

/** CSBK opcodes (ETSI TS 102 361-2 Table 7.2; MMDVMHost DMRCSBK.h) */
export const enum Csbko {
  UnitToUnitVoiceRequest = 0x04,
  UnitToUnitAnswerResponse = 0x05,
  CallAlert = 0x1f,
  CallAlertAck = 0x20,
  RadioCheck = 0x24,
  NegativeAck = 0x26,
  CallEmergency = 0x27,
  BsOutboundActivation = 0x38,
  Preamble = 0x3d,
}

/** CSBKO field: low 6 bits of byte 0 */
const CSBKO_MASK = 0x3f;
/** preamble byte 2, bit 6: group (1) / individual (0) addressing (ETSI TS 102 361-2 §7.1.2.5) */
const PREAMBLE_GROUP_BIT = 0x40;

export const enum BlockStatus {
  /** decoded and CRC valid */
  Valid = 0,
  /** CRC wrong after BPTC correction */
  BadCrc = 1,
}

/** Decoded CSBK, reused by the caller. */
export class Csbk {
  readonly block = new Uint8Array(12);
  lastBlock = 0;
  protectFlag = 0;
  csbko = 0;
  fid = 0;
  /** -1 when the opcode carries no destination/source pair */
  destinationId = -1;
  sourceId = -1;
  /** preamble only */
  dataFollows = 0;
  group = 0;
  blocksToFollow = 0;
}

/** True when the opcode has destination at bytes 4–6 and source at bytes 7–9. */
export function csbkHasAddresses(csbko: number, fid: number): boolean {
  if (fid !== 0 && csbko !== Csbko.RadioCheck) return false;
  switch (csbko) {
    case Csbko.UnitToUnitVoiceRequest:
    case Csbko.UnitToUnitAnswerResponse:
    case Csbko.CallAlert:
    case Csbko.CallAlertAck:
    case Csbko.RadioCheck:
    case Csbko.CallEmergency:
    case Csbko.Preamble:
      return true;
    default:
      return false;
  }
}

/** Decode the CSBK of the burst at burst[offset..] into `out`. */
export function decodeCsbk(burst: Uint8Array, offset: number, out: Csbk): BlockStatus {
  const b = out.block;
  decodeBptc19696(burst, offset, b, 0);
  if (!crcCcittCheckBlock(b, 0, CRC_MASK_CSBK)) return BlockStatus.BadCrc;
  out.lastBlock = b[0]! >>> 7;
  out.protectFlag = (b[0]! >>> 6) & 1;
  out.csbko = b[0]! & CSBKO_MASK;
  out.fid = b[1]!;
  if (csbkHasAddresses(out.csbko, out.fid)) {
    out.destinationId = (b[4]! << 16) | (b[5]! << 8) | b[6]!;
    out.sourceId = (b[7]! << 16) | (b[8]! << 8) | b[9]!;
  } else {
    out.destinationId = -1;
    out.sourceId = -1;
  }
  const preamble = out.csbko === Csbko.Preamble;
  out.dataFollows = preamble ? b[2]! >>> 7 : 0;
  out.group = preamble ? (b[2]! >>> 6) & 1 : 0;
  out.blocksToFollow = preamble ? b[3]! : 0;
  return BlockStatus.Valid;
}

/** Write a 12-byte CSBK block (CRC computed) into the BPTC bits of a burst. */
export function encodeCsbkBlock(block: Uint8Array, burst: Uint8Array, offset: number): void {
  crcCcittEncodeBlock(block, 0, CRC_MASK_CSBK);
  encodeBptc19696(block, 0, burst, offset);
}

export const enum AddressRewrite {
  Rewritten = 0,
  /** CRC invalid: left untouched */
  BadCrc = 1,
  /** opcode without a destination address: left untouched */
  NoAddress = 2,
}

const scratch = new Csbk();

/**
 * Rewrite the destination (and, for preambles, the group bit) of the CSBK in the burst at
 * burst[offset..] in place, recomputing the CRC (mask 0xA5A5) and BPTC. Allocation-free.
 */
export function rewriteCsbkDestination(burst: Uint8Array, offset: number, destinationId: number, group: boolean): AddressRewrite {
  if (decodeCsbk(burst, offset, scratch) !== BlockStatus.Valid) return AddressRewrite.BadCrc;
  if (scratch.destinationId < 0) return AddressRewrite.NoAddress;
  const b = scratch.block;
  b[4] = (destinationId >>> 16) & 0xff;
  b[5] = (destinationId >>> 8) & 0xff;
  b[6] = destinationId & 0xff;
  if (scratch.csbko === Csbko.Preamble) b[2] = group ? b[2]! | PREAMBLE_GROUP_BIT : b[2]! & ~PREAMBLE_GROUP_BIT;
  encodeCsbkBlock(b, burst, offset);
  return AddressRewrite.Rewritten;
}

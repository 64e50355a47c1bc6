/**
 * Data header, data type 6 (ETSI TS 102 361-1 §9.2.1 / TS 102 361-3; hbp-and-dmr.md §2.9): a
 * BPTC(196,96) block of 10 content bytes + CRC-CCITT ⊕ 0xCCCC.
 *
 *   byte 0: G/I(1) A(1) HC(1) POC-MSB(1) DPF(4)   byte 1: SAP(4) ‖ pad-octet count / …(4)
 *   bytes 2–4: destination   bytes 5–7: source   bytes 8–9: DPF-specific (blocks to follow …)
 *
 * Every DPF except proprietary (15) has the destination at bytes 2–4 and source at 5–7. The
 * following data blocks carry no addresses and are never rewritten.
 * @module
 */

import { decodeBptc19696, encodeBptc19696 } from "./bptc_196_96.ts";
import { CRC_MASK_DATA_HEADER, crcCcittCheckBlock, crcCcittEncodeBlock } from "./crc.ts";
import { AddressRewrite, BlockStatus } from "./csbk.ts";

/** Data packet formats (ETSI TS 102 361-1 Table 9.45) */
export const enum Dpf {
  UnifiedDataTransport = 0,
  Response = 1,
  Unconfirmed = 2,
  Confirmed = 3,
  DefinedShort = 13,
  RawShort = 14,
  Proprietary = 15,
}

/** byte 0 bit 7: group (1) / individual (0) (ETSI TS 102 361-1 §9.3.17) */
const GROUP_BIT = 0x80;
const DPF_MASK = 0x0f;

export class DataHeader {
  readonly block = new Uint8Array(12);
  group = 0;
  responseRequested = 0;
  dpf = 0;
  sap = 0;
  /** -1 for proprietary headers */
  destinationId = -1;
  sourceId = -1;
  /** unconfirmed/confirmed only: full-message flag and blocks to follow (byte 8) */
  fullMessage = 0;
  blocksToFollow = 0;
}

export function decodeDataHeader(burst: Uint8Array, offset: number, out: DataHeader): BlockStatus {
  const b = out.block;
  decodeBptc19696(burst, offset, b, 0);
  if (!crcCcittCheckBlock(b, 0, CRC_MASK_DATA_HEADER)) return BlockStatus.BadCrc;
  out.group = b[0]! >>> 7;
  out.responseRequested = (b[0]! >>> 6) & 1;
  out.dpf = b[0]! & DPF_MASK;
  out.sap = b[1]! >>> 4;
  if (out.dpf === Dpf.Proprietary) {
    out.destinationId = -1;
    out.sourceId = -1;
  } else {
    out.destinationId = (b[2]! << 16) | (b[3]! << 8) | b[4]!;
    out.sourceId = (b[5]! << 16) | (b[6]! << 8) | b[7]!;
  }
  const counted = out.dpf === Dpf.Unconfirmed || out.dpf === Dpf.Confirmed;
  out.fullMessage = counted ? b[8]! >>> 7 : 0;
  out.blocksToFollow = counted ? b[8]! & 0x7f : 0;
  return BlockStatus.Valid;
}

/** Write a 12-byte data-header block (CRC computed) into the BPTC bits of a burst. */
export function encodeDataHeaderBlock(block: Uint8Array, burst: Uint8Array, offset: number): void {
  crcCcittEncodeBlock(block, 0, CRC_MASK_DATA_HEADER);
  encodeBptc19696(block, 0, burst, offset);
}

const scratch = new DataHeader();

/**
 * Rewrite destination and G/I bit of the data header in the burst at burst[offset..] in place,
 * recomputing the CRC (mask 0xCCCC) and BPTC. Allocation-free.
 */
export function rewriteDataHeaderDestination(burst: Uint8Array, offset: number, destinationId: number, group: boolean): AddressRewrite {
  if (decodeDataHeader(burst, offset, scratch) !== BlockStatus.Valid) return AddressRewrite.BadCrc;
  if (scratch.destinationId < 0) return AddressRewrite.NoAddress;
  const b = scratch.block;
  b[0] = group ? b[0]! | GROUP_BIT : b[0]! & ~GROUP_BIT;
  b[2] = (destinationId >>> 16) & 0xff;
  b[3] = (destinationId >>> 8) & 0xff;
  b[4] = destinationId & 0xff;
  encodeDataHeaderBlock(b, burst, offset);
  return AddressRewrite.Rewritten;
}

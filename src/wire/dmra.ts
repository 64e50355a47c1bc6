/**
 * DMRA: talker-alias side channel, client → master (hbp-and-dmr.md §3.1). One message per TA LC the
 * client decoded from RF, type = FLCO − 4 (0 header, 1–3 blocks), 7 TA data bytes = LC bytes 2–8.
 * Three incompatible layouts exist in the field:
 *
 *   19 bytes  'DMRA' repeater id[4] source[3] type[1] data[7]   MMDVMHost ≤ 2020-08-25
 *   15 bytes  'DMRA' source[3] type[1] data[7]                  MMDVMHost direct 2020-12…2023-06
 *   15 bytes  'DMRA' repeater id[4] source[3] type[1] data[3]   DMRGateway ≥ 2020-08-26 (truncated:
 *             it inserts its id but keeps the host's 15-byte length, so 4 data bytes are lost)
 *
 * The two 15-byte layouts are told apart by comparing bytes 4–7 with the sending peer's id.
 * Treat DMRA as optional metadata: the in-band embedded LCs carry the same alias.
 * Decoding fills a reused DmraMessage, never allocates, never throws.
 * @module
 */

import { readUint24, readUint32 } from "./dmrd.ts";

export const DMRA_LENGTH_WITH_REPEATER = 19;
export const DMRA_LENGTH_SHORT = 15;
/** TA data bytes per LC (LC bytes 2–8) */
export const DMRA_DATA_BYTES = 7;
/** data bytes that survive DMRGateway's truncation (15 − 12) */
export const DMRA_TRUNCATED_DATA_BYTES = 3;

export const enum DmraLayout {
  /** 19 bytes with repeater id (MMDVMHost ≤ 2020-08) */
  WithRepeater = 0,
  /** 15 bytes without repeater id (MMDVMHost direct mode 2020-12…2023-06) */
  NoRepeater = 1,
  /** 15 bytes with repeater id, only 3 data bytes (DMRGateway ≥ 2020-08-26) */
  Truncated = 2,
}

export const enum DmraStatus {
  Ok = 0,
  BadLength = 1,
  BadTag = 2,
  /** type not 0–3 */
  BadType = 3,
}

export class DmraMessage {
  layout: DmraLayout = DmraLayout.WithRepeater;
  /** -1 when the layout carries none */
  repeaterId = -1;
  sourceId = 0;
  /** 0 = TA header, 1–3 = TA blocks (FLCO − 4) */
  blockType = 0;
  /** TA data bytes; only the first `dataLength` are meaningful */
  readonly data = new Uint8Array(DMRA_DATA_BYTES);
  dataLength = 0;
}

/** ASCII 'DMRA' */
const TAG = [0x44, 0x4d, 0x52, 0x41] as const;

/**
 * Decode a DMRA datagram sent by peer `peerId` (its 32-bit repeater id; pass -1 when unknown, which
 * reads 15-byte messages as the no-repeater layout).
 */
export function decodeDmra(bytes: Uint8Array, peerId: number, out: DmraMessage): DmraStatus {
  const length = bytes.length;
  if (length !== DMRA_LENGTH_WITH_REPEATER && length !== DMRA_LENGTH_SHORT) return DmraStatus.BadLength;
  if (bytes[0] !== TAG[0] || bytes[1] !== TAG[1] || bytes[2] !== TAG[2] || bytes[3] !== TAG[3]) return DmraStatus.BadTag;
  let layout: DmraLayout;
  if (length === DMRA_LENGTH_WITH_REPEATER) layout = DmraLayout.WithRepeater;
  else layout = peerId >= 0 && readUint32(bytes, 4) === peerId >>> 0 ? DmraLayout.Truncated : DmraLayout.NoRepeater;
  const hasRepeater = layout !== DmraLayout.NoRepeater;
  const sourceOffset = hasRepeater ? 8 : 4;
  const blockType = bytes[sourceOffset + 3]!;
  if (blockType > 3) return DmraStatus.BadType;
  out.layout = layout;
  out.repeaterId = hasRepeater ? readUint32(bytes, 4) : -1;
  out.sourceId = readUint24(bytes, sourceOffset);
  out.blockType = blockType;
  const dataOffset = sourceOffset + 4;
  const dataLength = length - dataOffset;
  for (let i = 0; i < DMRA_DATA_BYTES; i++) out.data[i] = i < dataLength ? bytes[dataOffset + i]! : 0;
  out.dataLength = dataLength;
  return DmraStatus.Ok;
}

/**
 * DMRG: GPS side channel, client → master (hbp-and-dmr.md §3.2). 7 GPS data bytes = LC bytes 2–8
 * of the GPS info LC (decode them with decodeGpsData in src/dmr/gps.ts). Three layouts:
 *
 *   18 bytes  'DMRG' repeater id[4] source[3] gps[7]   MMDVMHost ≤ 2020-08
 *   14 bytes  'DMRG' source[3] gps[7]                  MMDVMHost direct 2020-12…2023-06
 *   14 bytes  'DMRG' repeater id[4] source[3] gps[3]   DMRGateway ≥ 2020-08 (truncated, Location=1)
 *
 * The 14-byte layouts are told apart by comparing bytes 4–7 with the sending peer's id.
 * Never allocates, never throws.
 * @module
 */

import { readUint24, readUint32 } from "./dmrd.ts";

export const DMRG_LENGTH_WITH_REPEATER = 18;
export const DMRG_LENGTH_SHORT = 14;
export const DMRG_DATA_BYTES = 7;

export const enum DmrgLayout {
  WithRepeater = 0,
  NoRepeater = 1,
  Truncated = 2,
}

export const enum DmrgStatus {
  Ok = 0,
  BadLength = 1,
  BadTag = 2,
}

export class DmrgMessage {
  layout: DmrgLayout = DmrgLayout.WithRepeater;
  /** -1 when the layout carries none */
  repeaterId = -1;
  sourceId = 0;
  /** GPS data bytes (LC bytes 2–8); only the first `dataLength` are meaningful */
  readonly data = new Uint8Array(DMRG_DATA_BYTES);
  dataLength = 0;
}

/** ASCII 'DMRG' */
const TAG = [0x44, 0x4d, 0x52, 0x47] as const;

/** Decode a DMRG datagram sent by peer `peerId` (-1 when unknown: 14 bytes read as no-repeater). */
export function decodeDmrg(bytes: Uint8Array, peerId: number, out: DmrgMessage): DmrgStatus {
  const length = bytes.length;
  if (length !== DMRG_LENGTH_WITH_REPEATER && length !== DMRG_LENGTH_SHORT) return DmrgStatus.BadLength;
  if (bytes[0] !== TAG[0] || bytes[1] !== TAG[1] || bytes[2] !== TAG[2] || bytes[3] !== TAG[3]) return DmrgStatus.BadTag;
  let layout: DmrgLayout;
  if (length === DMRG_LENGTH_WITH_REPEATER) layout = DmrgLayout.WithRepeater;
  else layout = peerId >= 0 && readUint32(bytes, 4) === peerId >>> 0 ? DmrgLayout.Truncated : DmrgLayout.NoRepeater;
  const hasRepeater = layout !== DmrgLayout.NoRepeater;
  const sourceOffset = hasRepeater ? 8 : 4;
  out.layout = layout;
  out.repeaterId = hasRepeater ? readUint32(bytes, 4) : -1;
  out.sourceId = readUint24(bytes, sourceOffset);
  const dataOffset = sourceOffset + 3;
  const dataLength = length - dataOffset;
  for (let i = 0; i < DMRG_DATA_BYTES; i++) out.data[i] = i < dataLength ? bytes[dataOffset + i]! : 0;
  out.dataLength = dataLength;
  return DmrgStatus.Ok;
}

/**
 * What the router needs to know about a data call (hbp-and-dmr.md §2.9, §3.3): whether a CSBK is a
 * preamble announcing data (the call continues) or a stand-alone CSBK (call alert, radio check …,
 * which ends at once), and how many blocks a data header announces (there is no terminator: the
 * header's blocks-to-follow ends the call). Reads the BPTC block into a module scratch buffer;
 * allocation-free.
 * @module
 */
import { decodeBptc19696 } from "../../../dmr/bptc_196_96.ts";
import { CRC_MASK_CSBK, CRC_MASK_DATA_HEADER, crcCcittCheckBlock } from "../../../dmr/crc.ts";
import { DMRD_PAYLOAD_OFFSET } from "../../../wire/dmrd.ts";

const block = new Uint8Array(12);
/** CSBKO of the preamble CSBK (ETSI TS 102 361-2 §7.2.20) */
const CSBKO_PREAMBLE = 0x3d;
/** Data header DPF values that carry blocks-to-follow in byte 8: 1 response, 2 unconfirmed, 3 confirmed (ETSI TS 102 361-1 §9.2.6) */
const DPF_RESPONSE = 1;
const DPF_UNCONFIRMED = 2;
const DPF_CONFIRMED = 3;
/** Defined short data (13) and raw/status short data (14) carry it in the same place (§9.2.8–9.2.10: "appended blocks") */
const DPF_DEFINED_SHORT = 13;
const DPF_RAW_SHORT = 14;

/** -1 when the CSBK is unreadable; 1 for a preamble (data follows), 0 for any other CSBK. */
export function csbkIsPreamble(bytes: Uint8Array): number {
  decodeBptc19696(bytes, DMRD_PAYLOAD_OFFSET, block, 0);
  if (!crcCcittCheckBlock(block, 0, CRC_MASK_CSBK)) return -1;
  return (block[0]! & 0x3f) === CSBKO_PREAMBLE ? 1 : 0;
}

/** Blocks following a data header; -1 when unreadable or not announced (the call then ends by timeout). */
export function dataHeaderBlocksToFollow(bytes: Uint8Array): number {
  decodeBptc19696(bytes, DMRD_PAYLOAD_OFFSET, block, 0);
  if (!crcCcittCheckBlock(block, 0, CRC_MASK_DATA_HEADER)) return -1;
  const dpf = block[0]! & 0x0f;
  if (dpf === DPF_RESPONSE || dpf === DPF_UNCONFIRMED || dpf === DPF_CONFIRMED) return block[8]! & 0x7f;
  // short data: byte 0 bits 5-4 and byte 1 bits 3-0 form the appended-blocks count
  if (dpf === DPF_DEFINED_SHORT || dpf === DPF_RAW_SHORT) return (block[0]! & 0x30) | (block[1]! & 0x0f);
  return -1;
}

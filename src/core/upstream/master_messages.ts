/**
 * What an HBP master sends a client (hbp-and-dmr.md §1.2), classified by tag and length, as the
 * upstream link (freedmr as an HBP client) needs it. Tags are prefix-ambiguous; real masters are
 * sloppy (DMR+ answers RPTL with a 14-byte `RPTACK id id` and pings with `MSTPONGING\0`), so the
 * checks accept what MMDVMHost/DMRGateway accept. Never throws, never allocates.
 * @module
 */
import { readUint32 } from "../../wire/dmrd.ts";

export const enum MasterMessage {
  Unknown = 0,
  /** `RPTACK` + salt or id (10 bytes; 14 from DMR+). */
  Rptack = 1,
  /** `MSTNAK` + id. */
  Mstnak = 2,
  /** `MSTPONG` + id. */
  Mstpong = 3,
  /** `MSTCL` + id: the master is closing. */
  Mstcl = 4,
  /** `RPTSBKN` + id: beacon request. */
  Rptsbkn = 5,
  /** `DMRD` voice/data (53 or 55 bytes). */
  Dmrd = 6,
}

const R = 0x52;
const P = 0x50;
const M = 0x4d;
const S = 0x53;
const D = 0x44;

export function classifyMasterMessage(bytes: Uint8Array): MasterMessage {
  const n = bytes.length;
  if (n < 4) return MasterMessage.Unknown;
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const b2 = bytes[2]!;
  const b3 = bytes[3]!;
  if (b0 === D && b1 === M && b2 === R && b3 === D) return n === 55 || n === 53 ? MasterMessage.Dmrd : MasterMessage.Unknown;
  if (b0 === R && b1 === P && b2 === 0x54) {
    // RPTACK (10, or 14 from DMR+); RPTSBKN (11)
    if (b3 === 0x41 && n >= 10 && n <= 14 && bytes[4] === 0x43 && bytes[5] === 0x4b) return MasterMessage.Rptack;
    if (b3 === S && n === 11 && bytes[4] === 0x42 && bytes[5] === 0x4b && bytes[6] === 0x4e) return MasterMessage.Rptsbkn;
    return MasterMessage.Unknown;
  }
  if (b0 === M && b1 === S && b2 === 0x54) {
    if (b3 === 0x4e && n === 10 && bytes[4] === 0x41 && bytes[5] === 0x4b) return MasterMessage.Mstnak; // MSTNAK
    if (b3 === P && n === 11 && bytes[4] === 0x4f && bytes[5] === 0x4e && bytes[6] === 0x47) return MasterMessage.Mstpong; // MSTPONG
    if (b3 === 0x43 && n === 9 && bytes[4] === 0x4c) return MasterMessage.Mstcl; // MSTCL
    return MasterMessage.Unknown;
  }
  return MasterMessage.Unknown;
}

/** The salt (login) or id (later acks) after `RPTACK`: bytes 6..9 verbatim (§1.2). */
export function rptackValue(bytes: Uint8Array): number {
  return readUint32(bytes, 6);
}


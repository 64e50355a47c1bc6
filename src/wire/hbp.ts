/**
 * HomeBrew (HBP, MMDVM dialect) control messages: classification of what a client sends by tag
 * AND length, and encoders for what a master sends (hbp-and-dmr.md §1.1–1.2).
 *
 * Tags are prefix-ambiguous (`RPTC` 302 bytes vs `RPTCL` 9 bytes, `RPTP`→`RPTPING`, …), so a
 * datagram is classified by its longest matching tag and then its exact length. Classification
 * reads a few bytes in place and never allocates or throws; anything that is not a known message
 * of a known length comes back as a status the caller counts and drops.
 *
 * Master replies are fixed-size and carry the peer's id (or the login salt), so they are encoded
 * once into buffers owned by the caller (allocated at session creation / start-up) and sent as is.
 * @module
 */
import { readUint32, writeUint32 } from "./dmrd.ts";

/** What a client datagram is. */
export const enum HbpKind {
  /** `RPTL` id — login request (8 bytes). */
  Rptl = 1,
  /** `RPTK` id sha256[32] — authentication (40 bytes). */
  Rptk = 2,
  /** `RPTC` id config[294] — configuration (302 bytes, §1.3). */
  Rptc = 3,
  /** `RPTCL` id — client closing (9 bytes). */
  Rptcl = 4,
  /** `RPTO` id options[n] — options text (8 + n bytes). */
  Rpto = 5,
  /** `RPTPING` id — keep-alive (11 bytes). */
  Rptping = 6,
  /** `DMRD` — voice/data frame (53 or 55 bytes, §1.4). */
  Dmrd = 7,
  /** `DMRA` id … — talker alias (15 or 19 bytes, §3.1). */
  Dmra = 8,
  /** `DMRG` id … — GPS (14 or 18 bytes, §3.2). */
  Dmrg = 9,
  /** `RPTG` id lat/lon — home position (25 bytes). */
  Rptg = 10,
}

/** Why a datagram was not classified. Counted per reason by the caller. */
export const enum HbpMalformed {
  None = 0,
  /** Fewer than 4 bytes: not even a tag. */
  TooShort = 1,
  /** No known client tag. */
  UnknownTag = 2,
  /** A known tag with a length that message never has. */
  BadLength = 3,
}

export const MALFORMED_REASONS = ["none", "too-short", "unknown-tag", "bad-length"] as const;

/** Result of classification, reused by the caller (no allocation per datagram). */
export class HbpClassification {
  kind: HbpKind | 0 = 0;
  malformed: HbpMalformed = HbpMalformed.None;
  /** Repeater id named by the message (offset depends on the tag, §1.2). */
  repeaterId = 0;
}

// Lengths, hbp-and-dmr.md §1.2.
export const RPTL_LENGTH = 8;
export const RPTK_LENGTH = 40;
export const RPTK_DIGEST_OFFSET = 8;
export const RPTK_DIGEST_LENGTH = 32;
export const RPTC_LENGTH = 302;
export const RPTCL_LENGTH = 9;
export const RPTO_HEADER_LENGTH = 8;
/** Options text longer than this is refused (a 302-byte RPTC is the largest message, §1.5 "n≤~292"). */
export const RPTO_MAX_LENGTH = 512;
export const RPTPING_LENGTH = 11;
export const DMRA_LENGTHS = [15, 19] as const;
export const DMRG_LENGTHS = [14, 18] as const;
export const RPTG_LENGTH = 25;
export const RPTACK_LENGTH = 10;
export const MSTNAK_LENGTH = 10;
export const MSTPONG_LENGTH = 11;
export const MSTCL_LENGTH = 9;

const C_R = 0x52;
const C_P = 0x50;
const C_T = 0x54;
const C_D = 0x44;
const C_M = 0x4d;
const C_L = 0x4c;
const C_K = 0x4b;
const C_C = 0x43;
const C_O = 0x4f;
const C_I = 0x49;
const C_N = 0x4e;
const C_G = 0x47;
const C_A = 0x41;

/**
 * Classify a client datagram into `out`. Returns the kind (0 when malformed, with
 * `out.malformed` saying why). Never throws, never allocates.
 */
export function classifyHbp(bytes: Uint8Array, out: HbpClassification): HbpKind | 0 {
  out.kind = 0;
  out.repeaterId = 0;
  const length = bytes.length;
  if (length < 4) return malformed(out, HbpMalformed.TooShort);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const b2 = bytes[2]!;
  const b3 = bytes[3]!;
  if (b0 === C_D && b1 === C_M && b2 === C_R) {
    if (b3 === C_D) {
      if (length !== 55 && length !== 53) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Dmrd, readUint32(bytes, 11));
    }
    if (b3 === C_A) {
      if (length !== 15 && length !== 19) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Dmra, readUint32(bytes, 4));
    }
    if (b3 === C_G) {
      if (length !== 14 && length !== 18) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Dmrg, readUint32(bytes, 4));
    }
    return malformed(out, HbpMalformed.UnknownTag);
  }
  if (b0 !== C_R || b1 !== C_P || b2 !== C_T) return malformed(out, HbpMalformed.UnknownTag);
  switch (b3) {
    case C_L:
      if (length !== RPTL_LENGTH) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Rptl, readUint32(bytes, 4));
    case C_K:
      if (length !== RPTK_LENGTH) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Rptk, readUint32(bytes, 4));
    case C_C:
      // `RPTCL` id (9) vs `RPTC` id config (302): longest tag first.
      if (length === RPTCL_LENGTH && bytes[4] === C_L) return ok(out, HbpKind.Rptcl, readUint32(bytes, 5));
      if (length === RPTC_LENGTH) return ok(out, HbpKind.Rptc, readUint32(bytes, 4));
      return malformed(out, HbpMalformed.BadLength);
    case C_O:
      if (length < RPTO_HEADER_LENGTH || length > RPTO_MAX_LENGTH) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Rpto, readUint32(bytes, 4));
    case C_P:
      // `RPTPING` id; the bare `RPTP` prefix with any other suffix is not a message.
      if (length < 7 || bytes[4] !== C_I || bytes[5] !== C_N || bytes[6] !== C_G) {
        return malformed(out, length < 7 ? HbpMalformed.BadLength : HbpMalformed.UnknownTag);
      }
      if (length !== RPTPING_LENGTH) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Rptping, readUint32(bytes, 7));
    case C_G:
      if (length !== RPTG_LENGTH) return malformed(out, HbpMalformed.BadLength);
      return ok(out, HbpKind.Rptg, readUint32(bytes, 4));
    default:
      return malformed(out, HbpMalformed.UnknownTag);
  }
}

function ok(out: HbpClassification, kind: HbpKind, repeaterId: number): HbpKind {
  out.kind = kind;
  out.malformed = HbpMalformed.None;
  out.repeaterId = repeaterId;
  return kind;
}

function malformed(out: HbpClassification, reason: HbpMalformed): 0 {
  out.kind = 0;
  out.malformed = reason;
  return 0;
}

const TAG_RPTACK = [C_R, C_P, C_T, C_A, C_C, C_K] as const;
const TAG_MSTNAK = [C_M, 0x53, C_T, C_N, C_A, C_K] as const;
const TAG_MSTPONG = [C_M, 0x53, C_T, C_P, C_O, C_N, C_G] as const;
const TAG_MSTCL = [C_M, 0x53, C_T, C_C, C_L] as const;
const TAG_RPTSBKN = [C_R, C_P, C_T, 0x53, 0x42, C_K, C_N] as const;

function writeTag(target: Uint8Array, offset: number, tag: readonly number[]): number {
  for (let i = 0; i < tag.length; i++) target[offset + i] = tag[i]!;
  return offset + tag.length;
}

/** `RPTACK` value[4] (10 bytes): value is the salt after RPTL, the peer id after RPTK/RPTC/RPTO. */
export function encodeRptack(target: Uint8Array, offset: number, value: number): number {
  writeUint32(target, writeTag(target, offset, TAG_RPTACK), value);
  return RPTACK_LENGTH;
}

/** `MSTNAK` id (10 bytes). */
export function encodeMstnak(target: Uint8Array, offset: number, repeaterId: number): number {
  writeUint32(target, writeTag(target, offset, TAG_MSTNAK), repeaterId);
  return MSTNAK_LENGTH;
}

/** `MSTPONG` id (11 bytes). */
export function encodeMstpong(target: Uint8Array, offset: number, repeaterId: number): number {
  writeUint32(target, writeTag(target, offset, TAG_MSTPONG), repeaterId);
  return MSTPONG_LENGTH;
}

/** `MSTCL` id (9 bytes). */
export function encodeMstcl(target: Uint8Array, offset: number, repeaterId: number): number {
  writeUint32(target, writeTag(target, offset, TAG_MSTCL), repeaterId);
  return MSTCL_LENGTH;
}

/** `RPTSBKN` id (11 bytes): beacon request (§1.6). */
export function encodeRptsbkn(target: Uint8Array, offset: number, repeaterId: number): number {
  writeUint32(target, writeTag(target, offset, TAG_RPTSBKN), repeaterId);
  return 11;
}

/**
 * The fixed replies a master sends one peer, encoded once (at session creation) into one
 * backing buffer, each exposed as an exact-length view so it can be pushed to the Outbox as is.
 * Nothing here is re-encoded per packet.
 */
export class HbpPeerReplies {
  readonly ack: Uint8Array;
  readonly nak: Uint8Array;
  readonly pong: Uint8Array;
  readonly close: Uint8Array;

  constructor(readonly repeaterId: number) {
    const backing = new Uint8Array(RPTACK_LENGTH + MSTNAK_LENGTH + MSTPONG_LENGTH + MSTCL_LENGTH);
    let at = 0;
    this.ack = backing.subarray(at, at + encodeRptack(backing, at, repeaterId));
    at += RPTACK_LENGTH;
    this.nak = backing.subarray(at, at + encodeMstnak(backing, at, repeaterId));
    at += MSTNAK_LENGTH;
    this.pong = backing.subarray(at, at + encodeMstpong(backing, at, repeaterId));
    at += MSTPONG_LENGTH;
    this.close = backing.subarray(at, at + encodeMstcl(backing, at, repeaterId));
  }
}

/** Read the 32-byte RPTK digest in place (a view made at login time only). */
export function rptkDigest(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(RPTK_DIGEST_OFFSET, RPTK_DIGEST_OFFSET + RPTK_DIGEST_LENGTH);
}

/** Does `bytes` start with the ASCII `tag`? For tests and tools. */
export function hasTag(bytes: Uint8Array, tag: string): boolean {
  if (bytes.length < tag.length) return false;
  for (let i = 0; i < tag.length; i++) if (bytes[i] !== tag.charCodeAt(i)) return false;
  return true;
}

/**
 * OpenBridge datagrams (freedmr-reference.md §2): classification, link keys, and OBP v1 frames.
 *
 * OBP v1 (§2.2, BrandMeister / HBlink3 / FreeDMR PROTO_VER 1): the 53-byte DMRD (no BER/RSSI) with
 * the *sending server's* id in bytes 11–14, every call on TS1, followed by HMAC-SHA1(key, first 53
 * bytes) — 73 bytes in all. FBP v4/v5 `DMRE` frames are in ./fbp.ts, bridge control (BCKA, BCSQ,
 * BCVE) in ./bridge_control.ts.
 *
 * Key material (§2): the passphrase NUL-padded or cut to 20 characters, then UTF-8 encoded. The same
 * key signs HMAC-SHA1 (v1 frames, bridge control) and keyed BLAKE2b (DMRE).
 *
 * Decoding copies the DMRD part into a caller-owned 55-byte buffer (BER/RSSI padded with 0) so the
 * router and hotspots always see a 55-byte frame (interop-notes.md); nothing allocates.
 * @module
 */
import { HMAC_SHA1_LENGTH, HmacSha1 } from "../lib/hmac_sha1.ts";
import {
  DMRD_LENGTH,
  DMRD_OFFSET_BER,
  DMRD_OFFSET_FLAGS,
  DMRD_OFFSET_REPEATER,
  DMRD_OFFSET_RSSI,
  DMRD_SHORT_LENGTH,
  FLAG_SLOT_TS2,
  readUint32,
  writeUint32,
} from "./dmrd.ts";

/** §2: passphrase padded/cut to 20 characters. */
export const OPENBRIDGE_KEY_CHARACTERS = 20;
/** §2.2: 53-byte DMRD + 20-byte HMAC-SHA1. */
export const OBP_V1_LENGTH = DMRD_SHORT_LENGTH + HMAC_SHA1_LENGTH;
export const OBP_V1_MAC_OFFSET = DMRD_SHORT_LENGTH;

/** What an OpenBridge datagram is, by its 4-byte tag and length. */
export const enum OpenBridgeKind {
  Unknown = 0,
  /** OBP v1 frame: `DMRD`, 73 bytes. */
  DmrdV1 = 1,
  /** FBP v4/v5 frame: `DMRE`, 85 or 89 bytes. */
  Dmre = 2,
  Bcka = 3,
  Bcsq = 4,
  Bcve = 5,
  /** STUN (`BCST`): not verifiable on the wire in FreeDMR 21c8087 (§2.4); recognised and ignored. */
  Bcst = 6,
  /** Tags we know but refuse: `DMRF` (protocols 2/3), KF7EEL `EOBP` (§2.3). */
  Refused = 7,
  /** A known tag with the wrong length. */
  BadLength = 8,
}

const TAG_DMRD = tagValue("DMRD");
const TAG_DMRE = tagValue("DMRE");
const TAG_DMRF = tagValue("DMRF");
const TAG_EOBP = tagValue("EOBP");
const TAG_BCKA = tagValue("BCKA");
const TAG_BCSQ = tagValue("BCSQ");
const TAG_BCVE = tagValue("BCVE");
const TAG_BCST = tagValue("BCST");
const TAG_BCTO = tagValue("BCTO");

/** Lengths referenced by classify (see fbp.ts and bridge_control.ts for the layouts). */
export const DMRE_V4_LENGTH = 85;
export const DMRE_V5_LENGTH = 89;
export const BCKA_LENGTH = 24;
export const BCSQ_LENGTH = 31;
export const BCVE_LENGTH = 25;
export const BCST_LENGTH = 24;

export function tagValue(tag: string): number {
  return ((tag.charCodeAt(0) << 24) | (tag.charCodeAt(1) << 16) | (tag.charCodeAt(2) << 8) | tag.charCodeAt(3)) >>> 0;
}

/** Classify by tag and exact length. Never throws, never allocates. */
export function classifyOpenBridge(bytes: Uint8Array): OpenBridgeKind {
  if (bytes.length < 4) return OpenBridgeKind.Unknown;
  const tag = readUint32(bytes, 0);
  const n = bytes.length;
  switch (tag) {
    case TAG_DMRD:
      return n === OBP_V1_LENGTH ? OpenBridgeKind.DmrdV1 : OpenBridgeKind.BadLength;
    case TAG_DMRE:
      return n === DMRE_V4_LENGTH || n === DMRE_V5_LENGTH ? OpenBridgeKind.Dmre : OpenBridgeKind.BadLength;
    case TAG_BCKA:
      return n === BCKA_LENGTH ? OpenBridgeKind.Bcka : OpenBridgeKind.BadLength;
    case TAG_BCSQ:
      return n === BCSQ_LENGTH ? OpenBridgeKind.Bcsq : OpenBridgeKind.BadLength;
    case TAG_BCVE:
      return n === BCVE_LENGTH ? OpenBridgeKind.Bcve : OpenBridgeKind.BadLength;
    case TAG_BCST:
      return OpenBridgeKind.Bcst;
    case TAG_DMRF:
    case TAG_EOBP:
    case TAG_BCTO:
      return OpenBridgeKind.Refused;
    default:
      return OpenBridgeKind.Unknown;
  }
}

/** §2: the link key, 20 bytes for an ASCII passphrase (allocates; call at start-up). */
export function openBridgeKey(passphrase: string): Uint8Array {
  const chars = Array.from(passphrase);
  const fitted = chars.length >= OPENBRIDGE_KEY_CHARACTERS
    ? chars.slice(0, OPENBRIDGE_KEY_CHARACTERS).join("")
    : passphrase + "\0".repeat(OPENBRIDGE_KEY_CHARACTERS - chars.length);
  return new TextEncoder().encode(fitted);
}

/**
 * Encode a 55-byte router frame as an OBP v1 frame into `out` (≥ 73 bytes): bytes 0–10 and 15–52
 * as given, `senderId` (our server id) in 11–14, the slot bit cleared (§2.2: TS1 only), then the
 * HMAC. Returns OBP_V1_LENGTH.
 */
export function encodeObpV1(frame: Uint8Array, senderId: number, mac: HmacSha1, out: Uint8Array): number {
  for (let i = 0; i < DMRD_SHORT_LENGTH; i++) out[i] = frame[i]!;
  writeUint32(out, DMRD_OFFSET_REPEATER, senderId);
  out[DMRD_OFFSET_FLAGS] = out[DMRD_OFFSET_FLAGS]! & ~FLAG_SLOT_TS2;
  mac.compute(out, 0, DMRD_SHORT_LENGTH, out, OBP_V1_MAC_OFFSET);
  return OBP_V1_LENGTH;
}

/** True when the 73-byte OBP v1 datagram's HMAC is valid. */
export function verifyObpV1(bytes: Uint8Array, mac: HmacSha1): boolean {
  return bytes.length === OBP_V1_LENGTH && mac.verify(bytes, 0, DMRD_SHORT_LENGTH, bytes, OBP_V1_MAC_OFFSET);
}

/**
 * Copy the DMRD part of an OBP v1 datagram into a 55-byte buffer (BER/RSSI = 0). Returns
 * DMRD_LENGTH. The caller verified the MAC and length.
 */
export function copyObpV1To55(bytes: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < DMRD_SHORT_LENGTH; i++) target[i] = bytes[i]!;
  target[DMRD_OFFSET_BER] = 0;
  target[DMRD_OFFSET_RSSI] = 0;
  return DMRD_LENGTH;
}

/** The sender id in bytes 11–14 (the sending server's id per §2; HBlink4 puts the hotspot's id there). */
export function openBridgeSenderId(bytes: Uint8Array): number {
  return readUint32(bytes, DMRD_OFFSET_REPEATER);
}

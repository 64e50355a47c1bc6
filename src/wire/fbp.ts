/**
 * FreeDMR FBP v4/v5 `DMRE` frames (freedmr-reference.md §2.3):
 *
 *   0 'DMRE' 4 seq 5 source[3] 8 destination[3] 11 sending server id[4] 15 flags 16 stream id[4]
 *   20 burst[33] 53 BER 54 RSSI 55 version (4|5) 56 timestamp ns since epoch[8]
 *   64 source server id[4]  (v5) 68 source repeater id[4]  68|72 hops  69..85 | 73..89 BLAKE2b-16
 *
 * The MAC is a keyed BLAKE2b with a 16-byte digest over every preceding byte (key = the link key,
 * see openbridge.ts). FreeDMR picks the layout from byte 55 (> 4 means v5), but FreeDMR with
 * `PROTO_VER: 4` sends the 85-byte v4 layout with version byte 5 (seen against real peers), so when byte 55
 * and the length disagree the length wins: it is the only reading under which the MAC can verify.
 * `FbpMeta.versionByte` keeps what the sender wrote so the link can count the disagreement.
 * @module
 */
import type { Blake2b } from "../lib/blake2b.ts";
import { DMRD_LENGTH, DMRD_OFFSET_FLAGS, DMRD_OFFSET_REPEATER, FLAG_SLOT_TS2, readUint32, writeUint32 } from "./dmrd.ts";
import { DMRE_V4_LENGTH, DMRE_V5_LENGTH, tagValue } from "./openbridge.ts";

export const DMRE_MAC_LENGTH = 16;
export const DMRE_OFFSET_VERSION = 55;
export const DMRE_OFFSET_TIMESTAMP = 56;
export const DMRE_OFFSET_SOURCE_SERVER = 64;
export const DMRE_V5_OFFSET_SOURCE_REPEATER = 68;
export const DMRE_V4_OFFSET_HOPS = 68;
export const DMRE_V5_OFFSET_HOPS = 72;
export const DMRE_V4_MAC_OFFSET = 69;
export const DMRE_V5_MAC_OFFSET = 73;

export type FbpVersion = 4 | 5;

const TWO_32 = 0x1_0000_0000;
const TAG_DMRE = tagValue("DMRE");
const TAG_DMRD = tagValue("DMRD");
const NS_PER_MS = 1_000_000;

/** The FBP metadata of a DMRE frame (reused from packet to packet). */
export class FbpMeta {
  /** The layout (85 bytes: 4, 89 bytes: 5), whatever byte 55 says. */
  version: FbpVersion = 5;
  /** Byte 55 as sent (≠ version when a FreeDMR PROTO_VER 4 peer writes 5 into a v4 frame). */
  versionByte = 5;
  /** Sender's clock at send time, ms since the epoch (from the ns field). */
  timestampMs = 0;
  /** The server where the call entered the FBP network. */
  sourceServer = 0;
  /** v5: the hotspot/repeater the call came from; 0 on v4. */
  sourceRepeater = 0;
  hops = 0;
}

export const enum DmreStatus {
  Ok = 0,
  BadLength = 1,
  BadVersion = 2,
  BadMac = 3,
}

/**
 * Encode a 55-byte router frame as DMRE into `out` (≥ 89 bytes): `senderId` in 11–14, slot bit
 * cleared (FBP traffic rides TS1 in the link namespace), then version, timestamp, source server,
 * (v5) source repeater, hops and the MAC. Returns the length (85 or 89).
 */
export function encodeDmre(frame: Uint8Array, senderId: number, meta: FbpMeta, mac: Blake2b, out: Uint8Array): number {
  for (let i = 4; i < DMRD_LENGTH; i++) out[i] = frame[i]!;
  writeUint32(out, 0, TAG_DMRE);
  writeUint32(out, DMRD_OFFSET_REPEATER, senderId);
  out[DMRD_OFFSET_FLAGS] = out[DMRD_OFFSET_FLAGS]! & ~FLAG_SLOT_TS2;
  out[DMRE_OFFSET_VERSION] = meta.version;
  writeNanoseconds(out, DMRE_OFFSET_TIMESTAMP, meta.timestampMs);
  writeUint32(out, DMRE_OFFSET_SOURCE_SERVER, meta.sourceServer);
  let macOffset: number;
  if (meta.version === 5) {
    writeUint32(out, DMRE_V5_OFFSET_SOURCE_REPEATER, meta.sourceRepeater);
    out[DMRE_V5_OFFSET_HOPS] = meta.hops & 0xff;
    macOffset = DMRE_V5_MAC_OFFSET;
  } else {
    out[DMRE_V4_OFFSET_HOPS] = meta.hops & 0xff;
    macOffset = DMRE_V4_MAC_OFFSET;
  }
  mac.reset().update(out, 0, macOffset).digestTo(out, macOffset);
  return macOffset + DMRE_MAC_LENGTH;
}

/**
 * Verify and decode a DMRE datagram: MAC checked against `mac` using `scratch` (≥ 16 bytes), the
 * metadata written to `meta`, the first 55 bytes copied to `target`. Nothing is written on failure.
 */
export function decodeDmre(bytes: Uint8Array, mac: Blake2b, scratch: Uint8Array, meta: FbpMeta, target: Uint8Array): DmreStatus {
  const n = bytes.length;
  if (n !== DMRE_V4_LENGTH && n !== DMRE_V5_LENGTH) return DmreStatus.BadLength;
  const version = bytes[DMRE_OFFSET_VERSION]!;
  // §2.3: byte 55 is 4 or 5; anything below 4 is not FBP DMRE. The layout comes from the length
  // (85 = v4, 89 = v5): FreeDMR PROTO_VER 4 writes 5 into its 85-byte v4 frames.
  if (version < 4) return DmreStatus.BadVersion;
  const v5 = n === DMRE_V5_LENGTH;
  const macOffset = v5 ? DMRE_V5_MAC_OFFSET : DMRE_V4_MAC_OFFSET;
  mac.reset().update(bytes, 0, macOffset).digestTo(scratch, 0);
  let diff = 0;
  for (let i = 0; i < DMRE_MAC_LENGTH; i++) diff |= scratch[i]! ^ bytes[macOffset + i]!;
  if (diff !== 0) return DmreStatus.BadMac;
  meta.version = v5 ? 5 : 4;
  meta.versionByte = version;
  meta.timestampMs = readNanosecondsAsMs(bytes, DMRE_OFFSET_TIMESTAMP);
  meta.sourceServer = readUint32(bytes, DMRE_OFFSET_SOURCE_SERVER);
  meta.sourceRepeater = v5 ? readUint32(bytes, DMRE_V5_OFFSET_SOURCE_REPEATER) : 0;
  meta.hops = bytes[v5 ? DMRE_V5_OFFSET_HOPS : DMRE_V4_OFFSET_HOPS]!;
  // The router speaks HBP: the copy is a DMRD.
  writeUint32(target, 0, TAG_DMRD);
  for (let i = 4; i < DMRD_LENGTH; i++) target[i] = bytes[i]!;
  return DmreStatus.Ok;
}

/** Write ms since the epoch as a 64-bit big-endian nanosecond count. */
export function writeNanoseconds(out: Uint8Array, offset: number, epochMs: number): void {
  const ns = Math.max(0, epochMs) * NS_PER_MS;
  const high = Math.floor(ns / TWO_32);
  const low = ns - high * TWO_32;
  writeUint32(out, offset, high >>> 0);
  writeUint32(out, offset + 4, Math.floor(low) >>> 0);
}

/** Read a 64-bit big-endian nanosecond count as ms since the epoch (sub-µs precision is lost). */
export function readNanosecondsAsMs(bytes: Uint8Array, offset: number): number {
  return (readUint32(bytes, offset) * TWO_32 + readUint32(bytes, offset + 4)) / NS_PER_MS;
}

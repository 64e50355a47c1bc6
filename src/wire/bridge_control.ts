/**
 * FreeDMR bridge control (freedmr-reference.md §2.4), sent and accepted only on "enhanced" links.
 * Every packet ends in HMAC-SHA1 (20 bytes) with the link key; what the MAC covers differs:
 *
 *   BCKA keepalive       'BCKA' + MAC                      (24)  MAC over 'BCKA'
 *   BCSQ source quench   'BCSQ' + TG[3] + stream id[4] + MAC (31) MAC over the first 11 bytes
 *   BCVE version         'BCVE' + version[1] + MAC          (25)  MAC over the version byte only
 *
 * Encoders write into caller-owned buffers; BCKA and BCVE are constant for a key, so links build
 * them once at start-up.
 * @module
 */
import type { HmacSha1 } from "../lib/hmac_sha1.ts";
import { readUint24, readUint32, writeUint24, writeUint32 } from "./dmrd.ts";
import { BCKA_LENGTH, BCSQ_LENGTH, BCVE_LENGTH } from "./openbridge.ts";

const B = 0x42;
const C = 0x43;

export const BCSQ_OFFSET_TALKGROUP = 4;
export const BCSQ_OFFSET_STREAM = 7;
export const BCSQ_MAC_OFFSET = 11;
export const BCVE_OFFSET_VERSION = 4;
export const BCVE_MAC_OFFSET = 5;
export const BCKA_MAC_OFFSET = 4;

function writeTag(out: Uint8Array, third: number, fourth: number): void {
  out[0] = B;
  out[1] = C;
  out[2] = third;
  out[3] = fourth;
}

export function encodeBcka(mac: HmacSha1, out: Uint8Array): number {
  writeTag(out, 0x4b, 0x41); // 'KA'
  mac.compute(out, 0, 4, out, BCKA_MAC_OFFSET);
  return BCKA_LENGTH;
}

export function verifyBcka(bytes: Uint8Array, mac: HmacSha1): boolean {
  return bytes.length === BCKA_LENGTH && mac.verify(bytes, 0, 4, bytes, BCKA_MAC_OFFSET);
}

export function encodeBcsq(talkgroupId: number, streamId: number, mac: HmacSha1, out: Uint8Array): number {
  writeTag(out, 0x53, 0x51); // 'SQ'
  writeUint24(out, BCSQ_OFFSET_TALKGROUP, talkgroupId);
  writeUint32(out, BCSQ_OFFSET_STREAM, streamId);
  mac.compute(out, 0, BCSQ_MAC_OFFSET, out, BCSQ_MAC_OFFSET);
  return BCSQ_LENGTH;
}

export function verifyBcsq(bytes: Uint8Array, mac: HmacSha1): boolean {
  return bytes.length === BCSQ_LENGTH && mac.verify(bytes, 0, BCSQ_MAC_OFFSET, bytes, BCSQ_MAC_OFFSET);
}

export function bcsqTalkgroup(bytes: Uint8Array): number {
  return readUint24(bytes, BCSQ_OFFSET_TALKGROUP);
}

export function bcsqStream(bytes: Uint8Array): number {
  return readUint32(bytes, BCSQ_OFFSET_STREAM);
}

export function encodeBcve(version: number, mac: HmacSha1, out: Uint8Array): number {
  writeTag(out, 0x56, 0x45); // 'VE'
  out[BCVE_OFFSET_VERSION] = version & 0xff;
  mac.compute(out, BCVE_OFFSET_VERSION, BCVE_MAC_OFFSET, out, BCVE_MAC_OFFSET);
  return BCVE_LENGTH;
}

export function verifyBcve(bytes: Uint8Array, mac: HmacSha1): boolean {
  return bytes.length === BCVE_LENGTH && mac.verify(bytes, BCVE_OFFSET_VERSION, BCVE_MAC_OFFSET, bytes, BCVE_MAC_OFFSET);
}

export function bcveVersion(bytes: Uint8Array): number {
  return bytes[BCVE_OFFSET_VERSION]!;
}

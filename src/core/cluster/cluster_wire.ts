/**
 * The cluster's message on NATS: a 12-byte header and the 55-byte HBP DMRD frame as the router
 * carries it (hbp-and-dmr.md §2; bytes 11–14 keep the source hotspot's repeater id). One message
 * per frame. Documented in docs/cluster.md ("Wire format").
 *
 *   0      version (1)
 *   1      hop count: 1 when a node publishes; a receiver drops anything else (never republished)
 *   2      kind: 0 group call (subject <prefix>.grp.<talkgroup>), 1 unit call/data (<prefix>.unit.<node id>)
 *   3      reserved, 0
 *   4–7    origin node id, uint32 big-endian
 *   8–11   origin's clock when published, ms modulo 2^32 (diagnostics, latency measurement)
 *   12–66  HBP DMRD, 55 bytes
 *
 * Kind 2 is a talker alias from the DMRA side channel (hbp-and-dmr.md §3.1) of a stream the node
 * publishes, on the subject of that stream's frames (the same talkgroup, or the same node for a
 * unit call), 28 bytes: the same 12-byte header, then
 *   12–15  stream id (uint32 big-endian; the source's current stream id)
 *   16–18  source radio id (uint24)
 *   19     TA block: 0 header, 1–3 blocks (DMRA type = FLCO − 4)
 *   20–26  the 7 TA data bytes (LC bytes 2–8)
 *   27     reserved, 0
 *
 * Kind 3 is a frame of a configured bridge (`[[bridges]]`) on subject `<prefix>.brg.<bridge key>`,
 * 71 bytes: the header, the 55-byte DMRD as the source member sent it but with the slot bit set
 * to TS2 (the bridge lane: plain group frames travel on TS1, so a receiver keeps the two copies of
 * one call apart), then
 *   67–70  bridge key (uint32 big-endian): FNV-1a 32 of the bridge's name (nodes configure their
 *          bridges by the same names; a key a node does not know is dropped and counted)
 * @module
 */
import { DMRD_LENGTH } from "../../wire/dmrd.ts";

export const CLUSTER_WIRE_VERSION = 1;
export const CLUSTER_HEADER_LENGTH = 12;
export const CLUSTER_MESSAGE_LENGTH = CLUSTER_HEADER_LENGTH + DMRD_LENGTH;
export const CLUSTER_OFFSET_HOP = 1;
export const CLUSTER_OFFSET_KIND = 2;
export const CLUSTER_OFFSET_ORIGIN = 4;
export const CLUSTER_OFFSET_SENT = 8;
export const CLUSTER_ALIAS_LENGTH = CLUSTER_HEADER_LENGTH + 16;
export const CLUSTER_ALIAS_OFFSET_STREAM = 12;
export const CLUSTER_ALIAS_OFFSET_SOURCE = 16;
export const CLUSTER_ALIAS_OFFSET_BLOCK = 19;
export const CLUSTER_ALIAS_OFFSET_DATA = 20;
/** TA data bytes per LC (LC bytes 2–8; hbp-and-dmr.md §3.1, DMRA_DATA_BYTES) */
export const CLUSTER_ALIAS_DATA_BYTES = 7;
export const CLUSTER_BRIDGE_LENGTH = CLUSTER_MESSAGE_LENGTH + 4;
export const CLUSTER_BRIDGE_OFFSET_KEY = CLUSTER_MESSAGE_LENGTH;

/** A name as 32 bits: FNV-1a 32 (never 0). A bridge's key on the wire and in its subject; a node's default id. */
export function bridgeKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}

export const enum ClusterKind {
  Group = 0,
  Unit = 1,
  /** a DMRA talker-alias LC of a stream (28 bytes, on the subject of the stream's frames) */
  Alias = 2,
  /** a frame of a configured bridge (71 bytes, on <prefix>.brg.<bridge key>) */
  Bridge = 3,
}

export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 24) & 0xff;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** Write the header for a message this node publishes. */
export function writeClusterHeader(out: Uint8Array, kind: ClusterKind, originNodeId: number, sentMs: number): void {
  out[0] = CLUSTER_WIRE_VERSION;
  out[CLUSTER_OFFSET_HOP] = 1;
  out[CLUSTER_OFFSET_KIND] = kind;
  out[3] = 0;
  writeU32(out, CLUSTER_OFFSET_ORIGIN, originNodeId);
  writeU32(out, CLUSTER_OFFSET_SENT, Math.floor(sentMs) >>> 0);
}

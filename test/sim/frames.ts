/**
 * Synthetic DMRD frames (hbp-and-dmr.md §1.4) for the simulation and the benchmarks. The router
 * must not need valid FEC to route, so voice bursts carry a 32-bit *tag* in the first AMBE bits
 * (payload bytes 0–3, never touched by a TG/slot rewrite, §2.10) that names the ingress frame
 * uniquely; the auditor reads it back from every delivery. Headers and terminators get a valid
 * full LC when a LC encoder is supplied (so a rewriter can decode it), otherwise filler bytes.
 * @module
 */
import {
  CallType,
  DataType,
  DMRD_OFFSET_FLAGS,
  DMRD_OFFSET_REPEATER,
  DMRD_OFFSET_SEQUENCE,
  DMRD_OFFSET_SOURCE,
  DMRD_OFFSET_DESTINATION,
  DMRD_OFFSET_STREAM,
  DMRD_PAYLOAD_OFFSET,
  FrameType,
  dmrdFlags,
  writeUint24,
  writeUint32,
  readUint32,
} from "../../src/wire/dmrd.ts";

export const enum SimFrameKind {
  Header = 0,
  Burst = 1,
  Terminator = 2,
  Csbk = 3,
  DataHeader = 4,
  DataBlock = 5,
}

export interface FrameFields {
  sequence: number;
  sourceId: number;
  destinationId: number;
  repeaterId: number;
  slot: 1 | 2;
  callType: CallType;
  kind: SimFrameKind;
  /** 0..5 for bursts (A..F) */
  voiceIndex: number;
  streamId: number;
  /** unique frame tag (voice bursts: payload bytes 0–3; data: payload bytes 0–3 too) */
  tag: number;
  /** data block type: Rate12Data / Rate34Data / Rate1Data */
  blockType?: DataType;
}

/** Encodes a 33-byte payload for a voice LC header / terminator (valid FEC), if available. */
export type LcPayloadEncoder = (
  out: Uint8Array,
  kind: "header" | "terminator",
  callType: CallType,
  sourceId: number,
  destinationId: number,
) => void;

/** Write a 55-byte DMRD for `f` into `out` (length ≥ 55). */
export function writeFrame(out: Uint8Array, f: FrameFields, lc: LcPayloadEncoder | null = null): void {
  out[0] = 0x44;
  out[1] = 0x4d;
  out[2] = 0x52;
  out[3] = 0x44;
  out[DMRD_OFFSET_SEQUENCE] = f.sequence & 0xff;
  writeUint24(out, DMRD_OFFSET_SOURCE, f.sourceId);
  writeUint24(out, DMRD_OFFSET_DESTINATION, f.destinationId);
  writeUint32(out, DMRD_OFFSET_REPEATER, f.repeaterId);
  let frameType: FrameType;
  let dataType: number;
  switch (f.kind) {
    case SimFrameKind.Header:
      frameType = FrameType.DataSync;
      dataType = DataType.VoiceLcHeader;
      break;
    case SimFrameKind.Terminator:
      frameType = FrameType.DataSync;
      dataType = DataType.TerminatorWithLc;
      break;
    case SimFrameKind.Burst:
      frameType = f.voiceIndex === 0 ? FrameType.VoiceSync : FrameType.Voice;
      dataType = f.voiceIndex;
      break;
    case SimFrameKind.Csbk:
      frameType = FrameType.DataSync;
      dataType = DataType.Csbk;
      break;
    case SimFrameKind.DataHeader:
      frameType = FrameType.DataSync;
      dataType = DataType.DataHeader;
      break;
    case SimFrameKind.DataBlock:
      frameType = FrameType.DataSync;
      dataType = f.blockType ?? DataType.Rate12Data;
      break;
  }
  out[DMRD_OFFSET_FLAGS] = dmrdFlags(f.slot, f.callType, frameType, dataType);
  writeUint32(out, DMRD_OFFSET_STREAM, f.streamId);
  const p = DMRD_PAYLOAD_OFFSET;
  if ((f.kind === SimFrameKind.Header || f.kind === SimFrameKind.Terminator) && lc !== null) {
    lc(out.subarray(p, p + 33), f.kind === SimFrameKind.Header ? "header" : "terminator", f.callType, f.sourceId, f.destinationId);
  } else {
    // Deterministic filler derived from the tag: the auditor can recompute it.
    fillPayload(out, f.tag);
  }
  out[53] = 0; // BER
  out[54] = 0x39; // RSSI −57 dBm
}

/** Payload bytes from a tag: bytes 0–3 the tag, the rest a cheap hash of it. */
export function fillPayload(out: Uint8Array, tag: number): void {
  const p = DMRD_PAYLOAD_OFFSET;
  writeUint32(out, p, tag);
  let x = (tag ^ 0x9e3779b9) >>> 0;
  for (let i = 4; i < 33; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    out[p + i] = x & 0xff;
  }
}

export function readTag(bytes: Uint8Array): number {
  return readUint32(bytes, DMRD_PAYLOAD_OFFSET);
}

/** True when payload bytes 4..32 are exactly what fillPayload(tag) wrote (data untouched). */
export function payloadMatchesTag(bytes: Uint8Array, tag: number): boolean {
  const p = DMRD_PAYLOAD_OFFSET;
  if (readUint32(bytes, p) !== tag) return false;
  let x = (tag ^ 0x9e3779b9) >>> 0;
  for (let i = 4; i < 33; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    if (bytes[p + i] !== (x & 0xff)) return false;
  }
  return true;
}

/** AMBE bits of a voice burst: bits 0–107 and 156–263 (hbp-and-dmr.md §2.1); bytes 0–12 hold bits 0–103. */
export function ambePrefixMatches(bytes: Uint8Array, tag: number, scratch: Uint8Array): boolean {
  fillPayload(scratch, tag);
  const p = DMRD_PAYLOAD_OFFSET;
  for (let i = 0; i < 13; i++) if (bytes[p + i] !== scratch[p + i]) return false;
  // bits 156–263 are bytes 20 (low nibble) … 32
  if ((bytes[p + 19]! & 0x0f) !== (scratch[p + 19]! & 0x0f)) return false;
  for (let i = 20; i < 33; i++) if (bytes[p + i] !== scratch[p + i]) return false;
  return true;
}

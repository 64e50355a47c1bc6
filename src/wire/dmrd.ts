/**
 * DMRD: the HomeBrew voice/data frame (hbp-and-dmr.md §1.4). 55 bytes on the wire from MMDVM
 * clients; 53 bytes (no BER/RSSI) are tolerated on receive. Frames leaving freedmr are always 55
 * bytes: a current DMRGateway silently drops anything else (interop-notes.md).
 *
 *   0  'DMRD'   4 seq   5 source[3]   8 destination[3]   11 repeater id[4]   15 flags
 *   16 stream id[4]    20 burst[33]    53 BER    54 RSSI
 *
 * Decoding fills a caller-owned DmrdFrame and never allocates; the frame keeps a reference to the
 * datagram so the 33-byte burst can be read in place (payload starts at DMRD_PAYLOAD_OFFSET).
 * @module
 */

export const DMRD_LENGTH = 55;
export const DMRD_SHORT_LENGTH = 53;
export const DMRD_PAYLOAD_OFFSET = 20;
export const DMRD_PAYLOAD_LENGTH = 33;
export const DMRD_OFFSET_SEQUENCE = 4;
export const DMRD_OFFSET_SOURCE = 5;
export const DMRD_OFFSET_DESTINATION = 8;
export const DMRD_OFFSET_REPEATER = 11;
export const DMRD_OFFSET_FLAGS = 15;
export const DMRD_OFFSET_STREAM = 16;
export const DMRD_OFFSET_BER = 53;
export const DMRD_OFFSET_RSSI = 54;

/** Flags byte 15: bit 7 slot (1 = TS2), bit 6 call type (1 = unit), bits 5–4 frame type, bits 3–0 data type / voice sequence. */
export const FLAG_SLOT_TS2 = 0x80;
export const FLAG_CALL_UNIT = 0x40;

export const enum FrameType {
  Voice = 0, // voice bursts B–F, low nibble 1..5
  VoiceSync = 1, // voice burst A, low nibble 0
  DataSync = 2, // low nibble = slot-type data type (§2.2)
}

/** Slot-type data types (ETSI TS 102 361-1 §9.3.6, hbp-and-dmr.md §2.2). */
export const enum DataType {
  PiHeader = 0,
  VoiceLcHeader = 1,
  TerminatorWithLc = 2,
  Csbk = 3,
  MbcHeader = 4,
  MbcContinuation = 5,
  DataHeader = 6,
  Rate12Data = 7,
  Rate34Data = 8,
  Idle = 9,
  Rate1Data = 10,
}

export const enum CallType {
  Group = 0,
  Unit = 1,
}

export const enum DmrdStatus {
  Ok = 0,
  BadLength = 1,
  BadTag = 2,
  BadFrameType = 3,
}

/** A decoded DMRD header, reused from packet to packet. `bytes` is the datagram it came from. */
export class DmrdFrame {
  bytes: Uint8Array = new Uint8Array(0);
  length = 0;
  sequence = 0;
  sourceId = 0;
  destinationId = 0;
  repeaterId = 0;
  /** 1 or 2 */
  slot: 1 | 2 = 1;
  callType: CallType = CallType.Group;
  frameType: FrameType = FrameType.Voice;
  /** data type for DataSync frames; voice sequence (0 = A … 5 = F) for voice frames */
  dataType = 0;
  streamId = 0;
  ber = 0;
  rssi = 0;

  get isVoiceHeader(): boolean {
    return this.frameType === FrameType.DataSync && this.dataType === DataType.VoiceLcHeader;
  }
  get isTerminator(): boolean {
    return this.frameType === FrameType.DataSync && this.dataType === DataType.TerminatorWithLc;
  }
  get isVoiceBurst(): boolean {
    return this.frameType === FrameType.Voice || this.frameType === FrameType.VoiceSync;
  }
  /** Data-call frames: CSBK, data header, data blocks (everything data-sync except voice header/terminator/idle). */
  get isData(): boolean {
    return (
      this.frameType === FrameType.DataSync &&
      this.dataType !== DataType.VoiceLcHeader &&
      this.dataType !== DataType.TerminatorWithLc &&
      this.dataType !== DataType.PiHeader &&
      this.dataType !== DataType.Idle
    );
  }
}

const TAG_D = 0x44;
const TAG_M = 0x4d;
const TAG_R = 0x52;

/** Decode a DMRD datagram (53 or 55 bytes) into `out`. Never throws, never allocates. */
export function decodeDmrd(bytes: Uint8Array, out: DmrdFrame): DmrdStatus {
  const length = bytes.length;
  if (length !== DMRD_LENGTH && length !== DMRD_SHORT_LENGTH) return DmrdStatus.BadLength;
  if (bytes[0] !== TAG_D || bytes[1] !== TAG_M || bytes[2] !== TAG_R || bytes[3] !== TAG_D) return DmrdStatus.BadTag;
  const flags = bytes[DMRD_OFFSET_FLAGS]!;
  const frameType = (flags >>> 4) & 0x03;
  if (frameType === 3) return DmrdStatus.BadFrameType;
  out.bytes = bytes;
  out.length = length;
  out.sequence = bytes[DMRD_OFFSET_SEQUENCE]!;
  out.sourceId = readUint24(bytes, DMRD_OFFSET_SOURCE);
  out.destinationId = readUint24(bytes, DMRD_OFFSET_DESTINATION);
  out.repeaterId = readUint32(bytes, DMRD_OFFSET_REPEATER);
  out.slot = (flags & FLAG_SLOT_TS2) !== 0 ? 2 : 1;
  out.callType = (flags & FLAG_CALL_UNIT) !== 0 ? CallType.Unit : CallType.Group;
  out.frameType = frameType as FrameType;
  out.dataType = flags & 0x0f;
  out.streamId = readUint32(bytes, DMRD_OFFSET_STREAM);
  out.ber = length === DMRD_LENGTH ? bytes[DMRD_OFFSET_BER]! : 0;
  out.rssi = length === DMRD_LENGTH ? bytes[DMRD_OFFSET_RSSI]! : 0;
  return DmrdStatus.Ok;
}

/** Flags byte for the given fields. */
export function dmrdFlags(slot: 1 | 2, callType: CallType, frameType: FrameType, dataType: number): number {
  return (slot === 2 ? FLAG_SLOT_TS2 : 0) | (callType === CallType.Unit ? FLAG_CALL_UNIT : 0) | (frameType << 4) | (dataType & 0x0f);
}

/**
 * Copy a received DMRD (53 or 55 bytes) into a 55-byte egress buffer, padding BER/RSSI with 0 for
 * 53-byte sources. Returns DMRD_LENGTH.
 */
export function copyDmrdTo55(source: Uint8Array, target: Uint8Array): number {
  // A byte loop, not `target.set(source)`: `set` is a call into the runtime, and on the server's
  // packet path (the router stages every received frame with it, delivery.ts) it was one of the
  // larger items of its profile (JSC's sampler, 200 calls × 2 listeners: the `set` line second
  // only to the HBP classification among the frame path's lines; perf: ~130 ns of runtime per
  // datagram). In a tight loop in process `set` measures faster; on the server the loop is no
  // slower and mostly faster (2026-12-06, the streams benchmark with both builds and the relay in
  // the same windows, three runs: 1.15× against 1.17×, 1.15 against 1.16, 1.15 against 1.15).
  const n = source.length >= DMRD_LENGTH ? DMRD_LENGTH : source.length;
  for (let i = 0; i < n; i++) target[i] = source[i]!;
  for (let i = n; i < DMRD_LENGTH; i++) target[i] = 0;
  return DMRD_LENGTH;
}

export function readUint24(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

export function writeUint24(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 16) & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = value & 0xff;
}

export function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/**
 * 32-bit words of an egress pair: slot 1's 55-byte DMRD at word 0, slot 2's at word
 * DMRD_WORDS_TS2 (byte 56); each 4-byte aligned so a frame is copied in 14 word stores.
 */
export const DMRD_WORDS = 14;
export const DMRD_WORDS_TS2 = DMRD_WORDS;

/**
 * A 4-byte-aligned staging copy of the DMRD being delivered: `bytes` (55) over `words` (14; the
 * 56th byte is padding, always 0). The router copies each inbound frame here once and from here
 * into every target's egress words (copyDmrdWords): 14 aligned loads and stores per target,
 * about half the cost of a `Uint8Array.prototype.set` of 55 bytes (bench/frame_path_cpu.bench.ts).
 */
export class DmrdStage {
  readonly words = new Int32Array(DMRD_WORDS);
  readonly bytes = new Uint8Array(this.words.buffer, 0, DMRD_LENGTH);
}

/** Copy the staged frame into `target` from word `at` (0: slot 1's buffer, DMRD_WORDS_TS2: slot 2's). */
export function copyDmrdWords(stage: Int32Array, target: Int32Array, at: number): void {
  target[at] = stage[0]!;
  target[at + 1] = stage[1]!;
  target[at + 2] = stage[2]!;
  target[at + 3] = stage[3]!;
  target[at + 4] = stage[4]!;
  target[at + 5] = stage[5]!;
  target[at + 6] = stage[6]!;
  target[at + 7] = stage[7]!;
  target[at + 8] = stage[8]!;
  target[at + 9] = stage[9]!;
  target[at + 10] = stage[10]!;
  target[at + 11] = stage[11]!;
  target[at + 12] = stage[12]!;
  target[at + 13] = stage[13]!;
}

/** Typed-array words are little-endian here (x64, arm64): copyDmrdWordsStamped packs bytes 11–15 into words 2–3. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * copyDmrdWords with the receiving peer's repeater id in bytes 11–14 and `flags` in byte 15
 * (hbp-and-dmr.md §1.4): what copy + flags byte + writeUint32(…, DMRD_OFFSET_REPEATER, id) give,
 * with words 2 (bytes 8–11) and 3 (bytes 12–15) computed over the copied ones.
 */
export function copyDmrdWordsStamped(stage: Int32Array, target: Int32Array, at: number, repeaterId: number, flags: number): void {
  copyDmrdWords(stage, target, at);
  // byte 11: the id's top byte; bytes 12–14 the rest of it (big-endian on the wire); byte 15 the flags
  if (LITTLE_ENDIAN) {
    target[at + 2] = (stage[2]! & 0x00ffffff) | (repeaterId & 0xff000000);
    target[at + 3] = ((repeaterId >>> 16) & 0xff) | (repeaterId & 0xff00) | ((repeaterId & 0xff) << 16) | (flags << 24);
  } else {
    target[at + 2] = (stage[2]! & ~0xff) | (repeaterId >>> 24);
    target[at + 3] = (repeaterId << 8) | flags;
  }
}

/**
 * Duplicate control inside a stream (freedmr-reference.md §2.5 item 5): repeated or stale sequence
 * numbers, identical consecutive frames, repeated headers; lost frames are counted.
 * @module
 */
import { DataType, DMRD_OFFSET_FLAGS, DMRD_PAYLOAD_LENGTH, DMRD_PAYLOAD_OFFSET, FrameType, type DmrdFrame } from "../../../wire/dmrd.ts";
import type { Stream } from "../state.ts";
import type { RouterContext } from "../router_context.ts";

/**
 * A frame's tail as compared: DMRD bytes 15–52 (flags, stream id, payload; hbp-and-dmr.md §1.4).
 * The stream record keeps the flags byte of its last accepted frame (Stream.lastFlags) and a 32-bit
 * hash of bytes 16–52 (Stream.lastTailHash, `tailHash`), written by every accepted frame into the
 * record it writes anyway. Until 2026-12-06 it kept a copy of the 38 bytes in a row of its own: a
 * 38-step byte loop and another cache line per frame.
 * The hash is compared only when the flags byte is the last accepted frame's (for voice: the same
 * frame again, or the same burst of a later superframe after lost frames); two different tails
 * then pass as one with probability 2^-32.
 */
const TAIL_FIRST = DMRD_OFFSET_FLAGS + 1;
const TAIL_END = DMRD_PAYLOAD_OFFSET + DMRD_PAYLOAD_LENGTH;

/**
 * Duplicate control inside a stream (freedmr-reference.md §2.5 item 5). A repeated header (next
 * sequence number, header again) is not routed, but it is the sender still on air: it keeps the
 * stream from ending by silence, so the session's own transmission keeps its slot.
 */
export function acceptInStream(ctx: RouterContext, nowMs: number, stream: Stream, frame: DmrdFrame): boolean {
  const stats = ctx.stats;
  const bytes = frame.bytes;
  const delta = (frame.sequence - stream.lastSequence) & 0xff;
  // repeated sequence number, or the same frame again (consecutive voice frames always differ in
  // their flags; data blocks may legitimately repeat content, so for them only the sequence counts).
  // The flags byte is compared first, from the stream record: the tail is hashed only when it
  // matches (a duplicate, or the same burst after lost frames), not for every frame.
  if (delta === 0 || (frame.frameType !== FrameType.DataSync && bytes[DMRD_OFFSET_FLAGS] === stream.lastFlags && tailHash(bytes) === stream.lastTailHash)) {
    stats.droppedDuplicate++;
    return false;
  }
  if (delta >= 128) {
    stats.droppedStale++;
    return false;
  } else if (delta > 1) {
    stream.lost += delta - 1;
    stats.framesLost += delta - 1;
  }
  if (frame.frameType === FrameType.DataSync) {
    const dt = frame.dataType;
    if ((dt === DataType.VoiceLcHeader || dt === DataType.PiHeader) && stream.sawHeader) {
      stream.lastSequence = frame.sequence;
      stream.lastFrameAtMs = nowMs;
      stats.droppedDuplicate++;
      return false;
    }
  }
  return true;
}

/**
 * 32-bit hash of DMRD bytes 16–52 (stream id, payload): murmur3's steps and constants, four bytes
 * a word, the last byte alone. Each step is a bijection of the state, so frames that differ in one
 * word (one byte, one bit) always hash apart; int32 throughout (`| 0`), so the JIT keeps to integers.
 */
export function tailHash(bytes: Uint8Array): number {
  let h = 0x9747b28c | 0;
  let i = TAIL_FIRST;
  for (; i + 4 <= TAIL_END; i += 4) {
    let w = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    w = Math.imul(w, 0xcc9e2d51);
    w = Math.imul((w << 15) | (w >>> 17), 0x1b873593);
    h ^= w;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  for (; i < TAIL_END; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/** Keep what the identical-frame check needs of the stream's accepted frame: its flags byte and its tail's hash. */
export function rememberTail(stream: Stream, bytes: Uint8Array): void {
  stream.lastFlags = bytes[DMRD_OFFSET_FLAGS]!;
  stream.lastTailHash = tailHash(bytes);
}

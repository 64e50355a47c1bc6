/**
 * Duplicate control inside a stream (freedmr-reference.md §2.5 item 5): repeated or stale sequence
 * numbers, identical consecutive frames, repeated headers; lost frames are counted.
 * @module
 */
import { DataType, DMRD_OFFSET_FLAGS, DMRD_PAYLOAD_LENGTH, DMRD_PAYLOAD_OFFSET, FrameType, type DmrdFrame } from "../../../wire/dmrd.ts";
import type { Stream } from "../state.ts";
import type { RouterContext } from "../router_context.ts";
import { assert } from "../../../lib/assert.ts";
import { TAIL_STRIDE } from "../slot_table.ts";

/** A frame's tail as compared: DMRD bytes 15–52 (flags, stream id, payload; hbp-and-dmr.md §1.4), 38 bytes. */
const TAIL_LENGTH = DMRD_PAYLOAD_OFFSET + DMRD_PAYLOAD_LENGTH - DMRD_OFFSET_FLAGS;
assert(TAIL_LENGTH <= TAIL_STRIDE, "a stream's stored tail fits its stride in StreamRegistry.tails");

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
  // The flags byte is compared first, from the stream record: the stored tail is read only when
  // it matches (a duplicate), not for every frame.
  if (delta === 0 || (frame.frameType !== FrameType.DataSync && bytes[DMRD_OFFSET_FLAGS] === stream.lastFlags && sameTail(ctx.streamRegistry.tails, stream.recordNumber * TAIL_STRIDE, bytes))) {
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

/** DMRD bytes 15–52 (flags, stream id, payload) equal to the copy stored at `at`. */
export function sameTail(tails: Uint8Array, at: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < TAIL_LENGTH; i++) if (tails[at + i] !== bytes[DMRD_OFFSET_FLAGS + i]) return false;
  return true;
}

/** Keep DMRD bytes 15–52 of the stream's accepted frame for the identical-frame check (and its flags byte in the record). */
export function copyTail(ctx: RouterContext, stream: Stream, bytes: Uint8Array): void {
  const tails = ctx.streamRegistry.tails;
  const at = stream.recordNumber * TAIL_STRIDE;
  for (let i = 0; i < TAIL_LENGTH; i++) tails[at + i] = bytes[DMRD_OFFSET_FLAGS + i]!;
  stream.lastFlags = bytes[DMRD_OFFSET_FLAGS]!;
}

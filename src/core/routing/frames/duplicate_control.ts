/**
 * Duplicate control inside a stream (freedmr-reference.md §2.5 item 5): repeated or stale sequence
 * numbers, identical consecutive frames, repeated headers; lost frames are counted.
 * @module
 */
import { DataType, FrameType, type DmrdFrame } from "../../../wire/dmrd.ts";
import type { Stream } from "../state.ts";
import type { RouterContext } from "../router_context.ts";

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
  // their flags; data blocks may legitimately repeat content, so for them only the sequence counts)
  if (delta === 0 || (frame.frameType !== FrameType.DataSync && sameTail(stream.lastBytes, bytes))) {
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

/** DMRD bytes 15–52 (flags, stream id, payload) equal to the stored copy. */
export function sameTail(stored: Uint8Array, bytes: Uint8Array): boolean {
  for (let i = 0; i < 38; i++) if (stored[i] !== bytes[15 + i]) return false;
  return true;
}

/** Keep DMRD bytes 15–52 of the accepted frame for the identical-frame check. */
export function copyTail(stored: Uint8Array, bytes: Uint8Array): void {
  for (let i = 0; i < 38; i++) stored[i] = bytes[15 + i]!;
}

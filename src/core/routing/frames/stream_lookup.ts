/**
 * Which stream a frame belongs to: one stream per slot for hotspots and upstream links (DMR+ header
 * ids, stream id 0, data calls with an id per CSBK), by stream id for OpenBridge trunks; and which
 * frames may open a stream.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { DataType, FrameType, type DmrdFrame } from "../../../wire/dmrd.ts";
import type { PortState, Stream } from "../state.ts";
import type { RouterContext } from "../router_context.ts";
import { isDataStart } from "../streams/stream_table.ts";
import { slotKey } from "../slot_table.ts";

/** Hotspot / upstream: one stream per slot. */
export function findSlotStream(ctx: RouterContext, ps: PortState, slot: Slot, frame: DmrdFrame): Stream | null {
  const cur = ctx.slots.rx(slotKey(ps.index, slot));
  if (cur === null) return null;
  const sameParties = frame.sourceId === cur.sourceId && frame.destinationId === cur.destinationId;
  if (frame.streamId === cur.currentStreamId && sameParties) {
    // stream id 0 (BrandMeister): a header after voice is a new call (unless it is an older
    // frame of this one, reordered on the way: the sending slot numbers its packets)
    if (frame.streamId === 0 && cur.sawVoice && frame.frameType === FrameType.DataSync && frame.dataType === DataType.VoiceLcHeader && !olderInStream(cur, frame)) return null;
    return cur;
  }
  if (sameParties && frame.callType === cur.callType && frame.frameType !== FrameType.DataSync) {
    // DMR+: the voice carries the id of the last of the repeated headers; when that header was
    // lost the voice still belongs to the call its earlier headers opened
    if (!cur.data && !cur.sawVoice && cur.sawHeader) {
      cur.currentStreamId = frame.streamId;
      return cur;
    }
    return null;
  }
  if (sameParties && frame.callType === cur.callType && frame.frameType === FrameType.DataSync) {
    const dt = frame.dataType;
    // data call: every CSBK and data header carries a new stream id (hbp-and-dmr.md §3.3)
    if (cur.data && (dt === DataType.Csbk || dt === DataType.DataHeader)) {
      cur.currentStreamId = frame.streamId;
      return cur;
    }
    // DMR+: a new stream id per repeated voice header; one that arrives after the voice but is
    // older than it was reordered on the way and still belongs to this call (dropped as stale)
    if (!cur.data && (dt === DataType.VoiceLcHeader || dt === DataType.PiHeader)) {
      if (!cur.sawVoice) {
        cur.currentStreamId = frame.streamId;
        return cur;
      }
      if (olderInStream(cur, frame)) return cur;
    }
  }
  return null;
}

/** OpenBridge: many streams per slot, found by stream id. */
export function findTrunkStream(ctx: RouterContext, ps: PortState, slot: Slot, frame: DmrdFrame): Stream | null {
  for (let s: Stream | null = ctx.byStreamId.get(frame.streamId) ?? null; s !== null; s = s.nextSameId) {
    if (s.ps === ps && s.slot === slot && s.sourceId === frame.sourceId && s.destinationId === frame.destinationId) return s;
  }
  return null;
}

/** The frame's sequence number is not newer than the stream's last (hbp-and-dmr.md §1.4: +1 per packet of the sending slot). */
export function olderInStream(stream: Stream, frame: DmrdFrame): boolean {
  const delta = (frame.sequence - stream.lastSequence) & 0xff;
  return delta === 0 || delta >= 128;
}

/** Frames that may open a stream: voice header, PI header, a voice burst (late entry), CSBK, data/MBC header. */
export function startsStream(frame: DmrdFrame): boolean {
  if (frame.frameType !== FrameType.DataSync) return true;
  const dt = frame.dataType;
  return dt === DataType.VoiceLcHeader || dt === DataType.PiHeader || isDataStart(dt);
}

/**
 * The per-packet path: find the frame's stream (or start one), duplicate control, then process it
 * (maximum duration, hang, LC observation, parrot recording, delivery, end of call/data).
 * Allocation-free.
 * @module
 */
import type { RouterPort, Slot } from "../../router_port.ts";
import { DataType, FrameType, type CallType, type DmrdFrame } from "../../../wire/dmrd.ts";
import { csbkIsPreamble, dataHeaderBlocksToFollow } from "../streams/data_call.ts";
import type { PortState, Stream } from "../state.ts";
import { deliver } from "./delivery.ts";
import { acceptInStream, rememberTail } from "./duplicate_control.ts";
import { livePort } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { publishStreamAlias } from "../router_events.ts";
import { cutStream, endStream } from "../streams/stream_end.ts";
import { findSlotStream, findTrunkStream, startsStream } from "./stream_lookup.ts";
import { startStream } from "../streams/stream_start.ts";

/** onFrame: one DMRD frame from a port. */
export function routeFrame(ctx: RouterContext, nowMs: number, port: RouterPort, frame: DmrdFrame): void {
  const stats = ctx.stats;
  stats.framesIn++;
  const ps = livePort(ctx, port);
  if (ps === null) {
    stats.droppedUnknownPort++;
    return;
  }
  const slot: Slot = port.simplex ? 2 : frame.slot;
  let stream = ps.trunk ? findTrunkStream(ctx, ps, slot, frame) : findSlotStream(ctx, ps, slot, frame);
  if (stream === null) {
    if (!startsStream(frame)) {
      stats.droppedOrphan++;
      return;
    }
    stream = startStream(ctx, nowMs, ps, slot, frame);
    if (stream === null || stream.refused) return; // counted by reason in startStream
  } else {
    if (stream.refused) {
      stream.lastFrameAtMs = nowMs;
      if (stream.cut) stats.droppedMaxDuration++;
      else stats.droppedRefused++;
      return;
    }
    if (!acceptInStream(ctx, nowMs, stream, frame)) return;
  }
  processFrame(ctx, nowMs, ps, stream, frame);
}

/** An accepted frame of a routed stream: bookkeeping, hang, LC, parrot recording, delivery, then whether the call ended. */
export function processFrame(ctx: RouterContext, nowMs: number, ps: PortState, stream: Stream, frame: DmrdFrame): void {
  if (nowMs - stream.startedAtMs > ctx.options.maxStreamMs) {
    ctx.stats.droppedMaxDuration++;
    cutStream(ctx, nowMs, stream);
    return;
  }
  stream.frames++;
  stream.lastFrameAtMs = nowMs;
  stream.lastSequence = frame.sequence;
  // the hang its slots are left with, and their last delivery, when it lets them go (slot_table.ts)
  stream.routedAtMs = nowMs;
  stream.routedHangUntilMs = nowMs + ctx.options.hangTimeMs;
  rememberTail(stream, frame.bytes);
  const frameType = frame.frameType;
  const dataType = frame.dataType;
  if (frameType !== FrameType.DataSync) stream.sawVoice = true;
  else if (dataType === DataType.VoiceLcHeader || dataType === DataType.PiHeader) stream.sawHeader = true;
  // A terminator's LC is only wanted by the stream's rewrites (re-prepared when it changed, for
  // the terminator they send): the stream ends with this frame, and without rewrites nothing
  // reads what it would teach (a BPTC(196,96) decode per call saved).
  const lcWanted = stream.rewriteCount !== 0 || frameType !== FrameType.DataSync || dataType !== DataType.TerminatorWithLc;
  if (lcWanted && stream.sourceLc.observe(frame)) {
    for (let r = 0; r < stream.rewriteCount; r++) {
      stream.rewrites[r]!.prepare(stream.sourceLc, stream.rewriteDestinations[r]!, stream.rewriteCallTypes[r]! as CallType);
    }
  }
  // the talker alias while the call is in progress (once per call; dashboards show it live)
  if (!stream.aliasPublished && !stream.silent && stream.sourceLc.talkerAliasComplete) {
    stream.aliasPublished = true;
    publishStreamAlias(ctx, nowMs, stream);
  }
  if (stream.parrotIndex >= 0) {
    const rec = ctx.recordings[stream.parrotIndex]!;
    if (!rec.record(frame.bytes) && !rec.truncated) {
      rec.truncated = true;
      ctx.stats.parrotTruncated++;
    }
  }
  const ta = stream.talkerAlias;
  if (ta !== null && ta.active) {
    ta.observe(frame);
    if (ta.yielded) {
      ta.stop(); // the radio sends its own alias (or GPS): never overwrite it
      ctx.stats.talkerAliasYielded++;
    }
  }
  deliver(ctx, nowMs, stream, frame);
  if (frameType === FrameType.DataSync) {
    if (dataType === DataType.TerminatorWithLc) {
      endStream(ctx, nowMs, stream, "terminator");
    } else if (stream.data) {
      if (dataType === DataType.Csbk) {
        if (csbkIsPreamble(frame.bytes) !== 1) endStream(ctx, nowMs, stream, "data-complete");
      } else if (dataType === DataType.DataHeader) {
        const blocks = dataHeaderBlocksToFollow(frame.bytes);
        stream.blocksRemaining = blocks;
        if (blocks === 0) endStream(ctx, nowMs, stream, "data-complete");
      } else if (dataType === DataType.Rate12Data || dataType === DataType.Rate34Data || dataType === DataType.Rate1Data) {
        if (stream.blocksRemaining > 0 && --stream.blocksRemaining === 0) endStream(ctx, nowMs, stream, "data-complete");
      }
    }
  }
}

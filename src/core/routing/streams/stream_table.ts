/**
 * The stream table: take a stream record from the pool and register it (active list, stream-id
 * chain) at its first frame, as a voice or a data call (CSBK, data or MBC header).
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { DataType, FrameType, type DmrdFrame } from "../../../wire/dmrd.ts";
import type { PortState, Stream } from "../state.ts";
import type { RouterContext } from "../router_context.ts";

/** Stream records made at start-up and added per growth step (at least; the pool doubles), router_context.ts. */
export const STREAM_POOL_STEP = 64;

/** A free stream record (the pool grows by a step when empty, router_context.ts), null when the table is full. */
export function allocStream(ctx: RouterContext): Stream | null {
  if (ctx.streamPool.length === 0) ctx.growStreamPool();
  return ctx.streamPool.pop() ?? null;
}

/** Fill a pooled record from the first frame and register it (active list, stream-id chain). */
export function initStream(ctx: RouterContext, nowMs: number, stream: Stream, ps: PortState, slot: Slot, frame: DmrdFrame): void {
  stream.serial = ++ctx.streamSerial;
  stream.active = true;
  stream.ps = ps;
  stream.port = ps.port;
  stream.slot = slot;
  stream.wireSlot = frame.slot;
  stream.streamId = frame.streamId;
  stream.currentStreamId = frame.streamId;
  stream.sourceId = frame.sourceId;
  stream.destinationId = frame.destinationId;
  stream.callType = frame.callType;
  stream.hangDestinationId = frame.destinationId;
  stream.hangCallType = frame.callType;
  stream.data = frame.frameType === FrameType.DataSync && isDataStart(frame.dataType);
  stream.startedAtMs = nowMs;
  stream.lastFrameAtMs = nowMs;
  stream.frames = 0;
  stream.lost = 0;
  stream.lastSequence = (frame.sequence - 1) & 0xff;
  stream.lastFlags = -1;
  stream.routedAtMs = Number.NEGATIVE_INFINITY;
  stream.portName = "";
  stream.sawHeader = false;
  stream.sawVoice = false;
  stream.refused = false;
  stream.silent = false;
  stream.cut = false;
  stream.aliasPublished = false;
  stream.blocksRemaining = -1;
  stream.parrotIndex = -1;
  stream.clearTargets();
  stream.rewriteCount = 0;
  stream.conferenceCount = 0;
  stream.bridgeTrunk = null;
  stream.sourceLc.reset(frame);
  stream.sideAlias.reset();
  // register: active list and the stream-id chain
  stream.activePosition = ctx.active.length;
  ctx.active.push(stream);
  const head = ctx.byStreamId.get(stream.streamId);
  stream.nextSameId = head ?? null;
  ctx.byStreamId.set(stream.streamId, stream);
  ctx.stats.streamsStarted++;
}

/** CSBK, data header and MBC header open a data call. */
export function isDataStart(dataType: number): boolean {
  return dataType === DataType.Csbk || dataType === DataType.DataHeader || dataType === DataType.MbcHeader;
}

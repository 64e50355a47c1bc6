/**
 * A stream ends (terminator, data complete, silence, superseded, port down) or is cut at the maximum
 * duration: publish, release its slots, unregister, remember it as finished (loop control).
 * @module
 */
import { FinishReason } from "./finished_streams.ts";
import type { Stream } from "../state.ts";
import { endRecording } from "../features/parrot_playback.ts";
import type { RouterContext } from "../router_context.ts";
import { publishStreamEnd, type StreamEndReason } from "../router_events.ts";
import { releaseTargets } from "./stream_targets.ts";
import { slotKey } from "../slot_table.ts";

/** End a stream: publish, release its slots, unregister, remember it as finished, hand a parrot recording over to playback. */
export function endStream(ctx: RouterContext, nowMs: number, stream: Stream, endedBy: StreamEndReason): void {
  if (!stream.active) return;
  if (!stream.silent) publishStreamEnd(ctx, nowMs, stream, endedBy);
  releaseTargets(ctx, stream);
  const ps = stream.ps!;
  if (!ps.trunk) {
    const k = slotKey(ps.index, stream.slot);
    if (ctx.slots.rx(k) === stream) ctx.slots.setRx(k, null);
  }
  if (!stream.refused && ps.up) ctx.subscribers.learn(nowMs, stream.sourceId, ps.port!, stream.slot);
  // unregister
  const last = ctx.active.pop()!;
  if (last !== stream) {
    ctx.active[stream.activePosition] = last;
    last.activePosition = stream.activePosition;
  }
  stream.activePosition = -1;
  const head = ctx.byStreamId.get(stream.streamId);
  if (head === stream) {
    if (stream.nextSameId === null) ctx.byStreamId.delete(stream.streamId);
    else ctx.byStreamId.set(stream.streamId, stream.nextSameId);
  } else {
    for (let s: Stream | null = head ?? null; s !== null; s = s.nextSameId) {
      if (s.nextSameId === stream) {
        s.nextSameId = stream.nextSameId;
        break;
      }
    }
  }
  stream.nextSameId = null;
  // a refused copy was never routed: the original's record is the one to remember; a stream cut
  // at the maximum duration is remembered again now the sender has stopped (its late frames and
  // copies stay dropped for the full memory time)
  if (!stream.refused) rememberFinished(ctx, nowMs, stream, finishReasonOf(endedBy));
  // stream id 0 names no stream: its late copies are recognised by (port, slot, parties, sequence)
  if (!ps.trunk && stream.currentStreamId === 0 && endedBy === "terminator") ctx.zeroIdEnds.remember(ps.index * 2 + stream.slot - 1, stream.sourceId, stream.destinationId, stream.lastSequence, nowMs);
  else if (stream.cut) rememberFinished(ctx, nowMs, stream, FinishReason.MaxDuration);
  endRecording(ctx, nowMs, stream, endedBy);
  stream.active = false;
  stream.ps = null;
  stream.port = null;
  stream.clearTargets();
  if (!stream.refused) ctx.stats.streamsEnded++;
  ctx.streamPool.push(stream);
}

/**
 * Maximum duration (freedmr-reference.md §2.5 item 3): the stream stops being routed — its end is
 * published, its targets released, it is remembered as finished — but it stays its slot's own
 * transmission, dropping its frames, until the sender stops (terminator or silence): the slot's
 * own transmission keeps winning while it continues.
 */
export function cutStream(ctx: RouterContext, nowMs: number, stream: Stream, endedBy: StreamEndReason = "max-duration"): void {
  if (!stream.active || stream.refused) return;
  if (!stream.silent) publishStreamEnd(ctx, nowMs, stream, endedBy);
  releaseTargets(ctx, stream);
  stream.clearTargets();
  rememberFinished(ctx, nowMs, stream, FinishReason.MaxDuration);
  endRecording(ctx, nowMs, stream, "max-duration");
  stream.refused = true;
  stream.silent = true;
  stream.cut = true;
  ctx.stats.streamsEnded++;
}

/** Loop control memory: the stream id (and its latest id, DMR+/data) finished on this port. */
export function rememberFinished(ctx: RouterContext, nowMs: number, stream: Stream, reason: FinishReason): void {
  const ps = stream.ps!;
  ctx.finished.remember(nowMs, stream.streamId, stream.sourceId, ps.index, reason);
  if (stream.currentStreamId !== stream.streamId) ctx.finished.remember(nowMs, stream.currentStreamId, stream.sourceId, ps.index, reason);
}

/** How a stream.end reason is remembered by loop control. */
export function finishReasonOf(endedBy: StreamEndReason): FinishReason {
  switch (endedBy) {
    case "terminator":
      return FinishReason.Terminator;
    case "timeout":
      return FinishReason.Timeout;
    case "max-duration":
      return FinishReason.MaxDuration;
    case "data-complete":
      return FinishReason.DataComplete;
    default:
      return FinishReason.Other;
  }
}

/**
 * Periodic work (onTick): silent streams end, over-long streams are cut, housekeeping (subscription
 * timers, subscriber TTL) and parrot playback pacing.
 * @module
 */
import { parrotTick } from "./features/parrot_playback.ts";
import type { RouterContext } from "./router_context.ts";
import { cutStream, endStream } from "./streams/stream_end.ts";
import { expireTimers } from "./subscriptions/subscription_timers.ts";
import { announcementTick } from "./voice/announcements.ts";
import { identTick } from "./voice/ident.ts";

/** Housekeeping (timers in minutes, subscriber TTL) runs at most this often. */
const HOUSEKEEPING_INTERVAL_MS = 500;

/** onTick: streams silent too long end, over-long ones are cut; housekeeping every HOUSEKEEPING_INTERVAL_MS; parrot pacing. */
export function runTick(ctx: RouterContext, nowMs: number): void {
  const o = ctx.options;
  ctx.tickCount++;
  if (nowMs >= ctx.nextStreamCheckMs || ctx.streamCheckOptions !== o) checkStreams(ctx, nowMs);
  if (nowMs >= ctx.nextHousekeepingMs) {
    ctx.nextHousekeepingMs = nowMs + HOUSEKEEPING_INTERVAL_MS;
    expireTimers(ctx, nowMs);
    ctx.subscribers.trim(nowMs);
    if (ctx.announcements.length > 0) identTick(ctx, nowMs);
  }
  // playbacks and announcements act only on records in use (pacedInUse counts them): no scan of
  // the idle pools on the ticks of a server whose calls are all ordinary ones
  if (ctx.pacedInUse > 0) {
    if (ctx.recordings.length > 0) parrotTick(ctx, nowMs);
    if (ctx.announcements.length > 0) announcementTick(ctx, nowMs);
  }
}

/**
 * Whether the shell should tick fast (every ~25 ms): a stream is active (its silence ends it
 * within 360 ms), or a parrot playback or an announcement is being paced (one burst per 60 ms).
 * Housekeeping (every HOUSEKEEPING_INTERVAL_MS) is fine at the idle rate.
 */
export function wantsFastTick(ctx: RouterContext): boolean {
  return ctx.active.length > 0 || ctx.pacedInUse > 0;
}

/**
 * Streams silent too long end, over-long ones are cut; then the earliest moment any of them could
 * (nextStreamCheckMs), so the ticks in between skip the scan — with 200 calls it visited 8,000
 * stream records a second, each out of the CPU cache. The bound holds for streams that start or
 * get frames meanwhile too: a frame at time t puts that stream's deadlines at or after t + the
 * shortest of the timeouts, never before the bound computed here.
 */
function checkStreams(ctx: RouterContext, nowMs: number): void {
  const o = ctx.options;
  let next = nowMs + Math.min(o.streamTimeoutMs, o.dataTimeoutMs, o.maxStreamMs);
  for (let i = ctx.active.length - 1; i >= 0; i--) {
    const stream = ctx.active[i];
    if (stream === undefined) continue;
    const silence = stream.data ? o.dataTimeoutMs : o.streamTimeoutMs;
    if (nowMs - stream.lastFrameAtMs > silence) {
      endStream(ctx, nowMs, stream, "timeout");
      continue;
    }
    if (!stream.refused && nowMs - stream.startedAtMs > o.maxStreamMs) cutStream(ctx, nowMs, stream);
    const silentAt = stream.lastFrameAtMs + silence;
    if (silentAt < next) next = silentAt;
    if (!stream.refused && stream.startedAtMs + o.maxStreamMs < next) next = stream.startedAtMs + o.maxStreamMs;
  }
  ctx.nextStreamCheckMs = next;
  ctx.streamCheckOptions = o;
}

/**
 * Parrot (freedmr-reference.md §1.11): record a call to the parrot TG, then play it back to the
 * caller's slot one frame per tick, paced, as an internal stream with a new stream id.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { CallType, DMRD_OFFSET_FLAGS, DMRD_OFFSET_REPEATER, DMRD_OFFSET_STREAM, FLAG_SLOT_TS2, writeUint32 } from "../../../wire/dmrd.ts";
import { RecordingState, type Recording } from "./parrot.ts";
import type { PortState, Stream } from "../state.ts";
import { canTake } from "../frames/contention.ts";
import type { RouterContext } from "../router_context.ts";
import { publish, type StreamEndReason } from "../router_events.ts";
import { slotKey } from "../slot_table.ts";

/** A parrot playback waits at most this long for the caller's slot to become free. */
const PARROT_MAX_WAIT_MS = 60_000;

/** A call to the parrot TG from a hotspot: record it in a free recording slot (counted when none is free). */
export function startRecording(ctx: RouterContext, nowMs: number, stream: Stream, ps: PortState, slot: Slot): void {
  let rec: Recording | null = null;
  for (const r of ctx.recordings) {
    if (r.state === RecordingState.Free) {
      rec = r;
      break;
    }
  }
  if (rec === null) {
    ctx.stats.parrotRefused++;
    return;
  }
  void nowMs;
  if (rec.state === RecordingState.Free) ctx.pacedInUse++;
  rec.state = RecordingState.Recording;
  rec.ps = ps;
  rec.port = ps.port;
  rec.begin(stream.sourceId, ctx.options.parrot.talkgroupId, slot, ps.port!.repeaterId);
  stream.parrotIndex = rec.index;
}

/** The stream was a parrot recording: it waits for playback, or is freed when there is nothing to play. */
export function endRecording(ctx: RouterContext, nowMs: number, stream: Stream, endedBy: StreamEndReason): void {
  if (stream.parrotIndex < 0) return;
  const rec = ctx.recordings[stream.parrotIndex]!;
  if (rec.voiceFrames === 0 && rec.frameCount > 0) ctx.stats.parrotEmpty++;
  if (rec.voiceFrames > 0 && endedBy !== "port-down") {
    rec.finish();
    rec.state = RecordingState.Waiting;
    rec.playAtMs = nowMs + ctx.options.parrot.delayMs;
  } else {
    freeRecording(ctx, nowMs, rec, false);
  }
  stream.parrotIndex = -1;
}

/** Per tick: start playbacks that are due once the caller's slot is free, and play one frame of each playback. */
export function parrotTick(ctx: RouterContext, nowMs: number): void {
  const parrot = ctx.options.parrot;
  const tick = ctx.tickCount;
  for (const rec of ctx.recordings) {
    if (rec.state === RecordingState.Waiting) {
      if (nowMs < rec.playAtMs) continue;
      const wps = rec.ps;
      if (wps === null || !wps.up || wps.port !== rec.port) {
        freeRecording(ctx, nowMs, rec, false);
        continue;
      }
      // one playback per slot at a time: start only when the slot is free and its egress buffer
      // has not been used in this tick (a playback that just ended used it for its terminator)
      const key = slotKey(wps.index, rec.slot);
      if (ctx.slots.playbackStamp(key) === tick || !canTake(nowMs, ctx.slots, key, rec.sourceId, parrot.talkgroupId, CallType.Group)) {
        if (nowMs - rec.playAtMs > PARROT_MAX_WAIT_MS) {
          ctx.stats.parrotAbandoned++;
          freeRecording(ctx, nowMs, rec, false);
        }
        continue;
      }
      startPlayback(ctx, nowMs, rec);
    }
    if (rec.state !== RecordingState.Playing || nowMs < rec.nextFrameAtMs) continue;
    // one frame per tick and playback: the egress buffer of (port, slot) is reused per frame
    const ps = rec.ps!;
    if (!ps.up || ps.port !== rec.port) {
      freeRecording(ctx, nowMs, rec, true);
      continue;
    }
    const key = slotKey(ps.index, rec.slot);
    if (ctx.slots.playbackStamp(key) === tick) continue; // buffer in use until the outbox drains
    const slots = ctx.slots;
    const pb = rec.playback;
    if (slots.tx(key) !== pb && !canTake(nowMs, slots, key, pb.sourceId, parrot.talkgroupId, CallType.Group)) {
      // the caller keyed up over its playback (own transmission wins): those frames are lost
      rec.skipped++;
      ctx.stats.parrotFramesSkipped++;
    } else {
      slots.setTx(key, pb);
      slots.setHang(key, nowMs + ctx.options.hangTimeMs, parrot.talkgroupId, CallType.Group, pb.sourceId);
      slots.setLastTxAtMs(key, nowMs);
      const port = ps.port!;
      const buffer = port.txBuffer(rec.slot);
      const base = rec.played * 55;
      const frames = rec.frames;
      for (let b = 0; b < 55; b++) buffer[b] = frames[base + b]!;
      // internal frames carry the server's id (the port stamps its own on its wire anyway)
      writeUint32(buffer, DMRD_OFFSET_REPEATER, ctx.parrotPort.repeaterId);
      writeUint32(buffer, DMRD_OFFSET_STREAM, rec.playbackStreamId);
      const flags = buffer[DMRD_OFFSET_FLAGS]!;
      buffer[DMRD_OFFSET_FLAGS] = rec.slot === 2 ? flags | FLAG_SLOT_TS2 : flags & ~FLAG_SLOT_TS2;
      port.emit(nowMs, buffer, ctx.deps.outbox);
      ctx.slots.setPlaybackStamp(key, tick);
      ctx.stats.framesOut++;
      pb.frames++;
    }
    rec.played++;
    rec.nextFrameAtMs += parrot.frameIntervalMs;
    if (rec.played >= rec.frameCount) freeRecording(ctx, nowMs, rec, true);
  }
}

/** Begin playing a recording back: new stream id from the prng, stream.start published. */
export function startPlayback(ctx: RouterContext, nowMs: number, rec: Recording): void {
  const parrot = ctx.options.parrot;
  rec.state = RecordingState.Playing;
  rec.nextFrameAtMs = nowMs;
  let id = 0;
  while (id === 0) id = ctx.deps.prng.nextUint32();
  rec.playbackStreamId = id;
  const pb = rec.playback;
  pb.serial = ++ctx.streamSerial;
  pb.streamId = pb.currentStreamId = id;
  pb.sourceId = rec.sourceId;
  pb.destinationId = parrot.talkgroupId;
  pb.callType = CallType.Group;
  pb.slot = pb.wireSlot = rec.slot;
  pb.startedAtMs = nowMs;
  pb.frames = 0;
  publish(ctx, {
    type: "stream.start",
    atMs: nowMs,
    streamId: id,
    portIndex: ctx.parrotPort.portIndex,
    portName: ctx.parrotPort.name,
    sourceId: rec.sourceId,
    destinationId: parrot.talkgroupId,
    slot: rec.slot,
    callType: "group",
    kind: "voice",
  });
}

/** Stop playing or waiting and free the recording (publishing the playback's end when asked). */
export function freeRecording(ctx: RouterContext, nowMs: number, rec: Recording, publishEnd: boolean): void {
  if (rec.state === RecordingState.Playing && publishEnd) {
    publish(ctx, {
      type: "stream.end",
      atMs: nowMs,
      streamId: rec.playbackStreamId,
      portIndex: ctx.parrotPort.portIndex,
      portName: ctx.parrotPort.name,
      sourceId: rec.sourceId,
      destinationId: ctx.options.parrot.talkgroupId,
      slot: rec.slot,
      callType: "group",
      kind: "voice",
      durationMs: nowMs - rec.playback.startedAtMs,
      frames: rec.playback.frames,
      lost: rec.skipped,
      talkerAlias: null,
      endedBy: rec.played >= rec.frameCount ? "terminator" : "port-down",
    });
  }
  if (rec.ps !== null) {
    const k = slotKey(rec.ps.index, rec.slot);
    if (ctx.slots.tx(k) === rec.playback) ctx.slots.setTx(k, null);
  }
  if (rec.state !== RecordingState.Free) ctx.pacedInUse--;
  rec.state = RecordingState.Free;
  rec.ps = null;
  rec.port = null;
  rec.frameCount = 0;
}

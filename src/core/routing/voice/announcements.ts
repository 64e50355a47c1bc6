/**
 * Voice announcements (freedmr-reference.md §1.6, §1.10): what freedmr says on the air — dial-a-TG
 * replies ("linked to 9 1", "not linked", "unlinked", "busy"), the 5000 status, a prompt when an
 * option was rejected, the relink after a UA timeout, and the periodic ident (ident.ts). Each is a
 * complete DMR voice call from the announcement id (voice LC headers, superframes with sync and
 * embedded LC, terminator) to one hotspot slot: a reply to a radio is a private call to that radio
 * (as FreeDMR's dial replies reach the caller), the rest are group calls.
 *
 * Contention: an announcement starts only when its slot may take it (contention.ts canTake: nothing
 * sent or received there, hang time respected; a private reply to the radio that just called is
 * allowed during its hang) and holds the slot as its txStream while it plays, so nothing is
 * delivered over it. It waits at most `maxWaitMs`, then it is dropped and counted. When the
 * hotspot keys up over it, its own transmission wins and the announcement is cut (counted).
 *
 * Pacing: one frame per `frameIntervalMs` (60 ms, one burst) from onTick, written into the
 * (port, slot) egress buffer; a buffer is used by at most one playback per tick (the slot's playback stamp in ctx.slots,
 * shared with the parrot). Playing allocates nothing; queueing (control plane) composes the AMBE
 * into the record's preallocated buffer.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { CallType } from "../../../wire/dmrd.ts";
import type { VoicePack } from "../../../dmr/voice_pack.ts";
import { ANNOUNCEMENT_HEADERS, Announcement, AnnouncementState } from "./announcement.ts";
import { canTake } from "../frames/contention.ts";
import type { PortState } from "../state.ts";
import type { RouterContext } from "../router_context.ts";
import { publish } from "../router_events.ts";
import { FREEDMR_ANNOUNCEMENT_ID } from "./voice_options.ts";
import { slotKey } from "../slot_table.ts";

export type AnnouncementOutcome = "queued" | "played" | "dropped" | "aborted" | "superseded";

/** Announcements are on: packs are loaded (the pool exists). */
export function voiceEnabled(ctx: RouterContext): boolean {
  return ctx.announcements.length > 0;
}

/** The source radio id of announcements: configured, else the server id, else FreeDMR's 5000. */
export function announcementSourceId(ctx: RouterContext): number {
  const v = ctx.options.voice.sourceId;
  if (v !== 0) return v;
  const server = ctx.options.serverId;
  return server > 0 && server <= 0xffffff ? server : FREEDMR_ANNOUNCEMENT_ID;
}

/** The pack for a port: its LANG= if loaded, else the default language, else the first pack. */
export function packFor(ctx: RouterContext, ps: PortState): VoicePack | null {
  const packs = ctx.options.voice.packs;
  if (packs.length === 0) return null;
  const want = ps.optionsLanguage ?? ctx.options.voice.defaultLanguage;
  for (const p of packs) if (p.language === want) return p;
  for (const p of packs) if (p.language === ctx.options.voice.defaultLanguage) return p;
  return packs[0]!;
}

/** True when a pack with this language is loaded. */
export function languageLoaded(ctx: RouterContext, language: string): boolean {
  for (const p of ctx.options.voice.packs) if (p.language === language) return true;
  return false;
}

/**
 * Queue an announcement of `words` (logical words, voice_pack.ts) to a port's slot. A waiting
 * (not yet playing) announcement for the same port and slot is replaced: the newest answer wins.
 * Words the pack lacks are skipped. Returns false when nothing was queued.
 */
export function announce(
  ctx: RouterContext,
  nowMs: number,
  ps: PortState,
  slot: Slot,
  destinationId: number,
  callType: CallType,
  kind: string,
  words: readonly string[],
): boolean {
  if (!voiceEnabled(ctx) || !ps.up || !ps.local) return false;
  const pack = packFor(ctx, ps)!;
  const frames: Uint8Array[] = [];
  const spoken: string[] = [];
  for (const w of words) {
    const f = pack.words.get(w);
    if (f === undefined) continue;
    frames.push(f);
    spoken.push(w);
  }
  if (frames.length === 0) return false;
  let ann: Announcement | null = null;
  for (const a of ctx.announcements) {
    if (a.state === AnnouncementState.Waiting && a.ps === ps && a.slot === slot) {
      finish(ctx, nowMs, a, "superseded");
      ann = a;
      break;
    }
  }
  if (ann === null) {
    for (const a of ctx.announcements) {
      if (a.state === AnnouncementState.Free) {
        ann = a;
        break;
      }
    }
  }
  const port = ps.port!;
  const sourceId = announcementSourceId(ctx);
  if (ann === null) {
    ctx.stats.announcementsDropped++;
    publish(ctx, event(nowMs, port.portIndex, port.name, slot, sourceId, destinationId, callType, kind, spoken.join(" "), pack.language, "dropped", 0));
    return false;
  }
  if (ann.state === AnnouncementState.Free) ctx.pacedInUse++;
  ann.state = AnnouncementState.Waiting;
  ann.ps = ps;
  ann.port = port;
  ann.slot = slot;
  ann.sourceId = sourceId;
  ann.destinationId = destinationId;
  ann.callType = callType;
  ann.kind = kind;
  ann.words = spoken.join(" ");
  ann.language = pack.language;
  ann.queuedAtMs = nowMs;
  ann.played = 0;
  ann.streamId = 0;
  ann.compose(frames);
  ctx.stats.announcementsQueued++;
  publish(ctx, event(nowMs, port.portIndex, port.name, slot, sourceId, destinationId, callType, kind, ann.words, ann.language, "queued", 0));
  return true;
}

/** True when an announcement is waiting for or playing on the port (any slot). */
export function announcing(ctx: RouterContext, ps: PortState): boolean {
  for (const a of ctx.announcements) if (a.state !== AnnouncementState.Free && a.ps === ps) return true;
  return false;
}

/** Per tick: start waiting announcements whose slot is free, and play one frame of each playing one. */
export function announcementTick(ctx: RouterContext, nowMs: number): void {
  const tick = ctx.tickCount;
  const voice = ctx.options.voice;
  for (const ann of ctx.announcements) {
    if (ann.state === AnnouncementState.Free) continue;
    const ps = ann.ps!;
    if (!ps.up || ps.port !== ann.port) {
      finish(ctx, nowMs, ann, ann.state === AnnouncementState.Playing ? "aborted" : "dropped");
      continue;
    }
    const key = slotKey(ps.index, ann.slot);
    const slots = ctx.slots;
    if (ann.state === AnnouncementState.Waiting) {
      if (ctx.slots.playbackStamp(key) === tick || !canTake(nowMs, slots, key, ann.sourceId, ann.destinationId, ann.callType)) {
        if (nowMs - ann.queuedAtMs > voice.maxWaitMs) finish(ctx, nowMs, ann, "dropped");
        continue;
      }
      startPlaying(ctx, nowMs, ann);
    }
    if (nowMs < ann.nextFrameAtMs || ctx.slots.playbackStamp(key) === tick) continue;
    if (slots.tx(key) !== ann.stream || slots.rx(key) !== null) {
      // the hotspot keyed up (its own transmission wins): the rest of the announcement is lost
      finish(ctx, nowMs, ann, "aborted");
      continue;
    }
    const port = ps.port!;
    const buffer = port.txBuffer(ann.slot);
    const step = ann.played;
    if (step < ANNOUNCEMENT_HEADERS) ann.builder.writeHeader(buffer, 0);
    else if (step < ANNOUNCEMENT_HEADERS + ann.bursts) ann.builder.writeVoice(buffer, 0, ann.ambe, (step - ANNOUNCEMENT_HEADERS) * 27);
    else ann.builder.writeTerminator(buffer, 0);
    port.emit(nowMs, buffer, ctx.deps.outbox);
    ctx.slots.setPlaybackStamp(key, tick);
    ctx.stats.framesOut++;
    ann.stream.frames++;
    ann.played++;
    ann.nextFrameAtMs += voice.frameIntervalMs;
    if (ann.played >= ann.frameCount) finish(ctx, nowMs, ann, "played");
  }
}

function startPlaying(ctx: RouterContext, nowMs: number, ann: Announcement): void {
  let id = 0;
  while (id === 0) id = ctx.deps.prng.nextUint32();
  ann.streamId = id;
  ann.state = AnnouncementState.Playing;
  ann.nextFrameAtMs = nowMs;
  const ps = ann.ps!;
  const s = ann.stream;
  s.serial = ++ctx.streamSerial;
  s.streamId = s.currentStreamId = id;
  s.sourceId = ann.sourceId;
  s.destinationId = ann.destinationId;
  s.callType = ann.callType;
  s.slot = s.wireSlot = ann.slot;
  s.startedAtMs = nowMs;
  s.frames = 0;
  ctx.slots.setTx(slotKey(ps.index, ann.slot), s);
  ann.builder.start({
    sourceId: ann.sourceId,
    destinationId: ann.destinationId,
    repeaterId: ctx.options.serverId,
    slot: ann.slot,
    callType: ann.callType,
    streamId: id,
    colourCode: 1,
  });
}

/** End an announcement (played, dropped, aborted, superseded): release its slot, count, publish. */
function finish(ctx: RouterContext, nowMs: number, ann: Announcement, outcome: AnnouncementOutcome): void {
  const stats = ctx.stats;
  if (outcome === "played") stats.announcementsPlayed++;
  else if (outcome === "dropped") stats.announcementsDropped++;
  else if (outcome === "aborted") stats.announcementsAborted++;
  else stats.announcementsSuperseded++;
  const ps = ann.ps;
  if (ps !== null) {
    const k = slotKey(ps.index, ann.slot);
    if (ctx.slots.tx(k) === ann.stream) ctx.slots.setTx(k, null);
  }
  const port = ann.port;
  if (port !== null) {
    publish(ctx, event(nowMs, port.portIndex, port.name, ann.slot, ann.sourceId, ann.destinationId, ann.callType, ann.kind, ann.words, ann.language, outcome, ann.streamId));
  }
  if (ann.state !== AnnouncementState.Free) ctx.pacedInUse--;
  ann.state = AnnouncementState.Free;
  ann.ps = null;
  ann.port = null;
}

function event(
  atMs: number,
  portIndex: number,
  portName: string,
  slot: Slot,
  sourceId: number,
  destinationId: number,
  callType: CallType,
  kind: string,
  words: string,
  language: string,
  outcome: AnnouncementOutcome,
  streamId: number,
) {
  return {
    type: "announcement" as const,
    atMs,
    portIndex,
    portName,
    slot,
    sourceId,
    destinationId,
    callType: callType === CallType.Unit ? ("unit" as const) : ("group" as const),
    kind,
    words,
    language,
    outcome,
    streamId,
  };
}

/** Frames an announcement of `bursts` voice bursts takes on the air (headers + bursts + terminator). */
export function announcementFrames(bursts: number): number {
  return ANNOUNCEMENT_HEADERS + bursts + 1;
}


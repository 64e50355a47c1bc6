/**
 * Core events the router publishes: stream start/end, subscription changes, and the one publish
 * call every other event goes through (deps.events). Control plane and stream boundaries only,
 * never per packet.
 * @module
 */
import { STREAM_START_TARGETS_MAX, type CoreEvent, type PortKindName } from "../events.ts";
import { PortKind, type Slot } from "../router_port.ts";
import { CallType } from "../../wire/dmrd.ts";
import { SubKind, TargetOutcome, type PortState, type Stream } from "./state.ts";
import type { RouterContext } from "./router_context.ts";

export type StreamEndReason = Extract<CoreEvent, { type: "stream.end" }>["endedBy"];

/** Every router event goes out here. */
export function publish(ctx: RouterContext, event: CoreEvent): void {
  if (ctx.stateDirty !== null) noteStateEvent(ctx, event);
  ctx.deps.events.publish(event);
}

/** State journal (state_records.ts): the events that change a hotspot's persistent state mark its repeater id. */
function noteStateEvent(ctx: RouterContext, event: CoreEvent): void {
  let portIndex: number;
  switch (event.type) {
    case "stream.start": // a group call renews (or makes) a user-activated talkgroup, also while it lasts
    case "stream.end":
      if (event.callType !== "group") return;
      portIndex = event.portIndex;
      break;
    case "subscription.change":
    case "dial.link":
    case "options.applied":
      portIndex = event.portIndex;
      break;
    case "hotspot.settings":
      ctx.stateDirty!.add(event.repeaterId);
      return;
    default:
      return;
  }
  const ps = ctx.ports[portIndex];
  if (ps !== undefined && ps.local && ps.port !== null) ctx.stateDirty!.add(ps.port.repeaterId);
}

/** State journal: a hotspot's persistent state changed without an event (login, logout). */
export function noteStateChange(ctx: RouterContext, repeaterId: number): void {
  ctx.stateDirty?.add(repeaterId);
}

/** A port's kind as events name it (refusals are kept per hotspot and per link). */
export function portKindName(kind: PortKind): PortKindName {
  switch (kind) {
    case PortKind.Hotspot:
      return "hotspot";
    case PortKind.Upstream:
      return "upstream";
    case PortKind.OpenBridge:
      return "openbridge";
    default:
      return "internal";
  }
}

/** subscription.change for a static or dynamic TG (`portName`: the port's, when the caller has it made already). */
export function publishSubscription(ctx: RouterContext, nowMs: number, ps: PortState, slot: Slot, talkgroupId: number, action: "add" | "remove", reason: string, portName: string = ps.port!.name): void {
  const port = ps.port!;
  if (action === "add") {
    let sub = null;
    for (let s = ps.firstSub; s !== null; s = s.nextInPort) {
      if (s.slot !== slot || s.talkgroupId !== talkgroupId || (s.kind !== SubKind.Static && s.kind !== SubKind.Dynamic)) continue;
      if (sub === null || s.kind === SubKind.Static) sub = s;
    }
    if (sub !== null) {
      const kind = sub.kind === SubKind.Static ? "static" : "dynamic";
      const expiresAtMs = sub.expiresAtMs === 0 ? null : sub.expiresAtMs;
      publish(ctx, { type: "subscription.change", atMs: nowMs, portIndex: port.portIndex, portName, slot, talkgroupId, action, reason, kind, expiresAtMs });
      return;
    }
  }
  publish(ctx, { type: "subscription.change", atMs: nowMs, portIndex: port.portIndex, portName, slot, talkgroupId, action, reason });
}

/**
 * The name of a stream's port, made once per call (a hotspot's name is made from its callsign code
 * on every read, hbp_master/callsign_code.ts): the call's subscription renewal, stream.start,
 * stream.alias and stream.end all carry the one string.
 */
export function streamPortName(stream: Stream): string {
  if (stream.portName === "") stream.portName = stream.port!.name;
  return stream.portName;
}

/** stream.start of a routed (not silent) stream. */
export function publishStreamStart(ctx: RouterContext, nowMs: number, stream: Stream): void {
  const port = stream.port!;
  const event: Extract<CoreEvent, { type: "stream.start" }> = {
    type: "stream.start",
    atMs: nowMs,
    streamId: stream.streamId,
    portIndex: port.portIndex,
    portName: streamPortName(stream),
    sourceId: stream.sourceId,
    destinationId: stream.destinationId,
    slot: stream.wireSlot,
    callType: stream.callType === CallType.Unit ? "unit" : "group",
    kind: stream.data ? "data" : "voice",
  };
  // set when there are any, not spread in: a spread copies through the runtime's slow path, per call
  if (stream.targetCount > 0) event.targets = startTargets(stream);
  publish(ctx, event);
}

/** The stream's targets, packed (CoreEvent stream.start `targets`); once per stream, never per frame. */
function startTargets(stream: Stream): Uint32Array {
  const n = Math.min(stream.targetCount, STREAM_START_TARGETS_MAX);
  const out = new Uint32Array(n * 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const target = stream.targetPort(i)?.port ?? null;
    if (target === null) continue;
    out[k++] = target.portIndex;
    out[k++] = ((stream.targetSlot(i) & 0x3) << 24) | (stream.targetDestination(i) & 0xffffff);
  }
  return k === out.length ? out : out.subarray(0, k);
}

/** stream.alias: the talker alias of a routed stream, once, when it completes. */
export function publishStreamAlias(ctx: RouterContext, nowMs: number, stream: Stream): void {
  const port = stream.port!;
  publish(ctx, { type: "stream.alias", atMs: nowMs, streamId: stream.streamId, portIndex: port.portIndex, portName: streamPortName(stream), sourceId: stream.sourceId, talkerAlias: (stream.sourceLc.talkerAlias.complete ? stream.sourceLc.talkerAlias : stream.sideAlias).text });
}

/** stream.end of a routed (not silent) stream, with its talker alias when complete (embedded LCs first, else DMRA). */
export function publishStreamEnd(ctx: RouterContext, nowMs: number, stream: Stream, endedBy: StreamEndReason): void {
  const port = stream.port!;
  const ta = stream.sourceLc.talkerAlias.complete ? stream.sourceLc.talkerAlias : stream.sideAlias;
  const event: Extract<CoreEvent, { type: "stream.end" }> = {
    type: "stream.end",
    atMs: nowMs,
    streamId: stream.streamId,
    portIndex: port.portIndex,
    portName: streamPortName(stream),
    sourceId: stream.sourceId,
    destinationId: stream.destinationId,
    slot: stream.wireSlot,
    callType: stream.callType === CallType.Unit ? "unit" : "group",
    kind: stream.data ? "data" : "voice",
    durationMs: stream.lastFrameAtMs - stream.startedAtMs,
    frames: stream.frames,
    lost: stream.lost,
    talkerAlias: ta.complete ? ta.text : null,
    endedBy,
  };
  const missed = undelivered(stream);
  if (missed !== null) event.undelivered = missed;
  publish(ctx, event);
}

/** Targets listed per call at most in stream.end's `undelivered`. */
const UNDELIVERED_MAX = 64;

/** Targets that never got a frame of the stream, and why (per call, at its end; null: none, no field). */
function undelivered(stream: Stream): UndeliveredTarget[] | null {
  let list: UndeliveredTarget[] | null = null;
  for (let t = 0; t < stream.targetCount; t++) {
    const outcome = stream.targetOutcome(t);
    if (outcome === TargetOutcome.None || outcome === TargetOutcome.Delivered) continue;
    const tps = stream.targetPort(t);
    if (tps === null || tps.port === null) continue;
    list ??= [];
    if (list.length >= UNDELIVERED_MAX) break;
    list.push({
      portIndex: tps.port.portIndex,
      slot: stream.targetSlot(t),
      reason: outcome === TargetOutcome.BusyOwn ? "slot-busy-own-transmission" : outcome === TargetOutcome.BusyOther ? "slot-busy-other-call" : "hang-time",
    });
  }
  return list;
}

type UndeliveredTarget = NonNullable<Extract<CoreEvent, { type: "stream.end" }>["undelivered"]>[number];

/**
 * Introspection for the API/dashboard/tests: a port's subscriptions, its dialled reflector, where a
 * radio was last heard, active streams, a bridge's members. These allocate; never on the packet path.
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import { CallType } from "../../wire/dmrd.ts";
import { BRIDGE_CONFERENCE_BASE, SubKind } from "./state.ts";
import type { StreamInfo, SubscriberLocation, SubscriptionInfo } from "./types.ts";
import { livePort, subscriberPort } from "./hotspots/port_lookup.ts";
import type { RouterContext } from "./router_context.ts";
import { slotKey } from "./slot_table.ts";

/** A port's subscriptions, sorted by slot, talkgroup, kind. */
export function listSubscriptions(ctx: RouterContext, port: RouterPort): SubscriptionInfo[] {
  const ps = livePort(ctx, port);
  if (ps === null) return [];
  const kinds = ["static", "dynamic", "dial", "bridge"] as const;
  const subs = [];
  for (let sub = ps.firstSub; sub !== null; sub = sub.nextInPort) subs.push(sub);
  return subs
    .map((sub) => ({
      slot: sub.slot,
      talkgroupId: sub.talkgroupId,
      conference:
        sub.kind === SubKind.Bridge ? `bridge:${ctx.bridgeNames[sub.bridgeIndex] ?? "?"}` : sub.kind === SubKind.Dial ? `reflector:${sub.conferenceId}` : `tg:${sub.conferenceId}`,
      kind: kinds[sub.kind]!,
      active: sub.active,
      expiresAtMs: sub.expiresAtMs === 0 ? null : sub.expiresAtMs,
    }))
    .sort((a, b) => a.slot - b.slot || a.talkgroupId - b.talkgroupId || a.kind.localeCompare(b.kind));
}

/** The reflector a port has linked by dial-a-TG, 0 = none. */
export function dialedReflector(ctx: RouterContext, port: RouterPort): number {
  return livePort(ctx, port)?.dialSub?.conferenceId ?? 0;
}

/** Where a radio was last heard, when that port is still up. */
export function locateSubscriber(ctx: RouterContext, nowMs: number, radioId: number): SubscriberLocation | null {
  const entry = ctx.subscribers.lookup(nowMs, radioId);
  if (entry === null || subscriberPort(ctx, entry) === null || entry.port === null) return null;
  return { portIndex: entry.port.portIndex, portName: entry.port.name, slot: entry.slot, lastHeardMs: entry.lastHeardMs };
}

/** Streams in progress (not refused/internal), with their delivering and pending targets. */
export function listActiveStreams(ctx: RouterContext): StreamInfo[] {
  const out: StreamInfo[] = [];
  for (const s of ctx.active) {
    if (s.silent) continue;
    const targets: string[] = [];
    const pending: string[] = [];
    for (let t = 0; t < s.targetCount; t++) {
      const tps = s.targetPort(t);
      if (tps === null || s.targetQuenched(t)) continue;
      const slot = s.targetSlot(t);
      const label = `${tps.index}:${slot}`;
      if (tps.trunk || ctx.slots.tx(slotKey(tps.index, slot)) === s) targets.push(label);
      else pending.push(label);
    }
    out.push({
      streamId: s.streamId,
      portIndex: s.port!.portIndex,
      portName: s.port!.name,
      slot: s.wireSlot,
      sourceId: s.sourceId,
      destinationId: s.destinationId,
      callType: s.callType === CallType.Unit ? "unit" : "group",
      kind: s.data ? "data" : "voice",
      startedAtMs: s.startedAtMs,
      frames: s.frames,
      targets,
      pending,
    });
  }
  return out.sort((a, b) => a.startedAtMs - b.startedAtMs || a.streamId - b.streamId);
}

/** A bridge's members and whether each is active (null = no such bridge). */
export function bridgeState(ctx: RouterContext, name: string): { system: string; slot: Slot; talkgroupId: number; active: boolean }[] | null {
  const index = ctx.bridgeNames.indexOf(name);
  if (index < 0) return null;
  const out: { system: string; slot: Slot; talkgroupId: number; active: boolean }[] = [];
  for (const sub of ctx.conferences.get(BRIDGE_CONFERENCE_BASE + index) ?? []) {
    out.push({ system: sub.ps!.port!.name, slot: sub.slot, talkgroupId: sub.talkgroupId, active: sub.active });
  }
  return out.sort((a, b) => a.system.localeCompare(b.system) || a.slot - b.slot || a.talkgroupId - b.talkgroupId);
}

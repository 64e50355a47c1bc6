/**
 * Configured bridges (rules.py, freedmr-reference.md §1.8): attach a port's members when it comes
 * up, ON/OFF/RESET trigger talkgroups, and switching a member on or off.
 * @module
 */
import { BRIDGE_CONFERENCE_BASE, SubKind, SubOrigin, type PortState, type Subscription } from "../state.ts";
import { rfSlotOf } from "../hotspots/port_lookup.ts";
import type { MemberRef, RouterContext } from "../router_context.ts";
import { publish } from "../router_events.ts";
import { joinActiveStreams, subscriptionEnded } from "../streams/stream_membership.ts";
import { insertSub, setExpiry } from "../subscriptions/subscriptions.ts";

/** A port came up: add it to every bridge naming it (port name, repeater id or access rule), active and timed as configured. */
export function attachBridgeMembers(ctx: RouterContext, nowMs: number, ps: PortState): void {
  const port = ps.port!;
  const keys: string[] = [port.name.toLowerCase(), String(port.repeaterId)];
  if (port.accessRule !== null) keys.push(port.accessRule.toLowerCase());
  const seen = new Set<MemberRef>();
  for (const key of keys) {
    for (const ref of ctx.membersBySystem.get(key) ?? []) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      const m = ref.member;
      const slot = rfSlotOf(ps, m.slot);
      const sub = insertSub(ctx, ps, slot, m.talkgroupId, BRIDGE_CONFERENCE_BASE + ref.bridgeIndex, SubKind.Bridge, SubOrigin.Config, 0);
      if (sub === null) continue;
      ctx.bridgeMembers.set(sub, m);
      sub.bridgeIndex = ref.bridgeIndex;
      sub.active = m.active;
      if (m.timeoutMinutes > 0 && ((m.timeoutType === "on" && m.active) || (m.timeoutType === "off" && !m.active))) {
        setExpiry(ctx, sub, nowMs + m.timeoutMinutes * 60_000);
      }
    }
  }
}

/** ON / OFF / RESET trigger talkgroups of a member, on a group call from its port and slot. */
export function bridgeTrigger(ctx: RouterContext, nowMs: number, sub: Subscription, tg: number): void {
  const m = ctx.bridgeMembers.get(sub)!;
  const timeoutMs = m.timeoutMinutes * 60_000;
  if (m.on.includes(tg)) {
    if (!sub.active) setBridgeActive(ctx, nowMs, sub, true, "on");
    if (m.timeoutType === "on" && timeoutMs > 0) setExpiry(ctx, sub, nowMs + timeoutMs);
    else if (m.timeoutType === "off") setExpiry(ctx, sub, 0);
  } else if (m.off.includes(tg)) {
    if (sub.active) setBridgeActive(ctx, nowMs, sub, false, "off");
    if (m.timeoutType === "off" && timeoutMs > 0) setExpiry(ctx, sub, nowMs + timeoutMs);
    else if (m.timeoutType === "on") setExpiry(ctx, sub, 0);
  } else if (m.reset.includes(tg)) {
    if (timeoutMs > 0 && ((m.timeoutType === "on" && sub.active) || (m.timeoutType === "off" && !sub.active))) {
      setExpiry(ctx, sub, nowMs + timeoutMs);
    }
  }
}

/** Switch a bridge member on (it joins calls in progress) or off (it leaves them), and publish the change. */
export function setBridgeActive(ctx: RouterContext, nowMs: number, sub: Subscription, active: boolean, reason: string): void {
  sub.active = active;
  if (active) joinActiveStreams(ctx, sub);
  else subscriptionEnded(ctx, nowMs, sub.ps!, sub.slot, sub.conferenceId);
  publish(ctx, {
    type: "bridge.change",
    atMs: nowMs,
    bridge: ctx.bridgeNames[sub.bridgeIndex] ?? "",
    system: sub.ps!.port!.name,
    slot: sub.slot,
    talkgroupId: sub.talkgroupId,
    active,
    reason,
  });
}

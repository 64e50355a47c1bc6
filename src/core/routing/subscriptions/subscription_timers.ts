/**
 * Subscription timers at housekeeping: user-activated TGs and dial links expire (unless in use),
 * bridge members time out or back in, and scheduled default-reflector relinks happen.
 * @module
 */
import { SubKind, type Subscription } from "../state.ts";
import { setBridgeActive } from "../features/bridges.ts";
import { defaultReflector, linkDial, unlinkDial, unscheduleRelink } from "../features/dial.ts";
import type { RouterContext } from "../router_context.ts";
import { hasConference } from "../streams/stream_targets.ts";
import { removeSub, setExpiry } from "./subscriptions.ts";
import { expiryFrom } from "./user_activation.ts";
import { announceToHotspot, statusWords } from "../features/dial_replies.ts";
import { slotKey } from "../slot_table.ts";

/** Housekeeping: subscriptions whose timer ran out, and default-reflector relinks that are due. */
export function expireTimers(ctx: RouterContext, nowMs: number): void {
  for (let i = ctx.timed.length - 1; i >= 0; i--) {
    const sub = ctx.timed[i];
    if (sub === undefined || sub.expiresAtMs === 0 || sub.expiresAtMs > nowMs) continue;
    const ps = sub.ps!;
    // the timer restarts with every use: not while the port is talking through the subscription
    if ((sub.kind === SubKind.Dynamic || sub.kind === SubKind.Dial) && usedBySource(ctx, sub)) {
      setExpiry(ctx, sub, expiryFrom(ctx, nowMs, ps));
      continue;
    }
    switch (sub.kind) {
      case SubKind.Dynamic:
        removeSub(ctx, nowMs, sub, "timer");
        break;
      case SubKind.Dial: {
        unlinkDial(ctx, nowMs, ps, "timer", false);
        const dflt = defaultReflector(ps);
        const relinked = dflt !== 0 && linkDial(ctx, nowMs, ps, dflt, "default");
        announceToHotspot(ctx, nowMs, ps, "relink", statusWords(relinked ? dflt : 0));
        break;
      }
      case SubKind.Bridge: {
        const type = ctx.bridgeMembers.get(sub)!.timeoutType;
        setExpiry(ctx, sub, 0);
        if (type === "on" && sub.active) setBridgeActive(ctx, nowMs, sub, false, "timer");
        else if (type === "off" && !sub.active) setBridgeActive(ctx, nowMs, sub, true, "timer");
        break;
      }
      default:
        setExpiry(ctx, sub, 0);
    }
  }
  for (let i = ctx.relinks.length - 1; i >= 0; i--) {
    const ps = ctx.relinks[i];
    if (ps === undefined || ps.relinkAtMs > nowMs) continue;
    unscheduleRelink(ctx, ps);
    const dflt = defaultReflector(ps);
    if (dflt !== 0 && ps.dialSub === null && ps.up && linkDial(ctx, nowMs, ps, dflt, "default")) announceToHotspot(ctx, nowMs, ps, "relink", statusWords(dflt));
  }
}

/** The port is sending a stream on the subscription's slot and talkgroup into its conference. */
export function usedBySource(ctx: RouterContext, sub: Subscription): boolean {
  const rx = ctx.slots.rx(slotKey(sub.ps!.index, sub.slot));
  return rx !== null && !rx.refused && rx.destinationId === sub.talkgroupId && hasConference(rx.conferences, rx.conferenceCount, sub.conferenceId);
}

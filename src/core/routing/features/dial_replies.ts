/**
 * What a hotspot hears back from dial-a-TG and its options (freedmr-reference.md §1.6): the reply
 * to a private dial call goes to the caller as a private call on the slot it called from ("linked
 * to 9 1", "not linked", "unlinked", "busy"; 5000 answers with the status); a relink after the UA
 * timer and a rejected option token are announced as group calls on the dial talkgroup and slot.
 * Nothing is said without voice packs or with [voice] announcements off.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { CallType } from "../../../wire/dmrd.ts";
import { digits } from "../../../dmr/voice_pack.ts";
import { announce } from "../voice/announcements.ts";
import { rfSlotOf } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import type { PortState } from "../state.ts";

/** The words of a link status: "linked <digits>" or "not linked". */
export function statusWords(reflector: number): string[] {
  return reflector > 0 ? ["linked", ...digits(reflector)] : ["notlinked"];
}

/** Reply to the radio that made a dial call (private call back to it, on its slot). */
export function replyToCaller(ctx: RouterContext, nowMs: number, ps: PortState, callerId: number, slot: Slot, kind: string, words: readonly string[]): void {
  if (!ctx.options.voice.announcements || callerId <= 0) return;
  announce(ctx, nowMs, ps, slot, callerId, CallType.Unit, kind, words);
}

/** Tell a hotspot on its dial talkgroup (relink after a timeout, a rejected option). */
export function announceToHotspot(ctx: RouterContext, nowMs: number, ps: PortState, kind: string, words: readonly string[]): void {
  if (!ctx.options.voice.announcements || !ps.local || !ps.up) return;
  const dial = ctx.options.dial;
  announce(ctx, nowMs, ps, rfSlotOf(ps, dial.slot), dial.talkgroupId, CallType.Group, kind, words);
}

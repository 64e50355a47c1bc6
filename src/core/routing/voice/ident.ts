/**
 * Periodic voice ident (freedmr-reference.md §1.10, FreeDMR `ident`): every `intervalMs` each
 * hotspot that has not opted out (VOICE=0 / IDENT=0 in its options) hears "this is <server
 * callsign, spelled>" as a group call on the ident talkgroup (IDENTTG= overrides; FreeDMR: all-call
 * 16777215) on its ident slot — only once that slot has been idle for `idleMs`; until then it is
 * retried at each housekeeping pass. Runs at housekeeping, time as an argument.
 * @module
 */
import { CallType } from "../../../wire/dmrd.ts";
import { spell } from "../../../dmr/voice_pack.ts";
import { announce, announcing, voiceEnabled } from "./announcements.ts";
import { rfSlotOf } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { slotKey } from "../slot_table.ts";

/** The words of the ident: "this is", the callsign spelled, "freedmr" (words a pack lacks are skipped). */
export function identWords(callsign: string): string[] {
  return ["thisis", ...spell(callsign), "freedmr"];
}

/** Housekeeping: queue the idents that are due on idle slots. */
export function identTick(ctx: RouterContext, nowMs: number): void {
  const ident = ctx.options.voice.ident;
  if (!voiceEnabled(ctx) || ident.intervalMs <= 0 || ident.callsign === "") return;
  for (const ps of ctx.ports) {
    if (!ps.up || !ps.local) continue;
    const i = ps.index;
    if (i >= ctx.identPort.length) continue;
    if (ctx.identPort[i] !== ps.port) {
      // a new login on this index: its first ident is one interval away
      ctx.identPort[i] = ps.port;
      ctx.identAtMs[i] = nowMs + ident.intervalMs;
      continue;
    }
    if (nowMs < ctx.identAtMs[i]!) continue;
    if (!(ps.optionsIdent ?? ident.defaultOn)) {
      ctx.identAtMs[i] = nowMs + ident.intervalMs;
      continue;
    }
    const slot = rfSlotOf(ps, ident.slot);
    const k = slotKey(ps.index, slot);
    const slots = ctx.slots;
    const lastActivityMs = slots.hangUntilMs(k) - ctx.options.hangTimeMs;
    if (slots.rx(k) !== null || slots.tx(k) !== null || nowMs - lastActivityMs < ident.idleMs || announcing(ctx, ps)) continue;
    ctx.identAtMs[i] = nowMs + ident.intervalMs;
    if (announce(ctx, nowMs, ps, slot, ps.optionsIdentTalkgroup ?? ident.talkgroupId, CallType.Group, "ident", identWords(ident.callsign))) {
      ctx.stats.identsQueued++;
    }
  }
}

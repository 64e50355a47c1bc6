/**
 * A hotspot's options (RPTO, FreeDMR syntax): KEY lock, UA timer, SINGLE, static TGs per slot and
 * the default dial reflector. Self-care settings (hotspot_settings.ts) are laid over the parsed
 * options: a field set on the dashboard wins over the same RPTO field.
 * @module
 */
import { redactOptionKey } from "../../../lib/option_key.ts";
import type { RouterPort } from "../../router_port.ts";
import { DEFAULT_ACCESS_RULE_ROUTING } from "../options.ts";
import { parseOptions, type ParsedOptions } from "./options_parser.ts";
import { overlaySettings } from "./hotspot_settings.ts";
import type { PortState } from "../state.ts";
import { SubKind, SubOrigin } from "../state.ts";
import { defaultReflector, dialable, linkDial, unlinkDial } from "../features/dial.ts";
import { livePort, rfSlotOf } from "./port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { publish } from "../router_events.ts";
import { addStatic, removeSub, setExpiry } from "../subscriptions/subscriptions.ts";
import { announceToHotspot } from "../features/dial_replies.ts";
import { applyVoiceOptions } from "../voice/voice_port_options.ts";

/** Most key-locked option sets remembered across logins (anti-hijack, FreeDMR KEY=). */
const MAX_REMEMBERED_KEYS = 65536;

/** onOptions: apply a hotspot's RPTO text (rejected tokens are counted and published with the result). */
export function applyOptions(ctx: RouterContext, nowMs: number, port: RouterPort, text: string): void {
  const ps = livePort(ctx, port);
  if (ps === null) return;
  const rule = ps.rule ?? DEFAULT_ACCESS_RULE_ROUTING;
  const parsed = parseOptions(text, {
    prohibitedTalkgroups: ctx.options.optionsProhibitedTalkgroups,
    dialable: (n) => dialable(ctx, n),
  });
  const rejected = parsed.rejected;
  // the same options sent again (some gateways repeat RPTO) are not answered on the air again
  const changed = ps.optionsText !== parsed.text;
  const emit = (): void => {
    ctx.stats.optionsTokensRejected += rejected.length;
    // the KEY= value locks this hotspot's options: it never leaves the router (logs, status API)
    const shown = rejected.map(redactOptionKey);
    publish(ctx, { type: "options.applied", atMs: nowMs, portIndex: port.portIndex, portName: port.name, options: redactOptionKey(parsed.text), rejected: shown, repeaterId: port.repeaterId });
    if (rejected.length > 0 && changed) announceToHotspot(ctx, nowMs, ps, "options-rejected", ["rejected"]);
  };
  if (!rule.allowOptions) {
    rejected.push("options: not allowed for this access rule; ignored");
    parsed.ts1 = parsed.ts2 = null;
    emit();
    return;
  }
  // KEY: the first options carrying a key lock this repeater's options (FreeDMR anti-hijack)
  const lockedKey = ctx.optionKeys.get(port.repeaterId);
  if (lockedKey !== undefined && parsed.key !== lockedKey) {
    rejected.length = 0;
    rejected.push(parsed.key === null ? "options: KEY required (options are locked); ignored" : "KEY: does not match; options ignored");
    emit();
    return;
  }
  if (lockedKey === undefined && parsed.key !== null) {
    if (ctx.optionKeys.size >= MAX_REMEMBERED_KEYS) {
      const oldest = ctx.optionKeys.keys().next().value;
      if (oldest !== undefined) ctx.optionKeys.delete(oldest);
    }
    ctx.optionKeys.set(port.repeaterId, parsed.key);
  }
  // the text as received when sanitising changed nothing: the HBP master's copy is shared between hotspots sending the same options
  ps.optionsText = parsed.text === text ? text : parsed.text;
  applyVoiceOptions(ctx, ps, parsed.voice, parsed.lang, parsed.identTalkgroup, rejected);
  overlaySettings(parsed, ctx.hotspotSettings.get(port.repeaterId));
  applyParsed(ctx, nowMs, ps, port, parsed);
  emit();
}

/** What a settings change must undo when a field goes back to "follow RPTO" and RPTO names none. */
export interface SettingsReverts {
  ts1: boolean;
  ts2: boolean;
  dial: boolean;
  timer: boolean;
  single: boolean;
}

const NO_REVERTS: SettingsReverts = { ts1: false, ts2: false, dial: false, timer: false, single: false };

/**
 * Apply the options the hotspot last had accepted (no KEY check: they passed it then) with the
 * self-care settings laid over them: after a settings change, and at port up.
 */
export function reapplyOptions(ctx: RouterContext, nowMs: number, ps: PortState, reverts: SettingsReverts = NO_REVERTS): void {
  const port = ps.port;
  if (port === null || !ps.up || !ps.local) return;
  const parsed = parseOptions(ps.optionsText, {
    prohibitedTalkgroups: ctx.options.optionsProhibitedTalkgroups,
    dialable: (n) => dialable(ctx, n),
  });
  overlaySettings(parsed, ctx.hotspotSettings.get(port.repeaterId));
  if (reverts.ts1 && parsed.ts1 === null) parsed.ts1 = [];
  if (reverts.ts2 && parsed.ts2 === null) parsed.ts2 = [];
  if (reverts.timer && parsed.timerMinutes === null) ps.optionsTimerMinutes = null;
  if (reverts.single && parsed.single === null) ps.optionsSingle = null;
  if (reverts.dial && parsed.dial === null) parsed.dial = ps.rule?.defaultReflector ?? 0;
  applyParsed(ctx, nowMs, ps, port, parsed);
}

/** Statics, timer, single mode and default reflector from parsed (and overlaid) options. */
function applyParsed(ctx: RouterContext, nowMs: number, ps: PortState, port: RouterPort, parsed: ParsedOptions): void {
  const dial = ctx.options.dial;
  if (parsed.timerMinutes !== null) ps.optionsTimerMinutes = parsed.timerMinutes;
  if (parsed.single !== null) ps.optionsSingle = parsed.single;
  if (parsed.ts1 !== null || parsed.ts2 !== null) {
    // a simplex hotspot has one RF slot: both lists land on it
    const want1 = parsed.ts1;
    const want2 = parsed.ts2;
    let next = ps.firstSub;
    while (next !== null) {
      const sub = next;
      next = sub.nextInPort; // first: removing `sub` unlinks it
      if (sub.kind !== SubKind.Static || sub.origin !== SubOrigin.Options) continue;
      const list = port.simplex ? [...(want1 ?? []), ...(want2 ?? [])] : sub.slot === 1 ? want1 : want2;
      const mentioned = port.simplex ? want1 !== null || want2 !== null : list !== null;
      if (mentioned && !(list ?? []).includes(sub.talkgroupId)) removeSub(ctx, nowMs, sub, "options");
    }
    if (want1 !== null) for (const tg of want1) addStatic(ctx, nowMs, ps, rfSlotOf(ps, 1), tg, SubOrigin.Options, "options");
    if (want2 !== null) for (const tg of want2) addStatic(ctx, nowMs, ps, rfSlotOf(ps, 2), tg, SubOrigin.Options, "options");
  }
  if (parsed.dial !== null && dial.enabled && ps.local) {
    const before = defaultReflector(ps);
    ps.optionsDial = parsed.dial;
    const after = defaultReflector(ps);
    const linked = ps.dialSub?.conferenceId ?? 0;
    if (after !== before) {
      if (after === 0) {
        if (linked === before && linked !== 0) unlinkDial(ctx, nowMs, ps, "default-removed", false);
      } else if (linked === 0 || linked === before) {
        linkDial(ctx, nowMs, ps, after, "default");
      }
    } else if (after !== 0 && linked === 0 && ps.relinkAtMs === 0) {
      linkDial(ctx, nowMs, ps, after, "default");
    }
    // the default link never expires; others keep their timer
    if (ps.dialSub !== null && ps.dialSub.conferenceId === after) setExpiry(ctx, ps.dialSub, 0);
  }
}

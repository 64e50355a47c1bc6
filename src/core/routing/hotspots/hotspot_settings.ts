/**
 * Self-care settings: what a hotspot's owner set on the dashboard (static talkgroups per slot,
 * default reflector, UA timer, single mode, language), kept per repeater id as plain records so a
 * store can persist them.
 *
 * Precedence (docs/api.md "Self-care"): a field set here wins over the same field in the hotspot's
 * RPTO options; a field left unset (null) follows RPTO, then the access rule, then the server
 * default. RPTO tokens for an overridden field are reported as rejected ("set on the dashboard").
 * Settings survive logins (they are keyed by repeater id, not by port) and apply at once to a
 * connected hotspot: the next call follows them.
 * @module
 */
import type { ParsedOptions } from "./options_parser.ts";

/** One hotspot's self-care settings; null = not set here (RPTO/access rule/server default decide). */
export interface HotspotSettings {
  readonly ts1Static: readonly number[] | null;
  readonly ts2Static: readonly number[] | null;
  /** 0 = no default reflector. */
  readonly defaultReflector: number | null;
  /** 0 = dynamic talkgroups never expire. */
  readonly uaTimerMinutes: number | null;
  readonly singleMode: boolean | null;
  /** Voice prompt language (e.g. "en_GB"); used by announcements. */
  readonly language: string | null;
}

export const EMPTY_HOTSPOT_SETTINGS: HotspotSettings = {
  ts1Static: null,
  ts2Static: null,
  defaultReflector: null,
  uaTimerMinutes: null,
  singleMode: null,
  language: null,
};

/** Most hotspots with settings remembered (the oldest goes first beyond this). */
export const MAX_HOTSPOT_SETTINGS = 65536;

export function isEmptySettings(s: HotspotSettings): boolean {
  return s.ts1Static === null && s.ts2Static === null && s.defaultReflector === null && s.uaTimerMinutes === null && s.singleMode === null && s.language === null;
}

/** Override parsed RPTO fields with the settings; note each RPTO field that lost. */
export function overlaySettings(parsed: ParsedOptions, settings: HotspotSettings | undefined): void {
  if (settings === undefined) return;
  const note = (field: string): void => {
    parsed.rejected.push(`${field}: set on the dashboard (self-care); the options' value is ignored`);
  };
  if (settings.ts1Static !== null) {
    if (parsed.ts1 !== null && !sameList(parsed.ts1, settings.ts1Static)) note("TS1");
    parsed.ts1 = [...settings.ts1Static];
  }
  if (settings.ts2Static !== null) {
    if (parsed.ts2 !== null && !sameList(parsed.ts2, settings.ts2Static)) note("TS2");
    parsed.ts2 = [...settings.ts2Static];
  }
  if (settings.defaultReflector !== null) {
    if (parsed.dial !== null && parsed.dial !== settings.defaultReflector) note("DIAL");
    parsed.dial = settings.defaultReflector;
  }
  if (settings.uaTimerMinutes !== null) {
    if (parsed.timerMinutes !== null && parsed.timerMinutes !== settings.uaTimerMinutes) note("TIMER");
    parsed.timerMinutes = settings.uaTimerMinutes;
  }
  if (settings.singleMode !== null) {
    if (parsed.single !== null && parsed.single !== settings.singleMode) note("SINGLE");
    parsed.single = settings.singleMode;
  }
  if (settings.language !== null) {
    if (parsed.lang !== null && parsed.lang !== settings.language) note("LANG");
    parsed.lang = settings.language;
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

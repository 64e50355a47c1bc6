/**
 * Hotspot options (HBP RPTO, hbp-and-dmr.md §1.5; FreeDMR options_config, freedmr-reference.md §1.9)
 * in every form hotspots send:
 *
 *   BrandMeister/FreeDMR/HBlink   `TS1=1,2;TS2=91;`, `TS1_STATIC=…`, `TS2_STATIC=…`
 *   FreeDMR                       `DIAL=`/`DEFAULT_REFLECTOR=`, `TIMER=`/`DEFAULT_UA_TIMER=`, `SINGLE=`,
 *                                 `VOICE=`/`IDENT=`, `LANG=`, `IDENTTG=`/`VOICETG=`/`OVERRIDE_IDENT_TG=`, `KEY=`
 *   DMR+                          `StartRef=4400;RelinkTime=60;UserLink=1;TS1_1=262;TS2_3=…`
 *   HBlink peers                  `Type=HBlink;` (ignored)
 *
 * Keys are case-insensitive. Before splitting, NULs (OpenSpot), quotes and anything outside printable
 * ASCII (smart quotes from copy-paste) are stripped. Unlike FreeDMR, a bad token rejects only that
 * token (with a reason); the rest of the string still applies. Runs on the control plane (once per
 * RPTO), so it may allocate.
 * @module
 */
import { inRanges } from "../options.ts";

export interface ParsedOptions {
  /** The sanitised text. */
  readonly text: string;
  /** Static TGs for TS1/TS2 when the options name them (null = not mentioned: keep what is there). */
  ts1: number[] | null;
  ts2: number[] | null;
  /** Default reflector (DIAL/StartRef); 0 = none; null = not mentioned. */
  dial: number | null;
  /** UA timer minutes (TIMER/RelinkTime); 0 = never expire; null = not mentioned. */
  timerMinutes: number | null;
  single: boolean | null;
  voice: boolean | null;
  lang: string | null;
  identTalkgroup: number | null;
  key: string | null;
  /** One line per rejected token: `TS1=abc: not a talkgroup number`. */
  readonly rejected: string[];
}

export interface OptionsRules {
  /** Talkgroups options may not make static (FreeDMR: 0–9, 9990–9999 …). */
  readonly prohibitedTalkgroups: readonly (readonly [number, number])[];
  /** Accepts a reflector number for DIAL=. */
  readonly dialable: (reflector: number) => boolean;
}

const TG_MAX = 16777215;
/** Longest options string looked at (RPTO is a few hundred bytes in practice). */
export const OPTIONS_MAX_LENGTH = 1024;
/** Most static TGs per slot from options. */
export const OPTIONS_MAX_STATIC_PER_SLOT = 64;

/** Remove NULs, quotes and every character outside printable ASCII. */
export function sanitizeOptions(raw: string): string {
  let out = "";
  const n = Math.min(raw.length, OPTIONS_MAX_LENGTH);
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) continue;
    if (c === 0x22 || c === 0x27) continue; // " '
    out += raw[i];
  }
  return out.trim();
}

/** Module constants: a regular expression literal makes a new RegExp object each time it runs (once per option of every RPTO). */
const INTEGER = /^\d{1,9}$/;
const LANGUAGE_NAME = /^[A-Za-z0-9_]{1,16}$/;

function parseInteger(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!INTEGER.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

function parseFlag(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (t === "1" || t === "true" || t === "on" || t === "yes") return true;
  if (t === "0" || t === "false" || t === "off" || t === "no") return false;
  return null;
}

export function parseOptions(raw: string, rules: OptionsRules): ParsedOptions {
  const text = sanitizeOptions(raw);
  const result: ParsedOptions = {
    text,
    ts1: null,
    ts2: null,
    dial: null,
    timerMinutes: null,
    single: null,
    voice: null,
    lang: null,
    identTalkgroup: null,
    key: null,
    rejected: [],
  };
  const reject = (token: string, reason: string): void => {
    result.rejected.push(`${token}: ${reason}`);
  };
  const addStatic = (slot: 1 | 2, token: string, list: string, replace: boolean): void => {
    let target = slot === 1 ? result.ts1 : result.ts2;
    if (target === null || replace) {
      target = target ?? [];
      if (slot === 1) result.ts1 = target;
      else result.ts2 = target;
    }
    for (const rawItem of list.split(",")) {
      const item = rawItem.trim();
      if (item === "") continue;
      const tg = parseInteger(item, 0, TG_MAX);
      if (tg === null) {
        reject(`${token}`, `"${item}" is not a talkgroup number (1–${TG_MAX})`);
        continue;
      }
      if (inRanges(rules.prohibitedTalkgroups, tg)) {
        reject(`${token}`, `talkgroup ${tg} is reserved and cannot be static`);
        continue;
      }
      if (target.includes(tg)) continue;
      if (target.length >= OPTIONS_MAX_STATIC_PER_SLOT) {
        reject(`${token}`, `more than ${OPTIONS_MAX_STATIC_PER_SLOT} static talkgroups on TS${slot}; ${tg} ignored`);
        continue;
      }
      target.push(tg);
    }
  };

  for (const rawToken of text.split(";")) {
    const token = rawToken.trim();
    if (token === "") continue;
    const eq = token.indexOf("=");
    if (eq <= 0) {
      reject(token, 'expected "key=value"');
      continue;
    }
    const key = token.slice(0, eq).trim().toUpperCase();
    const value = token.slice(eq + 1).trim();
    switch (key) {
      case "TS1":
      case "TS1_STATIC":
        addStatic(1, token, value, true);
        break;
      case "TS2":
      case "TS2_STATIC":
        addStatic(2, token, value, true);
        break;
      case "TS1_1":
      case "TS1_2":
      case "TS1_3":
      case "TS1_4":
      case "TS1_5":
      case "TS1_6":
      case "TS1_7":
      case "TS1_8":
      case "TS1_9":
        addStatic(1, token, value, false);
        break;
      case "TS2_1":
      case "TS2_2":
      case "TS2_3":
      case "TS2_4":
      case "TS2_5":
      case "TS2_6":
      case "TS2_7":
      case "TS2_8":
      case "TS2_9":
        addStatic(2, token, value, false);
        break;
      case "DIAL":
      case "DEFAULT_REFLECTOR":
      case "STARTREF": {
        const n = parseInteger(value, 0, TG_MAX);
        if (n === null) reject(token, "not a reflector number");
        else if (n !== 0 && !rules.dialable(n)) reject(token, `reflector ${n} cannot be dialled`);
        else result.dial = n;
        break;
      }
      case "TIMER":
      case "DEFAULT_UA_TIMER":
      case "RELINKTIME": {
        const n = parseInteger(value, 0, 1_000_000);
        if (n === null) reject(token, "not a number of minutes (0 = never expire)");
        else result.timerMinutes = n;
        break;
      }
      case "SINGLE":
      case "SINGLE_MODE": {
        const f = parseFlag(value);
        if (f === null) reject(token, "expected 0 or 1");
        else result.single = f;
        break;
      }
      case "VOICE":
      case "IDENT": {
        const f = parseFlag(value);
        if (f === null) reject(token, "expected 0 or 1");
        else result.voice = f;
        break;
      }
      case "LANG":
        if (!LANGUAGE_NAME.test(value)) reject(token, "not a language name");
        else result.lang = value;
        break;
      case "IDENTTG":
      case "VOICETG":
      case "OVERRIDE_IDENT_TG": {
        const n = parseInteger(value, 1, TG_MAX);
        if (n === null) reject(token, "not a talkgroup number");
        else result.identTalkgroup = n;
        break;
      }
      case "KEY":
        // the value is a secret: the rejection names the key, never the value
        if (value === "" || value.length > 64) reject("KEY", "key must be 1–64 characters");
        else result.key = value;
        break;
      case "USERLINK":
      case "TYPE":
        break; // DMR+ / HBlink keys with no meaning here
      default:
        reject(token, "unknown option");
    }
  }
  return result;
}

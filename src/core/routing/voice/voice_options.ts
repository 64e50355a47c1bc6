/**
 * Options of the voice features: announcements (dial replies, status, rejected options, relink),
 * the periodic ident, and talker-alias insertion. Plain data handed in at start-up; the voice
 * packs are already loaded and validated by the shell (src/shell/voice_pack_loader.ts). With no
 * pack every prompt is skipped (and nothing is allocated for them).
 * @module
 */
import type { VoicePack } from "../../../dmr/voice_pack.ts";
import type { Slot } from "../../router_port.ts";

export interface IdentOptions {
  /** Hotspots ident unless their options say VOICE=0 / IDENT=0 (FreeDMR VOICE_IDENT). */
  readonly defaultOn: boolean;
  /** Spelled in the ident ("this is <callsign>"); empty = no ident. */
  readonly callsign: string;
  /** Group talkgroup the ident is sent to (FreeDMR: all-call 16777215); IDENTTG= overrides. */
  readonly talkgroupId: number;
  /** The hotspot slot it is sent on (FreeDMR: TS2; a simplex hotspot's one slot). */
  readonly slot: Slot;
  /** Time between idents per hotspot (FreeDMR: 914 s); 0 = never. */
  readonly intervalMs: number;
  /** Only when the slot has been idle this long (FreeDMR: 30 s). */
  readonly idleMs: number;
}

export interface VoiceOptions {
  /** Loaded packs, one per language; empty = no announcements at all. */
  readonly packs: readonly VoicePack[];
  /** Language used unless a hotspot asks for another with LANG= (must be one of `packs`). */
  readonly defaultLanguage: string;
  /** Source radio id of announcements; 0 = the server id (or 5000, FreeDMR's, when that is 0 too). */
  readonly sourceId: number;
  /** Dial-a-TG replies, 5000 status, rejected-options prompt, UA-timeout relink. */
  readonly announcements: boolean;
  readonly ident: IdentOptions;
  /** An announcement waits at most this long for its slot, then it is dropped (counted). */
  readonly maxWaitMs: number;
  /** Announcements queued or playing at once; more are dropped (counted). */
  readonly maxConcurrent: number;
  /** Longest announcement in voice bursts (60 ms each); longer word lists are cut. */
  readonly maxBursts: number;
  /** Spacing of announcement frames (one burst = 60 ms, hbp-and-dmr.md §2.2). */
  readonly frameIntervalMs: number;
}

export interface TalkerAliasInsertionOptions {
  /** Insert a talker alias (callsign + first name) into calls whose radio sends none. */
  readonly enabled: boolean;
  /** Talkgroups (or reflectors) whose calls never get one. */
  readonly optOutTalkgroups: readonly number[];
}

export const DEFAULT_VOICE_OPTIONS: VoiceOptions = {
  packs: [],
  defaultLanguage: "en_GB",
  sourceId: 0,
  announcements: true,
  ident: { defaultOn: true, callsign: "", talkgroupId: 16777215, slot: 2, intervalMs: 914_000, idleMs: 30_000 },
  maxWaitMs: 20_000,
  maxConcurrent: 64,
  maxBursts: 250,
  frameIntervalMs: 60,
};

export const DEFAULT_TALKER_ALIAS_INSERTION: TalkerAliasInsertionOptions = { enabled: true, optOutTalkgroups: [] };

/** FreeDMR's announcement source id (freedmr-reference.md §1.6). */
export const FREEDMR_ANNOUNCEMENT_ID = 5000;

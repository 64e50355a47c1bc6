/**
 * Config `[voice]` + loaded packs → the core's VoiceOptions and TalkerAliasInsertionOptions (pure).
 * The packs are read by the shell (src/shell/voice_pack_loader.ts) and passed in.
 * @module
 */
import { DEFAULT_VOICE_OPTIONS, type TalkerAliasInsertionOptions, type VoiceOptions } from "../core/routing/voice/voice_options.ts";
import type { Config } from "./schema.ts";

export function voiceOptionsFromConfig(voice: Config["voice"], packs: VoiceOptions["packs"]): VoiceOptions {
  return {
    ...DEFAULT_VOICE_OPTIONS,
    packs,
    defaultLanguage: voice.default_language,
    sourceId: voice.source_id,
    announcements: voice.announcements,
    maxWaitMs: Math.round(voice.max_wait_seconds * 1000),
    maxConcurrent: voice.max_concurrent,
    ident: {
      defaultOn: voice.ident_default,
      callsign: voice.ident_callsign.trim(),
      talkgroupId: voice.ident_talkgroup,
      slot: voice.ident_slot,
      intervalMs: voice.ident_interval_seconds * 1000,
      idleMs: voice.ident_idle_seconds * 1000,
    },
  };
}

export function talkerAliasOptionsFromConfig(voice: Config["voice"]): TalkerAliasInsertionOptions {
  return { enabled: voice.talker_alias_insert, optOutTalkgroups: [...voice.talker_alias_opt_out_talkgroups] };
}

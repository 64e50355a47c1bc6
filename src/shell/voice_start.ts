/**
 * Start-up of the voice features (I/O, once): load and validate the voice packs and the alias user
 * list named in `[voice]`, log what was loaded and what was refused, and hand the core plain data
 * (VoiceOptions, TalkerAliasInsertionOptions) plus the alias lookup. Problems never stop the server:
 * a refused pack is skipped with its reason, and without packs every prompt is skipped.
 * @module
 */
import { talkerAliasOptionsFromConfig, voiceOptionsFromConfig } from "../config/voice_options.ts";
import type { Config } from "../config/schema.ts";
import type { RoutingOptions } from "../core/routing/options.ts";
import type { RouterExtras } from "../core/routing/router_context.ts";
import type { Logger } from "./log.ts";
import { aliasLookup, loadRadioIdUsers } from "./radioid_users.ts";
import { loadVoicePacks } from "./voice_pack_loader.ts";

export interface VoiceStart {
  readonly options: Pick<RoutingOptions, "voice" | "talkerAlias">;
  readonly extras: Pick<RouterExtras, "aliases">;
}

export function loadVoiceAtStart(config: Config, log: Logger): VoiceStart {
  const v = config.voice;
  const identOn = v.ident_callsign.trim() !== "" && v.ident_interval_seconds > 0;
  const { packs, problems } = loadVoicePacks(v.directory, v.languages, identOn ? v.ident_callsign : "");
  for (const problem of problems) log.error({ directory: v.directory }, `voice: ${problem}`);
  if (packs.length > 0) {
    log.info({ languages: packs.map((p) => `${p.language} (${p.format}, ${p.words.size} words)`) }, "voice packs loaded");
    if (!packs.some((p) => p.language === v.default_language)) {
      log.warn({ defaultLanguage: v.default_language, loaded: packs.map((p) => p.language) }, `voice.default_language: no pack for ${v.default_language}; using ${packs[0]!.language}`);
    }
  } else if (v.directory !== "") {
    log.warn({ directory: v.directory }, "voice: no usable voice pack; announcements are off");
  }
  let extras: Pick<RouterExtras, "aliases"> = {};
  if (v.talker_alias_users_file !== "" && v.talker_alias_insert) {
    const users = loadRadioIdUsers(v.talker_alias_users_file);
    if (users.ok) {
      extras = { aliases: aliasLookup(users.users) };
      log.info({ file: v.talker_alias_users_file, users: users.users.size, skipped: users.skipped }, "talker-alias users loaded");
    } else {
      log.error({ file: v.talker_alias_users_file }, `voice.talker_alias_users_file: ${users.reason}; no talker-alias insertion`);
    }
  }
  return { options: { voice: voiceOptionsFromConfig(v, packs), talkerAlias: talkerAliasOptionsFromConfig(v) }, extras };
}

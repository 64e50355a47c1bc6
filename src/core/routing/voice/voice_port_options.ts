/**
 * A hotspot's voice options (FreeDMR options_config, freedmr-reference.md §1.9): VOICE=/IDENT=
 * (ident on/off), LANG= (announcement language; must be a loaded pack) and IDENTTG= (the ident's
 * talkgroup). Without voice packs they are remembered but have no effect.
 * @module
 */
import { languageLoaded, voiceEnabled } from "./announcements.ts";
import type { RouterContext } from "../router_context.ts";
import type { PortState } from "../state.ts";

export function applyVoiceOptions(
  ctx: RouterContext,
  ps: PortState,
  ident: boolean | null,
  language: string | null,
  identTalkgroup: number | null,
  rejected: string[],
): void {
  if (ident !== null) ps.optionsIdent = ident;
  if (identTalkgroup !== null) ps.optionsIdentTalkgroup = identTalkgroup;
  if (language !== null) {
    if (voiceEnabled(ctx) && !languageLoaded(ctx, language)) {
      const loaded = ctx.options.voice.packs.map((p) => p.language).join(", ");
      rejected.push(`LANG=${language}: no voice pack loaded for this language (loaded: ${loaded})`);
    } else {
      ps.optionsLanguage = language;
    }
  }
}

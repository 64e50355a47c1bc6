/**
 * Talker alias for every caller: at a voice stream's start, when the caller's id has names in the
 * alias data and the talkgroup has not opted out, the stream's TalkerAliasInserter
 * (src/dmr/talker_alias_inserter.ts) is primed; per frame frame_path.ts lets it decide and
 * delivery.ts writes its fragment into every copy. A radio that sends its own alias keeps it.
 * @module
 */
import type { DmrdFrame } from "../../../wire/dmrd.ts";
import type { RouterContext } from "../router_context.ts";
import type { Stream } from "../state.ts";

/** Prime (or not) the stream's alias insertion. Allocation-free (a lookup, then fixed buffers). */
export function startTalkerAlias(ctx: RouterContext, stream: Stream, frame: DmrdFrame): void {
  const ta = stream.talkerAlias;
  if (ta === null) return;
  ta.stop();
  const aliases = ctx.aliases;
  if (aliases === null || stream.data) return;
  const optOut = ctx.options.talkerAlias.optOutTalkgroups;
  if (optOut.length > 0) {
    if (optOut.includes(stream.destinationId)) return;
    for (let c = 0; c < stream.conferenceCount; c++) if (optOut.includes(stream.conferences[c]!)) return;
  }
  const names = aliases(stream.sourceId);
  if (names === undefined) return;
  if (ta.start(frame, names.callsign, names.firstName)) ctx.stats.talkerAliasStreams++;
}

/**
 * Source quench: stop delivering a stream to a link (BCSQ received, or the link already has the
 * stream from elsewhere).
 * @module
 */
import type { RouterPort, Slot } from "../../router_port.ts";
import type { PortState, Stream } from "../state.ts";
import { livePort } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { slotKey } from "../slot_table.ts";

/** Router.quench: a link asked us to stop sending it a stream (BCSQ). */
export function quenchStream(ctx: RouterContext, nowMs: number, port: RouterPort, talkgroupId: number, streamId: number): boolean {
  void nowMs;
  const ps = livePort(ctx, port);
  if (ps === null) return false;
  let found = false;
  for (let s: Stream | null = ctx.byStreamId.get(streamId) ?? null; s !== null; s = s.nextSameId) {
    if (quenchTarget(ctx, s, ps, talkgroupId)) found = true;
  }
  return found;
}

/** Stop delivering `stream` to port `ps` (talkgroupId 0 = any of its slots). */
export function quenchTarget(ctx: RouterContext, stream: Stream, ps: PortState, talkgroupId: number): boolean {
  let found = false;
  for (let t = 0; t < stream.targetCount; t++) {
    if (stream.targetPort(t) !== ps) continue;
    if (talkgroupId !== 0 && stream.targetDestination(t) !== talkgroupId) continue;
    if (stream.targetQuenched(t)) continue;
    stream.quenchTarget(t);
    found = true;
    if (!ps.trunk) {
      const k = slotKey(ps.index, stream.targetSlot(t));
      if (ctx.slots.tx(k) === stream) ctx.slots.setTx(k, null);
    }
  }
  return found;
}

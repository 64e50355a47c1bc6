/**
 * Unit calls and data (freedmr-reference.md §1.14): to where the destination radio was last heard,
 * or offered to links that accept a flood when nobody has heard it.
 * @module
 */
import { CallType } from "../../wire/dmrd.ts";
import type { PortState, Stream } from "./state.ts";
import { FIRST_RADIO_ID } from "./numbering.ts";
import { rfSlotOf, subscriberPort } from "./port_lookup.ts";
import type { RouterContext } from "./router_context.ts";
import { addTarget } from "./stream_targets.ts";

/** Unit voice/data: to where the destination radio was last heard (freedmr-reference.md §1.14). */
export function routeUnit(ctx: RouterContext, nowMs: number, stream: Stream, ps: PortState): void {
  const destinationId = stream.destinationId;
  const entry = ctx.subscribers.lookup(nowMs, destinationId);
  if (entry !== null) {
    const tps = subscriberPort(ctx, entry);
    if (tps !== null) {
      if (tps !== ps) addTarget(ctx, stream, tps, rfSlotOf(tps, entry.slot), destinationId, CallType.Unit);
      return;
    }
  }
  if ((stream.data || ctx.options.floodUnknownUnitVoice) && destinationId >= FIRST_RADIO_ID) {
    let offered = 0;
    for (const link of ctx.links) {
      if (link === ps || link.port!.acceptsUnitDataFlood !== true) continue;
      addTarget(ctx, stream, link, 1, destinationId, CallType.Unit);
      offered++;
    }
    if (offered > 0) return;
  }
  ctx.stats.droppedNoRoute++;
}

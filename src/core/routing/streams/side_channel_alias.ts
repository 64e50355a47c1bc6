/**
 * Talker aliases from the DMRA side channel (hbp-and-dmr.md §3.1): MMDVMHost sends each TA LC it
 * decodes from RF to the master as well as (or instead of) leaving it in the embedded LC. The LC
 * joins the stream that radio is sending on that port, so stream.end (events, last heard) carries
 * the alias when the embedded LCs did not. Allocation-free.
 * @module
 */
import type { RouterPort } from "../../router_port.ts";
import { livePort } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { publishStreamAlias } from "../router_events.ts";

/** One DMRA TA LC (block 0 = header, 1–3) for the stream `sourceId` is sending on `port`. */
export function routeSideChannelAlias(ctx: RouterContext, nowMs: number, port: RouterPort, sourceId: number, block: number, data: Uint8Array): void {
  const ps = livePort(ctx, port);
  if (ps !== null && !ps.trunk) {
    for (let i = 0; i < 2; i++) {
      const stream = ps.slots[i]!.rxStream;
      if (stream === null || stream.sourceId !== sourceId || stream.refused) continue;
      stream.sideAlias.addData(block, data, 0);
      ctx.stats.sideChannelAliases++;
      if (!stream.aliasPublished && !stream.silent && stream.sideAlias.complete) {
        stream.aliasPublished = true;
        publishStreamAlias(ctx, nowMs, stream); // dashboards show it while the call is in progress
      }
      return;
    }
  }
  ctx.stats.sideChannelAliasOrphan++;
}

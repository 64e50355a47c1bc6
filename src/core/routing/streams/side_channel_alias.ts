/**
 * Talker aliases from the DMRA side channel (hbp-and-dmr.md §3.1): MMDVMHost sends each TA LC it
 * decodes from RF to the master as well as (or instead of) leaving it in the embedded LC. The LC
 * joins the stream that radio is sending on that port, so stream.end (events, last heard) carries
 * the alias when the embedded LCs did not. A target port that carries side-channel aliases (the
 * cluster port: the other nodes) gets the LC too — and so does each bridge the stream joined, for
 * nodes that hear it only through the bridge —, so their stream of the same call carries it; an
 * LC arriving from such a trunk port names its stream and is never passed on (one hop, like the
 * frames). Allocation-free.
 * @module
 */
import { CallType } from "../../../wire/dmrd.ts";
import type { RouterPort } from "../../router_port.ts";
import { livePort } from "../hotspots/port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { publishStreamAlias } from "../router_events.ts";
import { relayBridgeAlias } from "../features/bridge_trunk.ts";
import type { Stream } from "../state.ts";

/**
 * One DMRA TA LC (block 0 = header, 1–3) for the stream `sourceId` is sending on `port`; from a
 * trunk port, the stream is named by `streamId` (its first or current stream id; -1 = none).
 */
export function routeSideChannelAlias(ctx: RouterContext, nowMs: number, port: RouterPort, sourceId: number, block: number, data: Uint8Array, streamId = -1): void {
  const ps = livePort(ctx, port);
  if (ps !== null && !ps.trunk) {
    for (let i = 0; i < 2; i++) {
      const stream = ctx.slots.rx(ps.index * 2 + i); // slotKey(ps.index, i + 1)
      if (stream === null || stream.sourceId !== sourceId || stream.refused) continue;
      joinAlias(ctx, nowMs, stream, block, data);
      forwardAlias(nowMs, stream, block, data);
      if (stream.bridgeTrunk !== null) relayBridgeAlias(nowMs, stream, block, data);
      return;
    }
  } else if (ps !== null && streamId >= 0 && joinTrunkStreams(ctx, nowMs, ps.port!, sourceId, streamId >>> 0, block, data)) {
    ctx.stats.trunkSideChannelAliases++;
    return;
  }
  ctx.stats.sideChannelAliasOrphan++;
}

function joinAlias(ctx: RouterContext, nowMs: number, stream: Stream, block: number, data: Uint8Array): void {
  stream.sideAlias.addData(block, data, 0);
  ctx.stats.sideChannelAliases++;
  if (!stream.aliasPublished && !stream.silent && stream.sideAlias.complete) {
    stream.aliasPublished = true;
    publishStreamAlias(ctx, nowMs, stream); // dashboards show it while the call is in progress
  }
}

/** The LC to every target port that carries side-channel aliases (the cluster), as delivered there. */
function forwardAlias(nowMs: number, stream: Stream, block: number, data: Uint8Array): void {
  for (let t = 0; t < stream.targetCount; t++) {
    const target = stream.targetPort(t)?.port ?? null;
    if (target === null || target.emitTalkerAlias === undefined) continue;
    target.emitTalkerAlias(nowMs, stream.currentStreamId, stream.sourceId, stream.targetDestination(t), stream.targetCallType(t) === CallType.Unit, block, data);
  }
}

/**
 * Join the LC to the active streams from trunk `port` with this source and (first or current)
 * stream id: one call can arrive as two streams there (its talkgroup's copy on TS1 and a bridge's
 * copy on the bridge lane, features/bridge_trunk.ts). False = none.
 */
function joinTrunkStreams(ctx: RouterContext, nowMs: number, port: RouterPort, sourceId: number, streamId: number, block: number, data: Uint8Array): boolean {
  let found = false;
  for (let s: Stream | null = ctx.byStreamId.get(streamId) ?? null; s !== null; s = s.nextSameId) {
    if (s.active && s.port === port && s.sourceId === sourceId && !s.refused) {
      joinAlias(ctx, nowMs, s, block, data);
      found = true;
    }
  }
  if (found) return true;
  // DMR+ style: a new id per header; the stream is registered under its first one
  for (const s of ctx.active) {
    if (s.port === port && s.sourceId === sourceId && s.currentStreamId === streamId && !s.refused) {
      joinAlias(ctx, nowMs, s, block, data);
      found = true;
    }
  }
  return found;
}

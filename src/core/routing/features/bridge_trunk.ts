/**
 * Configured bridges across a trunk that carries them (the cluster port: the other nodes of a
 * freedmr cluster, docs/cluster.md). A bridge is one conference on every node (its members are
 * the ports of that node, each with its own ON/OFF state and timer, as on one server):
 *
 *  - out: a stream that joined a bridge conference here (from a hotspot or a link, never from the
 *    trunk itself) is handed frame by frame to the trunk's `emitBridgeFrame`, once per bridge it
 *    joined, unchanged (the source member's slot and talkgroup);
 *  - in: a frame the trunk received for bridge k (`Router.onBridgeFrame`) starts a stream of the
 *    trunk port that joins exactly that bridge's conference (no talkgroup, no triggers, no links
 *    by talkgroup map): each local active member hears it on its own slot and talkgroup
 *    (rewritten), and it never goes back to the trunk (the stream's port is the trunk).
 * Allocation-free per frame.
 * @module
 */
import type { RouterPort } from "../../router_port.ts";
import type { DmrdFrame } from "../../../wire/dmrd.ts";
import type { RouterContext } from "../router_context.ts";
import { BRIDGE_CONFERENCE_BASE, type PortState, type Stream } from "../state.ts";

/** A port came up: it is the bridge trunk when it can carry bridge frames. */
export function bridgeTrunkUp(ctx: RouterContext, ps: PortState): void {
  if (ps.port!.emitBridgeFrame !== undefined) ctx.bridgeTrunk = ps;
}

/** A port goes down: streams stop relaying to it. */
export function bridgeTrunkDown(ctx: RouterContext, ps: PortState): void {
  if (ctx.bridgeTrunk !== ps) return;
  ctx.bridgeTrunk = null;
  for (const stream of ctx.active) if (stream.bridgeTrunk === ps.port) stream.bridgeTrunk = null;
}

/** At a group stream's start: relay it to the trunk when it joined a bridge and did not come from the trunk. */
export function markBridgeRelay(ctx: RouterContext, stream: Stream, ps: PortState): void {
  const trunk = ctx.bridgeTrunk;
  stream.bridgeTrunk = null;
  if (trunk === null || trunk === ps || !trunk.up) return;
  for (let c = 0; c < stream.conferenceCount; c++) {
    if (stream.conferences[c]! >= BRIDGE_CONFERENCE_BASE) {
      stream.bridgeTrunk = trunk.port;
      return;
    }
  }
}

/** Every frame of a relayed stream: once per bridge it joined. */
export function relayBridgeFrame(nowMs: number, stream: Stream, frame: DmrdFrame): void {
  const trunk: RouterPort = stream.bridgeTrunk!;
  for (let c = 0; c < stream.conferenceCount; c++) {
    const conference = stream.conferences[c]!;
    if (conference >= BRIDGE_CONFERENCE_BASE) trunk.emitBridgeFrame!(nowMs, conference - BRIDGE_CONFERENCE_BASE, frame.bytes);
  }
}

/** A DMRA talker-alias LC of a relayed stream: once per bridge it joined (side_channel_alias.ts). */
export function relayBridgeAlias(nowMs: number, stream: Stream, block: number, data: Uint8Array): void {
  const trunk: RouterPort = stream.bridgeTrunk!;
  if (trunk.emitBridgeTalkerAlias === undefined) return;
  for (let c = 0; c < stream.conferenceCount; c++) {
    const conference = stream.conferences[c]!;
    if (conference >= BRIDGE_CONFERENCE_BASE) trunk.emitBridgeTalkerAlias(nowMs, conference - BRIDGE_CONFERENCE_BASE, stream.currentStreamId, stream.sourceId, block, data);
  }
}

/** The bridge conference a frame from the trunk is for (set around `onBridgeFrame`), or -1. */
export function inboundBridgeConference(ctx: RouterContext, ps: PortState): number {
  if (ctx.inboundBridge < 0 || ctx.bridgeTrunk !== ps) return -1;
  return BRIDGE_CONFERENCE_BASE + ctx.inboundBridge;
}

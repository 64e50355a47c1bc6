/**
 * Ports coming up (static TGs, bridge members, default reflector, link map) and going down (its
 * streams end, targets and subscriptions go); a link port's talkgroup map.
 * @module
 */
import { PortKind, type RouterPort } from "../../router_port.ts";
import { DEFAULT_ACCESS_RULE_ROUTING, DEFAULT_LINK_TALKGROUP_MAP, type LinkTalkgroupMap } from "../options.ts";
import { RecordingState } from "../features/parrot.ts";
import { PortState, SubOrigin } from "../state.ts";
import { attachBridgeMembers } from "../features/bridges.ts";
import { bridgeTrunkDown, bridgeTrunkUp } from "../features/bridge_trunk.ts";
import { defaultReflector, linkDial, unscheduleRelink } from "../features/dial.ts";
import { reapplyOptions } from "./hotspot_options.ts";
import { freeRecording } from "../features/parrot_playback.ts";
import { portStateAt, rfSlotOf } from "./port_lookup.ts";
import type { RouterContext } from "../router_context.ts";
import { slotKey } from "../slot_table.ts";
import { endStream } from "../streams/stream_end.ts";
import { dropTarget } from "../streams/stream_targets.ts";
import { addStatic, removeSub } from "../subscriptions/subscriptions.ts";
import { noteStateChange } from "../router_events.ts";
import { applyPendingRestore } from "../state_records.ts";

/** Port states made at once when a new index is first used. */
const PORT_STATES_STEP = 256;

/** onPortUp: set up the port's state (replacing a previous login on the index), static TGs, bridges, default reflector. */
export function portUp(ctx: RouterContext, nowMs: number, port: RouterPort): void {
  const index = port.portIndex;
  if (index < 0 || index >= ctx.options.capacities.maxPorts) {
    ctx.stats.droppedUnknownPort++;
    return;
  }
  // port states are created as indexes are first used (the pool hands out dense indexes), a step
  // at a time: side by side in the heap rather than one among each login's short-lived objects
  // (measured ~90 bytes less RSS per hotspot once the heap has shrunk)
  if (ctx.ports.length <= index) {
    const end = Math.min(ctx.options.capacities.maxPorts, (Math.floor(index / PORT_STATES_STEP) + 1) * PORT_STATES_STEP);
    while (ctx.ports.length < end) ctx.ports.push(new PortState(ctx.ports.length));
  }
  const ps = ctx.ports[index]!;
  if (ps.up) portDown(ctx, nowMs, ps.port!);
  ps.port = port;
  ps.up = true;
  ps.trunk = port.kind === PortKind.OpenBridge || port.kind === PortKind.Cluster;
  ps.link = port.kind === PortKind.OpenBridge || port.kind === PortKind.Upstream || port.kind === PortKind.Cluster;
  ps.local = port.kind === PortKind.Hotspot;
  ps.rule = (port.accessRule !== null ? ctx.options.accessRules[port.accessRule] : undefined) ?? DEFAULT_ACCESS_RULE_ROUTING;
  ps.optionsTimerMinutes = null;
  ps.optionsSingle = null;
  ps.optionsDial = null;
  ps.optionsText = "";
  ps.optionsIdent = null;
  ps.optionsLanguage = null;
  ps.optionsIdentTalkgroup = null;
  ps.dialSub = null;
  ps.relinkAtMs = 0;
  ctx.slots.reset(slotKey(ps.index, 1));
  ctx.slots.reset(slotKey(ps.index, 2));
  if (ps.link) {
    ps.linkMap = ctx.pendingMaps.get(port) ?? DEFAULT_LINK_TALKGROUP_MAP;
    ps.linkPosition = ctx.links.length;
    ctx.links.push(ps);
    ctx.interestVersion++;
  } else {
    ps.linkMap = null;
  }
  const rule = ps.rule;
  for (const tg of rule.ts1Static) addStatic(ctx, nowMs, ps, rfSlotOf(ps, 1), tg, SubOrigin.Config, "config");
  for (const tg of rule.ts2Static) addStatic(ctx, nowMs, ps, rfSlotOf(ps, 2), tg, SubOrigin.Config, "config");
  attachBridgeMembers(ctx, nowMs, ps);
  bridgeTrunkUp(ctx, ps);
  const dflt = defaultReflector(ps);
  if (dflt !== 0 && ctx.options.dial.enabled && ps.local) linkDial(ctx, nowMs, ps, dflt, "default");
  // self-care settings hold from the first moment, whether or not options follow
  if (ps.local && ctx.hotspotSettings.has(port.repeaterId)) reapplyOptions(ctx, nowMs, ps);
  if (ps.local) {
    noteStateChange(ctx, port.repeaterId);
    // after a restart: the talkgroups, dial link and options it had (state_records.ts)
    if (ctx.pendingRestores.size > 0) applyPendingRestore(ctx, nowMs, ps);
  }
}

/** onPortDown: streams from the port end, streams to it forget it, its recordings and subscriptions go. */
export function portDown(ctx: RouterContext, nowMs: number, port: RouterPort): void {
  const ps = portStateAt(ctx, port.portIndex);
  if (ps === null || !ps.up || ps.port !== port) return;
  // streams from this port end; streams to it forget it
  for (let i = ctx.active.length - 1; i >= 0; i--) {
    const stream = ctx.active[i]!;
    if (stream.ps === ps) {
      endStream(ctx, nowMs, stream, "port-down");
      continue;
    }
    for (let t = stream.targetCount - 1; t >= 0; t--) if (stream.targetPort(t) === ps) dropTarget(ctx, stream, t);
  }
  for (const rec of ctx.recordings) {
    if (rec.state !== RecordingState.Free && rec.ps === ps) freeRecording(ctx, nowMs, rec, true);
  }
  ctx.zeroIdEnds.forgetPort(ps.index);
  if (ps.local) noteStateChange(ctx, port.repeaterId);
  bridgeTrunkDown(ctx, ps);
  ps.up = false; // nothing may join it again while its subscriptions go
  while (ps.firstSub !== null) removeSub(ctx, nowMs, ps.firstSub, null);
  ps.dialSub = null;
  unscheduleRelink(ctx, ps);
  if (ps.linkPosition >= 0) {
    const last = ctx.links.pop()!;
    if (last !== ps) {
      ctx.links[ps.linkPosition] = last;
      last.linkPosition = ps.linkPosition;
    }
    ps.linkPosition = -1;
    ctx.interestVersion++;
  }
  ctx.slots.reset(slotKey(ps.index, 1));
  ctx.slots.reset(slotKey(ps.index, 2));
  ps.up = false;
  ps.port = null;
  ps.linkMap = null;
}

/** Router.setPortTalkgroupMap: remembered for the port object, applied at once when it is up. */
export function setPortTalkgroupMap(ctx: RouterContext, port: RouterPort, map: LinkTalkgroupMap | null): void {
  if (map === null) ctx.pendingMaps.delete(port);
  else ctx.pendingMaps.set(port, map);
  const ps = portStateAt(ctx, port.portIndex);
  if (ps !== null && ps.up && ps.port === port && ps.link) ps.linkMap = map ?? DEFAULT_LINK_TALKGROUP_MAP;
}

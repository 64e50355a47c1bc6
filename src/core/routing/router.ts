/**
 * The routing core: who hears what, when (freedmr-reference.md §1.5–1.14, §2.5, §5.4).
 *
 * Model: every talkgroup is a conference in one global namespace; a subscription maps
 * (port, slot, talkgroup at the port) ↔ conference. A hotspot's static or user-activated TG N is
 * (slot, N) ↔ N; dial-a-TG is (TS2, 9) ↔ reflector N; a configured bridge is a named conference
 * whose members are (port or access rule, slot, TG); link ports (OpenBridge, upstream) reach every
 * conference through their talkgroup map (default: every TG on TS1, one to one).
 *
 * A stream is (port, slot, stream id). At its first frame the router resolves its conferences and
 * computes the target list once (indexed lookups: subscriptions by conference, the few link ports,
 * the subscriber map for unit calls) and keeps it true as subscriptions end; per packet it copies
 * the frame into each target's egress buffer, patches the slot, applies the prepared LC rewrite
 * when the destination differs and emits. Bytes 11–14 keep the source's repeater id: every port
 * stamps its own id in `emit` (HBP session, upstream link, OpenBridge), and an FBP v5 link carries
 * the source hotspot on as its source repeater. Contention is per (port, slot): one stream at a
 * time, first come first served, the port's own transmission wins, group hang time after each
 * call; a busy target is retried on every frame (late entry); a target whose subscription ends
 * leaves the stream at once. Loop control: the
 * same stream from a second port (or on the other slot of one port) is refused (first arrival wins,
 * a local hotspot always wins over a link) and finished streams are remembered. A stream over the
 * maximum duration stops being routed but keeps its own slot until the sender stops.
 *
 * Deterministic: no clock, no I/O; time is an argument, randomness comes from deps.prng. The
 * per-packet path allocates nothing: records are pooled, keys are numbers.
 *
 * This file only composes: all state lives in one RouterContext (router_context.ts) and each
 * concern is a module of plain functions over it, called directly (no callbacks on the packet
 * path), grouped in folders by concept:
 *   frames/         per packet: frame_path (onFrame) → stream_lookup, duplicate_control, delivery,
 *                   contention; rewrite, default_rewriter (LC rewrite)
 *   streams/        stream_start (loop control, ACLs, kind of call) → unit_routing, group_routing,
 *                   data_call, stream_targets, stream_table, stream_membership (streams in progress
 *                   follow subscription changes), stream_end, finished_streams; talkgroup_acl,
 *                   link_map, link_quench, numbering, side_channel_alias (DMRA talker alias)
 *   subscriptions/  subscriptions (store), user_activation, subscription_timers, subscriber_map
 *   hotspots/       port_lifecycle, port_lookup, hotspot_options (RPTO), options_parser,
 *                   hotspot_settings (self-care over RPTO)
 *   features/       dial (dial-a-TG), dial_replies, bridges, parrot, parrot_playback
 *   voice/          announcements (+ announcement, ident, voice_options, voice_port_options),
 *                   talker_alias_insertion (frame_path observes, delivery writes the fragment)
 *   here            router_context, state, types, options, options_update (reload), stats, tick
 *                   (onTick), control_plane, queries (introspection), state_records (restart),
 *                   router_events (event publishing)
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import type { DmrdFrame } from "../../wire/dmrd.ts";
import type { LinkTalkgroupMap, RoutingOptions } from "./options.ts";
import type { RoutingStats } from "./stats.ts";
import type { DialResult, Router, RouterDeps, StreamInfo, SubscriberLocation, SubscriptionInfo } from "./types.ts";
import {
  dialFromApi,
  dropCall,
  hotspotPort,
  hotspotSettings,
  optionKeyMatches,
  optionsAllowed,
  resetPort,
  setHotspotSettings,
  subscribeTalkgroup,
  unsubscribeTalkgroup,
} from "./control_plane.ts";
import type { HotspotSettings } from "./hotspots/hotspot_settings.ts";
import { routeFrame } from "./frames/frame_path.ts";
import { applyOptions } from "./hotspots/hotspot_options.ts";
import { quenchStream } from "./streams/link_quench.ts";
import { portDown, portUp, setPortTalkgroupMap } from "./hotspots/port_lifecycle.ts";
import { bridgeState, dialedReflector, listActiveStreams, listSubscriptions, locateSubscriber } from "./queries.ts";
import { RouterContext, type RouterExtras } from "./router_context.ts";
import { routeSideChannelAlias } from "./streams/side_channel_alias.ts";
import { runTick, wantsFastTick } from "./tick.ts";
import { collectBridgeInterest, collectInterest } from "../cluster/interest.ts";
import { livePort } from "./hotspots/port_lookup.ts";
import {
  drainStateChanges,
  exportHotspotState,
  exportState,
  importState,
  type HotspotStateRecord,
  type ImportOptions,
  type ImportResult,
  type StateChange,
  type StateSnapshot,
} from "./state_records.ts";
import { updateRoutingOptions } from "./options_update.ts";

export { FIRST_RADIO_ID } from "./streams/numbering.ts";
export type { RouterExtras } from "./router_context.ts";

export function createRouter(options: RoutingOptions, deps: RouterDeps & RouterExtras): Router {
  return new RoutingCore(options, deps);
}

class RoutingCore implements Router {
  readonly #ctx: RouterContext;

  constructor(options: RoutingOptions, deps: RouterDeps & RouterExtras) {
    this.#ctx = new RouterContext(options, deps);
  }

  get options(): RoutingOptions {
    return this.#ctx.options;
  }

  updateOptions(next: RoutingOptions): { kept: string[] } {
    return updateRoutingOptions(this.#ctx, next);
  }

  onPortUp(nowMs: number, port: RouterPort): void {
    portUp(this.#ctx, nowMs, port);
  }

  onPortDown(nowMs: number, port: RouterPort): void {
    portDown(this.#ctx, nowMs, port);
  }

  setPortTalkgroupMap(port: RouterPort, map: LinkTalkgroupMap | null): void {
    setPortTalkgroupMap(this.#ctx, port, map);
  }

  onOptions(nowMs: number, port: RouterPort, text: string): void {
    applyOptions(this.#ctx, nowMs, port, text);
  }

  onFrame(nowMs: number, port: RouterPort, frame: DmrdFrame): void {
    routeFrame(this.#ctx, nowMs, port, frame);
  }

  onBridgeFrame(nowMs: number, port: RouterPort, frame: DmrdFrame, bridgeIndex: number): void {
    const ctx = this.#ctx;
    if (bridgeIndex < 0 || bridgeIndex >= ctx.bridgeNames.length) {
      ctx.stats.droppedUnknownBridge++;
      return;
    }
    ctx.inboundBridge = bridgeIndex;
    try {
      routeFrame(ctx, nowMs, port, frame);
    } finally {
      ctx.inboundBridge = -1;
    }
  }

  collectBridgeInterest(out: Set<number>): void {
    collectBridgeInterest(this.#ctx, out);
  }

  onTalkerAlias(nowMs: number, port: RouterPort, sourceId: number, block: number, data: Uint8Array, streamId?: number): void {
    routeSideChannelAlias(this.#ctx, nowMs, port, sourceId, block, data, streamId ?? -1);
  }

  onTick(nowMs: number): void {
    runTick(this.#ctx, nowMs);
  }

  /** Streams to time out, playbacks and announcements to pace: the shell's fast tick (tick.ts). */
  wantsFastTick(): boolean {
    return wantsFastTick(this.#ctx);
  }

  quench(nowMs: number, port: RouterPort, talkgroupId: number, streamId: number): boolean {
    return quenchStream(this.#ctx, nowMs, port, talkgroupId, streamId);
  }

  stats(): RoutingStats {
    return this.#ctx.stats;
  }

  subscribe(nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number, kind: "static" | "dynamic"): boolean {
    return subscribeTalkgroup(this.#ctx, nowMs, port, slot, talkgroupId, kind);
  }

  unsubscribe(nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number): boolean {
    return unsubscribeTalkgroup(this.#ctx, nowMs, port, slot, talkgroupId);
  }

  dial(nowMs: number, port: RouterPort, reflector: number): DialResult {
    return dialFromApi(this.#ctx, nowMs, port, reflector);
  }

  resetPort(nowMs: number, port: RouterPort): void {
    resetPort(this.#ctx, nowMs, port);
  }

  dropCall(nowMs: number, streamId: number, portIndex: number | null): boolean {
    return dropCall(this.#ctx, nowMs, streamId, portIndex);
  }

  hotspotSettings(repeaterId: number): HotspotSettings {
    return hotspotSettings(this.#ctx, repeaterId);
  }

  hotspotSettingsEntries(): [repeaterId: number, settings: HotspotSettings][] {
    return [...this.#ctx.hotspotSettings];
  }

  setHotspotSettings(nowMs: number, repeaterId: number, settings: HotspotSettings): boolean {
    return setHotspotSettings(this.#ctx, nowMs, repeaterId, settings);
  }

  optionKeyMatches(repeaterId: number, key: string): boolean {
    return optionKeyMatches(this.#ctx, repeaterId, key);
  }

  hasOptionKey(repeaterId: number): boolean {
    return this.#ctx.optionKeys.has(repeaterId);
  }

  hotspotPortOf(repeaterId: number): RouterPort | null {
    return hotspotPort(this.#ctx, repeaterId)?.port ?? null;
  }

  optionsAllowedFor(repeaterId: number): boolean {
    return optionsAllowed(hotspotPort(this.#ctx, repeaterId));
  }

  exportState(nowMs: number, wallClockMs: number): StateSnapshot {
    return exportState(this.#ctx, nowMs, wallClockMs);
  }

  drainStateChanges(nowMs: number, wallClockMs: number, full = false): StateChange[] {
    return drainStateChanges(this.#ctx, nowMs, wallClockMs, full);
  }

  exportHotspotState(nowMs: number, wallClockMs: number, repeaterId: number): HotspotStateRecord | null {
    return exportHotspotState(this.#ctx, repeaterId, nowMs, wallClockMs);
  }

  importState(snapshot: StateSnapshot, nowMs: number, wallClockMs: number, options?: ImportOptions): ImportResult {
    return importState(this.#ctx, snapshot, nowMs, wallClockMs, options);
  }

  subscriptions(port: RouterPort): SubscriptionInfo[] {
    return listSubscriptions(this.#ctx, port);
  }

  optionsInForce(port: RouterPort): string {
    return livePort(this.#ctx, port)?.optionsText ?? "";
  }

  dialedReflector(port: RouterPort): number {
    return dialedReflector(this.#ctx, port);
  }

  locateSubscriber(nowMs: number, radioId: number): SubscriberLocation | null {
    return locateSubscriber(this.#ctx, nowMs, radioId);
  }

  learnSubscriber(nowMs: number, radioId: number, port: RouterPort, slot: Slot): void {
    if (radioId > 0 && radioId <= 0xffffff) this.#ctx.subscribers.learn(nowMs, radioId, port, slot);
  }

  interestVersion(): number {
    return this.#ctx.interestVersion;
  }

  collectInterest(out: Set<number>): boolean {
    return collectInterest(this.#ctx, out);
  }

  activeStreams(): StreamInfo[] {
    return listActiveStreams(this.#ctx);
  }

  bridgeState(name: string): { system: string; slot: Slot; talkgroupId: number; active: boolean }[] | null {
    return bridgeState(this.#ctx, name);
  }
}


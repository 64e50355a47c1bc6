/**
 * The routing core's public API: what `createRouter` returns beyond the FrameRouter seam, and the
 * shapes its control-plane and introspection calls use. The packet path (onFrame/onTick) never
 * builds any of these objects; introspection calls allocate and are meant for the API/dashboard.
 * @module
 */
import type { Prng } from "../../lib/prng.ts";
import type { EventSink } from "../events.ts";
import type { Outbox } from "../outbox.ts";
import type { FrameRouter } from "../router_contract.ts";
import type { RouterPort, Slot } from "../router_port.ts";
import type { LinkTalkgroupMap, RoutingOptions } from "./options.ts";
import type { RoutingStats } from "./stats.ts";
import type { HotspotSettings } from "./hotspots/hotspot_settings.ts";
import type { HotspotStateRecord, ImportOptions, ImportResult, StateChange, StateSnapshot } from "./state_records.ts";

export interface RouterDeps {
  readonly outbox: Outbox;
  readonly events: EventSink;
  readonly prng: Prng;
}

/** How a subscription came about. */
export type SubscriptionKind = "static" | "dynamic" | "dial" | "bridge";

export interface SubscriptionInfo {
  readonly slot: Slot;
  /** The talkgroup heard and talked on at the port (RF side; for a link, the link's TG). */
  readonly talkgroupId: number;
  /** The conference it joins: the TG itself, the dialled reflector for TG 9, or a bridge. */
  readonly conference: string;
  readonly kind: SubscriptionKind;
  readonly active: boolean;
  /** null = no expiry. */
  readonly expiresAtMs: number | null;
}

export interface SubscriberLocation {
  readonly portIndex: number;
  readonly portName: string;
  readonly slot: Slot;
  readonly lastHeardMs: number;
}

export interface StreamInfo {
  readonly streamId: number;
  readonly portIndex: number;
  readonly portName: string;
  readonly slot: Slot;
  readonly sourceId: number;
  readonly destinationId: number;
  readonly callType: "group" | "unit";
  readonly kind: "voice" | "data";
  readonly startedAtMs: number;
  readonly frames: number;
  /** Targets receiving it now, as "portIndex:slot". */
  readonly targets: readonly string[];
  /** Targets waiting for a busy slot to free up (late entry). */
  readonly pending: readonly string[];
}

export type DialResult =
  | { ok: true; reflector: number }
  | { ok: false; reason: "not-dialable" | "disabled" | "unknown-port" | "capacity" };

/** Everything the routing core offers: the FrameRouter seam plus links, control plane and stats. */
export interface Router extends FrameRouter {
  readonly options: RoutingOptions;
  /** True while a stream is active or a playback or announcement is paced (tick.ts): the shell ticks fast. */
  wantsFastTick(): boolean;
  /**
   * Reload: new ACLs, timers, access-rule routing, dial and reserved ranges for calls that start
   * from now on (streams in progress finish as they began). What was sized or built at start-up
   * (capacities, parrot, voice, talker alias, bridges, server id) keeps its old value; the result
   * names those that differed.
   */
  updateOptions(next: RoutingOptions): { kept: string[] };

  /**
   * Talkgroup map of a link port (kind OpenBridge or Upstream): link (slot, TG range) ↔ local
   * conference. null restores the default (every TG on TS1 one to one, local-only TGs filtered).
   * May be called before or after onPortUp; it applies to streams starting afterwards.
   */
  setPortTalkgroupMap(port: RouterPort, map: LinkTalkgroupMap | null): void;

  /**
   * Source quench (BCSQ received from a link): stop sending stream `streamId` to `port`.
   * `talkgroupId` is the link-side TG (checked when non-zero). Returns true when a stream stopped.
   */
  quench(nowMs: number, port: RouterPort, talkgroupId: number, streamId: number): boolean;

  /** Live counters (the same object every call; read, do not write). */
  stats(): RoutingStats;

  // ---- control plane (API, tests) ----------------------------------------------------------
  /** Add a static or dynamic subscription for a port's slot. */
  subscribe(nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number, kind: "static" | "dynamic"): boolean;
  /** Remove a static/dynamic subscription. */
  unsubscribe(nowMs: number, port: RouterPort, slot: Slot, talkgroupId: number): boolean;
  /** Link a dial-a-TG reflector (0 unlinks), as if the hotspot had made the private call. */
  dial(nowMs: number, port: RouterPort, reflector: number): DialResult;
  /** Forget a port's dynamic subscriptions and dial link (FreeDMR API `reset`). */
  resetPort(nowMs: number, port: RouterPort): void;
  /** Stop routing a call in progress (admin); portIndex null = on whatever port it arrives. */
  dropCall(nowMs: number, streamId: number, portIndex: number | null): boolean;
  /** Self-care settings of a hotspot (all null when none). */
  hotspotSettings(repeaterId: number): HotspotSettings;
  /** Every hotspot's settings (plain records: what a store persists and gives back through setHotspotSettings). */
  hotspotSettingsEntries(): [repeaterId: number, settings: HotspotSettings][];
  /** Replace them and apply them live (see hotspot_settings.ts for the precedence against RPTO). */
  setHotspotSettings(nowMs: number, repeaterId: number, settings: HotspotSettings): boolean;
  /** The repeater's options KEY equals `key` (self-care authentication); false when it has none. */
  optionKeyMatches(repeaterId: number, key: string): boolean;
  /** Whether the repeater locked its options with a KEY (the key itself is never shown). */
  hasOptionKey(repeaterId: number): boolean;
  /** The connected hotspot port of a repeater id, null when it is not connected. */
  hotspotPortOf(repeaterId: number): RouterPort | null;
  /** Whether the access rule of a connected hotspot allows options (true when not connected). */
  optionsAllowedFor(repeaterId: number): boolean;

  // ---- dynamic state for a store (state_records.ts; allocates; start-up and the journal timer) ----
  /** Everything worth keeping across a restart, times on the wall clock. */
  exportState(nowMs: number, wallClockMs: number): StateSnapshot;
  /** What changed since the last call (the first call, or `full`, exports everything after a "clear"). */
  drainStateChanges(nowMs: number, wallClockMs: number, full?: boolean): StateChange[];
  /** Take in a snapshot at start-up: session state waits for each hotspot to log in again. */
  importState(snapshot: StateSnapshot, nowMs: number, wallClockMs: number, options?: ImportOptions): ImportResult;
  /** One repeater's record now (cluster: its shared state), null when there is nothing to keep. */
  exportHotspotState(nowMs: number, wallClockMs: number, repeaterId: number): HotspotStateRecord | null;

  // ---- introspection (allocates; dashboard/API/tests) --------------------------------------
  subscriptions(port: RouterPort): SubscriptionInfo[];
  /** The options text in force on a port (as received, or restored after a restart; "" = none). */
  optionsInForce(port: RouterPort): string;
  /** Reflector linked by dial-a-TG, 0 = none. */
  dialedReflector(port: RouterPort): number;
  /** Where a radio id was last heard (null when unknown or older than the TTL). */
  locateSubscriber(nowMs: number, radioId: number): SubscriberLocation | null;
  /** Remember that radio `radioId` was last heard behind `port` (cluster: on another node, per the shared subscriber map). */
  learnSubscriber(nowMs: number, radioId: number, port: RouterPort, slot: Slot): void;
  /** Bumped whenever the talkgroups needed on this node may have changed (cluster interest). */
  interestVersion(): number;
  /** Fill `out` with the talkgroups this node needs from the cluster; true = all (src/core/cluster/interest.ts). */
  collectInterest(out: Set<number>): boolean;
  /** Fill `out` with the configured bridges (indexes) that have members here (src/core/cluster/interest.ts). */
  collectBridgeInterest(out: Set<number>): void;
  activeStreams(): StreamInfo[];
  /** Names of a bridge's members and whether each is active. */
  bridgeState(name: string): { system: string; slot: Slot; talkgroupId: number; active: boolean }[] | null;
}

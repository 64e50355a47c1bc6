/**
 * The routing core's one state object: options, deps, counters, the port table, the stream pool
 * and tables, the subscription store, bridges, parrot recordings. Every routing module is a set of
 * functions taking this context first; this is the single owner of all routing state (nothing is
 * copied or cached elsewhere). Everything is allocated here, at start-up.
 * @module
 */
import type { HotspotSettings } from "./hotspots/hotspot_settings.ts";
import type { RouterPort } from "../router_port.ts";
import { FinishedStreams } from "./streams/finished_streams.ts";
import { ZeroIdStragglers } from "./streams/zero_id_stragglers.ts";
import type { BridgeMemberOptions, LinkTalkgroupMap, RoutingOptions } from "./options.ts";
import { ParrotPort, Recording } from "./features/parrot.ts";
import { DEFAULT_REWRITER } from "./frames/default_rewriter.ts";
import type { RewriterFactory } from "./frames/rewrite.ts";
import { PortState, Stream, Subscription } from "./state.ts";
import { TargetArena } from "./streams/target_arena.ts";
import { SlotTable, StreamRegistry } from "./slot_table.ts";
import { RoutingStats } from "./stats.ts";
import { STREAM_POOL_STEP } from "./streams/stream_table.ts";
export { STREAM_POOL_STEP };
import { SubscriberMap } from "./subscriptions/subscriber_map.ts";
import type { RouterDeps } from "./types.ts";
import { TalkerAliasInserter, type AliasLookup } from "../../dmr/talker_alias_inserter.ts";
import { Announcement } from "./voice/announcement.ts";
import type { PendingRestore } from "./state_records.ts";

/** Most conferences one stream joins (TG or reflector + bridges). */
const MAX_CONFERENCES_PER_STREAM = 8;

export interface RouterExtras {
  /** Swap the stream rewriter (tests). Default: the air-interface rewriter. */
  readonly rewriter?: RewriterFactory;
  /** Names for radio ids (talker-alias insertion); none = no insertion. */
  readonly aliases?: AliasLookup;
}

/** A configured bridge member, indexed by the system (port name, repeater id, access rule) it names. */
export interface MemberRef {
  readonly bridgeIndex: number;
  readonly member: BridgeMemberOptions;
}

export class RouterContext {
  /** Replaced by `updateOptions` (reload); the parts sized at start-up never change (see there). */
  options: RoutingOptions;
  readonly stats = new RoutingStats();
  readonly deps: RouterDeps;
  readonly rewriter: RewriterFactory;

  readonly ports: PortState[] = [];
  /** every stream's target rows (streams/target_arena.ts) */
  readonly targets = new TargetArena(this.ports);
  /** every port index's two slots (contention, hang) */
  readonly slots: SlotTable;
  /** every stream record (pool, announcements, parrot playbacks), numbered for `slots` */
  readonly streamRegistry = new StreamRegistry();
  /** link ports (OpenBridge, upstream), in the order they came up */
  readonly links: PortState[] = [];
  /** ports with a scheduled default-reflector relink */
  readonly relinks: PortState[] = [];
  readonly pendingMaps = new Map<RouterPort, LinkTalkgroupMap>();

  readonly conferences = new Map<number, Subscription[]>();
  /** bumped when a conference gains its first or loses its last subscription, or a link comes or goes (cluster interest) */
  interestVersion = 0;
  /** the port that carries bridges to other nodes (the cluster port), features/bridge_trunk.ts */
  bridgeTrunk: PortState | null = null;
  /** while `onBridgeFrame` routes a frame: the bridge it is for (-1 otherwise) */
  inboundBridge = -1;
  /** subscriptions with a timer (dynamic, dial, bridge members with timeouts) */
  readonly timed: Subscription[] = [];
  /** the options of each bridge member's subscription (features/bridges.ts; dropped with the subscription) */
  readonly bridgeMembers = new Map<Subscription, BridgeMemberOptions>();
  readonly freeSubs: Subscription[] = [];
  subscriptionCount = 0;

  /**
   * Free stream records. The table starts at STREAM_POOL_STEP records and grows by whole steps
   * (doubling, up to `capacities.maxStreams`) when a stream starts and none is free — at a stream
   * start, never per packet. A typical server never routes more than a few dozen calls at once, and
   * every record carries ~3 KB of LC/alias state: 2048 of them up front were 6 MB of idle heap.
   */
  readonly streamPool: Stream[] = [];
  /** Records made so far (free + in use). */
  streamRecords = 0;
  readonly active: Stream[] = [];
  readonly byStreamId = new Map<number, Stream>();
  streamSerial = 0;

  readonly finished: FinishedStreams;
  /** the last call with stream id 0 per (port, slot), for its late copies (zero_id_stragglers.ts) */
  readonly zeroIdEnds = new ZeroIdStragglers();
  readonly subscribers: SubscriberMap;

  readonly bridgeNames: string[] = [];
  readonly membersBySystem = new Map<string, MemberRef[]>();

  readonly parrotPort: ParrotPort;
  readonly recordings: Recording[] = [];
  /** Recordings and announcements not free (taken, waiting or playing): the shell ticks fast while any is (tick.ts). */
  pacedInUse = 0;

  /** announcement pool (empty without voice packs) and per-port next ident time (by port index) */
  readonly announcements: Announcement[] = [];
  readonly identAtMs: Float64Array;
  readonly identPort: (RouterPort | null)[] = [];
  /** talker-alias lookup when insertion is on, else null */
  readonly aliases: AliasLookup | null;

  readonly optionKeys = new Map<number, string>();
  /** self-care settings by repeater id (hotspot_settings.ts) */
  readonly hotspotSettings = new Map<number, HotspotSettings>();
  /** state journal (state_records.ts): repeater ids whose persistent state changed since the last drain; null = not journaling */
  stateDirty: Set<number> | null = null;
  /** when the journal last drained (subscriber-map entries heard since then are exported next) */
  stateDrainedAtMs = Number.NEGATIVE_INFINITY;
  /** restored session state waiting for its hotspot to log in again (state_records.ts), by repeater id */
  readonly pendingRestores = new Map<number, PendingRestore>();
  nextHousekeepingMs = -Infinity;
  /** tick.ts: no active stream can time out or reach its maximum duration before this (scan skipped until then) */
  nextStreamCheckMs = -Infinity;
  /** the options nextStreamCheckMs was computed with (an update rescans at once) */
  streamCheckOptions: unknown = null;
  /** onTick calls so far (a playback stamps its slot with it: SlotTable.playbackStamp) */
  tickCount = 0;
  /** scratch for conference resolution */
  readonly conferenceScratch = new Int32Array(MAX_CONFERENCES_PER_STREAM);

  /** Add a step of stream records (false at maxStreams). */
  growStreamPool(): boolean {
    const max = this.options.capacities.maxStreams;
    if (this.streamRecords >= max) return false;
    const add = Math.min(max - this.streamRecords, Math.max(STREAM_POOL_STEP, this.streamRecords));
    for (let i = 0; i < add; i++) {
      const stream = new Stream(this.rewriter.sourceLc(), this.targets);
      this.streamRegistry.add(stream);
      if (this.aliases !== null) stream.talkerAlias = new TalkerAliasInserter();
      this.streamPool.push(stream);
    }
    this.streamRecords += add;
    return true;
  }

  constructor(options: RoutingOptions, deps: RouterDeps & RouterExtras) {
    this.options = options;
    this.deps = deps;
    this.rewriter = deps.rewriter ?? DEFAULT_REWRITER;
    const caps = options.capacities;
    this.slots = new SlotTable(caps.maxPorts, this.streamRegistry);
    this.aliases = options.talkerAlias.enabled ? (deps.aliases ?? null) : null;
    this.growStreamPool();
    this.finished = new FinishedStreams(caps.maxFinishedStreams, options.finishedStreamMemoryMs);
    this.subscribers = new SubscriberMap(caps.maxSubscribers, options.subscriberTtlMs);
    options.bridges.forEach((bridge, bridgeIndex) => {
      this.bridgeNames.push(bridge.name);
      for (const member of bridge.members) {
        const key = member.system.toLowerCase();
        let list = this.membersBySystem.get(key);
        if (list === undefined) {
          list = [];
          this.membersBySystem.set(key, list);
        }
        list.push({ bridgeIndex, member });
      }
    });
    this.parrotPort = new ParrotPort(options.serverId);
    const voice = options.voice;
    this.identAtMs = new Float64Array(voice.packs.length > 0 ? caps.maxPorts : 0);
    if (voice.packs.length > 0) {
      for (let i = 0; i < caps.maxPorts; i++) this.identPort.push(null);
      for (let i = 0; i < voice.maxConcurrent; i++) {
        const stream = new Stream(this.rewriter.sourceLc(), this.targets);
        this.streamRegistry.add(stream);
        stream.port = this.parrotPort;
        this.announcements.push(new Announcement(voice.maxBursts, stream));
      }
    }
    if (options.parrot.enabled) {
      for (let i = 0; i < options.parrot.maxConcurrent; i++) {
        const playback = new Stream(this.rewriter.sourceLc(), this.targets);
        this.streamRegistry.add(playback);
        playback.port = this.parrotPort;
        this.recordings.push(new Recording(i, options.parrot.maxFrames, playback));
      }
    }
  }
}

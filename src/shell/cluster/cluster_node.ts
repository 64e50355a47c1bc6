/**
 * The node's side of the cluster (src/core/cluster/cluster_port.ts is the core's): the NATS
 * connection, the talkgroup subscriptions that follow the router's interest with a linger, the
 * publisher that drains the cluster port's ring, and the subscriber that hands messages to it.
 * Loaded (with the NATS client) only when `[cluster] enabled = true`.
 *
 *  - Connecting never blocks start-up and never stops: NATS unreachable at start or later, the node
 *    serves its own hotspots alone; frames for the cluster are dropped and counted while it is away;
 *    the client reconnects by itself and re-subscribes (no restart).
 *  - Publishing is one microtask per batch of frames, never per datagram; a batch is dropped and
 *    counted when the connection is down or its unsent buffer is over `max_pending_bytes`.
 *  - Subjects: `<prefix>.grp.<talkgroup>` (group frames, and DMRA aliases of their streams),
 *    `<prefix>.unit.<node id>` (unit frames to the node where the radio was last heard),
 *    `<prefix>.brg.<bridge key>` (frames of configured bridges; subscribed while a bridge has
 *    members here). A node with an OpenBridge/FBP link or an upstream master subscribes
 *    `<prefix>.grp.*` (its links carry every talkgroup).
 * @module
 */
import type { NatsConnection, Subscription, Msg } from "@nats-io/transport-node";
import type { ClusterConfig } from "../../config/sections/cluster.ts";
import { ClusterPort, ClusterSubject } from "../../core/cluster/cluster_port.ts";
import type { PortIndexAllocator } from "../../core/hbp_master/port_index_pool.ts";
import type { FrameRouter } from "../../core/router_contract.ts";
import { monotonicMs } from "../clock.ts";
import type { Logger } from "../log.ts";
import { clusterSettings, natsConnectOptions, type ClusterSettings } from "./cluster_options.ts";
import type { EventBus } from "../../bus/event_bus.ts";
import type { ClusterSnapshot, CoreEvent } from "../../core/events.ts";
import { ClusterState, type ClusterStateRouter } from "./cluster_state.ts";
import { SharedSessions, type SharedSessionHost } from "./shared_sessions.ts";

/** What the node needs of the router: frames in, and the talkgroups needed here. */
export type ClusterRouter = FrameRouter & {
  interestVersion?(): number;
  collectInterest?(out: Set<number>): boolean;
  /** the configured bridges (indexes) with members here */
  collectBridgeInterest?(out: Set<number>): void;
};

export interface ClusterNodeDeps {
  config: ClusterConfig;
  router: ClusterRouter;
  portIndexes: PortIndexAllocator;
  /** send what the router queued in the UDP outbox (UdpHost.drain) */
  drainOutbox: () => void;
  log: Logger;
  /** interest/linger housekeeping interval (default 100 ms) */
  tickIntervalMs?: number;
  /** the core's events (shared state follows them); none = no shared state */
  bus?: EventBus<CoreEvent>;
  /** forget a repeater's session without a word to it (it logged in on another node) */
  release?: ((nowMs: number, repeaterId: number) => boolean) | null;
  /** stop without MSTCL (the HBP master's goodbyes off): hotspots move to the other nodes */
  handOver?: (() => void) | null;
  /** the HBP master whose sessions are shared (`shared_sessions`, shared_sessions.ts); none = not shared */
  hbp?: SharedSessionHost | null;
  /** the HBP peer timeout: how long after its node let go a session may be adopted */
  peerTimeoutMs?: number;
}

/** How long a stopping node waits for its hand-over marks (or goodbye deletions) to reach the KV. */
const SESSIONS_STOP_WAIT_MS = 1500;

export interface ClusterNodeStats {
  nodeName: string;
  nodeId: number;
  connected: boolean;
  server: string | null;
  disconnects: number;
  reconnects: number;
  published: number;
  publishErrors: number;
  droppedDisconnected: number;
  droppedBackpressure: number;
  droppedQueueFull: number;
  droppedUnitUnknownNode: number;
  received: number;
  receivedDropped: number;
  receiveErrors: number;
  /** DMRA talker-alias LCs sent to / taken from the other nodes */
  aliasesPublished: number;
  aliasesReceived: number;
  /** frames of configured bridges sent to / taken from the other nodes; for a bridge not configured here */
  bridgeFramesPublished: number;
  bridgeFramesReceived: number;
  droppedUnknownBridge: number;
  bridgeSubscriptions: number;
  subscriptions: number;
  wildcard: boolean;
}

interface GroupSubscription {
  sub: Subscription;
  /** monotonic ms after which it goes (0 = wanted) */
  releaseAtMs: number;
}

const LINGER_SCAN_MS = 500;
/** between two attempts when a connection could not be made or was closed for good */
const CONNECT_RETRY_MS = 2000;
const DROP_LOG_INTERVAL_MS = 10_000;

export class ClusterNode {
  readonly settings: ClusterSettings;
  readonly port: ClusterPort;
  readonly #deps: ClusterNodeDeps;
  readonly #log: Logger;
  #nc: NatsConnection | null = null;
  #connected = false;
  #server: string | null = null;
  #stopped = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #drainScheduled = false;
  #interestVersion = -1;
  #lastLingerScanMs = 0;
  #lastDropLogMs = 0;
  #dropsAtLastLog = 0;
  readonly #want = new Set<number>();
  readonly #groups = new Map<number, GroupSubscription>();
  readonly #subjects = new Map<number, string>();
  readonly #unitSubjects = new Map<number, string>();
  /** bridge key → its subject (a handful, made at start) */
  readonly #bridgeSubjects = new Map<number, string>();
  /** bridge key → subscription, for the bridges with members here */
  readonly #bridgeSubs = new Map<number, Subscription>();
  readonly #wantBridges = new Set<number>();
  #wildcardSub: Subscription | null = null;
  /** shared state in JetStream KV (null when off or the router cannot take part) */
  readonly state: ClusterState | null = null;
  /** shared HBP sessions (null when off, or without shared state or an HBP master) */
  readonly sessions: SharedSessions | null = null;
  #unitSub: Subscription | null = null;
  readonly #counts = {
    disconnects: 0,
    reconnects: 0,
    published: 0,
    publishErrors: 0,
    droppedDisconnected: 0,
    droppedBackpressure: 0,
    receiveErrors: 0,
  };

  constructor(deps: ClusterNodeDeps) {
    this.#deps = deps;
    this.settings = clusterSettings(deps.config);
    this.#log = deps.log.child({ service: "cluster", node: this.settings.nodeName });
    const bridges = (deps.router as { options?: { bridges?: readonly { name: string }[] } }).options?.bridges ?? [];
    this.port = new ClusterPort({
      nodeId: this.settings.nodeId,
      portIndex: deps.portIndexes.acquire(),
      name: `cluster:${this.settings.prefix}`,
      queueCapacity: this.settings.publishQueue,
      bridgeNames: bridges.map((b) => b.name),
    });
    for (const key of this.port.bridgeKeys) this.#bridgeSubjects.set(key, `${this.settings.prefix}.brg.${key}`);
    this.port.onPending = this.#schedulePublish;
    const router = deps.router as ClusterRouter & Partial<ClusterStateRouter> & { options?: { subscriberTtlMs?: number } };
    if (this.settings.sharedState && deps.bus !== undefined && typeof router.learnSubscriber === "function" && typeof router.exportHotspotState === "function") {
      this.state = new ClusterState({
        nodeId: this.settings.nodeId,
        nodeName: this.settings.nodeName,
        group: this.settings.group,
        prefix: this.settings.prefix,
        replicas: this.settings.kvReplicas,
        subscriberTtlMs: router.options?.subscriberTtlMs ?? 24 * 3600 * 1000,
        router: router as ClusterStateRouter,
        release: deps.release ?? null,
        clusterPort: this.port,
        drainOutbox: deps.drainOutbox,
        bus: deps.bus,
        log: this.#log,
        online: () => this.#connected,
      });
      if (this.settings.sharedSessions && deps.hbp !== undefined && deps.hbp !== null) {
        this.sessions = new SharedSessions({
          nodeId: this.settings.nodeId,
          nodeName: this.settings.nodeName,
          group: this.settings.group,
          prefix: this.settings.prefix,
          replicas: this.settings.kvReplicas,
          windowMs: deps.peerTimeoutMs ?? 30_000,
          hbp: deps.hbp,
          bus: deps.bus,
          log: this.#log,
        });
      }
    }
  }

  /** Put the cluster port up in the router and start connecting (never waits for NATS). */
  start(): void {
    const now = monotonicMs();
    this.#deps.router.onPortUp(now, this.port);
    this.#deps.drainOutbox();
    this.#timer = setInterval(this.#tick, this.#deps.tickIntervalMs ?? 100);
    this.#log.info(
      { nodeId: this.settings.nodeId, servers: this.settings.servers, prefix: this.settings.prefix },
      `cluster: node ${this.settings.nodeName} (id ${this.settings.nodeId}) connecting to NATS`,
    );
    void this.#connect();
  }

  /**
   * Connect, and connect again whenever the connection is gone for good (the client gave up, or
   * refused us: wrong credentials, TLS): every CONNECT_RETRY_MS until stopped, logging the first
   * failure and then at most one a minute. Never throws; voice never waits for it.
   */
  async #connect(): Promise<void> {
    let failures = 0;
    let lastLogMs = -Infinity;
    while (!this.#stopped) {
      try {
        const { connect } = await import("@nats-io/transport-node");
        const options = await natsConnectOptions(this.#deps.config, this.settings);
        const nc = await connect(options);
        if (this.#stopped) {
          await nc.close().catch(() => {});
          return;
        }
        this.#attach(nc);
        return;
      } catch (error) {
        failures++;
        const now = monotonicMs();
        if (now - lastLogMs >= 60_000) {
          lastLogMs = now;
          this.#log.error({ err: error, failures }, "cluster: could not connect to NATS; this node serves its own hotspots alone and keeps trying");
        }
      }
      await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
    }
  }

  #attach(nc: NatsConnection): void {
    this.#nc = nc;
    this.#connected = true;
    this.#server = nc.getServer();
    this.#log.info({ server: this.#server }, "cluster: connected to NATS");
    this.#unitSub = nc.subscribe(this.#unitSubject(this.settings.nodeId), { callback: this.#onMessage });
    this.#interestVersion = -1; // subscribe to what is needed now
    this.#reconcile(monotonicMs());
    void this.#watchStatus(nc);
    if (this.state !== null) void this.state.attach(nc);
    if (this.sessions !== null) void this.sessions.attach(nc);
    void nc.closed().then((error) => {
      this.#connected = false;
      if (this.#stopped || this.#nc !== nc) return;
      this.#log.error({ err: error }, "cluster: the NATS connection closed for good; serving local hotspots alone, connecting again");
      // its subscriptions died with it
      this.#nc = null;
      this.#groups.clear();
      this.#wildcardSub = null;
      this.#unitSub = null;
      this.#bridgeSubs.clear();
      setTimeout(() => void this.#connect(), CONNECT_RETRY_MS);
    });
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
          this.#connected = false;
          this.#counts.disconnects++;
          this.#log.warn({ server: status.server }, "cluster: NATS connection lost; serving local hotspots alone, reconnecting");
          break;
        case "reconnect":
          this.#connected = true;
          this.#counts.reconnects++;
          this.#server = status.server;
          this.#log.info({ server: status.server, dropped: this.#droppedTotal() }, "cluster: reconnected to NATS; rejoined the cluster");
          break;
        case "error":
          this.#log.warn({ err: status.error }, "cluster: NATS error");
          break;
        case "slowConsumer":
          this.#log.warn({ subject: status.sub.getSubject(), pending: status.pending }, "cluster: slow consumer (NATS messages dropped in the client)");
          break;
        default:
          break;
      }
    }
  }

  // ---- publishing -----------------------------------------------------------------------------

  readonly #schedulePublish = (): void => {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(this.#publishQueued);
  };

  readonly #publishQueued = (): void => {
    this.#drainScheduled = false;
    const port = this.port;
    const nc = this.#nc;
    let mode = 0; // 0 publish, 1 down, 2 backpressure
    if (nc === null || !this.#connected || !protocolConnected(nc)) mode = 1;
    else if (pendingBytes(nc) > this.settings.maxPendingBytes) mode = 2;
    while (port.count > 0) {
      const i = port.head;
      if (mode === 0) {
        try {
          const to = port.subjectOf(i);
          const subject = to === ClusterSubject.Bridge ? this.#bridgeSubjects.get(port.targets[i]!)! : to === ClusterSubject.Unit ? this.#unitSubject(port.targets[i]!) : this.#groupSubject(port.targets[i]!);
          nc!.publish(subject, port.messageAt(i));
          this.#counts.published++;
        } catch {
          this.#counts.publishErrors++;
        }
      } else if (mode === 1) {
        this.#counts.droppedDisconnected++;
      } else {
        this.#counts.droppedBackpressure++;
      }
      port.shift();
    }
  };

  #groupSubject(talkgroupId: number): string {
    let s = this.#subjects.get(talkgroupId);
    if (s === undefined) {
      if (this.#subjects.size >= 65_536) this.#subjects.clear();
      s = `${this.settings.prefix}.grp.${talkgroupId}`;
      this.#subjects.set(talkgroupId, s);
    }
    return s;
  }

  #unitSubject(nodeId: number): string {
    let s = this.#unitSubjects.get(nodeId);
    if (s === undefined) {
      if (this.#unitSubjects.size >= 4096) this.#unitSubjects.clear();
      s = `${this.settings.prefix}.unit.${nodeId}`;
      this.#unitSubjects.set(nodeId, s);
    }
    return s;
  }

  // ---- receiving ------------------------------------------------------------------------------

  readonly #onMessage = (error: Error | null, msg: Msg): void => {
    if (error !== null || this.#stopped) return;
    try {
      this.port.receive(monotonicMs(), msg.data, this.#deps.router);
    } catch (e) {
      this.#counts.receiveErrors++;
      if (this.#counts.receiveErrors <= 10) this.#log.error({ err: e }, "cluster: exception routing a frame from the cluster (contained)");
    }
    this.#deps.drainOutbox();
  };

  // ---- interest -------------------------------------------------------------------------------

  readonly #tick = (): void => {
    if (this.#stopped) return;
    const now = monotonicMs();
    try {
      this.#reconcile(now);
      this.#logDrops(now);
    } catch (e) {
      this.#log.error({ err: e }, "cluster: exception in housekeeping (contained)");
    }
  };

  #reconcile(nowMs: number): void {
    const nc = this.#nc;
    const router = this.#deps.router;
    if (nc === null || router.collectInterest === undefined || router.interestVersion === undefined) return;
    const version = router.interestVersion();
    if (version !== this.#interestVersion) {
      this.#interestVersion = version;
      this.#reconcileBridges(nc);
      const wildcard = router.collectInterest(this.#want);
      if (wildcard) {
        if (this.#wildcardSub === null) this.#wildcardSub = nc.subscribe(`${this.settings.prefix}.grp.*`, { callback: this.#onMessage });
        // one subscription covers all; per-talkgroup ones would deliver every frame twice
        for (const group of this.#groups.values()) group.sub.unsubscribe();
        this.#groups.clear();
      } else {
        for (const tg of this.#want) {
          const group = this.#groups.get(tg);
          if (group === undefined) this.#groups.set(tg, { sub: nc.subscribe(this.#groupSubject(tg), { callback: this.#onMessage }), releaseAtMs: 0 });
          else group.releaseAtMs = 0;
        }
        for (const [tg, group] of this.#groups) {
          if (group.releaseAtMs === 0 && !this.#want.has(tg)) group.releaseAtMs = nowMs + this.settings.lingerMs;
        }
        if (this.#wildcardSub !== null) {
          this.#wildcardSub.unsubscribe();
          this.#wildcardSub = null;
        }
      }
    }
    if (nowMs - this.#lastLingerScanMs >= LINGER_SCAN_MS || this.settings.lingerMs === 0) {
      this.#lastLingerScanMs = nowMs;
      for (const [tg, group] of this.#groups) {
        if (group.releaseAtMs !== 0 && group.releaseAtMs <= nowMs) {
          group.sub.unsubscribe();
          this.#groups.delete(tg);
        }
      }
    }
  }

  /** Subscribe the subjects of the bridges with members here; drop the others (no linger: bridge members come and go with logins only). */
  #reconcileBridges(nc: NatsConnection): void {
    const router = this.#deps.router;
    if (router.collectBridgeInterest === undefined || this.port.bridgeKeys.length === 0) return;
    router.collectBridgeInterest(this.#wantBridges);
    const keys = this.port.bridgeKeys;
    for (const index of this.#wantBridges) {
      const key = keys[index]!;
      if (!this.#bridgeSubs.has(key)) this.#bridgeSubs.set(key, nc.subscribe(this.#bridgeSubjects.get(key)!, { callback: this.#onMessage }));
    }
    for (const [key, sub] of this.#bridgeSubs) {
      let wanted = false;
      for (const index of this.#wantBridges) if (keys[index] === key) wanted = true;
      if (!wanted) {
        sub.unsubscribe();
        this.#bridgeSubs.delete(key);
      }
    }
  }

  /** Which bridges (by subject) this node is subscribed to (tests, status). */
  subscribedBridges(): string[] {
    return [...this.#bridgeSubs.keys()].map((k) => this.#bridgeSubjects.get(k)!).sort();
  }

  #droppedTotal(): number {
    const c = this.#counts;
    const p = this.port.counters;
    return c.droppedDisconnected + c.droppedBackpressure + p.droppedQueueFull;
  }

  #logDrops(nowMs: number): void {
    if (nowMs - this.#lastDropLogMs < DROP_LOG_INTERVAL_MS) return;
    const total = this.#droppedTotal();
    if (total !== this.#dropsAtLastLog) {
      this.#log.warn({ dropped: total - this.#dropsAtLastLog, ...this.stats() }, "cluster: frames for the cluster dropped (NATS away or slow)");
      this.#dropsAtLastLog = total;
    }
    this.#lastDropLogMs = nowMs;
  }

  /** Which talkgroups this node is subscribed to (tests, status). */
  subscribedTalkgroups(): number[] {
    return [...this.#groups.keys()].sort((a, b) => a - b);
  }

  stats(): ClusterNodeStats {
    const c = this.#counts;
    const p = this.port.counters;
    return {
      nodeName: this.settings.nodeName,
      nodeId: this.settings.nodeId,
      connected: this.#connected,
      server: this.#server,
      disconnects: c.disconnects,
      reconnects: c.reconnects,
      published: c.published,
      publishErrors: c.publishErrors,
      droppedDisconnected: c.droppedDisconnected,
      droppedBackpressure: c.droppedBackpressure,
      droppedQueueFull: p.droppedQueueFull,
      droppedUnitUnknownNode: p.droppedUnitUnknownNode,
      received: p.received,
      receivedDropped: p.droppedBadLength + p.droppedBadVersion + p.droppedBadHop + p.droppedOwnOrigin + p.droppedBadFrame + p.droppedBadAlias,
      aliasesPublished: p.aliasesPublished,
      aliasesReceived: p.aliasesReceived,
      bridgeFramesPublished: p.bridgeFramesPublished,
      bridgeFramesReceived: p.bridgeFramesReceived,
      droppedUnknownBridge: p.droppedUnknownBridge,
      bridgeSubscriptions: this.#bridgeSubs.size,
      receiveErrors: c.receiveErrors,
      subscriptions: this.#groups.size + (this.#wildcardSub !== null ? 1 : 0),
      wildcard: this.#wildcardSub !== null,
    };
  }

  /** For the stats snapshot (metrics): numbers only. */
  snapshot(): ClusterSnapshot {
    const s = this.stats();
    const counters: Record<string, number> = {};
    for (const [key, value] of Object.entries(s)) if (typeof value === "number" && key !== "nodeId") counters[key] = value;
    const st = this.state?.stats;
    if (st !== undefined) {
      counters["statePuts"] = st.puts;
      counters["statePutErrors"] = st.putErrors;
      counters["stateRestored"] = st.restored;
      counters["stateReleased"] = st.released;
      counters["subscribersLearned"] = st.subscribersLearned;
    }
    const ss = this.sessions?.stats();
    if (ss !== undefined) {
      // the shared sessions' counters, as sessionsX (metrics.ts reads them by these names)
      const { ready: _ready, ...numbers } = ss;
      for (const [key, value] of Object.entries(numbers)) counters[`sessions${key[0]!.toUpperCase()}${key.slice(1)}`] = value;
    }
    return { node: s.nodeName, nodeId: s.nodeId, connected: s.connected, counters };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    // hand-over: with other nodes alive, hotspots get no MSTCL and move at their own pace
    if (this.state !== null && this.#nc !== null && this.#connected) {
      try {
        const others = await Promise.race([this.state.othersAlive(), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
        const wait = new Promise<void>((r) => setTimeout(r, SESSIONS_STOP_WAIT_MS));
        if (others && this.settings.handoverOnStop && this.#deps.handOver) {
          this.#deps.handOver();
          this.#log.info("cluster: other nodes are alive; handing the hotspots over without MSTCL");
          // their sessions stay in the KV, marked: the node that receives them next takes them at once
          if (this.sessions !== null) await Promise.race([this.sessions.handOver(), wait]);
        } else if (this.sessions !== null) {
          await Promise.race([this.sessions.purge(), wait]); // goodbyes: the sessions end here
        }
        await Promise.race([this.state.leave(), new Promise((r) => setTimeout(r, 500))]);
      } catch (error) {
        this.#log.warn({ err: error }, "cluster: could not check the other nodes at stop; saying goodbye to the hotspots");
      }
    }
    // the state journal's last changes (drained by the server before this stop) reach the KV
    if (this.state !== null && this.#connected) await this.state.flush().catch(() => {});
    this.state?.stop();
    this.sessions?.stop();
    this.#deps.router.onPortDown(monotonicMs(), this.port);
    this.#deps.drainOutbox();
    this.#deps.portIndexes.release(this.port.portIndex);
    const nc = this.#nc;
    this.#nc = null;
    if (nc !== null) {
      await Promise.race([nc.drain().catch(() => nc.close()), new Promise((r) => setTimeout(r, 1000))]).catch(() => {});
      if (!nc.isClosed()) await nc.close().catch(() => {});
    }
  }
}

/**
 * The client's own view of the socket (its `connected` flag flips before the status event is
 * delivered). Internal to @nats-io/nats-core 3.x; read defensively, our status flag covers the rest.
 */
function protocolConnected(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: { connected?: unknown } }).protocol;
  return protocol?.connected !== false;
}

/**
 * Bytes the client has not handed to the kernel yet: its outbound buffer plus the socket's write
 * queue (internal to @nats-io/nats-core 3.x / node:net; 0 when not readable).
 */
function pendingBytes(nc: NatsConnection): number {
  const protocol = (nc as unknown as {
    protocol?: { outbound?: { size?: () => number }; transport?: { socket?: { writableLength?: number } } };
  }).protocol;
  let n = 0;
  try {
    n += protocol?.outbound?.size?.() ?? 0;
    n += protocol?.transport?.socket?.writableLength ?? 0;
  } catch {
    return 0;
  }
  return n;
}

/** Start the node's side of the cluster (the caller already checked `enabled`). */
export function startClusterNode(deps: ClusterNodeDeps): ClusterNode {
  const node = new ClusterNode(deps);
  node.start();
  return node;
}

/**
 * The cluster's shared state in JetStream KV (two buckets per network, `<prefix>_state` and
 * `<prefix>_subscribers`), never on the packet path. Two parts:
 *
 * - The hotspot records and the subscriber map go through the single node's store interface
 *   (`DynamicStateStore`): `KvStateStore` (kv_state_store.ts) is fed by the packet thread's state
 *   journal (src/shell/state_journal.ts) — the same change records the SQLite store gets — through
 *   `journalSink` (only hotspots logged in here and restored); a hotspot that logs in here gets its
 *   record back with `LoginRestore` (src/shell/login_restore.ts, `fetchHotspot` + the router's
 *   importState; the hotspot's own RPTO, when it already sent one, wins over the stored options).
 *
 *     hs.<repeater id>   {v: 2, n: node id, record: HotspotStateRecord, atWallMs}
 *     sub.<radio id>     {n: node id, r: repeater id, s: slot, h: heard at}
 *
 * - What only a cluster has, here:
 *
 *     rpt.<repeater id>  which node the repeater is logged in to: {n: node id, name, at}. A login
 *                        elsewhere releases the session here (no MSTCL: it could reach the hotspot
 *                        at its new node's shared address) — as a re-login on one node replaces the
 *                        older session.
 *     node.<node id>     heartbeat {name, group, at} every 10 s (alive = fresher than 30 s): the
 *                        hand-over at stop counts the other nodes.
 *     sub.<radio id>     watched: a radio heard on another node is routed to the cluster port,
 *                        which sends its private calls and unit data to that node's unit subject.
 *
 * Failures (no JetStream, NATS away) are logged and counted; voice never waits for them.
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV, KvEntry } from "@nats-io/kv";
import type { EventBus } from "../../bus/event_bus.ts";
import type { CoreEvent } from "../../core/events.ts";
import type { ClusterPort } from "../../core/cluster/cluster_port.ts";
import type { RouterPort, Slot } from "../../core/router_port.ts";
import type { HotspotStateRecord, ImportResult, StateSnapshot } from "../../core/routing/state_records.ts";
import { monotonicMs } from "../clock.ts";
import type { Logger } from "../log.ts";
import { LoginRestore } from "../login_restore.ts";
import type { StateSink } from "../state_journal.ts";
import { KvStateStore, kvJournalSink, openStateBuckets, subscriberFromEntry } from "./kv_state_store.ts";
import { watchKv } from "./kv_watch.ts";
import { HEARTBEAT_ALIVE_MS } from "./shared_session_mirror.ts";

export { validHotspotRecord, type ClusterHotspotRecord } from "./kv_state_store.ts";

/** What the cluster state needs of the router (src/core/routing/types.ts Router). */
export interface ClusterStateRouter {
  exportHotspotState(nowMs: number, wallClockMs: number, repeaterId: number): HotspotStateRecord | null;
  importState(snapshot: StateSnapshot, nowMs: number, wallClockMs: number): ImportResult;
  hotspotPortOf(repeaterId: number): RouterPort | null;
  learnSubscriber(nowMs: number, radioId: number, port: RouterPort, slot: Slot): void;
}

/** The cluster-only writes (the hotspot records and subscriber map go through KvStateStore). */
export interface ClusterStateStore {
  putOwner(repeaterId: number): void;
}

export interface ClusterStateDeps {
  nodeId: number;
  nodeName: string;
  /** the node's group (workers of one host share one): hand-over counts only nodes of other groups */
  group: string;
  prefix: string;
  replicas: number;
  subscriberTtlMs: number;
  router: ClusterStateRouter;
  release: ((nowMs: number, repeaterId: number) => boolean) | null;
  clusterPort: ClusterPort;
  drainOutbox: () => void;
  bus: EventBus<CoreEvent>;
  log: Logger;
  /** whether the NATS connection is up now (the journal sink takes nothing while it is not; default: always) */
  online?: () => boolean;
}

export interface ClusterStateStats {
  ready: boolean;
  puts: number;
  putErrors: number;
  restored: number;
  released: number;
  subscribersLearned: number;
  watchErrors: number;
}

/** node.<id> heartbeat (as DMRHub's instance registry: a node is alive while its entry is fresh) */
const HEARTBEAT_MS = 10_000;
/** alive while fresher than this: the same rule the shared-session mirror applies */
const ALIVE_MS = HEARTBEAT_ALIVE_MS;
const MAX_TRACKED = 100_000;

const encoder = new TextEncoder();

export class ClusterState implements ClusterStateStore {
  readonly #deps: ClusterStateDeps;
  readonly #log: Logger;
  #state: KV | null = null;
  #subscribers: KV | null = null;
  #unregister: (() => void) | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #stopped = false;
  /** local hotspot ports: port index → repeater id */
  readonly #ports = new Map<number, number>();
  /** other nodes' last heartbeat (wall ms), from the watched node.<id> keys */
  readonly #nodes = new Map<number, number>();
  #ownPuts = 0;
  #ownPutErrors = 0;
  #malformedLogged = 0;
  /** hotspot records and the subscriber map, fed by the state journal through `journalSink` */
  readonly store: KvStateStore;
  /** restores a hotspot's record when it logs in here */
  readonly restorer: LoginRestore;
  /** add to the packet thread's state journal (server.ts) */
  readonly journalSink: StateSink;
  readonly #stats: ClusterStateStats = { ready: false, puts: 0, putErrors: 0, restored: 0, released: 0, subscribersLearned: 0, watchErrors: 0 };

  constructor(deps: ClusterStateDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.store = new KvStateStore({
      nodeId: deps.nodeId,
      subscriberTtlMs: deps.subscriberTtlMs,
      onMalformed: (key) => {
        if (this.#malformedLogged++ < 10) this.#log.warn({ key }, "cluster: a malformed record in the shared state (ignored)");
      },
    });
    this.restorer = new LoginRestore({
      store: this.store,
      ready: () => this.store.ready,
      router: deps.router,
      bus: deps.bus,
      drainOutbox: deps.drainOutbox,
      log: deps.log,
      name: "cluster-restore",
      label: "cluster",
      source: "the cluster",
      onSettled: (repeaterId) => this.#writeSettled(repeaterId),
    });
    this.journalSink = kvJournalSink(this.store, { settled: (id) => this.restorer.isSettled(id), online: deps.online ?? (() => true) });
    this.#unregister = deps.bus.register("cluster-state", (event) => this.#onEvent(event), {
      queueCapacity: 16_384,
      filter: (e) => {
        const t = (e as CoreEvent).type;
        return t === "session.up" || t === "session.down";
      },
    });
  }

  /** Counters (the same object every call). */
  get stats(): ClusterStateStats {
    const st = this.#stats;
    const kv = this.store.stats;
    st.ready = kv.ready;
    st.puts = this.#ownPuts + kv.puts + kv.deletes;
    st.putErrors = this.#ownPutErrors + kv.putErrors;
    st.restored = this.restorer.stats.restored;
    return st;
  }

  /** Open (or create) the buckets and start the watches; errors are logged, voice goes on. */
  async attach(nc: NatsConnection): Promise<void> {
    try {
      const buckets = await openStateBuckets(nc, this.#deps.prefix, this.#deps.replicas, this.#deps.subscriberTtlMs);
      this.#state = buckets.state;
      this.#subscribers = buckets.subscribers;
      this.store.attach(buckets);
      this.#beat();
      if (this.#heartbeat !== null) clearInterval(this.#heartbeat); // attached again after a new connection
      this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
      // ownership: only logins from now on — an entry replayed at the start of the watch is an
      // older login elsewhere, not a reason to close a session that just logged in here
      void this.#watch(this.#state, "rpt.>", (entry) => this.#onOwner(entry), true);
      void this.#watch(this.#subscribers, "sub.>", (entry) => this.#onSubscriber(entry));
      void this.#watch(this.#state, "node.>", (entry) => this.#onNode(entry));
      this.#log.info({ buckets: buckets.names }, "cluster: shared state in JetStream KV ready");
      // hotspots that logged in before the buckets were ready
      for (const repeaterId of this.#ports.values()) this.putOwner(repeaterId);
      this.restorer.restoreAll();
    } catch (error) {
      this.#log.error({ err: error }, "cluster: no shared state (JetStream KV unavailable); voice across nodes works, state does not follow hotspots");
    }
  }

  #watch(kv: KV, key: string, onEntry: (entry: KvEntry) => void, updatesOnly = false): Promise<void> {
    return watchKv(kv, key, {
      updatesOnly,
      stopped: () => this.#stopped,
      onEntry,
      onBadEntry: (error, entry) => {
        this.#stats.watchErrors++;
        if (this.#stats.watchErrors <= 10) this.#log.warn({ err: error, key: entry.key }, "cluster: bad shared-state entry (ignored)");
      },
      onEnd: (error) => this.#log.error({ err: error, key }, "cluster: shared-state watch ended"),
    });
  }

  #beat(): void {
    this.#put(this.#state, `node.${this.#deps.nodeId}`, { name: this.#deps.nodeName, group: this.#deps.group, at: Date.now() });
  }

  /**
   * Whether another node has beaten its heart within ALIVE_MS (wall clock): from the watched
   * registry, or (the watch not caught up yet, e.g. just started) by reading it.
   */
  async othersAlive(): Promise<boolean> {
    const now = Date.now();
    for (const at of this.#nodes.values()) if (now - at < ALIVE_MS) return true;
    const kv = this.#state;
    if (kv === null) return false;
    for await (const key of await kv.keys("node.>")) {
      if (key === `node.${this.#deps.nodeId}`) continue;
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== "PUT") continue;
      const value = entry.json<{ at?: number; group?: string }>();
      if (value?.group === this.#deps.group) continue;
      if (typeof value?.at === "number" && now - value.at < ALIVE_MS) return true;
    }
    return false;
  }

  /** Leave the registry (stopping): other nodes stop counting on this one. */
  async leave(): Promise<void> {
    await this.#state?.delete(`node.${this.#deps.nodeId}`);
  }

  /** Stopping: write what the journal queued for the KV (waits at most 2 s), then take nothing more. */
  async flush(): Promise<void> {
    await this.store.close();
  }

  // ---- KV watches -----------------------------------------------------------------------------

  #onNode(entry: KvEntry): void {
    const nodeId = Number(entry.key.slice(5));
    if (!Number.isInteger(nodeId) || nodeId === this.#deps.nodeId) return;
    if (entry.operation !== "PUT") {
      this.#nodes.delete(nodeId);
      return;
    }
    const value = entry.json<{ at?: number; group?: string }>();
    if (value?.group === this.#deps.group) return; // a worker of this host stops with it
    if (typeof value?.at === "number") this.#nodes.set(nodeId, value.at);
  }

  #onOwner(entry: KvEntry): void {
    if (entry.operation !== "PUT") return;
    const repeaterId = Number(entry.key.slice(4));
    const value = entry.json<{ n: number; name?: string }>();
    if (!Number.isInteger(repeaterId) || typeof value?.n !== "number" || value.n === this.#deps.nodeId) return;
    const release = this.#deps.release;
    if (release !== null && release(monotonicMs(), repeaterId)) {
      this.#stats.released++;
      this.#deps.drainOutbox();
      this.#log.info({ repeaterId, node: value.name ?? value.n }, "cluster: repeater logged in on another node; its older session here is closed");
    }
  }

  #onSubscriber(entry: KvEntry): void {
    if (entry.operation !== "PUT") return;
    const radioId = Number(entry.key.slice(4));
    const s = subscriberFromEntry(radioId, entry.json<unknown>(), entry.created.getTime());
    if (s === null) throw new Error("malformed subscriber entry");
    if (s.nodeId === this.#deps.nodeId >>> 0) return;
    this.#deps.clusterPort.learnRadio(radioId, s.nodeId);
    this.#deps.router.learnSubscriber(monotonicMs(), radioId, this.#deps.clusterPort, 1);
    this.store.forgetWritten(radioId); // heard elsewhere since: the next local hearing is written again
    this.#stats.subscribersLearned++;
  }

  // ---- core events ----------------------------------------------------------------------------

  #onEvent(event: CoreEvent): void {
    switch (event.type) {
      case "session.up":
        if (this.#ports.size < MAX_TRACKED) this.#ports.set(event.portIndex, event.repeaterId);
        this.putOwner(event.repeaterId);
        break;
      case "session.down":
        if (this.#ports.get(event.portIndex) === event.repeaterId) this.#ports.delete(event.portIndex);
        break;
      default:
        break;
    }
  }

  /**
   * A hotspot's login restore is done: its record as it is now goes to the KV once (what the
   * journal drained for it before this was held back, and an import that only brought a KEY lock or
   * settings marks nothing for the journal).
   */
  #writeSettled(repeaterId: number): void {
    const record: HotspotStateRecord | null = this.#deps.router.exportHotspotState(monotonicMs(), Date.now(), repeaterId);
    if (record !== null && record.session !== null) this.store.apply([{ kind: "hotspot", repeaterId, record }]);
  }

  // ---- cluster-only writes --------------------------------------------------------------------

  #put(kv: KV | null, key: string, value: unknown): void {
    if (kv === null) return;
    this.#ownPuts++;
    kv.put(key, encoder.encode(JSON.stringify(value))).catch(() => {
      this.#ownPutErrors++;
    });
  }

  putOwner(repeaterId: number): void {
    this.#put(this.#state, `rpt.${repeaterId}`, { n: this.#deps.nodeId, name: this.#deps.nodeName, at: Date.now() });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#unregister?.();
    this.#unregister = null;
    this.restorer.stop();
    void this.store.close();
  }
}

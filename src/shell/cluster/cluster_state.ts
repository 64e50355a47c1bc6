/**
 * The cluster's shared state in JetStream KV (two buckets per network, `<prefix>_state` and
 * `<prefix>_subscribers`), fed by the core's events on the bus (never on the packet path):
 *
 *   rpt.<repeater id>   which node the repeater is logged in to: {n: node id, name, at}. A login
 *                       elsewhere releases the session here (no MSTCL: it could reach the hotspot
 *                       at its new node's shared address) — as a re-login on one node replaces the
 *                       older session.
 *   hs.<repeater id>    what the hotspot had, as the single-node store keeps it (the store's
 *                       HotspotStateRecord, src/core/routing/state_records.ts: options KEY lock,
 *                       self-care settings, options text, user-activated talkgroups with their
 *                       wall-clock expiry, dial-a-TG link, scheduled relink). Written (debounced)
 *                       when it changes; read when the hotspot logs in to a node, which imports it
 *                       as a store restore does (the hotspot's own RPTO, when it already sent one,
 *                       wins over the stored options).
 *   sub.<radio id>      where the radio was last heard: {n: node id, r: repeater id, s: slot}
 *                       (bucket TTL = the router's subscriber TTL). Every node watches it and
 *                       routes private calls and unit data for that radio to the cluster port,
 *                       which sends them to that node's unit subject.
 *
 * This is the cluster's counterpart of the single-node state store ([store], SQLite): the same
 * records, exported and imported by the router's own state_records.ts, behind the small
 * `ClusterStateStore` interface below. Failures (no JetStream, NATS away) are logged and counted;
 * voice never waits for them.
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

/** What the cluster state needs of the router (src/core/routing/types.ts Router). */
export interface ClusterStateRouter {
  exportHotspotState(nowMs: number, wallClockMs: number, repeaterId: number): HotspotStateRecord | null;
  importState(snapshot: StateSnapshot, nowMs: number, wallClockMs: number): ImportResult;
  hotspotPortOf(repeaterId: number): RouterPort | null;
  learnSubscriber(nowMs: number, radioId: number, port: RouterPort, slot: Slot): void;
}

/** A hotspot's state as the cluster keeps it (hs.<repeater id>): the store's record and who wrote it. */
export interface ClusterHotspotRecord {
  v: 2;
  /** node that wrote it */
  n: number;
  record: HotspotStateRecord;
  atWallMs: number;
}

/** The narrow store the cluster state writes through (JetStream KV here; the single node uses SQLite). */
export interface ClusterStateStore {
  putHotspot(repeaterId: number, record: ClusterHotspotRecord): void;
  getHotspot(repeaterId: number): Promise<ClusterHotspotRecord | null>;
  putOwner(repeaterId: number): void;
  putSubscriber(radioId: number, repeaterId: number, slot: Slot): void;
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

const FLUSH_INTERVAL_MS = 250;
/** node.<id> heartbeat (as DMRHub's instance registry: a node is alive while its entry is fresh) */
const HEARTBEAT_MS = 10_000;
const ALIVE_MS = 30_000;
const SUBSCRIBER_REWRITE_MS = 60_000;
const MAX_TRACKED = 100_000;
const STATE_TTL_MS = 7 * 24 * 3600 * 1000;

const encoder = new TextEncoder();
const MAX_OPTIONS_CHARS = 1024;
const MAX_DYNAMIC = 256;
const TG_MAX = 16_777_215;

const isTalkgroup = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) <= TG_MAX;
const isWallMs = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isTgList = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length <= MAX_DYNAMIC && v.every(isTalkgroup));

/** A hotspot record read from the KV, checked field by field (anything else is ignored, counted). */
export function validHotspotRecord(r: unknown, repeaterId: number): r is ClusterHotspotRecord {
  if (typeof r !== "object" || r === null) return false;
  const x = r as Record<string, unknown>;
  const rec = x["record"] as Record<string, unknown> | null | undefined;
  if (x["v"] !== 2 || typeof rec !== "object" || rec === null || rec["repeaterId"] !== repeaterId) return false;
  const key = rec["optionKey"];
  if (key !== null && !(typeof key === "string" && key.length <= 64)) return false;
  const st = rec["settings"] as Record<string, unknown> | null | undefined;
  if (st !== null) {
    if (typeof st !== "object") return false;
    if (!isTgList(st["ts1Static"]) || !isTgList(st["ts2Static"])) return false;
    if (st["defaultReflector"] !== null && !isTalkgroup(st["defaultReflector"])) return false;
    if (st["uaTimerMinutes"] !== null && !(Number.isInteger(st["uaTimerMinutes"]) && (st["uaTimerMinutes"] as number) >= 0 && (st["uaTimerMinutes"] as number) <= 10_080)) return false;
    if (st["singleMode"] !== null && typeof st["singleMode"] !== "boolean") return false;
    if (st["language"] !== null && !(typeof st["language"] === "string" && (st["language"] as string).length <= 32)) return false;
  }
  const session = rec["session"] as Record<string, unknown> | null | undefined;
  if (session === null) return true;
  if (typeof session !== "object" || typeof session["options"] !== "string" || (session["options"] as string).length > MAX_OPTIONS_CHARS) return false;
  const dynamic = session["dynamic"];
  if (!Array.isArray(dynamic) || dynamic.length > MAX_DYNAMIC) return false;
  for (const d of dynamic as Record<string, unknown>[]) {
    if (typeof d !== "object" || d === null || (d["slot"] !== 1 && d["slot"] !== 2) || !isTalkgroup(d["talkgroupId"]) || !isWallMs(d["expiresAtWallMs"])) return false;
    if (d["origin"] !== "traffic" && d["origin"] !== "api") return false;
  }
  const dial = session["dial"] as Record<string, unknown> | null | undefined;
  if (dial !== null && (typeof dial !== "object" || !isTalkgroup(dial["reflector"]) || !isWallMs(dial["expiresAtWallMs"]))) return false;
  return isWallMs(session["relinkAtWallMs"]);
}

export class ClusterState implements ClusterStateStore {
  readonly #deps: ClusterStateDeps;
  readonly #log: Logger;
  #state: KV | null = null;
  #subscribers: KV | null = null;
  #unregister: (() => void) | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #stopped = false;
  /** local hotspot ports: port index → repeater id */
  readonly #ports = new Map<number, number>();
  /** repeaters whose hs record must be written */
  readonly #dirty = new Set<number>();
  /** repeaters being restored (not written until done) */
  readonly #restoring = new Set<number>();
  /** repeaters whose own RPTO arrived since login */
  readonly #sentOptions = new Set<number>();
  /** other nodes' last heartbeat (wall ms), from the watched node.<id> keys */
  readonly #nodes = new Map<number, number>();
  /** radio → repeater id and when its sub.<radio> was last written */
  readonly #written = new Map<number, { repeaterId: number; atMs: number }>();
  readonly stats: ClusterStateStats = { ready: false, puts: 0, putErrors: 0, restored: 0, released: 0, subscribersLearned: 0, watchErrors: 0 };

  constructor(deps: ClusterStateDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.#unregister = deps.bus.register("cluster-state", (event) => this.#onEvent(event), {
      queueCapacity: 16_384,
      filter: (e) => {
        const t = (e as CoreEvent).type;
        return (
          t === "session.up" ||
          t === "session.down" ||
          t === "stream.start" ||
          t === "subscription.change" ||
          t === "dial.link" ||
          t === "options.applied" ||
          t === "hotspot.settings"
        );
      },
    });
    this.#timer = setInterval(() => this.#flush(), FLUSH_INTERVAL_MS);
  }

  /** Open (or create) the buckets and start the watches; errors are logged, voice goes on. */
  async attach(nc: NatsConnection): Promise<void> {
    try {
      const { Kvm } = await import("@nats-io/kv");
      const kvm = new Kvm(nc);
      const base = this.#deps.prefix.replace(/\./g, "_");
      this.#state = await kvm.create(`${base}_state`, { history: 1, replicas: this.#deps.replicas, ttl: STATE_TTL_MS });
      this.#subscribers = await kvm.create(`${base}_subscribers`, { history: 1, replicas: this.#deps.replicas, ttl: this.#deps.subscriberTtlMs });
      this.stats.ready = true;
      this.#beat();
      if (this.#heartbeat !== null) clearInterval(this.#heartbeat); // attached again after a new connection
      this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
      // ownership: only logins from now on — an entry replayed at the start of the watch is an
      // older login elsewhere, not a reason to close a session that just logged in here
      void this.#watch(this.#state, "rpt.>", (entry) => this.#onOwner(entry), true);
      void this.#watch(this.#subscribers, "sub.>", (entry) => this.#onSubscriber(entry));
      void this.#watch(this.#state, "node.>", (entry) => this.#onNode(entry));
      this.#log.info({ buckets: [`${base}_state`, `${base}_subscribers`] }, "cluster: shared state in JetStream KV ready");
      // hotspots that logged in before the buckets were ready
      for (const repeaterId of this.#ports.values()) {
        this.putOwner(repeaterId);
        void this.#restore(repeaterId);
      }
    } catch (error) {
      this.#log.error({ err: error }, "cluster: no shared state (JetStream KV unavailable); voice across nodes works, state does not follow hotspots");
    }
  }

  async #watch(kv: KV, key: string, onEntry: (entry: KvEntry) => void, updatesOnly = false): Promise<void> {
    try {
      const watch = await kv.watch(updatesOnly ? { key, include: "updates" } : { key });
      for await (const entry of watch) {
        if (this.#stopped) break;
        try {
          onEntry(entry);
        } catch (error) {
          this.stats.watchErrors++;
          if (this.stats.watchErrors <= 10) this.#log.warn({ err: error, key: entry.key }, "cluster: bad shared-state entry (ignored)");
        }
      }
    } catch (error) {
      if (!this.#stopped) this.#log.error({ err: error, key }, "cluster: shared-state watch ended");
    }
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
      this.stats.released++;
      this.#deps.drainOutbox();
      this.#log.info({ repeaterId, node: value.name ?? value.n }, "cluster: repeater logged in on another node; its older session here is closed");
    }
  }

  #onSubscriber(entry: KvEntry): void {
    if (entry.operation !== "PUT") return;
    const radioId = Number(entry.key.slice(4));
    const value = entry.json<{ n: number; r: number; s: number }>();
    if (!Number.isInteger(radioId) || typeof value?.n !== "number" || value.n === this.#deps.nodeId) return;
    this.#deps.clusterPort.learnRadio(radioId, value.n >>> 0);
    this.#deps.router.learnSubscriber(monotonicMs(), radioId, this.#deps.clusterPort, 1);
    this.#written.delete(radioId); // heard elsewhere since: the next local hearing is written again
    this.stats.subscribersLearned++;
  }

  // ---- core events ----------------------------------------------------------------------------

  #onEvent(event: CoreEvent): void {
    switch (event.type) {
      case "session.up":
        this.#ports.set(event.portIndex, event.repeaterId);
        this.#sentOptions.delete(event.repeaterId);
        this.putOwner(event.repeaterId);
        void this.#restore(event.repeaterId);
        break;
      case "session.down":
        if (this.#ports.get(event.portIndex) === event.repeaterId) this.#ports.delete(event.portIndex);
        this.#dirty.delete(event.repeaterId);
        break;
      case "stream.start": {
        const repeaterId = this.#ports.get(event.portIndex);
        if (repeaterId !== undefined) this.putSubscriber(event.sourceId, repeaterId, event.slot);
        break;
      }
      case "options.applied": {
        const repeaterId = this.#ports.get(event.portIndex);
        if (repeaterId !== undefined) {
          if (!this.#restoring.has(repeaterId)) this.#sentOptions.add(repeaterId);
          this.#markDirty(repeaterId);
        }
        break;
      }
      case "subscription.change":
      case "dial.link": {
        const repeaterId = this.#ports.get(event.portIndex);
        if (repeaterId !== undefined) this.#markDirty(repeaterId);
        break;
      }
      case "hotspot.settings":
        this.#markDirty(event.repeaterId);
        break;
      default:
        break;
    }
  }

  #markDirty(repeaterId: number): void {
    if (this.#dirty.size < MAX_TRACKED) this.#dirty.add(repeaterId);
  }

  #flush(): void {
    if (this.#state === null || this.#dirty.size === 0) return;
    const router = this.#deps.router;
    const now = monotonicMs();
    const wall = Date.now();
    for (const repeaterId of this.#dirty) {
      if (this.#restoring.has(repeaterId)) continue;
      this.#dirty.delete(repeaterId);
      if (router.hotspotPortOf(repeaterId) === null) continue; // written by the node it is on
      const record = router.exportHotspotState(now, wall, repeaterId);
      if (record !== null) this.putHotspot(repeaterId, { v: 2, n: this.#deps.nodeId, record, atWallMs: wall });
    }
  }

  /** Import what the cluster kept for a hotspot that just logged in here (as a store restore does). */
  async #restore(repeaterId: number): Promise<void> {
    if (this.#state === null || this.#restoring.has(repeaterId)) return;
    this.#restoring.add(repeaterId);
    try {
      const kept = await this.getHotspot(repeaterId);
      const router = this.#deps.router;
      if (kept === null || router.hotspotPortOf(repeaterId) === null) return;
      if (!validHotspotRecord(kept, repeaterId)) {
        this.stats.watchErrors++;
        this.#log.warn({ repeaterId }, "cluster: a malformed hotspot record in the shared state (ignored)");
        return;
      }
      let record = kept.record;
      // the hotspot's own RPTO, already applied here, wins over the options it had there
      if (record.session !== null && this.#sentOptions.has(repeaterId)) record = { ...record, session: { ...record.session, options: "" } };
      const result = router.importState({ hotspots: [record], subscribers: [] }, monotonicMs(), Date.now());
      this.stats.restored++;
      this.#deps.drainOutbox();
      this.#log.info(
        { repeaterId, from: kept.n, dynamic: record.session?.dynamic.length ?? 0, dial: record.session?.dial?.reflector ?? 0, applied: result.pending },
        "cluster: hotspot state restored from the cluster",
      );
    } catch (error) {
      this.#log.warn({ err: error, repeaterId }, "cluster: could not restore a hotspot's state from the cluster");
    } finally {
      this.#restoring.delete(repeaterId);
      this.#markDirty(repeaterId);
    }
  }

  // ---- ClusterStateStore ----------------------------------------------------------------------

  #put(kv: KV | null, key: string, value: unknown): void {
    if (kv === null) return;
    this.stats.puts++;
    kv.put(key, encoder.encode(JSON.stringify(value))).catch(() => {
      this.stats.putErrors++;
    });
  }

  putHotspot(repeaterId: number, record: ClusterHotspotRecord): void {
    this.#put(this.#state, `hs.${repeaterId}`, record);
  }

  async getHotspot(repeaterId: number): Promise<ClusterHotspotRecord | null> {
    const entry = await this.#state?.get(`hs.${repeaterId}`);
    if (entry === null || entry === undefined || entry.operation !== "PUT") return null;
    return entry.json<ClusterHotspotRecord>();
  }

  putOwner(repeaterId: number): void {
    this.#put(this.#state, `rpt.${repeaterId}`, { n: this.#deps.nodeId, name: this.#deps.nodeName, at: Date.now() });
  }

  putSubscriber(radioId: number, repeaterId: number, slot: Slot): void {
    const now = monotonicMs();
    const last = this.#written.get(radioId);
    if (last !== undefined && last.repeaterId === repeaterId && now - last.atMs < SUBSCRIBER_REWRITE_MS) return;
    if (this.#written.size >= MAX_TRACKED) this.#written.clear();
    this.#written.set(radioId, { repeaterId, atMs: now });
    this.#put(this.#subscribers, `sub.${radioId}`, { n: this.#deps.nodeId, r: repeaterId, s: slot });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#unregister?.();
    this.#unregister = null;
  }
}

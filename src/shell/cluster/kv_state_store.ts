/**
 * The cluster's shared hotspot state and subscriber map in JetStream KV, behind the same narrow
 * `DynamicStateStore` interface as the single node's SQLite store (src/services/store/): it takes
 * the router's change records (the packet thread's journal, src/shell/state_journal.ts — the same
 * records SQLite gets) and writes them to the KV; `fetchHotspot` is the per-login lookup
 * (src/shell/login_restore.ts); `load` reads the whole snapshot back.
 *
 *   <prefix>_state        hs.<repeater id>  {v: 2, n: node id, record: HotspotStateRecord, atWallMs}
 *   <prefix>_subscribers  sub.<radio id>    {n: node id, r: repeater id, s: slot, h: heard at (wall ms)}
 *
 * The node id is added here (a cluster port learns radio → node from `sub.<radio>`; `hs.<id>`
 * says who wrote it). Records of version 2 are read as they were before this store (`h` is new and
 * optional: an entry without it counts as heard when it was written); each one read is checked
 * field by field (`validHotspotRecord`) — another node, an operator with the nats CLI or a bug could
 * have written anything there.
 *
 * Never on the packet path: `apply` only queues (coalesced per key, bounded: beyond `maxQueued` a
 * change is dropped and counted) and schedules a flush; puts are fire-and-forget with at most
 * `maxInFlight` outstanding (the rest waits, coalesced), failures counted. A subscriber entry
 * unchanged (same hotspot and slot) is rewritten at most every `subscriberRefreshMs` (KV traffic:
 * one write per radio per minute, not one per journal drain while it talks).
 *
 * "clear" is scoped to this writer: it deletes the entries whose value carries this node's id (an
 * entry another node wrote since is left alone; compare-and-delete on the revision read). The
 * journal's cluster sink (`kvJournalSink`) never forwards a clear to the shared KV: a node's full
 * re-export is puts of what it has, so a restarted node does not wipe the state its hotspots left
 * behind for the node they log in to next.
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV, KvEntry } from "@nats-io/kv";
import type { HotspotStateRecord, StateChange, StateSnapshot, SubscriberRecord } from "../../core/routing/state_records.ts";
import type { DynamicStateStore } from "../../services/store/dynamic_state_store.ts";
import { PendingChanges } from "../../services/store/pending_changes.ts";
import type { StateSink } from "../state_journal.ts";

/** A hotspot's state as the cluster keeps it (hs.<repeater id>): the store's record and who wrote it. */
export interface ClusterHotspotRecord {
  v: 2;
  /** node that wrote it */
  n: number;
  record: HotspotStateRecord;
  atWallMs: number;
}

/** Where a radio was last heard (sub.<radio id>). */
export interface ClusterSubscriberValue {
  n: number;
  r: number;
  s: number;
  /** heard at, wall ms (absent in entries written before it existed) */
  h?: number;
}

export interface StateBuckets {
  readonly state: KV;
  readonly subscribers: KV;
}

/** The shared state's buckets: hotspot records live a week (refreshed on every write), subscribers the routing TTL. */
export const STATE_TTL_MS = 7 * 24 * 3600 * 1000;

const bucketBase = (prefix: string): string => prefix.replace(/\./g, "_");

/**
 * Open (or create) `<prefix>_state` (prefix dots become `_`): the hotspot records, ownership,
 * heartbeats and shared sessions. Every module opens it with these options (creating an existing
 * bucket with equal options opens it).
 */
export async function openStateBucket(nc: NatsConnection, prefix: string, replicas: number): Promise<KV> {
  const { Kvm } = await import("@nats-io/kv");
  return new Kvm(nc).create(`${bucketBase(prefix)}_state`, { history: 1, replicas, ttl: STATE_TTL_MS });
}

/** Open (or create) `<prefix>_state` and `<prefix>_subscribers`. */
export async function openStateBuckets(nc: NatsConnection, prefix: string, replicas: number, subscriberTtlMs: number): Promise<StateBuckets & { names: string[] }> {
  const { Kvm } = await import("@nats-io/kv");
  const base = bucketBase(prefix);
  const names = [`${base}_state`, `${base}_subscribers`];
  const state = await openStateBucket(nc, prefix, replicas);
  const subscribers = await new Kvm(nc).create(names[1]!, { history: 1, replicas, ttl: subscriberTtlMs });
  return { state, subscribers, names };
}

const MAX_OPTIONS_CHARS = 1024;
const MAX_DYNAMIC = 256;
const TG_MAX = 16_777_215;

const isTalkgroup = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) <= TG_MAX;
const isWallMs = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isTgList = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length <= MAX_DYNAMIC && v.every(isTalkgroup));
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 0xffffffff;

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

/** A subscriber entry read from the KV (null when malformed). */
export function subscriberFromEntry(radioId: number, value: unknown, writtenAtWallMs: number): (SubscriberRecord & { nodeId: number }) | null {
  if (!isId(radioId) || typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Number.isInteger(v["n"]) || !isId(v["r"]) || (v["s"] !== 1 && v["s"] !== 2)) return null;
  const heard = v["h"] === undefined ? writtenAtWallMs : v["h"];
  if (!isWallMs(heard)) return null;
  return { radioId, repeaterId: v["r"], slot: v["s"], heardAtWallMs: heard, nodeId: (v["n"] as number) >>> 0 };
}

export interface KvStateStoreOptions {
  /** this node's id (written into every value; "clear" deletes only entries carrying it) */
  readonly nodeId: number;
  /** subscriber entries older than this are not loaded */
  readonly subscriberTtlMs: number;
  /** changes waiting at most (coalesced per hotspot and radio); more are dropped and counted */
  readonly maxQueued?: number;
  /** puts/deletes outstanding at most */
  readonly maxInFlight?: number;
  /** an unchanged subscriber entry is rewritten at most this often (default 60 s; 0 = every change) */
  readonly subscriberRefreshMs?: number;
  /** wall clock (default Date.now) */
  readonly wallClockMs?: () => number;
  /** a record read was not well-formed (ignored, counted) */
  readonly onMalformed?: (key: string) => void;
}

export interface KvStateStoreStats {
  ready: boolean;
  puts: number;
  deletes: number;
  putErrors: number;
  /** changes dropped: queue full */
  dropped: number;
  /** subscriber rewrites skipped (unchanged within the refresh interval) */
  skipped: number;
  queued: number;
  inFlight: number;
  fetches: number;
  fetchErrors: number;
  /** records read that were not well-formed (ignored) */
  malformed: number;
  /** the longest single flush (ms: what it held the event loop for; bench) */
  longestFlushMs: number;
}

const DEFAULT_MAX_QUEUED = 100_000;
const DEFAULT_MAX_IN_FLIGHT = 16;
const DEFAULT_SUBSCRIBER_REFRESH_MS = 60_000;
const MAX_TRACKED = 100_000;
const CLOSE_TIMEOUT_MS = 2000;
const encoder = new TextEncoder();

export class KvStateStore implements DynamicStateStore {
  readonly #o: KvStateStoreOptions;
  readonly #wall: () => number;
  readonly #maxQueued: number;
  readonly #maxInFlight: number;
  readonly #refreshMs: number;
  #buckets: StateBuckets | null = null;
  #closed = false;
  #clearing = false;
  #scheduled = false;
  /** a write failed since the last `takeLost` (a full re-export is due) */
  #lost = false;
  readonly #q = new PendingChanges();
  /** hotspot records written but not acknowledged yet (a read in between sees them, not the older value) */
  readonly #sent = new Map<number, HotspotStateRecord | null>();
  /** radio → what this node last wrote for it (rewrite economy) */
  readonly #written = new Map<number, { repeaterId: number; slot: number; atWallMs: number }>();
  #idle: (() => void)[] = [];
  readonly stats: KvStateStoreStats = { ready: false, puts: 0, deletes: 0, putErrors: 0, dropped: 0, skipped: 0, queued: 0, inFlight: 0, fetches: 0, fetchErrors: 0, malformed: 0, longestFlushMs: 0 };

  constructor(options: KvStateStoreOptions) {
    this.#o = options;
    this.#wall = options.wallClockMs ?? Date.now;
    this.#maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.#refreshMs = options.subscriberRefreshMs ?? DEFAULT_SUBSCRIBER_REFRESH_MS;
  }

  /** The buckets are open (a new connection: attached again); queued changes go out. */
  attach(buckets: StateBuckets): void {
    this.#buckets = buckets;
    this.stats.ready = true;
    this.#schedule();
  }

  get ready(): boolean {
    return this.#buckets !== null && !this.#closed;
  }

  /** Whether a write failed since the last call (then the journal sends everything again). */
  takeLost(): boolean {
    const lost = this.#lost;
    this.#lost = false;
    return lost;
  }

  /** Another node wrote sub.<radio>: the next local hearing is written again at once. */
  forgetWritten(radioId: number): void {
    this.#written.delete(radioId);
  }

  // ---- DynamicStateStore -------------------------------------------------------------------

  apply(changes: readonly StateChange[]): void {
    if (this.#closed) return;
    for (const change of changes) {
      if (change.kind === "subscriber" && this.#unchanged(change.record)) {
        this.stats.skipped++;
        continue;
      }
      if (!this.#q.add(change, this.#full)) this.stats.dropped++;
    }
    this.stats.queued = this.#q.size;
    this.#schedule();
  }

  async fetchHotspot(repeaterId: number): Promise<HotspotStateRecord | null> {
    if (this.#q.hotspots.has(repeaterId)) return this.#q.hotspots.get(repeaterId) ?? null;
    if (this.#q.clear || this.#clearing) await this.#settled();
    if (this.#q.hotspots.has(repeaterId)) return this.#q.hotspots.get(repeaterId) ?? null;
    if (this.#sent.has(repeaterId)) return this.#sent.get(repeaterId) ?? null;
    const kv = this.#buckets?.state;
    if (kv === undefined || this.#closed) return null;
    this.stats.fetches++;
    let entry: KvEntry | null;
    try {
      entry = await kv.get(`hs.${repeaterId}`);
    } catch (error) {
      this.stats.fetchErrors++;
      throw error;
    }
    return this.#hotspotOf(entry, repeaterId);
  }

  /** Everything in the buckets (after the queued changes are written): every node's hotspots, subscribers within the TTL. */
  async load(): Promise<StateSnapshot> {
    await this.#settled();
    const b = this.#buckets;
    if (b === null) return { hotspots: [], subscribers: [] };
    const hotspots: HotspotStateRecord[] = [];
    for (const key of await keysOf(b.state, "hs.>")) {
      const id = Number(key.slice(3));
      const record = this.#hotspotOf(await b.state.get(key), id);
      if (record !== null) hotspots.push(record);
    }
    hotspots.sort((a, c) => a.repeaterId - c.repeaterId);
    const oldest = this.#wall() - this.#o.subscriberTtlMs;
    const subscribers: SubscriberRecord[] = [];
    for (const key of await keysOf(b.subscribers, "sub.>")) {
      const entry = await b.subscribers.get(key);
      if (entry === null || entry.operation !== "PUT") continue;
      const s = subscriberFromEntry(Number(key.slice(4)), safeJson(entry), entry.created.getTime());
      if (s === null) {
        this.stats.malformed++;
        this.#o.onMalformed?.(key);
        continue;
      }
      if (s.heardAtWallMs >= oldest) subscribers.push({ radioId: s.radioId, repeaterId: s.repeaterId, slot: s.slot, heardAtWallMs: s.heardAtWallMs });
    }
    subscribers.sort((a, c) => c.heardAtWallMs - a.heardAtWallMs || a.radioId - c.radioId);
    return { hotspots, subscribers };
  }

  /** Write what is queued (waits at most 2 s); the buckets stay open (the connection is the node's). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#schedule();
    await Promise.race([this.#settled(), new Promise((r) => setTimeout(r, CLOSE_TIMEOUT_MS))]);
    this.#closed = true;
    this.stats.ready = false;
  }

  // ---- writing -------------------------------------------------------------------------------

  #hotspotOf(entry: KvEntry | null, repeaterId: number): HotspotStateRecord | null {
    if (entry === null || entry.operation !== "PUT") return null;
    const value = safeJson(entry);
    if (!validHotspotRecord(value, repeaterId)) {
      this.stats.malformed++;
      this.#o.onMalformed?.(entry.key);
      return null;
    }
    return value.record;
  }

  readonly #full = (): boolean => this.#q.size >= this.#maxQueued;

  /** The same hotspot and slot as this node last wrote for the radio, within the refresh interval. */
  #unchanged(s: SubscriberRecord): boolean {
    const last = this.#written.get(s.radioId);
    if (last === undefined || this.#q.clear || last.repeaterId !== s.repeaterId || last.slot !== s.slot) return false;
    const sinceWrittenMs = s.heardAtWallMs - last.atWallMs;
    return sinceWrittenMs >= 0 && sinceWrittenMs < this.#refreshMs;
  }

  #schedule(): void {
    if (this.#scheduled || this.#buckets === null) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const b = this.#buckets;
    if (b === null || this.#clearing) return;
    if (this.#q.clear) {
      if (this.stats.inFlight > 0) return; // what was written before the clear lands first (then it is cleared)
      this.#q.clear = false;
      this.#clearing = true;
      void this.#clearOwn(b).finally(() => {
        this.#clearing = false;
        this.#flush();
      });
      return;
    }
    const started = performance.now();
    const wall = this.#wall();
    for (const [id, record] of this.#q.hotspots) {
      if (this.stats.inFlight >= this.#maxInFlight) break;
      this.#q.hotspots.delete(id);
      this.#sent.set(id, record);
      const acknowledged = (): void => {
        if (this.#sent.get(id) === record) this.#sent.delete(id);
      };
      if (record === null) this.#write(b.state.delete(`hs.${id}`), true, acknowledged, acknowledged);
      else this.#write(b.state.put(`hs.${id}`, encoder.encode(JSON.stringify({ v: 2, n: this.#o.nodeId, record, atWallMs: wall } satisfies ClusterHotspotRecord))), false, acknowledged, acknowledged);
    }
    for (const [radioId, s] of this.#q.subscribers) {
      if (this.stats.inFlight >= this.#maxInFlight) break;
      this.#q.subscribers.delete(radioId);
      if (this.#written.size >= MAX_TRACKED) this.#written.clear();
      const written = { repeaterId: s.repeaterId, slot: s.slot, atWallMs: s.heardAtWallMs };
      this.#written.set(radioId, written);
      const value: ClusterSubscriberValue = { n: this.#o.nodeId, r: s.repeaterId, s: s.slot, h: Math.round(s.heardAtWallMs) };
      // not written after all: the next full export writes it again
      const unwritten = (): void => {
        if (this.#written.get(radioId) === written) this.#written.delete(radioId);
      };
      this.#write(b.subscribers.put(`sub.${radioId}`, encoder.encode(JSON.stringify(value))), false, unwritten);
    }
    this.stats.queued = this.#q.size;
    this.stats.longestFlushMs = Math.max(this.stats.longestFlushMs, performance.now() - started);
    this.#wakeIdle();
  }

  #write(op: Promise<unknown>, isDelete: boolean, onFail?: () => void, onDone?: () => void): void {
    this.stats.inFlight++;
    if (isDelete) this.stats.deletes++;
    else this.stats.puts++;
    op.then(
      () => {
        onDone?.();
        this.#done();
      },
      () => {
        this.stats.putErrors++;
        this.#lost = true;
        onFail?.();
        this.#done();
      },
    );
  }

  #done(): void {
    this.stats.inFlight--;
    if (this.#q.clear || this.#q.size > 0) this.#schedule();
    else this.#wakeIdle();
  }

  /** Delete the entries this node wrote (not re-put since the clear): compare-and-delete on the revision read. */
  async #clearOwn(b: StateBuckets): Promise<void> {
    this.#written.clear();
    const sets: [KV, string, number, Map<number, unknown>][] = [
      [b.state, "hs.>", 3, this.#q.hotspots],
      [b.subscribers, "sub.>", 4, this.#q.subscribers],
    ];
    for (const [kv, filter, prefixLength, queued] of sets) {
      try {
        for (const key of await keysOf(kv, filter)) {
          const entry = await kv.get(key);
          if (entry === null || entry.operation !== "PUT" || queued.has(Number(key.slice(prefixLength)))) continue;
          if ((safeJson(entry) as { n?: unknown } | null)?.n !== this.#o.nodeId) continue;
          this.stats.deletes++;
          await kv.delete(key, { previousSeq: entry.revision }).catch(() => {}); // rewritten meanwhile: kept
        }
      } catch {
        this.stats.putErrors++;
        this.#lost = true;
      }
    }
  }

  #wakeIdle(): void {
    if (this.stats.inFlight > 0 || this.#clearing || this.#q.clear || this.#q.size > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** Resolves when nothing is queued or in flight (immediately without buckets). */
  #settled(): Promise<void> {
    if (this.#buckets === null) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.#schedule();
      this.#wakeIdle();
    });
  }
}

function safeJson(entry: KvEntry): unknown {
  try {
    return entry.json<unknown>();
  } catch {
    return null;
  }
}

async function keysOf(kv: KV, filter: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of await kv.keys(filter)) out.push(key);
  return out;
}

export interface KvJournalSinkOptions {
  /** Whether the hotspot is logged in here and its login restore is done (only those are written). */
  readonly settled: (repeaterId: number) => boolean;
  /** Whether the NATS connection is up now (while it is not, the sink takes nothing: everything goes again after). */
  readonly online: () => boolean;
  /** After a failed write, nothing is taken for this long, then everything again (default 2 s). */
  readonly retryMs?: number;
}

/**
 * The journal's sink for the shared KV (src/shell/state_journal.ts): the same change records the
 * SQLite store gets, narrowed to what this node may write — records of hotspots logged in here
 * whose login restore is done (a hotspot that logged out or moved is written by the node it is on
 * next; a record written before the restore read the KV would overwrite what the hotspot had on
 * its previous node), subscriber entries of those hotspots, never "clear" (see the module note).
 * Not accepting while the buckets are not open or NATS is away; a failed write makes the journal
 * send everything again (after `retryMs`, so an unwell KV does not get a full export every drain).
 */
export function kvJournalSink(store: KvStateStore, options: KvJournalSinkOptions): StateSink {
  const out: StateChange[] = [];
  const retryMs = options.retryMs ?? 2000;
  let retryAtMs = 0;
  return {
    name: "cluster-kv",
    accepting: () => store.ready && options.online() && performance.now() >= retryAtMs,
    post: (changes) => {
      out.length = 0;
      for (const change of changes) {
        if (change.kind === "hotspot") {
          if (change.record !== null && change.record.session !== null && options.settled(change.repeaterId)) out.push(change);
        } else if (change.kind === "subscriber") {
          if (options.settled(change.record.repeaterId)) out.push(change);
        }
      }
      if (out.length > 0) store.apply(out);
      if (!store.takeLost()) return true;
      retryAtMs = performance.now() + retryMs;
      return false;
    },
  };
}

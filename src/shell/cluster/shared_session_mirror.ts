/**
 * The local mirror of the cluster's shared HBP sessions (`sess.<repeater id>` in the
 * `<prefix>_state` bucket) and of the node registry (`node.<id>`), fed by KV watches
 * (shared_sessions.ts), and the adoption rule the HBP master asks on its packet thread
 * (src/core/hbp_master/session_adoption.ts): one Map lookup, no await, no NATS. Imports nothing of
 * NATS, so it is tested without a server.
 *
 * Adoption rule (the security rule, docs/cluster.md "Shared HBP sessions"): HBP trusts a peer's
 * source address after its login (hbp-and-dmr.md §1.2–1.3: nothing after RPTC is authenticated),
 * so a session is moved only to exactly the same (repeater id, address, port) the owner's login
 * came from, and only when the cluster says the owner has let go of it:
 *   - the owner is a worker of this host (same group): the kernel (SO_REUSEPORT) chose this socket
 *     for that endpoint — it reaches this worker now, never the owner again — or the owner is this
 *     node's previous incarnation (a restarted worker);
 *   - the owner is another node that handed its sessions over when it stopped (`ho`), or that is
 *     gone (no heartbeat for HEARTBEAT_ALIVE_MS);
 * and in both last cases only within the adoption window (the HBP peer timeout) after the owner let
 * go: a hotspot silent longer than that would have timed out on its owner anyway. A live owner in
 * another group keeps its session: a datagram naming its id from its endpoint at another node is
 * NAKed as before.
 * @module
 */
import type { RptcConfig } from "../../wire/rptc.ts";
import type { AdoptableSession } from "../../core/hbp_master/session_adoption.ts";
import { plainAddress } from "../../core/endpoint.ts";

/** A node is alive while its heartbeat is fresher than this (cluster_state.ts beats every 10 s and uses this too). */
export const HEARTBEAT_ALIVE_MS = 30_000;
/** Records mirrored at most (each ~1 KB in memory); past it new ones are not mirrored (counted): those hotspots log in again. */
export const MIRROR_MAX = 100_000;
/** Nodes tracked at most (a cluster has a handful; workers add one per process). */
export const NODES_MAX = 4096;
/** A record's JSON at most this long (an RPTC's texts are < 300 bytes, options ≤ 1024): longer ones are ignored, counted. */
export const RECORD_BYTES_MAX = 4096;
/** RPTO text kept at most (cluster_state.ts keeps the same bound for options in hs.<id>). */
const OPTIONS_CHARS_MAX = 1024;
const ADDRESS_CHARS_MAX = 64;
const decoder = new TextDecoder();
const NAME_CHARS_MAX = 128;

/** A shared session as stored in the KV (`sess.<repeater id>`, JSON). */
export interface SharedSessionRecord {
  v: 1;
  /** owning node id, its name and group (workers of one host share one) */
  n: number;
  name: string;
  g: string;
  /** the owner's incarnation (its start, wall ms): a restarted node has the same id and a new incarnation */
  i: number;
  /** the endpoint the hotspot logged in from: address (as the socket reported it, IPv4-mapped prefix removed), port */
  a: string;
  p: number;
  /** the RPTC configuration fields (hbp-and-dmr.md §1.3) */
  c: RptcConfig;
  /** name of the access rule whose passphrase the login proved (null: the global one); never the passphrase */
  r: string | null;
  /** last RPTO text */
  o: string | null;
  /** login (wall ms) */
  at: number;
  /** wall ms when the owner handed the session over on stop (0: not handed over) */
  ho: number;
}

interface Mirrored {
  record: SharedSessionRecord;
  offer: AdoptableSession;
  revision: number;
}

interface NodeSeen {
  group: string;
  /** last heartbeat (wall ms) */
  at: number;
  /** wall ms its registry entry was deleted (left), 0 while present */
  leftAt: number;
}

export interface SharedSessionMirrorStats {
  mirrored: number;
  malformed: number;
  mirrorFull: number;
  offered: number;
  refusedEndpoint: number;
  refusedOwnerAlive: number;
  refusedStale: number;
  refusedOwn: number;
}

const isText = (v: unknown, max: number): v is string => typeof v === "string" && v.length <= max;
const isUint = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** The RPTC fields of a record, checked one by one against their field widths (hbp-and-dmr.md §1.3). */
function validConfig(c: unknown, repeaterId: number): c is RptcConfig {
  if (typeof c !== "object" || c === null) return false;
  const x = c as Record<string, unknown>;
  return (
    x["repeaterId"] === repeaterId &&
    isText(x["callsign"], 8) &&
    isUint(x["rxFrequencyHz"], 999_999_999) &&
    isUint(x["txFrequencyHz"], 999_999_999) &&
    isFiniteNumber(x["power"]) &&
    isFiniteNumber(x["colourCode"]) &&
    isFiniteNumber(x["latitude"]) &&
    isFiniteNumber(x["longitude"]) &&
    isFiniteNumber(x["heightM"]) &&
    isText(x["location"], 20) &&
    isText(x["description"], 19) &&
    isText(x["slots"], 1) &&
    isText(x["url"], 124) &&
    isText(x["softwareId"], 40) &&
    isText(x["packageId"], 40) &&
    typeof x["simplex"] === "boolean"
  );
}

/** A record read from the KV, checked field by field; null when anything is off (the caller counts it). */
export function validSharedSession(value: unknown, repeaterId: number): SharedSessionRecord | null {
  if (typeof value !== "object" || value === null) return null;
  const x = value as Record<string, unknown>;
  if (x["v"] !== 1 || !isUint(x["n"], 0xffffffff) || !isText(x["name"], NAME_CHARS_MAX) || !isText(x["g"], NAME_CHARS_MAX)) return null;
  if (!isFiniteNumber(x["i"]) || !isText(x["a"], ADDRESS_CHARS_MAX) || x["a"] === "" || !isUint(x["p"], 65_535) || x["p"] === 0) return null;
  if (!validConfig(x["c"], repeaterId)) return null;
  if (x["r"] !== null && !isText(x["r"], NAME_CHARS_MAX)) return null;
  if (x["o"] !== null && !isText(x["o"], OPTIONS_CHARS_MAX)) return null;
  if (!isFiniteNumber(x["at"]) || !isFiniteNumber(x["ho"]) || (x["ho"] as number) < 0) return null;
  return x as unknown as SharedSessionRecord;
}

/** The repeater id of a `sess.<id>` key, or 0. */
export function sessionKeyId(key: string): number {
  if (!key.startsWith("sess.")) return 0;
  const text = key.slice(5);
  const id = Number(text);
  return /^\d{1,10}$/.test(text) && Number.isInteger(id) && id > 0 && id <= 0xffffffff ? id : 0;
}

/** `raw` (as the socket reports it) is `plain`, or its IPv4-mapped IPv6 form; no allocation. */
function sameAddress(raw: string, plain: string): boolean {
  if (raw === plain) return true;
  return raw.length === plain.length + 7 && raw.startsWith("::ffff:") && raw.endsWith(plain) && plain.includes(".");
}

export interface MirrorIdentity {
  nodeId: number;
  group: string;
  /** this process's incarnation: its start, wall ms */
  incarnation: number;
}

export class SharedSessionMirror {
  readonly #self: MirrorIdentity;
  readonly #sessions = new Map<number, Mirrored>();
  readonly #nodes = new Map<number, NodeSeen>();
  /** how long after its owner let go a session may be adopted (the HBP peer timeout) */
  windowMs: number;
  readonly #max: number;
  readonly stats: SharedSessionMirrorStats = {
    mirrored: 0,
    malformed: 0,
    mirrorFull: 0,
    offered: 0,
    refusedEndpoint: 0,
    refusedOwnerAlive: 0,
    refusedStale: 0,
    refusedOwn: 0,
  };

  constructor(self: MirrorIdentity, windowMs: number, max = MIRROR_MAX) {
    this.#self = self;
    this.windowMs = windowMs;
    this.#max = max;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A `sess.<id>` entry from the watch: a PUT (bytes, its revision) or a DEL/PURGE. */
  onSession(key: string, operation: string, bytes: Uint8Array, revision: number): void {
    const repeaterId = sessionKeyId(key);
    if (repeaterId === 0) {
      this.stats.malformed++;
      return;
    }
    if (operation !== "PUT") {
      this.#sessions.delete(repeaterId);
      this.stats.mirrored = this.#sessions.size;
      return;
    }
    let record: SharedSessionRecord | null = null;
    if (bytes.length <= RECORD_BYTES_MAX) {
      try {
        record = validSharedSession(JSON.parse(decoder.decode(bytes)), repeaterId);
      } catch {
        record = null;
      }
    }
    if (record === null) {
      // a malformed entry is ignored; the previous one (if any) is no longer what the owner holds
      this.#sessions.delete(repeaterId);
      this.stats.malformed++;
      this.stats.mirrored = this.#sessions.size;
      return;
    }
    if (!this.#sessions.has(repeaterId) && this.#sessions.size >= this.#max) {
      this.stats.mirrorFull++;
      return;
    }
    this.#put(repeaterId, record, revision);
  }

  /** Mirror a record this node just wrote (the watch confirms it later). */
  putLocal(repeaterId: number, record: SharedSessionRecord, revision = 0): void {
    if (!this.#sessions.has(repeaterId) && this.#sessions.size >= this.#max) {
      this.stats.mirrorFull++;
      return;
    }
    this.#put(repeaterId, record, revision);
  }

  #put(repeaterId: number, record: SharedSessionRecord, revision: number): void {
    record.a = plainAddress(record.a);
    const offer: AdoptableSession = { repeaterId, config: record.c, accessRule: record.r, options: record.o };
    this.#sessions.set(repeaterId, { record, offer, revision });
    this.stats.mirrored = this.#sessions.size;
  }

  /** Forget a record (this node deleted it). */
  forget(repeaterId: number): void {
    this.#sessions.delete(repeaterId);
    this.stats.mirrored = this.#sessions.size;
  }

  get(repeaterId: number): SharedSessionRecord | null {
    return this.#sessions.get(repeaterId)?.record ?? null;
  }

  revision(repeaterId: number): number {
    return this.#sessions.get(repeaterId)?.revision ?? 0;
  }

  /** A `node.<id>` entry from the watch (heartbeat `{name, group, at}` or its deletion at `createdWallMs`). */
  onNode(key: string, operation: string, bytes: Uint8Array, createdWallMs: number): void {
    const nodeId = Number(key.slice(5));
    if (!key.startsWith("node.") || !Number.isInteger(nodeId) || nodeId < 0 || nodeId > 0xffffffff) return;
    const known = this.#nodes.get(nodeId);
    if (operation !== "PUT") {
      if (known !== undefined) known.leftAt = createdWallMs;
      return;
    }
    let value: { at?: unknown; group?: unknown } | null = null;
    try {
      value = JSON.parse(decoder.decode(bytes)) as { at?: unknown; group?: unknown };
    } catch {
      return;
    }
    if (typeof value?.at !== "number" || !Number.isFinite(value.at)) return;
    const group = typeof value.group === "string" ? value.group : "";
    if (known !== undefined) {
      known.at = value.at;
      known.group = group;
      known.leftAt = 0;
      return;
    }
    if (this.#nodes.size >= NODES_MAX) return;
    this.#nodes.set(nodeId, { group, at: value.at, leftAt: 0 });
  }

  /** Is the node alive (a heartbeat fresher than HEARTBEAT_ALIVE_MS, not left)? */
  nodeAlive(nodeId: number, nowWallMs: number): boolean {
    const node = this.#nodes.get(nodeId);
    return node !== undefined && node.leftAt === 0 && nowWallMs - node.at < HEARTBEAT_ALIVE_MS;
  }

  /**
   * The adoption rule (see the module header): the record to adopt for a datagram of `repeaterId`
   * from (address, port) with no session here, or null. Counts each refusal. Synchronous, one Map
   * lookup on a miss; no allocation unless the endpoint matches.
   */
  offer(repeaterId: number, address: string, port: number, nowWallMs: number): AdoptableSession | null {
    const entry = this.#sessions.get(repeaterId);
    if (entry === undefined) return null;
    const record = entry.record;
    if (record.p !== port || !sameAddress(address, record.a)) {
      this.stats.refusedEndpoint++;
      return null;
    }
    const self = this.#self;
    const window = this.windowMs;
    let letGoAt: number; // when the owner let go of it (wall ms)
    if (record.n === self.nodeId) {
      // ours: this incarnation's own record without a session here is stale (it is being deleted)
      if (record.i === self.incarnation) {
        this.stats.refusedOwn++;
        return null;
      }
      letGoAt = self.incarnation; // our previous incarnation stopped before this one started
    } else if (record.g === self.group) {
      // a worker of this host: the kernel gives this endpoint to us now
      letGoAt = this.nodeAlive(record.n, nowWallMs) ? nowWallMs : this.#lastAlive(record.n);
    } else if (record.ho > 0) {
      letGoAt = record.ho;
    } else if (this.nodeAlive(record.n, nowWallMs)) {
      this.stats.refusedOwnerAlive++;
      return null;
    } else {
      letGoAt = this.#lastAlive(record.n);
    }
    if (!(nowWallMs - letGoAt <= window)) {
      this.stats.refusedStale++;
      return null;
    }
    this.stats.offered++;
    return entry.offer;
  }

  /** When a node was last known alive (wall ms): when it left, or its last heartbeat + the liveness margin; -∞ if never seen. */
  #lastAlive(nodeId: number): number {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) return Number.NEGATIVE_INFINITY;
    return node.leftAt !== 0 ? node.leftAt : node.at + HEARTBEAT_ALIVE_MS;
  }

  /** Records this node (this incarnation) owns, for the hand-over and the goodbye purge. */
  owned(): number[] {
    const out: number[] = [];
    for (const [id, entry] of this.#sessions) if (entry.record.n === this.#self.nodeId && entry.record.i === this.#self.incarnation) out.push(id);
    return out;
  }
}

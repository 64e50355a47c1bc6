/**
 * Shared HBP sessions (`[cluster] shared_sessions`): every node publishes each hotspot session it
 * holds to the cluster's KV, keeps a bounded local mirror of everyone's, and lends the HBP master a
 * session adopter (src/core/hbp_master/session_adoption.ts) that answers from that mirror, so a
 * hotspot whose datagrams reach another node (a floating address moved during an upgrade, a worker
 * restarted and the kernel's SO_REUSEPORT hash moved it) is answered there without a new login.
 *
 *   sess.<repeater id>  in `<prefix>_state`: {v: 1, n: owner node id, name, g: group, i: owner
 *                       incarnation, a: address, p: port, c: RPTC fields, r: access rule name
 *                       (never the passphrase), o: options text, at: login wall ms, ho: handed
 *                       over at (wall ms, 0 = no)} — shared_session_mirror.ts SharedSessionRecord.
 *
 * Written (off the packet path, from the core's events on the bus) when a session comes up (login
 * or adoption) and when its options change; deleted when it ends for real (logout, timeout, kicked,
 * denied, replaced) — compare-and-delete on the revision this node wrote, so a node never deletes
 * a record another node has written since. Never deleted when the session moves to another node
 * ("moved": the new owner has written it) or when the node stops handing over: then every record it
 * owns is marked `ho` (handed over) and left for the nodes that receive those hotspots next. A node
 * stopping with goodbyes (MSTCL) deletes its records. The adoption rule itself is in
 * shared_session_mirror.ts. Failures (NATS away, no JetStream) are counted and logged; voice never
 * waits for them.
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV, KvEntry } from "@nats-io/kv";
import type { EventBus } from "../../bus/event_bus.ts";
import type { CoreEvent } from "../../core/events.ts";
import type { SessionAdopter } from "../../core/hbp_master/session_adoption.ts";
import type { RptcConfig } from "../../wire/rptc.ts";
import { plainAddress } from "../../core/endpoint.ts";
import type { Logger } from "../log.ts";
import { openStateBucket } from "./kv_state_store.ts";
import { watchKv } from "./kv_watch.ts";
import { SharedSessionMirror, type SharedSessionMirrorStats, type SharedSessionRecord } from "./shared_session_mirror.ts";

/** How long `attach` waits for the mirror's first load before it says the sessions are shared. */
const MIRROR_LOAD_WAIT_MS = 5_000;

/** Any key under `filter` in the bucket? */
async function hasKeys(kv: KV, filter: string): Promise<boolean> {
  for await (const _key of await kv.keys(filter)) return true;
  return false;
}

/** What shared sessions need of the HBP master (HbpMaster implements it). */
export interface SharedSessionHost {
  session(repeaterId: number):
    | { readonly connected: boolean; readonly portIndex: number; readonly endpoint: { readonly address: string; readonly port: number }; readonly config: RptcConfig | null; readonly accessRule: string | null; readonly options: string | null }
    | undefined;
  setSessionAdopter(adopter: SessionAdopter | null): void;
  /** Drop rather than NAK unknown peers until then (the server starts it; attach ends it with 0). */
  holdUnknownPeers(untilMs: number): void;
}

export interface SharedSessionsDeps {
  nodeId: number;
  nodeName: string;
  group: string;
  prefix: string;
  replicas: number;
  /** adoption window: the HBP peer timeout */
  windowMs: number;
  hbp: SharedSessionHost;
  bus: EventBus<CoreEvent>;
  log: Logger;
}

export interface SharedSessionsStats extends SharedSessionMirrorStats {
  ready: boolean;
  puts: number;
  putErrors: number;
  deletes: number;
  adopted: number;
  handedOver: number;
}

/** Adoptions logged one by one per ADOPTION_LOG_WINDOW_MS at most; the rest are summed up. */
const ADOPTION_LOG_MAX = 20;
const ADOPTION_LOG_WINDOW_MS = 10_000;
/** Malformed records logged at most (then only counted: freedmr_cluster_sessions_malformed_total). */
const MALFORMED_LOGGED = 10;
const encoder = new TextEncoder();

export class SharedSessions {
  readonly #deps: SharedSessionsDeps;
  readonly #log: Logger;
  readonly mirror: SharedSessionMirror;
  readonly incarnation: number;
  #kv: KV | null = null;
  #unregister: (() => void) | null = null;
  #stopped = false;
  /** set when the node hands over or says goodbye: the sessions' ends are not logouts */
  #leaving = false;
  /** local hotspot ports: port index → repeater id */
  readonly #ports = new Map<number, number>();
  #adoptionLogAt = 0;
  #adoptionLogged = 0;
  #adoptionUnlogged = 0;
  readonly #counts = { puts: 0, putErrors: 0, deletes: 0, adopted: 0, handedOver: 0 };

  /** The adopter the HBP master asks (packet thread): a Map lookup in the mirror. */
  readonly adopter: SessionAdopter = (_nowMs, repeaterId, _socketIndex, address, port) => {
    if (this.#kv === null || this.#stopped || this.#leaving) return null;
    return this.mirror.offer(repeaterId, address, port, Date.now());
  };

  constructor(deps: SharedSessionsDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.incarnation = Date.now();
    this.mirror = new SharedSessionMirror({ nodeId: deps.nodeId, group: deps.group, incarnation: this.incarnation }, deps.windowMs);
    this.#unregister = deps.bus.register("cluster-sessions", (event) => this.#onEvent(event), {
      queueCapacity: 16_384,
      filter: (e) => {
        const t = (e as CoreEvent).type;
        return t === "session.up" || t === "session.down" || t === "options.applied";
      },
    });
  }

  /** Open the bucket, start the watches, lend the HBP master the adopter. Errors are logged. */
  async attach(nc: NatsConnection): Promise<void> {
    try {
      this.#kv = await openStateBucket(nc, this.#deps.prefix, this.#deps.replicas);
      const kv = this.#kv;
      void this.#watch(kv, "node.>", (e) => this.mirror.onNode(e.key, e.operation, e.value, e.created.getTime()));
      let loaded: () => void = () => {};
      const sessionsLoaded = new Promise<void>((resolve) => (loaded = resolve));
      void this.#watch(kv, "sess.>", (e) => this.#onSessionEntry(e), loaded);
      this.#deps.hbp.setSessionAdopter(this.adopter);
      // sessions that came up before the bucket was ready
      for (const repeaterId of this.#ports.values()) this.#write(repeaterId, 0);
      // say so once the mirror holds the sessions already shared (a worker restarted under
      // SO_REUSEPORT answers the hotspots the kernel now gives it from them); an empty bucket has
      // nothing to wait for, and a slow replay is waited for only so long
      if (await hasKeys(kv, "sess.>")) await Promise.race([sessionsLoaded, Bun.sleep(MIRROR_LOAD_WAIT_MS)]);
      // hotspots this node was holding unanswered (server.ts SESSION_LOAD_HOLD_MS) are taken over
      // at their next keepalive from now on, and any other is NAKed again
      this.#deps.hbp.holdUnknownPeers(0);
      this.#log.info({ window: this.#deps.windowMs }, "cluster: HBP sessions shared (hotspots move between nodes without a new login)");
    } catch (error) {
      this.#deps.hbp.holdUnknownPeers(0);
      this.#log.error({ err: error }, "cluster: HBP sessions not shared (JetStream KV unavailable); hotspots moving between nodes log in again");
    }
  }

  #watch(kv: KV, key: string, onEntry: (entry: KvEntry) => void, onCaughtUp?: () => void): Promise<void> {
    return watchKv(kv, key, {
      stopped: () => this.#stopped,
      onEntry,
      ...(onCaughtUp !== undefined ? { onCaughtUp } : {}),
      onBadEntry: () => {
        this.mirror.stats.malformed++;
      },
      onEnd: (error) => this.#log.error({ err: error, key }, "cluster: shared-session watch ended"),
    });
  }

  #onSessionEntry(entry: KvEntry): void {
    const before = this.mirror.stats.malformed;
    this.mirror.onSession(entry.key, entry.operation, entry.value, entry.revision);
    // ignored and counted; the first few are logged (a writer with another idea of the format)
    if (this.mirror.stats.malformed !== before && this.mirror.stats.malformed <= MALFORMED_LOGGED) {
      this.#log.warn({ key: entry.key, bytes: entry.value.length }, "cluster: a malformed shared-session record in the KV (ignored)");
    }
  }

  // ---- core events ----------------------------------------------------------------------------

  #onEvent(event: CoreEvent): void {
    if (this.#leaving) return;
    switch (event.type) {
      case "session.up":
        this.#ports.set(event.portIndex, event.repeaterId);
        if (event.adopted === true) this.#adopted(event.repeaterId, event.address, event.port);
        this.#write(event.repeaterId, event.adopted === true ? (this.mirror.get(event.repeaterId)?.at ?? 0) : 0);
        break;
      case "options.applied": {
        const repeaterId = this.#ports.get(event.portIndex);
        if (repeaterId === undefined) break;
        const session = this.#deps.hbp.session(repeaterId);
        const kept = this.mirror.get(repeaterId);
        if (session !== undefined && kept !== null && kept.n === this.#deps.nodeId && kept.o !== session.options) this.#write(repeaterId, kept.at);
        break;
      }
      case "session.down":
        if (this.#ports.get(event.portIndex) === event.repeaterId) this.#ports.delete(event.portIndex);
        // moved: the new owner wrote it; shutdown: handed over (or purged by the goodbye)
        if (event.reason !== "moved" && event.reason !== "shutdown") this.#delete(event.repeaterId);
        break;
      default:
        break;
    }
  }

  #adopted(repeaterId: number, address: string, port: number): void {
    this.#counts.adopted++;
    const now = Date.now();
    if (now - this.#adoptionLogAt >= ADOPTION_LOG_WINDOW_MS) {
      if (this.#adoptionUnlogged > 0) this.#log.info({ more: this.#adoptionUnlogged }, "cluster: more hotspot sessions taken over without a login");
      this.#adoptionLogAt = now;
      this.#adoptionLogged = 0;
      this.#adoptionUnlogged = 0;
    }
    const from = this.mirror.get(repeaterId);
    if (this.#adoptionLogged++ < ADOPTION_LOG_MAX) {
      this.#log.info({ repeaterId, address, port, from: from?.name ?? null }, "cluster: hotspot session taken over without a login");
    } else {
      this.#adoptionUnlogged++;
    }
  }

  /** The record of a connected local session, or null. */
  #record(repeaterId: number, loginWallMs: number, handedOverAt: number): SharedSessionRecord | null {
    const session = this.#deps.hbp.session(repeaterId);
    if (session === undefined || !session.connected || session.config === null) return null;
    return {
      v: 1,
      n: this.#deps.nodeId,
      name: this.#deps.nodeName,
      g: this.#deps.group,
      i: this.incarnation,
      a: plainAddress(session.endpoint.address),
      p: session.endpoint.port,
      c: session.config,
      r: session.accessRule,
      o: session.options,
      at: loginWallMs > 0 ? loginWallMs : Date.now(),
      ho: handedOverAt,
    };
  }

  /** Write the session's record (mirrored at once; its revision kept for the compare-and-delete). */
  #write(repeaterId: number, loginWallMs: number, handedOverAt = 0): Promise<void> {
    const kv = this.#kv;
    const record = this.#record(repeaterId, loginWallMs, handedOverAt);
    if (kv === null || record === null) return Promise.resolve();
    this.mirror.putLocal(repeaterId, record);
    this.#counts.puts++;
    return kv.put(`sess.${repeaterId}`, encoder.encode(JSON.stringify(record))).then(
      (revision) => {
        if (this.mirror.get(repeaterId) === record && this.mirror.revision(repeaterId) < revision) this.mirror.putLocal(repeaterId, record, revision);
      },
      () => {
        this.#counts.putErrors++;
      },
    );
  }

  /** Delete the record if it is still the one this incarnation wrote (compare-and-delete). */
  #delete(repeaterId: number): Promise<void> {
    const kv = this.#kv;
    const kept = this.mirror.get(repeaterId);
    if (kv === null || kept === null || kept.n !== this.#deps.nodeId || kept.i !== this.incarnation) return Promise.resolve();
    const revision = this.mirror.revision(repeaterId);
    this.mirror.forget(repeaterId);
    this.#counts.deletes++;
    return kv.delete(`sess.${repeaterId}`, revision > 0 ? { previousSeq: revision } : {}).catch(() => {
      this.#counts.putErrors++; // someone else wrote it since: theirs now
    });
  }

  /**
   * Stopping with another node alive (no MSTCL): mark every session this node holds as handed over
   * so the node that receives a hotspot next takes it at once. Waits for the writes (the caller
   * bounds the wait).
   */
  async handOver(): Promise<void> {
    this.#leaving = true;
    const now = Date.now();
    const writes: Promise<void>[] = [];
    for (const repeaterId of this.mirror.owned()) {
      const kept = this.mirror.get(repeaterId);
      writes.push(this.#write(repeaterId, kept?.at ?? 0, now));
      this.#counts.handedOver++;
    }
    await Promise.all(writes);
    this.#log.info({ sessions: writes.length }, "cluster: hotspot sessions marked as handed over");
  }

  /** Stopping with goodbyes (MSTCL): the sessions end here, so their records go. */
  async purge(): Promise<void> {
    this.#leaving = true;
    await Promise.all(this.mirror.owned().map((repeaterId) => this.#delete(repeaterId)));
  }

  stats(): SharedSessionsStats {
    return { ready: this.#kv !== null, ...this.mirror.stats, ...this.#counts };
  }

  stop(): void {
    this.#stopped = true;
    this.#deps.hbp.setSessionAdopter(null);
    this.#unregister?.();
    this.#unregister = null;
  }
}

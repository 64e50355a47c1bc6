/**
 * The services Worker's host, on the packet thread: it spawns the Worker that runs the operator
 * plane (HTTP API, dashboard, metrics, later services: src/services/worker/main.ts), feeds it core
 * events in batches, applies the commands it sends back, and restarts it when it dies.
 *
 * - Events: a named bus consumer ("services-worker") only appends to a batch; a timer (default
 *   100 ms) or a full batch (default 512 events) posts it with one postMessage. Events are per call,
 *   per session and periodic snapshots, never per packet.
 * - Backpressure: the Worker acks each batch. With too many batches unacknowledged (a slow or stuck
 *   Worker) new events are dropped and counted, never queued without bound; once it catches up it
 *   gets a fresh roster of the core's state (resync), so its tables are right again.
 * - Failure: a Worker that throws at top level, exits or fails to start is restarted with backoff
 *   (250 ms doubling to 30 s); events meanwhile are lost (counted) and the new Worker starts from a
 *   roster. Voice never waits for it.
 * - Commands: admin actions and self-care arrive as ControlCommands and go through the
 *   ControlQueue, applied on the shell's tick.
 * - The compiled binary carries the Worker as an extra entry point (scripts/build.ts); it is found
 *   at "./services/worker/main.ts" relative to the bundle root there, next to this file in dev.
 * @module
 */
import type { Logger } from "pino";
import type { EventBus } from "../bus/event_bus.ts";
import type { ControlResult } from "../core/control_command.ts";
import { redactOptionKey } from "../lib/option_key.ts";
import type { CoreEvent } from "../core/events.ts";
import type { HbpMaster } from "../core/hbp_master/hbp_master.ts";
import type { HbpSession } from "../core/hbp_master/session.ts";
import type { FrameRouter } from "../core/router_contract.ts";
import type { Router } from "../core/routing/types.ts";
import type { FromWorker, HotspotDetails, Roster, ServicesWorkerStats, ToWorker, WorkerEvent, WorkerFeedsOptions, WorkerHttpOptions } from "../services/worker/protocol.ts";
import type { StateChange } from "../core/routing/state_records.ts";
import type { WorkerStoreOptions } from "../services/store/worker_store.ts";
import type { AliasServiceOptions } from "../services/aliases/alias_service.ts";
import type { AliasTableData } from "../services/aliases/alias_table.ts";
import type { AliasKind } from "../services/aliases/parse.ts";
import type { ControlQueue } from "./control_commands.ts";
import { monotonicMs } from "./clock.ts";

export const SERVICES_WORKER_SERVICE = "services-worker";

/** Where the Worker's entry point is: in the compiled binary, relative to the bundle root (src/). */
export function servicesWorkerEntry(): string {
  const compiled = (Bun as { isStandaloneExecutable?: boolean }).isStandaloneExecutable === true || import.meta.url.includes("$bunfs");
  return compiled ? "./services/worker/main.ts" : new URL("../services/worker/main.ts", import.meta.url).href;
}

export interface ServicesWorkerHostOptions {
  readonly bus: EventBus<CoreEvent>;
  readonly hbp: HbpMaster | null;
  readonly router: FrameRouter;
  readonly control: ControlQueue;
  readonly log: Logger;
  readonly version: string;
  readonly startedMs: number;
  readonly http: WorkerHttpOptions;
  /** Report socket, MQTT, last-heard feed (absent: off). */
  readonly feeds?: WorkerFeedsOptions;
  /** Batch period (default 100 ms) and size (default 512 events). */
  readonly batchIntervalMs?: number;
  readonly maxBatchEvents?: number;
  /** Batches sent and not yet acknowledged before events are dropped (default 8). */
  readonly maxInFlightBatches?: number;
  /** After lost events, at most one roster per this long (default RESYNC_MIN_INTERVAL_MS). */
  readonly resyncMinIntervalMs?: number;
  /** Bus queue of this consumer (default 16384 events). */
  readonly queueCapacity?: number;
  /** A Worker with batches unacknowledged this long is taken for hung and restarted (default 30 s). */
  readonly hungTimeoutMs?: number;
  /** Wait at most this long for the Worker's first "ready" (default 15 s). */
  readonly readyTimeoutMs?: number;
  /** Another entry point (tests: a Worker that crashes or hangs on purpose). */
  readonly entry?: string;
  /** The state store the Worker owns (null/absent: none). */
  readonly store?: WorkerStoreOptions | null;
  /** Called at every "ready" (first start and restarts): the state journal then sends everything again. */
  readonly onReady?: () => void;
  /** Alias data for the Worker to load ([aliases]), and who gets each table it posts back. */
  readonly aliases?: AliasServiceOptions;
  readonly onAliases?: (kind: AliasKind, data: AliasTableData) => void;
}

export interface ServicesWorkerReady {
  url: string | null;
  port: number | null;
  error: string | null;
  /** The report socket's TCP port (null: off or not listening). */
  reportPort?: number | null;
}

const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A Worker that ran this long resets the backoff. */
const STABLE_MS = 60_000;
/**
 * A roster costs the packet thread a few ms with thousands of hotspots: after lost events, at most
 * one per this long (a new Worker gets one at once).
 */
const RESYNC_MIN_INTERVAL_MS = 5_000;
/** Most subscriptions per hotspot put in a roster. */
const ROSTER_SUBSCRIPTIONS_MAX = 128;
/** Hotspots per roster chunk (one chunk per flush). */
const ROSTER_CHUNK = 50;

/**
 * Event types a roster stands for (#rosterStart, #rosterChunk: sessions, their details and
 * talkgroups, the dialled reflector, calls in progress, hotspot settings).
 */
const ROSTER_STANDS_FOR: ReadonlySet<WorkerEvent["type"]> = new Set<WorkerEvent["type"]>([
  "session.up",
  "session.down",
  "subscription.change",
  "dial.link",
  "stream.start",
  "hotspot.settings",
  "x.hotspot",
]);

/**
 * What of a batch still goes to the Worker after a roster: the events the roster does not stand
 * for, in order — a refusal, a finished call (last heard, call history), a link going up or down
 * is nowhere in a roster, and dropping them there would lose them without a count. State changes
 * are dropped: the roster is the core's state after them, and replaying one (a session.down of a
 * hotspot that has logged in again since) would undo it.
 *
 * Port indexes are reused, and the Worker finds a record's hotspot by the port index it names
 * (options, a refused or undelivered call). A port that changed hands after the record (a
 * session.up or session.down of that index later in the batch: everything between the record and
 * the roster is in it) now belongs to another hotspot in the roster, so such a record is `stale`:
 * not sent, counted by the caller.
 */
export function eventsAfterRoster(batch: readonly WorkerEvent[]): { kept: WorkerEvent[]; stale: number } {
  const kept: WorkerEvent[] = [];
  let stale = 0;
  /** port indexes with a session.up or session.down later in the batch than the event at hand */
  const changedLater = new Set<number>();
  for (let i = batch.length - 1; i >= 0; i--) {
    const event = batch[i]!;
    if (ROSTER_STANDS_FOR.has(event.type)) {
      if (event.type === "session.up" || event.type === "session.down") changedLater.add(event.portIndex);
      continue;
    }
    if (changedLater.size > 0 && namesPortIn(event, changedLater)) {
      stale++;
      continue;
    }
    kept.push(event);
  }
  kept.reverse();
  return { kept, stale };
}

/** Does the event name one of `ports` (its own port index, or a call's undelivered targets)? */
function namesPortIn(event: WorkerEvent, ports: ReadonlySet<number>): boolean {
  if ("portIndex" in event && ports.has(event.portIndex)) return true;
  return event.type === "stream.end" && event.undelivered !== undefined && event.undelivered.some((target) => ports.has(target.portIndex));
}

/** How long stop() waits for the Worker's "stopped" before terminating it. */
const STOP_WAIT_MS = 5000;

export class ServicesWorkerHost {
  readonly #o: ServicesWorkerHostOptions;
  #aliases: AliasServiceOptions | undefined;
  readonly #entry: string;
  #worker: Worker | null = null;
  #generation = 0;
  #batch: WorkerEvent[] = [];
  #seq = 0;
  #acked = 0;
  #ready = false;
  #needResync = false;
  #lostSinceLast = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  #backoffMs = RESTART_MIN_MS;
  #startedAt = 0;
  #stopping = false;
  #unregister: (() => void) | null = null;
  #lastHostStatsMs = 0;
  /** When the Worker last acknowledged a batch (or started). */
  #lastAckMs = 0;
  #lastResyncMs = Number.NEGATIVE_INFINITY;
  /** Repeater ids of a roster being sent, and how far it got (null: none in progress). */
  #rosterIds: number[] | null = null;
  #rosterCursor = 0;
  #firstReady: ((ready: ServicesWorkerReady) => void) | null = null;
  readonly #stats: ServicesWorkerStats = {
    running: false,
    restarts: 0,
    crashes: 0,
    batchesSent: 0,
    eventsSent: 0,
    eventsLost: 0,
    resyncs: 0,
    lastRosterMs: 0,
    commands: 0,
    inFlightBatches: 0,
    lastError: null,
  };
  /** What the first Worker reported (address it listens on). */
  ready: ServicesWorkerReady | null = null;

  constructor(options: ServicesWorkerHostOptions) {
    this.#o = options;
    this.#aliases = options.aliases;
    this.#entry = options.entry ?? servicesWorkerEntry();
  }

  stats(): ServicesWorkerStats {
    return { ...this.#stats, inFlightBatches: this.#seq - this.#acked };
  }

  /** Register on the bus, spawn the Worker and wait for its first "ready" (or a timeout). */
  start(): Promise<ServicesWorkerReady> {
    this.#unregister = this.#o.bus.register(SERVICES_WORKER_SERVICE, (event) => this.#onEvent(event), { queueCapacity: this.#o.queueCapacity ?? 16_384 });
    this.#timer = setInterval(() => this.#flush(), Math.max(5, this.#o.batchIntervalMs ?? 100));
    const first = new Promise<ServicesWorkerReady>((resolve) => {
      this.#firstReady = resolve;
    });
    const timeoutMs = this.#o.readyTimeoutMs ?? 15_000;
    const timeout = new Promise<ServicesWorkerReady>((resolve) => {
      const t = setTimeout(() => resolve({ url: null, port: null, error: `the services Worker did not start within ${timeoutMs} ms` }), timeoutMs);
      void first.then(() => clearTimeout(t));
    });
    this.#spawn();
    return Promise.race([first, timeout]).then((ready) => {
      this.ready = ready;
      this.#firstReady = null;
      return ready;
    });
  }

  /** Reload: new [aliases] sources for the Worker (now, and for a restarted Worker). */
  reconfigureAliases(aliases: AliasServiceOptions | undefined): void {
    this.#aliases = aliases;
    try {
      this.#worker?.postMessage({ type: "aliases-config", aliases: aliases ?? null } satisfies ToWorker);
    } catch {
      // the Worker is restarting: its init carries the new options
    }
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#unregister?.();
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    this.#worker = null;
    if (worker === null) return;
    const stopped = new Promise<void>((resolve) => {
      worker.addEventListener("message", (e: MessageEvent) => {
        if ((e.data as FromWorker | null)?.type === "stopped") resolve();
      });
      worker.addEventListener("close", () => resolve());
      // the Worker writes the store's last batch and closes the file: give it time on a slow SD
      // card or an emulated CPU (the whole stop has its own deadline in serve.ts; a hung Worker
      // costs at most this much of it)
      setTimeout(resolve, STOP_WAIT_MS);
    });
    try {
      worker.postMessage({ type: "stop" } satisfies ToWorker);
    } catch {
      // already gone
    }
    await stopped;
    worker.terminate();
    this.#stats.running = false;
  }

  /** Whether the Worker is up and takes messages. */
  get accepting(): boolean {
    return this.#worker !== null && this.#ready;
  }

  /** Change records for the state store; false when the Worker is not there to take them (send everything again once it is). */
  postState(changes: StateChange[]): boolean {
    const worker = this.#worker;
    if (worker === null || !this.#ready) return false;
    try {
      worker.postMessage({ type: "state", changes } satisfies ToWorker);
      return true;
    } catch {
      return false;
    }
  }

  /** Tests: kill the Worker as a crash would (it is restarted like after any death). */
  terminateForTest(): void {
    const worker = this.#worker;
    if (worker === null) return;
    this.#onDeath(this.#generation, "terminated by a test");
    worker.terminate();
  }

  // ---- the Worker's life ---------------------------------------------------------------------

  #spawn(): void {
    if (this.#stopping) return;
    const generation = ++this.#generation;
    this.#ready = false;
    this.#seq = 0;
    this.#acked = 0;
    let worker: Worker;
    try {
      worker = new Worker(this.#entry);
    } catch (error) {
      this.#onDeath(generation, `cannot start the services Worker: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.#worker = worker;
    this.#startedAt = monotonicMs();
    worker.addEventListener("message", (e: MessageEvent) => {
      if (generation === this.#generation) this.#onMessage(worker, e.data as FromWorker);
    });
    worker.addEventListener("error", (e: ErrorEvent) => {
      if (generation === this.#generation) this.#onDeath(generation, e.message || "the services Worker threw");
    });
    worker.addEventListener("close", () => {
      if (generation === this.#generation && !this.#stopping) this.#onDeath(generation, "the services Worker exited");
    });
    // a restarted Worker listens where the first one did (port 0 = the port it was given)
    const http = this.ready?.port != null ? { ...this.#o.http, port: this.ready.port } : this.#o.http;
    let feeds = this.#o.feeds;
    if (feeds?.report != null && this.ready?.reportPort != null) feeds = { ...feeds, report: { ...feeds.report, port: this.ready.reportPort } };
    const init: ToWorker = {
      type: "init",
      version: this.#o.version,
      hostTimeOrigin: performance.timeOrigin,
      startedMs: this.#o.startedMs,
      http,
      store: this.#o.store ?? null,
      ...(feeds !== undefined ? { feeds } : {}),
      ...(this.#aliases !== undefined ? { aliases: this.#aliases } : {}),
    };
    worker.postMessage(init);
  }

  #onDeath(generation: number, reason: string): void {
    if (generation !== this.#generation || this.#stopping) return;
    this.#generation++; // anything more from that Worker is ignored
    const worker = this.#worker;
    this.#worker = null;
    this.#ready = false;
    this.#stats.running = false;
    this.#stats.crashes++;
    this.#stats.lastError = reason;
    this.#lose(this.#batch.length);
    this.#batch = [];
    try {
      worker?.terminate();
    } catch {
      // gone already
    }
    if (monotonicMs() - this.#startedAt > STABLE_MS) this.#backoffMs = RESTART_MIN_MS;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(RESTART_MAX_MS, this.#backoffMs * 2);
    this.#o.log.error({ reason, restartInMs: delay, crashes: this.#stats.crashes }, "the services Worker (HTTP API, dashboard) died; restarting it — voice is not affected");
    this.#firstReady?.({ url: null, port: null, error: reason });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#stats.restarts++;
      this.#spawn();
    }, delay);
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    switch (message.type) {
      case "ready":
        this.#ready = true;
        this.#lastResyncMs = Number.NEGATIVE_INFINITY;
        this.#lastAckMs = monotonicMs();
        this.#stats.running = true;
        this.#needResync = true;
        this.#firstReady?.({ url: message.url, port: message.port, error: message.error, reportPort: message.reportPort ?? null });
        this.#flush();
        this.#o.onReady?.();
        return;
      case "ack":
        this.#acked = Math.max(this.#acked, message.seq);
        this.#lastAckMs = monotonicMs();
        return;
      case "command": {
        this.#stats.commands++;
        const id = message.id;
        const generation = this.#generation;
        this.#o.control.submit(message.command, (result: ControlResult) => {
          if (generation !== this.#generation) return;
          try {
            worker.postMessage({ type: "command-result", id, result } satisfies ToWorker);
          } catch {
            // the Worker is gone; its request timed out on its side
          }
        });
        return;
      }
      case "log": {
        const log = this.#o.log.child({ service: SERVICES_WORKER_SERVICE });
        log[message.level](message.data ?? {}, message.msg);
        return;
      }
      case "aliases":
        this.#o.onAliases?.(message.kind, message.data);
        return;
      case "stopped":
        return;
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  #lose(n: number): void {
    if (n <= 0) return;
    this.#stats.eventsLost += n;
    this.#lostSinceLast += n;
    this.#needResync = true;
  }

  #onEvent(event: CoreEvent): void {
    if (!this.#ready) {
      this.#lose(1);
      return;
    }
    this.#batch.push(event);
    if (event.type === "session.up") {
      const details = this.#details(event.repeaterId);
      if (details !== null) this.#batch.push({ type: "x.hotspot", atMs: event.atMs, repeaterId: event.repeaterId, portIndex: event.portIndex, details });
    }
    if (this.#batch.length >= (this.#o.maxBatchEvents ?? 512)) this.#flush();
  }

  #flush(): void {
    const worker = this.#worker;
    if (worker === null || !this.#ready) return;
    const inFlight = this.#seq - this.#acked;
    if (inFlight >= (this.#o.maxInFlightBatches ?? 8)) {
      // the Worker is behind: drop, count, and resync once it has caught up
      this.#lose(this.#batch.length);
      this.#batch = [];
      if (monotonicMs() - this.#lastAckMs > (this.#o.hungTimeoutMs ?? 30_000)) {
        this.#onDeath(this.#generation, `the services Worker stopped answering (no batch acknowledged for ${this.#o.hungTimeoutMs ?? 30_000} ms)`);
      }
      return;
    }
    try {
      const now = monotonicMs();
      if (this.#needResync && now - this.#lastResyncMs >= (this.#o.resyncMinIntervalMs ?? RESYNC_MIN_INTERVAL_MS)) {
        this.#needResync = false;
        this.#lastResyncMs = now;
        this.#stats.resyncs++;
        // the roster supersedes the state changes batched before it; the records it does not
        // stand for (refusals, finished calls, link changes, log lines) follow it
        const after = eventsAfterRoster(this.#batch);
        this.#batch = after.kept;
        // stale records are lost, counted; no further roster for them (none would carry them)
        this.#stats.eventsLost += after.stale;
        this.#lostSinceLast += after.stale;
        worker.postMessage({ type: "resync", roster: this.#rosterStart() } satisfies ToWorker);
        this.#stats.lastRosterMs = monotonicMs() - now;
      }
      if (this.#rosterIds !== null) {
        // the roster's hotspots, a chunk per flush: a few hundred µs each instead of one long stall
        const t0 = monotonicMs();
        const hotspots = this.#rosterChunk();
        worker.postMessage({ type: "roster-chunk", hotspots, last: this.#rosterIds === null } satisfies ToWorker);
        this.#stats.lastRosterMs = Math.max(this.#stats.lastRosterMs, monotonicMs() - t0);
      }
      if (now - this.#lastHostStatsMs >= 1000) {
        this.#lastHostStatsMs = now;
        worker.postMessage({ type: "host-stats", stats: this.stats() } satisfies ToWorker);
      }
      if (this.#batch.length === 0) return;
      const events = this.#batch;
      this.#batch = [];
      const seq = ++this.#seq;
      worker.postMessage({ type: "events", seq, events, lostSinceLast: this.#lostSinceLast } satisfies ToWorker);
      this.#lostSinceLast = 0;
      this.#stats.batchesSent++;
      this.#stats.eventsSent += events.length;
    } catch (error) {
      this.#stats.lastError = error instanceof Error ? error.message : String(error);
      this.#lose(this.#batch.length);
      this.#batch = [];
    }
  }

  #details(repeaterId: number): HotspotDetails | null {
    const session = this.#o.hbp?.session(repeaterId);
    return session === undefined ? null : hotspotDetails(session);
  }

  /** The core's state now (allocates; only at Worker start and after lost events). */
  /** The start of a roster: calls in progress now; the hotspots follow in chunks (#rosterChunk). */
  #rosterStart(): Roster {
    const router = this.#o.router as Partial<Router>;
    this.#rosterIds = [];
    if (this.#o.hbp !== null) for (const session of this.#o.hbp.sessions()) if (session.portIndex >= 0) this.#rosterIds.push(session.repeaterId);
    this.#rosterCursor = 0;
    const streams: Roster["streams"] = (router.activeStreams?.() ?? []).map((s) => ({
      type: "stream.start",
      atMs: s.startedAtMs,
      streamId: s.streamId,
      portIndex: s.portIndex,
      portName: s.portName,
      sourceId: s.sourceId,
      destinationId: s.destinationId,
      slot: s.slot,
      callType: s.callType,
      kind: s.kind,
    }));
    return { atMs: monotonicMs(), hotspots: [], streams, settings: router.hotspotSettingsEntries?.() ?? [] };
  }

  /**
   * The next ROSTER_CHUNK hotspots, read from the core now: one that left since the roster began is
   * skipped (its session.down came through the bus), one that arrived since came as session.up.
   */
  #rosterChunk(): Roster["hotspots"] {
    const router = this.#o.router as Partial<Router>;
    const ids = this.#rosterIds ?? [];
    const hotspots: Roster["hotspots"] = [];
    const end = Math.min(ids.length, this.#rosterCursor + ROSTER_CHUNK);
    for (; this.#rosterCursor < end; this.#rosterCursor++) {
      const session = this.#o.hbp?.session(ids[this.#rosterCursor]!);
      if (session === undefined || session.portIndex < 0) continue;
      const subs = router.subscriptions?.(session) ?? [];
      hotspots.push({
        up: {
          type: "session.up",
          atMs: session.connectedAtMs,
          repeaterId: session.repeaterId,
          callsign: session.callsign,
          address: session.endpoint.address.replace(/^::ffff:/, ""),
          port: session.endpoint.port,
          portIndex: session.portIndex,
        },
        details: hotspotDetails(session),
        subscriptions: subs.slice(0, ROSTER_SUBSCRIPTIONS_MAX).filter((s) => s.kind === "static" || s.kind === "dynamic").map((s) => ({ slot: s.slot, talkgroupId: s.talkgroupId, kind: s.kind as "static" | "dynamic", expiresAtMs: s.expiresAtMs })),
        dialedReflector: router.dialedReflector?.(session) ?? 0,
      });
    }
    if (this.#rosterCursor >= ids.length) this.#rosterIds = null;
    return hotspots;
  }

}

export function hotspotDetails(session: HbpSession): HotspotDetails {
  const c = session.config;
  return {
    callsign: session.callsign,
    location: c?.location ?? "",
    description: c?.description ?? "",
    url: c?.url ?? "",
    softwareId: c?.softwareId ?? "",
    packageId: c?.packageId ?? "",
    rxFrequencyHz: c?.rxFrequencyHz ?? 0,
    txFrequencyHz: c?.txFrequencyHz ?? 0,
    colourCode: c?.colourCode ?? 0,
    latitude: c?.latitude ?? 0,
    longitude: c?.longitude ?? 0,
    heightM: c?.heightM ?? 0,
    slots: c?.slots ?? "",
    simplex: session.simplex,
    accessRule: session.accessRule,
    family: session.endpoint.address.includes(":") && !session.endpoint.address.startsWith("::ffff:") ? "ipv6" : "ipv4",
    options: session.options !== null ? redactOptionKey(session.options) : null,
  };
}

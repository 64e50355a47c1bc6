/**
 * startServer: config + logger → a running server (sockets open, core wired, bus pumping).
 *
 * `assembleServer` builds everything that is not I/O — the shared Outbox, port-index pool, PRNG,
 * bus, router and the list of hosted handlers (the HBP master, and whatever the caller adds:
 * OpenBridge links, upstream links) — so the composition is testable and extensible in one place:
 *
 *   startServer(config, log, {
 *     createRouter: (deps) => createRouter(routingOptionsFrom(config), deps),
 *     extraHandlers: (deps) => [new OpenBridgeLink(…, deps), …],
 *   })
 *
 * startServer then hosts the handlers on a UdpHost (the only code touching sockets), registers the
 * event-log service on the bus, and logs one line per bound socket. Passphrases are never logged.
 * With `[http] enabled` it also starts the services Worker (services_worker_host.ts: dashboard,
 * HTTP API, metrics, off the packet thread; fed from the bus in batches; its admin and self-care
 * commands are applied on the tick by control_commands.ts), and it publishes a `stats` snapshot of
 * the counters on the bus at start and every few seconds (stats_publisher.ts).
 * @module
 */
import type { Logger } from "pino";
import { EventBus } from "../bus/event_bus.ts";
import type { Config } from "../config/schema.ts";
import { aclOrThrow } from "../core/acl.ts";
import type { HostedHandler } from "../core/datagram_handler.ts";
import type { CoreEvent, EventSink } from "../core/events.ts";
import { HbpMaster, type HbpMasterStats } from "../core/hbp_master/hbp_master.ts";
import type { HbpAccessRule, HbpMasterOptions } from "../core/hbp_master/options.ts";
import { PortIndexPool, type PortIndexAllocator } from "../core/hbp_master/port_index_pool.ts";
import { Outbox } from "../core/outbox.ts";
import { NullRouter, type FrameRouter } from "../core/router_contract.ts";
import { assert } from "../lib/assert.ts";
import { Prng } from "../lib/prng.ts";
import { registerEventLog } from "../services/event_log.ts";
import { BusEventSink } from "./bus_sink.ts";
import { AliasDirectory } from "./alias_directory.ts";
import type { AliasServiceOptions } from "../services/aliases/alias_service.ts";
import { ControlQueue } from "./control_commands.ts";
import { feedsOptions } from "../services/feed/feeds_config.ts";
import { ServicesWorkerHost } from "./services_worker_host.ts";
import type { ServicesWorkerStats } from "../services/worker/protocol.ts";
import { drawLoginSecret } from "./login_secret.ts";
import { monotonicMs } from "./clock.ts";
import { MemoryHygiene } from "./memory/memory_hygiene.ts";
import { collectDuringBursts } from "./memory/settle_after_logins.ts";
import { storeOptionsFromConfig } from "../config/store_options.ts";
import { isStatefulRouter, restoreState, StateJournal } from "./state_journal.ts";
import type { StateChange } from "../core/routing/state_records.ts";
import { DEFAULT_STATS_INTERVAL_MS, StatsPublisher } from "./stats_publisher.ts";
import { schedulePacedCollections } from "./memory/gc_pacer.ts";
import type { SheddingOptions } from "./udp/overload_shedder.ts";
import { UdpHost, type BoundSocket, type HostProbe, type UdpHostStats } from "./udp/udp_host.ts";
import type { ClusterNode } from "./cluster/cluster_node.ts";

export const DEFAULT_PASSPHRASE = "passw0rd";

/**
 * `[cluster] shared_sessions`: the longest a starting node (or a restarted worker) drops, rather
 * than NAKs, pings and frames from hotspots it has no session for, while it connects to NATS and
 * loads its copy of the cluster's sessions (HbpMaster.holdUnknownPeers). The shared sessions end
 * the hold as soon as that copy has loaded (at most 5 s after the bucket opened) or cannot load;
 * this bound covers NATS not answering at all. A hotspot pings every 5–10 s and is dropped only
 * after several unanswered pings, so it waits rather than logging in again.
 */
export const SESSION_LOAD_HOLD_MS = 10_000;

/** What every core component is built from. */
export interface CoreDeps {
  readonly outbox: Outbox;
  readonly events: EventSink;
  readonly prng: Prng;
  readonly portIndexes: PortIndexAllocator;
}

export interface ServerOptions {
  /** Build the router (default: NullRouter). Called once, before the handlers. */
  createRouter?: (deps: CoreDeps) => FrameRouter;
  /** Extra hosted handlers (federation links, upstream peers); they share the router via `router`. */
  extraHandlers?: (deps: CoreDeps & { router: FrameRouter }) => HostedHandler[];
  /** PRNG seed (default: from the OS). */
  seed?: number;
  /** Overload shedding thresholds of the UDP host (default: overload_shedder.ts DEFAULT_SHEDDING). */
  shedding?: SheddingOptions;
  /** Outbox capacity (default: sized from max_peers). */
  outboxCapacity?: number;
  /** Datagrams whose forwarded copies the UDP host may hold for one sendmmsg (udp_host.ts; default DEFAULT_HOLD_DATAGRAMS, 0 = none). */
  holdDatagrams?: number;
  /**
   * Send to IPv4 peers through sendmmsg via bun:ffi where available (udp_host.ts, sendmmsg_batch.ts).
   * Default: true, unless the environment has FREEDMR_SENDMMSG=0 (the operator's way back to Bun's
   * sends, should a system ever disagree with them).
   */
  sendmmsg?: boolean;
  /** Tick interval of the shell (default 25 ms). */
  tickIntervalMs?: number;
  /** Tick interval while nothing needs the fast tick (default 100 ms, udp_host.ts). */
  idleTickIntervalMs?: number;
  /** Benchmark timing hooks on the UDP host (default none: no extra timestamps on the packet path). */
  probe?: HostProbe | null;
  /** Bus queue size of the event-log service (default 4096). */
  eventLogQueueCapacity?: number;
  /** Log the default-passphrase warning here (default true; the CLI may already do it). */
  warnDefaultPassphrase?: boolean;
  /** Bind the UDP sockets with SO_REUSEPORT (cluster workers sharing the HBP port). */
  reusePort?: boolean;
  /** Install SIGTERM/SIGINT handlers that stop the server (default false: the CLI does it). */
  handleSignals?: boolean;
  /** Collections while a burst of logins comes in (settle_after_logins.ts collectDuringBursts): every `every` logins (default 250), by `collect` (default Bun.gc(false)). */
  burstCollect?: { every?: number; collect?: () => void };
  /** Do not register the event-log service (tests that want a quiet bus). */
  withoutEventLog?: boolean;
  /** How often the `stats` snapshot event is published on the bus (default 5000 ms; also once at start). */
  statsIntervalMs?: number;
  /** Version shown by the HTTP status API (the CLI passes its build version). */
  version?: string;
  /** Services Worker: another entry point (tests), batch period in ms (default 50). */
  servicesWorkerEntry?: string;
  servicesBatchIntervalMs?: number;
  /** Where alias tables from the services Worker land (default: a new one); the router may already use it. */
  aliasDirectory?: AliasDirectory;
  /** Restart a services Worker that acknowledged nothing for this long (default 30 s). */
  servicesHungTimeoutMs?: number;
}

/** The dashboard/API served by the services Worker. */
export interface RunningHttp {
  /** e.g. http://127.0.0.1:8062/ (a wildcard bind address is shown as loopback). */
  readonly url: string;
  readonly address: string;
  readonly port: number;
}

export interface AssembledServer {
  readonly deps: CoreDeps;
  readonly bus: EventBus<CoreEvent>;
  readonly router: FrameRouter;
  readonly hbp: HbpMaster | null;
  readonly handlers: HostedHandler[];
}

export interface ServerStats {
  uptimeMs: number;
  host: UdpHostStats;
  hbp: HbpMasterStats | null;
  bus: ReturnType<EventBus<CoreEvent>["stats"]>;
  /** The services Worker's health (null when [http] is off). */
  services: ServicesWorkerStats | null;
}

export interface RunningServer {
  boundSockets(): BoundSocket[];
  stop(reason?: string): Promise<void>;
  stats(): ServerStats;
  readonly bus: EventBus<CoreEvent>;
  readonly hbp: HbpMaster | null;
  readonly router: FrameRouter;
  readonly host: UdpHost;
  /** The dashboard/API when `[http] enabled` and listening (null otherwise). */
  readonly http: RunningHttp | null;
  /** The services Worker's host when `[http] enabled` (its health: `services.stats()`). */
  readonly services: ServicesWorkerHost | null;
  /** Admin and self-care commands waiting for the tick. */
  readonly control: ControlQueue;
  /** The cluster node ([cluster] enabled), null otherwise. */
  readonly cluster: () => ClusterNode | null;
  /** Every hosted handler (the HBP master, links); a reload adds and removes links here. */
  readonly handlers: HostedHandler[];
  /** Names for ids, as the services Worker last loaded them ([aliases]). */
  readonly aliases: AliasDirectory;
}

/** Map the `[hbp]` config section onto the master's plain options. */
export function hbpMasterOptions(hbp: Config["hbp"]): HbpMasterOptions {
  assert(hbp.passphrase_file === undefined, "hbp.passphrase_file must be read before the server starts (resolvePassphraseFile in src/config/passphrase_file.ts)");
  return {
    bindAddresses: hbp.bind_addresses,
    port: hbp.port,
    receiveBufferBytes: hbp.receive_buffer_bytes,
    reusePort: hbp.reuse_port,
    passphrase: hbp.passphrase,
    peerTimeoutMs: hbp.peer_timeout_seconds * 1000,
    maxPeers: hbp.max_peers,
    registrationAcl: aclOrThrow(hbp.registration_acl),
    accessRules: hbp.access_rules.map(
      (rule): HbpAccessRule => ({
        name: rule.name,
        action: rule.action,
        ...(rule.repeater_id !== undefined ? { repeaterId: rule.repeater_id } : {}),
        ...(rule.repeater_id_range !== undefined ? { repeaterIdRange: rule.repeater_id_range } : {}),
        ...(rule.callsign !== undefined ? { callsign: rule.callsign } : {}),
        ...(rule.passphrase !== undefined ? { passphrase: rule.passphrase } : {}),
      }),
    ),
    loginRateLimitPerMinute: hbp.login_rate_limit_per_minute,
    loginBanMs: hbp.login_ban_seconds * 1000,
  };
}

function osSeed(): number {
  const word = new Uint32Array(1);
  crypto.getRandomValues(word);
  return word[0]!;
}

/** Build the core (no I/O): outbox, bus, router, HBP master and extra handlers. */
export function assembleServer(config: Config, options: ServerOptions = {}): AssembledServer {
  const bus = new EventBus<CoreEvent>();
  const capacity = options.outboxCapacity ?? Math.min(Math.max(4096, config.hbp.max_peers + 1024), 1_100_000);
  const deps: CoreDeps = {
    outbox: new Outbox(capacity),
    events: new BusEventSink(bus),
    prng: new Prng(options.seed ?? osSeed()),
    portIndexes: new PortIndexPool(),
  };
  const router = options.createRouter?.(deps) ?? new NullRouter();
  const handlers: HostedHandler[] = [];
  let hbp: HbpMaster | null = null;
  if (config.hbp.enabled) {
    hbp = new HbpMaster(hbpMasterOptions(config.hbp), {
      router,
      outbox: deps.outbox,
      events: deps.events,
      prng: deps.prng.fork("hbp"),
      portIndexes: deps.portIndexes,
      saltSecret: drawLoginSecret(),
    });
    handlers.push(hbp);
  }
  handlers.push(...(options.extraHandlers?.({ ...deps, router }) ?? []));
  return { deps, bus, router, hbp, handlers };
}

export async function startServer(config: Config, log: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const startedMs = monotonicMs();
  const assembled = assembleServer(config, options);
  const { bus, router, hbp } = assembled;
  const aliases = options.aliasDirectory ?? new AliasDirectory();
  if (hbp !== null && config.aliases.check_callsign) hbp.setLoginCheck(aliases.loginCheck);
  const host = new UdpHost(assembled.deps.outbox, {
    tickIntervalMs: options.tickIntervalMs ?? 25,
    ...(options.idleTickIntervalMs !== undefined ? { idleTickIntervalMs: options.idleTickIntervalMs } : {}),
    probe: options.probe ?? null,
    ...(options.shedding !== undefined ? { shedding: options.shedding } : {}),
    reusePort: options.reusePort ?? false,
    ...(options.holdDatagrams !== undefined ? { holdDatagrams: options.holdDatagrams } : {}),
    sendmmsg: options.sendmmsg ?? process.env.FREEDMR_SENDMMSG !== "0",
    onHandlerError: (where, error) => log.error({ err: error, where }, "exception in the packet plane (contained)"),
  });
  for (const handler of assembled.handlers) host.addHandler(handler);
  host.addTickable(router);

  let stopEventLog: (() => void) | null = null;
  if (options.withoutEventLog !== true) {
    try {
      stopEventLog = registerEventLog(bus, log.child({ service: "event-log" }), options.eventLogQueueCapacity ?? 4096, {
        callsignOf: (id) => aliases.users.field(id, "callsign"),
      });
    } catch (error) {
      log.error({ err: error }, "could not register the event-log service");
    }
  }

  // Admin and self-care commands from the services Worker, applied on the tick (then drained).
  const control = new ControlQueue({
    hbp,
    router,
    selfCare: config.http.self_care,
    secrets: new Map(config.http.hotspot_secrets.map((s) => [s.repeater_id, s.secret] as const)),
    audit: (entry) => {
      if (entry.ok) log.info(entry, `operator action: ${entry.command}`);
      else log.warn(entry, `operator action refused: ${entry.command} (${entry.code})`);
    },
  });
  host.addTickable(control);
  control.onSubmit = () => host.wake();

  // State kept across restarts ([store]): loaded before any socket opens; the Worker writes it.
  const storeOptions = isStatefulRouter(router) ? storeOptionsFromConfig(config) : null;
  const restored = storeOptions !== null && isStatefulRouter(router) ? (await restoreState(storeOptions, router, log)) !== null : false;
  let journal: StateJournal | null = null;

  // The services Worker (dashboard, API, metrics): listening before the UDP sockets open. If it
  // cannot listen, voice runs anyway and the log says why. It also runs for the store alone.
  let services: ServicesWorkerHost | null = null;
  let http: RunningHttp | null = null;
  let reportPort: number | null = null;
  if (config.http.enabled || storeOptions !== null || config.report.enabled || config.mqtt.enabled) {
    services = new ServicesWorkerHost({
      bus,
      hbp,
      router,
      control,
      log,
      version: options.version ?? "unknown",
      startedMs,
      feeds: feedsOptions(config),
      http: {
        enabled: config.http.enabled,
        bindAddress: config.http.bind_address,
        port: config.http.port,
        lastHeardSize: config.http.last_heard_size,
        cors: config.http.cors,
        maxHotspots: config.hbp.max_peers,
        adminToken: config.http.admin_token === "" ? null : config.http.admin_token,
        selfCare: config.http.self_care,
        maxLiveClients: config.http.max_live_clients,
        ...(config.http.enabled ? {} : { enabled: false }),
      },
      store: storeOptions,
      onReady: () => journal?.resend("store"),
      ...(options.servicesWorkerEntry !== undefined ? { entry: options.servicesWorkerEntry } : {}),
      ...(options.servicesBatchIntervalMs !== undefined ? { batchIntervalMs: options.servicesBatchIntervalMs } : {}),
      ...(aliasWorkerOptions(config) !== undefined ? { aliases: aliasWorkerOptions(config)! } : {}),
      onAliases: (kind, data) => {
        aliases.update(kind, data);
        log.debug({ kind, entries: data.ids.length }, "alias table received on the packet thread");
      },
      ...(options.servicesHungTimeoutMs !== undefined ? { hungTimeoutMs: options.servicesHungTimeoutMs } : {}),
    });
    const ready = await services.start();
    reportPort = ready.reportPort ?? null;
    if (!config.http.enabled) {
      // the Worker runs for the state store, the report socket or MQTT only
      if (ready.error !== null) log.error({ error: ready.error }, "the services Worker (state store, report socket, MQTT) is not available (voice is not affected)");
    } else if (ready.error !== null || ready.url === null || ready.port === null) {
      log.error({ error: ready.error }, "the dashboard and HTTP API are not available (voice is not affected)");
    } else {
      http = { url: ready.url, address: config.http.bind_address, port: ready.port };
    }
  }
  let cluster: ClusterNode | null = null; // [cluster], started below once the sockets are open
  const statsPublisher = new StatsPublisher(
    { bus, hbp, router, handlers: assembled.handlers, hostStats: () => host.stats, startedMs, cluster: () => cluster?.snapshot() ?? null },
    monotonicMs,
    options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
    (error) => log.error({ err: error }, "could not build the stats snapshot"),
  );

  if (config.hbp.enabled && options.warnDefaultPassphrase !== false) {
    if (config.hbp.passphrase === DEFAULT_PASSPHRASE) {
      log.warn(
        "SECURITY: the HBP master uses the default passphrase (FreeDMR's public default); anyone can log in. Set hbp.passphrase in the config.",
      );
    }
    for (const rule of config.hbp.access_rules) {
      if (rule.passphrase === DEFAULT_PASSPHRASE) log.warn({ rule: rule.name }, "SECURITY: an access rule uses the default passphrase");
    }
  }

  if (hbp !== null && config.cluster.enabled && config.cluster.shared_state && config.cluster.shared_sessions) {
    hbp.holdUnknownPeers(monotonicMs() + SESSION_LOAD_HOLD_MS);
  }
  try {
    await host.start();
  } catch (error) {
    await services?.stop(); // a UDP port in use: do not leave the dashboard listening
    throw error;
  }
  for (const socket of host.boundSockets()) {
    const rb = socket.receiveBuffer;
    log.info(
      {
        socket: socket.name,
        address: socket.address,
        port: socket.port,
        receiveBuffer: { requested: rb.requested, kernel: rb.effective, method: rb.method },
        // sendmmsg (sendmmsg_batch.ts), or Bun's sendMany and why
        send: socket.sendPath === "sendmmsg" ? "sendmmsg" : `bun (${socket.sendmmsgUnavailable ?? "?"})`,
      },
      `listening on UDP ${socket.address.includes(":") ? `[${socket.address}]` : socket.address}:${socket.port} (${socket.handler})`,
    );
    // Linux reports twice the granted size; anything below the request means rmem_max capped it.
    if (rb.requested > 0 && rb.effective >= 0 && rb.effective < rb.requested) {
      log.warn(
        { socket: socket.name, requested: rb.requested, kernel: rb.effective },
        "the kernel capped the UDP receive buffer; raise it with: sysctl -w net.core.rmem_max=" + rb.requested,
      );
    } else if (rb.requested > 0 && rb.effective < 0) {
      log.warn({ socket: socket.name, method: rb.method }, "could not raise the UDP receive buffer; bursts of logins may be dropped");
    }
  }

  if (reportPort !== null) log.info({ address: config.report.bind_address, port: reportPort }, `report socket for FDMR-Monitor/HBmonitor on TCP ${config.report.bind_address}:${reportPort}`);
  if (http !== null) {
    log.info(
      { url: http.url, bindAddress: http.address, port: http.port, admin: config.http.admin_token !== "", selfCare: config.http.self_care },
      `dashboard and API on ${http.url} (API: ${http.url}api/v1/openapi.json, metrics: ${http.url}metrics)`,
    );
  }
  statsPublisher.start();
  // The state journal: the router's changes to every store — the Worker's SQLite ([store]) and,
  // in a cluster, the shared KV (its sink is added once the cluster node exists, below).
  if (isStatefulRouter(router) && ((storeOptions !== null && services !== null) || config.cluster.enabled)) {
    const worker = storeOptions !== null ? services : null;
    journal = new StateJournal({
      router,
      sinks: worker === null ? [] : [{ name: "store", accepting: () => worker.accepting, post: (changes) => worker.postState(changes as StateChange[]) }],
      intervalMs: config.store.journal_interval_ms,
      onError: (error) => log.error({ err: error }, "could not export the routing state for the store"),
      primed: restored,
    });
    journal.start();
  }

  // [cluster]: the NATS side loads only when enabled (src/shell/cluster/); it never waits for NATS.
  if (config.cluster.enabled) {
    const { startClusterNode } = await import("./cluster/cluster_node.ts");
    cluster = startClusterNode({
      config: config.cluster,
      router,
      portIndexes: assembled.deps.portIndexes,
      drainOutbox: () => host.drain(),
      log,
      bus,
      release: hbp === null ? null : (nowMs, repeaterId) => hbp.release(nowMs, repeaterId),
      handOver: hbp === null ? null : () => (hbp.goodbyeOnShutdown = false),
      hbp,
      peerTimeoutMs: config.hbp.peer_timeout_seconds * 1000,
    });
    if (cluster.state !== null) journal?.addSink(cluster.state.journalSink);
  }

  // a collection every few hundred logins while a burst comes in (settle_after_logins.ts)
  const loginMaster = hbp;
  if (loginMaster !== null) host.addTickable(collectDuringBursts(() => loginMaster.counters.loginsConnected, options.burstCollect?.collect, options.burstCollect?.every));
  const hygiene = new MemoryHygiene(() => {
    const c = hbp?.counters;
    return c === undefined ? 0 : c.loginsRequested + c.loginsAuthenticated + c.loginsConnected + c.timeouts + c.closedByPeer;
  });
  hygiene.start();
  // a collection when the runtime's per-datagram garbage has piled up (gc_pacer.ts)
  const stopPacedCollections = schedulePacedCollections();

  let stopping: Promise<void> | null = null;
  const stop = (reason = "stop"): Promise<void> => {
    if (stopping !== null) return stopping;
    stopping = (async () => {
      log.info({ reason, peers: hbp?.connectedCount ?? 0 }, "closing: saying goodbye to every peer");
      hygiene.stop();
      stopPacedCollections();
      statsPublisher.stop();
      journal?.drain(); // the last changes reach the cluster's KV before it stops
      await cluster?.stop();
      journal?.stop(); // the last state changes reach the store before its Worker stops
      await services?.stop();
      await host.stop();
      // the last events (sessions closed by the goodbye) reach the log before "stopped"; a stuck
      // consumer delays the stop by 2 s at most
      await Promise.race([bus.idle(), new Promise<void>((resolve) => setTimeout(resolve, 2000))]);
      stopEventLog?.(); // writes the "suppressed K similar lines" summaries still due
    })();
    return stopping;
  };

  if (options.handleSignals === true) {
    const onSignal = (signal: string): void => {
      void stop(signal);
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }

  return {
    boundSockets: () => host.boundSockets(),
    stop,
    stats: () => ({
      uptimeMs: monotonicMs() - startedMs,
      host: { ...host.stats },
      hbp: hbp?.stats(monotonicMs()) ?? null,
      bus: bus.stats(),
      services: services?.stats() ?? null,
    }),
    bus,
    hbp,
    router,
    host,
    http,
    services,
    control,
    cluster: () => cluster,
    handlers: assembled.handlers,
    aliases,
  };
}

/** The services Worker's alias options from `[aliases]` (undefined when no source is configured). */
export function aliasWorkerOptions(config: Config): AliasServiceOptions | undefined {
  const a = config.aliases;
  if (a.users === "" && a.repeaters === "" && a.talkgroups === "") return undefined;
  return {
    sources: { users: a.users, repeaters: a.repeaters, talkgroups: a.talkgroups },
    refreshMs: a.refresh_hours * 3_600_000,
    cacheDirectory: a.cache_directory,
    timeoutMs: a.download_timeout_seconds * 1000,
    maxBytes: a.max_download_bytes,
  };
}

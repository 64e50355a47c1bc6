/**
 * The HTTP status API and Prometheus metrics: a bus service (registered under "http-api") that
 * keeps tables built from core events and the shell's periodic `stats` snapshots (./api_state.ts),
 * and answers read-only requests from them with Bun.serve. It never calls into the core: a slow or
 * hanging HTTP client costs the packet path nothing (Bun does the socket I/O; answers are built
 * from tables already in memory, and lists are paged).
 *
 *   GET /api/v1/health                      ok, version, uptime
 *   GET /api/v1/status                      counts, calls in progress, recent refusals, last snapshot
 *   GET /api/v1/hotspots?offset=&limit=     connected hotspots (talkgroups, dial-a-TG reflector)
 *   GET /api/v1/last-heard?limit=N          the last N finished calls, newest first
 *   GET /api/v1/links                       OpenBridge/FBP links and upstream masters
 *   GET /api/v1/hotspots/{id}/refusals      recent refusals of one repeater id, explained (newest first)
 *   GET /api/v1/links/{name}/refusals       recent drops/refusals of one link, explained (newest first)
 *   GET /metrics                            Prometheus text format
 *
 * JSON everywhere else: an unknown path is 404, a method other than GET is 405, a bad query is 400.
 * Nothing here ever holds a passphrase (events and snapshots carry none; the config is not served),
 * and no answer carries a hotspot options KEY= value (redacted from every body).
 * @module
 */
import { redactOptionKey } from "../lib/option_key.ts";
import type { EventBus } from "../bus/event_bus.ts";
import type { CoreEvent } from "../core/events.ts";
import { ApiState, type ApiClock } from "./api_state.ts";
import { renderMetrics } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics_text.ts";

export const HTTP_API_SERVICE = "http-api";

export const ENDPOINTS = ["/api/v1/health", "/api/v1/status", "/api/v1/hotspots", "/api/v1/last-heard", "/api/v1/links", "/metrics"] as const;

/** Per-device paths (counted under these names). */
export const DEVICE_ENDPOINTS = ["/api/v1/hotspots/{id}/refusals", "/api/v1/links/{name}/refusals"] as const;
const HOTSPOT_REFUSALS = /^\/api\/v1\/hotspots\/([^/]+)\/refusals$/;
const LINK_REFUSALS = /^\/api\/v1\/links\/([^/]+)\/refusals$/;

/** Page sizes when the request names none. */
const DEFAULT_HOTSPOTS_LIMIT = 1000;
const DEFAULT_LAST_HEARD_LIMIT = 50;
/** Entries shown in /status (the full lists have their own endpoints). */
const STATUS_LIST_LIMIT = 20;

export interface HttpApiOptions {
  bindAddress: string;
  /** 0 = a free port. */
  port: number;
  lastHeardSize: number;
  cors: boolean;
  version: string;
  /** Hotspot table capacity (the HBP master's max_peers). */
  maxHotspots: number;
  /** When the server started, on `clock.monotonicMs()`. */
  startedMs: number;
  clock?: ApiClock;
  /** Bus queue of this service (default 8192 events). */
  queueCapacity?: number;
}

const systemClock: ApiClock = { monotonicMs: () => performance.now(), wallClockMs: () => Date.now() };

/** The request handling, without sockets (unit tests call `handle` directly). */
export class HttpApi {
  readonly state: ApiState;
  readonly #options: HttpApiOptions;
  readonly #clock: ApiClock;
  readonly #headers: Record<string, string>;
  /** "endpoint code" → count; endpoints are a fixed set (unknown paths count as "other"). */
  readonly requests = new Map<string, number>();

  constructor(options: HttpApiOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.state = new ApiState({ lastHeardSize: options.lastHeardSize, maxHotspots: options.maxHotspots, clock: this.#clock });
    this.#headers = { "cache-control": "no-store", ...(options.cors ? { "access-control-allow-origin": "*" } : {}) };
  }

  /** The bus handler. */
  onEvent(event: CoreEvent): void {
    this.state.handle(event);
  }

  uptimeSeconds(): number {
    return Math.max(0, Math.round(this.#clock.monotonicMs() - this.#options.startedMs) / 1000);
  }

  handle(request: Request): Response {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return this.#json("other", 400, { error: "bad request URL" });
    }
    const hotspotRefusals = HOTSPOT_REFUSALS.exec(url.pathname);
    const linkRefusals = hotspotRefusals === null ? LINK_REFUSALS.exec(url.pathname) : null;
    const endpoint = (ENDPOINTS as readonly string[]).includes(url.pathname)
      ? url.pathname
      : hotspotRefusals !== null
        ? DEVICE_ENDPOINTS[0]
        : linkRefusals !== null
          ? DEVICE_ENDPOINTS[1]
          : "other";
    try {
      if (request.method === "OPTIONS" && this.#options.cors) {
        return this.#count(endpoint, new Response(null, { status: 204, headers: { ...this.#headers, "access-control-allow-methods": "GET", allow: "GET" } }));
      }
      if (request.method !== "GET") {
        return this.#json(endpoint, 405, { error: `method ${request.method} not allowed; this API is read-only (GET)` }, { allow: "GET" });
      }
      switch (url.pathname) {
        case "/api/v1/health":
          return this.#json(endpoint, 200, { ok: true, version: this.#options.version, uptimeSeconds: this.uptimeSeconds() });
        case "/api/v1/status":
          return this.#json(endpoint, 200, this.#status());
        case "/api/v1/hotspots":
          return this.#hotspots(endpoint, url.searchParams);
        case "/api/v1/last-heard":
          return this.#lastHeard(endpoint, url.searchParams);
        case "/api/v1/links":
          return this.#json(endpoint, 200, { links: this.state.links() });
        case "/metrics":
          return this.#count(endpoint, new Response(this.metricsText(), { status: 200, headers: { ...this.#headers, "content-type": PROMETHEUS_CONTENT_TYPE } }));
        default:
          if (hotspotRefusals !== null) return this.#hotspotRefusals(endpoint, hotspotRefusals[1]!);
          if (linkRefusals !== null) return this.#linkRefusals(endpoint, linkRefusals[1]!);
          return this.#json(endpoint, 404, { error: `no such endpoint: ${url.pathname}`, endpoints: [...ENDPOINTS, ...DEVICE_ENDPOINTS] });
      }
    } catch (error) {
      return this.#json(endpoint, 500, { error: "internal error", detail: error instanceof Error ? error.message : String(error) });
    }
  }

  metricsText(): string {
    const memory = process.memoryUsage();
    return renderMetrics(this.state, {
      version: this.#options.version,
      uptimeSeconds: this.uptimeSeconds(),
      wallNowMs: this.#clock.wallClockMs(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      requests: this.requests,
    });
  }

  #status(): Record<string, unknown> {
    const state = this.state;
    const last = state.snapshot;
    const links = state.links();
    const ownBus = last?.snapshot.bus.subscribers.find((s) => s.name === HTTP_API_SERVICE);
    return {
      ok: true,
      version: this.#options.version,
      uptimeSeconds: this.uptimeSeconds(),
      hotspots: state.hotspotCount,
      links: { total: links.length, up: links.filter((l) => l.up).length },
      streamsActive: state.activeStreamCount,
      activeStreams: state.activeStreams(STATUS_LIST_LIMIT),
      lastHeard: state.lastHeard.size,
      recentRefusals: state.refusals.newestFirst(STATUS_LIST_LIMIT),
      api: {
        events: Object.fromEntries(state.eventsByType),
        overflow: { ...state.overflow },
        // Events this service lost on the bus (as of the last snapshot): tables may be stale if > 0.
        busDropped: ownBus?.dropped ?? null,
      },
      stats:
        last === null
          ? null
          : { at: new Date(last.wallMs).toISOString(), ageSeconds: Math.max(0, Math.round(this.#clock.wallClockMs() - last.wallMs) / 1000), ...last.snapshot },
    };
  }

  #hotspots(endpoint: string, query: URLSearchParams): Response {
    const offset = intParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, "limit", DEFAULT_HOTSPOTS_LIMIT, 1, Math.max(DEFAULT_HOTSPOTS_LIMIT, this.#options.maxHotspots));
    if (typeof offset === "string") return this.#json(endpoint, 400, { error: offset });
    if (typeof limit === "string") return this.#json(endpoint, 400, { error: limit });
    return this.#json(endpoint, 200, { total: this.state.hotspotCount, offset, limit, hotspots: this.state.hotspots(offset, limit) });
  }

  #lastHeard(endpoint: string, query: URLSearchParams): Response {
    const ring = this.state.lastHeard;
    const limit = intParam(query, "limit", Math.min(DEFAULT_LAST_HEARD_LIMIT, ring.capacity), 1, ring.capacity);
    if (typeof limit === "string") return this.#json(endpoint, 400, { error: limit });
    return this.#json(endpoint, 200, { total: ring.size, capacity: ring.capacity, limit, calls: ring.list(limit) });
  }

  #hotspotRefusals(endpoint: string, idText: string): Response {
    if (!/^\d{1,10}$/.test(idText) || Number(idText) > 0xffffffff) {
      return this.#json(endpoint, 400, { error: `the repeater id must be a whole number from 0 to 4294967295, got "${idText.slice(0, 32)}"` });
    }
    const repeaterId = Number(idText);
    const connected = this.state.hotspots().some((h) => h.repeaterId === repeaterId);
    return this.#json(endpoint, 200, { repeaterId, connected, refusals: this.state.hotspotRefusals.list(repeaterId) });
  }

  #linkRefusals(endpoint: string, nameText: string): Response {
    let name: string;
    try {
      name = decodeURIComponent(nameText);
    } catch {
      return this.#json(endpoint, 400, { error: "the link name is not valid URL encoding" });
    }
    const link = this.state.links().find((l) => l.name === name) ?? null;
    return this.#json(endpoint, 200, { link: name, known: link !== null, up: link?.up ?? null, refusals: this.state.linkRefusals.list(name) });
  }

  #json(endpoint: string, status: number, body: unknown, extraHeaders: Record<string, string> = {}): Response {
    return this.#count(
      endpoint,
      new Response(redactOptionKey(JSON.stringify(body)), { status, headers: { ...this.#headers, ...extraHeaders, "content-type": "application/json; charset=utf-8" } }),
    );
  }

  #count(endpoint: string, response: Response): Response {
    const key = `${endpoint} ${response.status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    return response;
  }
}

/** An integer query parameter, or an error message. */
function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number | string {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) return `${name} must be a whole number from ${min} to ${max}, got "${raw.slice(0, 32)}"`;
  const value = Number(raw);
  if (value < min || value > max) return `${name} must be from ${min} to ${max}, got ${value}`;
  return value;
}

export class HttpApiStartError extends Error {
  override name = "HttpApiStartError";
}

export interface RunningHttpApi {
  readonly api: HttpApi;
  /** e.g. http://127.0.0.1:8062/ */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Register the API on the bus (throws DuplicateServiceError if "http-api" is taken) and listen.
 * A failure to listen unregisters it and throws HttpApiStartError naming the address and port.
 */
export function startHttpApi(bus: EventBus<CoreEvent>, options: HttpApiOptions): RunningHttpApi {
  const api = new HttpApi(options);
  const unregister = bus.register(HTTP_API_SERVICE, (event) => api.onEvent(event), { queueCapacity: options.queueCapacity ?? 8192 });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: options.bindAddress,
      port: options.port,
      // A client that opens a connection and sends nothing (or stops half-way) is closed after this.
      idleTimeout: 10,
      maxRequestBodySize: 16 * 1024,
      development: false,
      fetch: (request) => api.handle(request),
      error: () => new Response(JSON.stringify({ error: "internal error" }), { status: 500, headers: { "content-type": "application/json; charset=utf-8" } }),
    });
  } catch (error) {
    unregister();
    const reason = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    throw new HttpApiStartError(
      `HTTP status API: cannot listen on TCP ${hostPort(options.bindAddress, options.port)} (http.bind_address, http.port)${typeof code === "string" ? ` [${code}]` : ""}: ${reason}`,
      { cause: error },
    );
  }
  const port = server.port ?? options.port;
  let stopped: Promise<void> | null = null;
  return {
    api,
    url: `http://${hostPort(options.bindAddress, port)}/`,
    address: options.bindAddress,
    port,
    stop() {
      stopped ??= (async () => {
        unregister();
        await server.stop(true);
      })();
      return stopped;
    },
  };
}

function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The browser's copy of the server state: loaded from the JSON API, kept current by the live
 * WebSocket (/api/v1/live) with reconnect and resynchronisation, or by polling when the server
 * has no live feed. Views subscribe with `useDashboard()`.
 *
 * Live protocol: docs/api.md "Live updates". Every (re)connect and every `resync` message (this
 * browser fell behind and the server dropped its backlog) reloads the REST views; events change the
 * state in place and schedule a coalesced reload of what they touched, so a burst of events costs
 * one request per view. Answers overtaken by live events do not undo them (#setActive).
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import {
  activeFromApi,
  applyEvent,
  serverFiguresFromApi,
  type ActiveCall,
  emptyState,
  heardFromApi,
  hotspotFromApi,
  LAST_HEARD_KEPT,
  linkFromApi,
  refusalFromApi,
  statusFromApi,
  type DashboardState,
  type Resource,
} from "./model.ts";

export type Connection = "connecting" | "live" | "polling" | "offline";

const POLL_MS = 2000;
const RELOAD_COALESCE_MS = 300;
const HOTSPOTS_MIN_INTERVAL_MS = 2000;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Without a live feed after this many failed WebSocket attempts, poll (and keep retrying slowly). */
const WS_ATTEMPTS_BEFORE_POLLING = 1;

type Listener = () => void;

export class DashboardStore {
  state: DashboardState = emptyState();
  connection: Connection = "connecting";
  lastError: string | null = null;
  /** Times the server told this browser to resynchronise. */
  resyncs = 0;
  readonly #listeners = new Set<Listener>();
  #socket: WebSocket | null = null;
  #seq = -1;
  #backoffMs = BACKOFF_MIN_MS;
  #failedAttempts = 0;
  #pollTimer: ReturnType<typeof setInterval> | null = null;
  #reloadTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #pending = new Set<Resource>();
  #stopped = false;
  /** Calls that ended (live event), by key, when: a slower REST answer must not bring them back. */
  readonly #endedAt = new Map<string, number>();
  /** Whether the server has GET /api/v1/now (null: not asked yet). */
  #hasNow: boolean | null = null;
  #lastHeardLimit: number | null = null;
  #hotspotsLoadedAt = 0;

  constructor(readonly base: string = "") {}

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    this.state.version++;
    for (const listener of this.#listeners) listener();
  }

  start(): void {
    void this.reload(ALL);
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#socket?.close();
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    if (this.#reloadTimer !== null) clearTimeout(this.#reloadTimer);
  }

  // ---- REST --------------------------------------------------------------------------------------

  async getJson(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.base}${path}`, { cache: "no-store", ...init });
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return { status: response.status, body };
  }

  async reload(resources: readonly Resource[]): Promise<void> {
    const wanted = new Set(resources);
    // /status carries the calls in progress and the recent refusals.
    const jobs: Promise<void>[] = [];
    if (wanted.has("status")) jobs.push(this.#loadStatus());
    if (wanted.has("hotspots")) {
      this.#hotspotsLoadedAt = Date.now();
      jobs.push(this.#load("/api/v1/hotspots", (body) => (this.state.hotspots = list(body, "hotspots").map((h) => hotspotFromApi(h, Date.now())))));
    }
    if (wanted.has("lastHeard")) jobs.push(this.#loadLastHeard());
    if (wanted.has("links")) jobs.push(this.#load("/api/v1/links", (body) => (this.state.links = list(body, "links").map(linkFromApi))));
    await Promise.all(jobs);
    this.#changed();
  }

  /** /status (figures, refusals) and the calls in progress (/now when the server has it). */
  async #loadStatus(): Promise<void> {
    const requestedAt = Date.now();
    let statusBody: unknown = null;
    await this.#load("/api/v1/status", (body) => {
      statusBody = body;
      this.state.status = statusFromApi(body);
      this.state.refusals = list(body, "recentRefusals").map(refusalFromApi);
    });
    if (this.#hasNow !== false) {
      const now = await this.getJson("/api/v1/now").catch(() => ({ status: 0, body: null }));
      if (now.status === 200) {
        this.#hasNow = true;
        this.#applyNow(now.body, requestedAt);
        return;
      }
      if (now.status === 404) this.#hasNow = false;
    }
    if (statusBody !== null) this.#setActive(list(statusBody, "activeStreams"), requestedAt);
  }

  /** GET /api/v1/now or the live snapshot's `now`: calls in progress and server figures. */
  #applyNow(body: unknown, requestedAt: number): void {
    const server = (body as { server?: unknown } | null)?.server;
    if (server !== undefined && server !== null) this.state.status = serverFiguresFromApi(server, this.state.status);
    this.#setActive(list(body, "calls"), requestedAt);
  }

  /**
   * Replace the calls in progress with an answer the server gave for a request made at
   * `requestedAt`. Live events may have overtaken that answer: a call that started after the
   * request is kept, one that ended after it is not brought back.
   */
  #setActive(rawCalls: unknown[], requestedAt: number): void {
    const now = Date.now();
    for (const [key, at] of this.#endedAt) if (now - at > 60_000) this.#endedAt.delete(key);
    const active = new Map<string, ActiveCall>();
    for (const call of this.state.active.values()) if (call.startedLocalMs >= requestedAt) active.set(call.key, call);
    for (const raw of rawCalls) {
      const call = activeFromApi(raw, now);
      const ended = this.#endedAt.get(call.key);
      if (ended !== undefined && ended >= requestedAt) continue;
      // Keep what the browser already knows (its start time, a talker alias from a live event).
      const known = this.state.active.get(call.key);
      if (known !== undefined) {
        call.startedLocalMs = known.startedLocalMs;
        call.talkerAlias ??= known.talkerAlias;
      }
      active.set(call.key, call);
    }
    this.state.active = active;
  }

  /**
   * Last heard, as many as the browser keeps and the server's ring holds: the first answer (no
   * limit: the server's default page) names the ring's capacity, later requests ask for all of it.
   */
  async #loadLastHeard(): Promise<void> {
    const apply = (body: unknown): void => {
      this.state.lastHeard = list(body, "calls").map(heardFromApi);
      const capacity = (body as { capacity?: unknown } | null)?.capacity;
      if (this.#lastHeardLimit === null && typeof capacity === "number" && capacity >= 1) this.#lastHeardLimit = Math.min(LAST_HEARD_KEPT, capacity);
    };
    const first = this.#lastHeardLimit === null;
    await this.#load(first ? "/api/v1/last-heard" : `/api/v1/last-heard?limit=${this.#lastHeardLimit}`, apply);
    if (first && this.#lastHeardLimit !== null) await this.#load(`/api/v1/last-heard?limit=${this.#lastHeardLimit}`, apply);
  }

  async #load(path: string, apply: (body: unknown) => void): Promise<void> {
    try {
      const { status, body } = await this.getJson(path);
      if (status !== 200) throw new Error(`${path}: HTTP ${status}`);
      apply(body);
      this.lastError = null;
      if (this.connection === "offline") this.connection = this.#socket?.readyState === WebSocket.OPEN ? "live" : "polling";
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (this.connection !== "live") this.connection = "offline";
    }
  }

  /**
   * Reload what live events touched, coalesced: at most one request per view per
   * RELOAD_COALESCE_MS, and the (large) hotspots list at most every HOTSPOTS_MIN_INTERVAL_MS, so
   * a server with thousands of hotspots and constant churn costs each browser a bounded rate.
   */
  #scheduleReload(resources: readonly Resource[]): void {
    for (const r of resources) this.#pending.add(r);
    if (this.#reloadTimer !== null || this.#pending.size === 0) return;
    const sinceHotspots = Date.now() - this.#hotspotsLoadedAt;
    const delay = this.#pending.has("hotspots") ? Math.max(RELOAD_COALESCE_MS, HOTSPOTS_MIN_INTERVAL_MS - sinceHotspots) : RELOAD_COALESCE_MS;
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = null;
      const batch = [...this.#pending];
      this.#pending.clear();
      void this.reload(batch);
    }, delay);
  }

  // ---- live feed ---------------------------------------------------------------------------------

  #connect(): void {
    if (this.#stopped) return;
    const url = new URL(`${this.base}/api/v1/live`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket: WebSocket;
    try {
      socket = new WebSocket(url.href);
    } catch {
      this.#onSocketClosed(false);
      return;
    }
    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#failedAttempts = 0;
      this.#backoffMs = BACKOFF_MIN_MS;
      this.#seq = -1;
      this.connection = "live";
      this.#stopPolling();
      void this.reload(ALL);
    };
    socket.onmessage = (message) => this.#onMessage(message.data);
    socket.onclose = () => {
      if (this.#socket === socket) this.#socket = null;
      this.#onSocketClosed(opened);
    };
  }

  #onSocketClosed(wasOpen: boolean): void {
    if (this.#stopped) return;
    if (!wasOpen) this.#failedAttempts++;
    if (this.#failedAttempts >= WS_ATTEMPTS_BEFORE_POLLING) this.#startPolling();
    else this.connection = "connecting";
    this.#changed();
    setTimeout(() => this.#connect(), this.#backoffMs);
    this.#backoffMs = Math.min(BACKOFF_MAX_MS, this.#backoffMs * 2);
  }

  #startPolling(): void {
    if (this.connection !== "offline") this.connection = "polling";
    if (this.#pollTimer !== null) return;
    this.#pollTimer = setInterval(() => void this.reload(ALL), POLL_MS);
  }

  #stopPolling(): void {
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#pollTimer = null;
  }

  #onMessage(data: unknown): void {
    if (typeof data !== "string") return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message.type) {
      case "hello":
        this.#seq = typeof message.seq === "number" ? message.seq : -1;
        return;
      case "snapshot":
        // In order with the events on the same socket: nothing can have overtaken it.
        if (message.now !== undefined) {
          this.#endedAt.clear();
          this.state.active.clear();
          this.#applyNow(message.now, Date.now());
        }
        this.#changed();
        return;
      case "resync":
        // This browser fell behind and missed events: everything is reloaded (a snapshot follows too).
        this.resyncs++;
        this.#seq = typeof message.seq === "number" ? message.seq : -1;
        void this.reload(ALL);
        return;
      case "events":
        this.#applyEvents(Array.isArray(message.events) ? message.events : []);
        return;
      case "event":
        if (typeof message.seq === "number") {
          const gap = this.#seq >= 0 && message.seq !== this.#seq + 1;
          this.#seq = message.seq;
          if (gap) {
            void this.reload(ALL);
            return;
          }
        }
        this.#applyEvents([message.event]);
        return;
      default:
        this.#applyEvents([message]);
    }
  }

  #applyEvents(events: readonly unknown[]): void {
    const reload = new Set<Resource>();
    const now = Date.now();
    for (const event of events) {
      const e = event as { type?: unknown; portIndex?: unknown; streamId?: unknown } | null;
      if (e !== null && typeof e === "object" && (e.type === "call.end" || e.type === "stream.end")) this.#endedAt.set(`${e.portIndex}:${e.streamId}`, now);
    }
    const repeaterOfPort = (portIndex: number) => this.state.hotspots.find((h) => h.portIndex === portIndex)?.repeaterId ?? null;
    for (const event of events) for (const r of applyEvent(this.state, event, now, repeaterOfPort)) reload.add(r);
    this.#changed();
    this.#scheduleReload([...reload]);
  }
}

const ALL: readonly Resource[] = ["status", "hotspots", "lastHeard", "links"];

function list(body: unknown, key: string): unknown[] {
  const value = body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) ? value : [];
}

export const store = new DashboardStore();

/** Re-render on every store change. */
export function useDashboard(): DashboardStore {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((v) => v + 1)), []);
  return store;
}

/** A clock that ticks every `ms` (running durations, relative times). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

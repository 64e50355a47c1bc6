/**
 * The operator API (/api/v1) served by the services Worker: the public dashboard JSON (now, last
 * heard, hotspots, talkgroups, links, per-hotspot diagnostics), admin actions behind a bearer token,
 * self-care settings authenticated per hotspot, and the OpenAPI document. It wraps the status API
 * (./http_api.ts: tables, metrics) and never calls the core: actions go out as ControlCommands
 * through `send` and come back as ControlResults.
 *
 * Rules: HEAD is answered wherever GET is; errors are JSON {code, message}; bodies are at most
 * MAX_BODY_BYTES and must be application/json; page sizes are bounded; the public view never shows
 * an address, a port number of a peer, a passphrase or an option key.
 * @module
 */
import type { SqliteStoreStats } from "./store/sqlite_store.ts";
import { Value } from "@sinclair/typebox/value";
import type { ControlCommand, ControlResult, HotspotInspection } from "../core/control_command.ts";
import type { HotspotSettings } from "../core/routing/hotspots/hotspot_settings.ts";
import { SettingsBody, openApiDocument, type SettingsBodyType } from "./api_schemas.ts";
import { HttpApi, type HttpApiOptions } from "./http_api.ts";
import { OperatorState } from "./operator_state.ts";
import type { Roster, WorkerEvent } from "./worker/protocol.ts";

export const MAX_BODY_BYTES = 4096;
const MAX_QUERY_TEXT = 64;
const HOTSPOTS_PAGE_MAX = 1000;
const LAST_HEARD_PAGE_MAX = 500;
const TALKGROUPS_PAGE_MAX = 1000;
/** Self-care authentication failures per client address per minute before 429. */
const AUTH_FAILURES_PER_MINUTE = 10;
const AUTH_TABLE_MAX = 4096;

export type SendCommand = (command: ControlCommand) => Promise<ControlResult>;

export interface OperatorApiOptions extends HttpApiOptions {
  adminToken: string | null;
  selfCare: boolean;
  send: SendCommand;
}

import type { AliasTable } from "./aliases/alias_table.ts";
import type { AliasKind } from "./aliases/parse.ts";

const EMPTY_SETTINGS: HotspotSettings = { ts1Static: null, ts2Static: null, defaultReflector: null, uaTimerMinutes: null, singleMode: null, language: null };

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What the status API and /metrics show about the state store. */
export type StoreFigures = SqliteStoreStats;
interface CallNames {
  sourceCallsign: string | null;
  sourceName: string | null;
  sourceCity: string | null;
  sourceCountry: string | null;
  destinationName: string | null;
}

/** Names for ids (the Worker's alias service tables; src/services/aliases/). */
export type AliasTables = Readonly<Record<AliasKind, AliasTable>>;

export class OperatorApi {
  /** Alias data when [aliases] is configured: names in calls, last heard and hotspots. */
  aliases: AliasTables | null = null;
  readonly http: HttpApi;
  readonly extra: OperatorState;
  readonly #o: OperatorApiOptions;
  readonly #headers: Record<string, string>;
  readonly #authFailures = new Map<string, { count: number; sinceMs: number }>();
  /** Self-care settings are kept across restarts (the state store is open: src/services/store/). */
  settingsPersisted = false;
  /** The state store's figures (null: no store). */
  storeStats: (() => StoreFigures) | null = null;
  readonly #clock: { monotonicMs(): number };

  constructor(options: OperatorApiOptions) {
    this.#o = options;
    this.http = new HttpApi(options);
    this.#clock = options.clock ?? { monotonicMs: () => performance.now() };
    this.extra = new OperatorState(this.http.state);
    this.#headers = { "cache-control": "no-store", ...(options.cors ? { "access-control-allow-origin": "*" } : {}) };
  }

  onEvent(event: WorkerEvent): void {
    if (event.type !== "x.hotspot") this.http.onEvent(event);
    this.extra.handle(event);
  }

  /** Replace the live tables with the core's state (after lost events or a Worker restart). */
  resync(roster: Roster): void {
    const state = this.http.state;
    state.resetLive();
    this.extra.reset();
    this.addRosterHotspots(roster.hotspots, roster.atMs);
    for (const s of roster.streams) state.handle(s);
    for (const [id, settings] of roster.settings) this.extra.setSettings(id, settings);
  }

  /** Hotspots of a roster (it arrives in chunks after the resync message). */
  addRosterHotspots(hotspots: Roster["hotspots"], atMs: number): void {
    const state = this.http.state;
    const roster = { atMs };
    for (const h of hotspots) {
      state.handle(h.up);
      if (h.details !== null) this.extra.handle({ type: "x.hotspot", atMs: h.up.atMs, repeaterId: h.up.repeaterId, portIndex: h.up.portIndex, details: h.details });
      else this.extra.handle(h.up);
      for (const s of h.subscriptions) {
        const change = { type: "subscription.change", atMs: roster.atMs, portIndex: h.up.portIndex, portName: "", slot: s.slot, talkgroupId: s.talkgroupId, action: "add", reason: "resync", kind: s.kind, expiresAtMs: s.expiresAtMs } as const;
        state.handle(change);
        this.extra.handle(change);
      }
      if (h.dialedReflector !== 0) state.handle({ type: "dial.link", atMs: roster.atMs, portIndex: h.up.portIndex, portName: "", reflector: h.dialedReflector, action: "link" });
    }
  }

  async handle(request: Request, clientAddress: string): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return this.#error(new ApiError(400, "bad-request", "bad request URL"));
    }
    const head = request.method === "HEAD";
    try {
      const response = await this.#route(request, url, clientAddress);
      return head ? new Response(null, { status: response.status, headers: response.headers }) : response;
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(500, "internal", `internal error: ${error instanceof Error ? error.message : String(error)}`);
      const response = this.#error(e);
      return head ? new Response(null, { status: response.status, headers: response.headers }) : response;
    }
  }

  async #route(request: Request, url: URL, clientAddress: string): Promise<Response> {
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const method = request.method === "HEAD" ? "GET" : request.method;
    if (method === "OPTIONS" && this.#o.cors) {
      return new Response(null, { status: 204, headers: { ...this.#headers, "access-control-allow-methods": "GET, HEAD, PUT, POST", "access-control-allow-headers": "authorization, content-type" } });
    }
    const parts = path.split("/").filter((p) => p !== "");
    // /api/v1/admin/...
    if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "admin") return this.#admin(request, method, parts.slice(3), url.searchParams);
    if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "hotspots" && parts.length >= 4) {
      const id = idParam(parts[3]!, "repeaterId");
      if (parts.length === 4) return this.#only(method, "GET") ?? this.#json(await this.#hotspotOne(id));
      if (parts.length === 5 && parts[4] === "diagnostics") return this.#only(method, "GET") ?? this.#json(await this.#diagnostics(id));
      if (parts.length === 5 && parts[4] === "settings") {
        if (method === "GET") return this.#json(await this.#settingsView(id));
        if (method === "PUT") return this.#json(await this.#putSettings(request, id, clientAddress));
        throw new ApiError(405, "method-not-allowed", `method ${request.method} not allowed here; use GET or PUT`, { allow: "GET, HEAD, PUT" });
      }
      // other per-hotspot routes belong to the status API (e.g. refusal lists)
    }
    if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "talkgroups" && parts.length === 4) {
      return this.#only(method, "GET") ?? this.#json(this.#talkgroupOne(idParam(parts[3]!, "talkgroupId", 16777215)));
    }
    switch (path) {
      case "/api/v1/status":
        return this.#only(method, "GET") ?? this.#json(this.#status());
      case "/api/v1/now":
        return this.#only(method, "GET") ?? this.#json(this.nowView());
      case "/api/v1/last-heard":
        return this.#only(method, "GET") ?? this.#json(this.#lastHeard(url.searchParams));
      case "/api/v1/hotspots":
        return this.#only(method, "GET") ?? this.#json(this.#hotspots(url.searchParams));
      case "/api/v1/talkgroups":
        return this.#only(method, "GET") ?? this.#json(this.#talkgroups(url.searchParams));
      case "/api/v1/links":
        return this.#only(method, "GET") ?? this.#json({ links: this.#links(false) });
      case "/api/v1/openapi.json":
        return this.#only(method, "GET") ?? this.#json(openApiDocument(this.#o.version));
      case "/metrics":
        if (method === "GET") return new Response(this.http.metricsText() + this.#workerMetrics() + this.#storeMetrics(), { status: 200, headers: { ...this.#headers, "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
        break;
    }
    // everything else: the status API (health, links, its own routes, 404/405 for unknown ones)
    if (method === "GET" && request.method === "HEAD") {
      return this.http.handle(new Request(request.url, { method: "GET", headers: request.headers }));
    }
    const response = this.http.handle(request);
    if (response.status >= 400) {
      // re-shape its errors into {code, message}
      const body = (await response.clone().json().catch(() => null)) as { error?: string } | null;
      const code = response.status === 404 ? "not-found" : response.status === 405 ? "method-not-allowed" : response.status === 400 ? "bad-request" : "internal";
      const message = body?.error ?? `HTTP ${response.status}`;
      const headers: Record<string, string> = {};
      const allow = response.headers.get("allow");
      if (allow !== null) headers["allow"] = allow === "GET" ? "GET, HEAD" : allow;
      return this.#error(new ApiError(response.status, code, message, headers));
    }
    return response;
  }

  #only(method: string, allowed: "GET"): Response | null {
    if (method === allowed) return null;
    throw new ApiError(405, "method-not-allowed", `method ${method} not allowed; this route is read-only (GET, HEAD)`, { allow: "GET, HEAD" });
  }

  // ---- public views ----------------------------------------------------------------------------

  #status(): Record<string, unknown> {
    const state = this.http.state;
    const last = state.snapshot;
    const links = state.links();
    return {
      ok: true,
      version: this.#o.version,
      uptimeSeconds: this.http.uptimeSeconds(),
      hotspots: state.hotspotCount,
      links: { total: links.length, up: links.filter((l) => l.up).length },
      streamsActive: state.activeStreamCount,
      activeStreams: state.activeStreams(20),
      lastHeard: state.lastHeard.size,
      // public: who and why, never from where
      recentRefusals: state.refusals.newestFirst(20).map((r) => ({ time: r.time, repeaterId: r.repeaterId, reason: r.reason, callsign: r.callsign, count: r.count })),
      api: { events: Object.fromEntries(state.eventsByType), overflow: { ...state.overflow }, eventsLost: this.extra.eventsLost },
      servicesWorker: this.extra.workerStats,
      store: this.storeStats?.() ?? null,
      stats: last === null ? null : { at: new Date(last.wallMs).toISOString(), ...last.snapshot, links: last.snapshot.links.map(({ peer: _peer, ...rest }) => rest) },
      selfCare: this.#o.selfCare,
      admin: this.#o.adminToken !== null,
    };
  }

  /** Calls in progress and server figures (also the live snapshot). */
  nowView(): Record<string, unknown> {
    const state = this.http.state;
    const repeaterByPort = new Map(state.hotspots().map((h) => [h.portIndex, h.repeaterId] as const));
    const calls = state.activeStreams(2000).map((s) => {
      const repeaterId = repeaterByPort.get(s.portIndex) ?? null;
      return {
        streamId: s.streamId,
        sourceId: s.sourceId,
        ...this.callNames(s.sourceId, s.destinationId, s.callType),
        talkerAlias: this.extra.alias(s.portIndex, s.streamId),
        destinationId: s.destinationId,
        callType: s.callType,
        kind: s.kind,
        slot: s.slot,
        entered: { port: s.port, portIndex: s.portIndex, repeaterId, kind: repeaterId !== null ? "hotspot" : "link" },
        startedAt: s.startedAt,
        seconds: s.seconds,
      };
    });
    const last = state.snapshot?.snapshot;
    return {
      calls,
      server: {
        version: this.#o.version,
        uptimeSeconds: this.http.uptimeSeconds(),
        hotspots: state.hotspotCount,
        linksUp: state.links().filter((l) => l.up).length,
        callsInProgress: calls.length,
        framesIn: last?.routing?.["framesIn"] ?? null,
        framesOut: last?.routing?.["framesOut"] ?? null,
        rssBytes: last?.process.rssBytes ?? null,
      },
    };
  }

  /** sourceCallsign, sourceName, sourceCity, sourceCountry (users) and destinationName (talkgroups); null when unknown. */
  callNames(sourceId: number, destinationId: number, callType: string): CallNames {
    const user = this.aliases?.users.get(sourceId) ?? null;
    const tg = callType === "group" ? (this.aliases?.talkgroups.field(destinationId, "callsign") ?? null) : (this.aliases?.users.field(destinationId, "callsign") ?? null);
    return {
      sourceCallsign: user?.callsign ?? null,
      sourceName: user === null ? null : [user.firstName, user.surname].filter((x) => x !== "").join(" ") || null,
      sourceCity: user?.city || null,
      sourceCountry: user?.country || null,
      destinationName: tg || null,
    };
  }

  /** The registered owner of a hotspot id: repeater data, else the user of its radio id (first 7 digits of a 9-digit id). */
  #owner(repeaterId: number): { callsign: string; name: string | null; city: string | null; country: string | null } | null {
    const a = this.aliases;
    if (a === null) return null;
    const r = a.repeaters.get(repeaterId) ?? a.users.get(repeaterId) ?? (repeaterId > 16777215 ? a.users.get(Math.floor(repeaterId / 100)) : null);
    if (r === null) return null;
    return { callsign: r.callsign, name: [r.firstName, r.surname].filter((x) => x !== "").join(" ") || null, city: r.city || null, country: r.country || null };
  }

  #repeaterOfPort(portIndex: number): number | null {
    const details = this.extra.details(portIndex);
    if (details === null) {
      const h = this.http.state.hotspots().find((x) => x.portIndex === portIndex);
      return h?.repeaterId ?? null;
    }
    return this.http.state.hotspots().find((x) => x.portIndex === portIndex)?.repeaterId ?? null;
  }

  #lastHeard(query: URLSearchParams): Record<string, unknown> {
    const ring = this.http.state.lastHeard;
    const offset = intParam(query, "offset", 0, 0, ring.capacity);
    const limit = intParam(query, "limit", 50, 1, Math.min(LAST_HEARD_PAGE_MAX, ring.capacity));
    const q = textParam(query, "q");
    let calls = ring.list(ring.capacity).map((c) => ({ ...c, ...this.callNames(c.sourceId, c.destinationId, c.callType) }));
    if (q !== null) calls = calls.filter((c) => matches(q, [c.sourceId, c.destinationId, c.talkerAlias, c.port, c.sourceCallsign, c.sourceName]));
    return { total: calls.length, capacity: ring.capacity, offset, limit, q, calls: calls.slice(offset, offset + limit) };
  }

  #publicHotspot(h: ReturnType<HttpApi["state"]["hotspots"]>[number]): Record<string, unknown> {
    const d = this.extra.details(h.portIndex);
    return {
      repeaterId: h.repeaterId,
      callsign: h.callsign,
      owner: this.#owner(h.repeaterId),
      portIndex: h.portIndex,
      connectedSince: h.connectedSince,
      connectedSeconds: h.connectedSeconds,
      location: d?.location ?? null,
      description: d?.description ?? null,
      url: d?.url ?? null,
      softwareId: d?.softwareId ?? null,
      packageId: d?.packageId ?? null,
      rxFrequencyHz: d?.rxFrequencyHz ?? null,
      txFrequencyHz: d?.txFrequencyHz ?? null,
      colourCode: d?.colourCode ?? null,
      latitude: d?.latitude ?? null,
      longitude: d?.longitude ?? null,
      slots: d?.slots ?? null,
      simplex: d?.simplex ?? null,
      family: d?.family ?? null,
      talkgroups: h.talkgroups,
      subscriptions: this.extra.subscriptions(h.portIndex, this.#clock.monotonicMs()),
      dialedReflector: h.dialedReflector,
    };
  }

  /** Links: state, protocol, last keepalive, traffic and drops by reason; the peer's address only for admins. */
  #links(withPeer: boolean): Record<string, unknown>[] {
    const snapshotLinks = new Map((this.http.state.snapshot?.snapshot.links ?? []).map((l) => [l.name, l]));
    return this.http.state.links().map(({ peer, ...link }) => {
      const heard = snapshotLinks.get(link.name)?.lastHeardMs;
      const drops: Record<string, number> = {};
      for (const [key, value] of Object.entries(link.counters)) if (/^dropped|Dropped$|^malformed|^refused/.test(key)) drops[key] = value;
      return {
        ...link,
        lastKeepaliveAt: heard === undefined || heard === null ? null : new Date(this.http.state.toWallMs(heard)).toISOString(),
        drops,
        ...(withPeer ? { peer } : {}),
      };
    });
  }

  #hotspots(query: URLSearchParams): Record<string, unknown> {
    const offset = intParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, "limit", HOTSPOTS_PAGE_MAX, 1, HOTSPOTS_PAGE_MAX);
    const q = textParam(query, "q");
    let all = this.http.state.hotspots();
    if (q !== null) all = all.filter((h) => matches(q, [h.repeaterId, h.callsign, this.extra.details(h.portIndex)?.location ?? null, ...h.talkgroups.ts1, ...h.talkgroups.ts2]));
    return { total: all.length, offset, limit, q, hotspots: all.slice(offset, offset + limit).map((h) => this.#publicHotspot(h)) };
  }

  #hotspotRecord(repeaterId: number): ReturnType<HttpApi["state"]["hotspots"]>[number] | null {
    return this.http.state.hotspots().find((h) => h.repeaterId === repeaterId) ?? null;
  }

  /** One hotspot, with its exact subscriptions (static/dynamic/dial, per slot, with expiry) asked from the core. */
  async #hotspotOne(repeaterId: number): Promise<Record<string, unknown>> {
    const h = this.#hotspotRecord(repeaterId);
    if (h === null) throw new ApiError(404, "not-found", `hotspot ${repeaterId} is not connected`);
    const live = await this.#inspect(repeaterId);
    return { ...this.#publicHotspot(h), subscriptions: live?.subscriptions ?? this.extra.subscriptions(h.portIndex, this.#clock.monotonicMs()) };
  }

  async #inspect(repeaterId: number): Promise<HotspotInspection | null> {
    const result = await this.#o.send({ kind: "inspect", repeaterId });
    return result.ok ? (result.data as HotspotInspection) : null;
  }

  async #diagnostics(repeaterId: number): Promise<Record<string, unknown>> {
    const h = this.#hotspotRecord(repeaterId);
    const history = this.extra.diagnostics(repeaterId);
    const live = await this.#inspect(repeaterId);
    const explained = this.http.state.hotspotRefusals.list(repeaterId);
    if (h === null && history === null && explained.length === 0 && (live === null || !live.connected)) {
      throw new ApiError(404, "not-found", `nothing known about hotspot ${repeaterId}: not connected and no recent events`);
    }
    const hints: string[] = [];
    if (h === null) hints.push("not connected: check the login refusals below, the server address and port, and the passphrase");
    // the newest explained refusal first: what happened and what to change
    if (explained.length > 0) hints.push(explained[0]!.message);
    else if (history !== null && history.refusals.length > 0) hints.push(`last login refusal: ${history.refusals[0]!.message}`);
    const lastOptions = history?.options[0];
    const rejected = (lastOptions?.data?.["rejected"] as string[] | undefined) ?? [];
    if (rejected.length > 0) hints.push(`${rejected.length} option token(s) rejected: ${rejected.join("; ")}`);
    if (live !== null && live.connected && live.subscriptions.length === 0) hints.push("no subscriptions: key up a talkgroup, set static talkgroups (options or self-care) or dial a reflector");
    if (history !== null && history.callsRefused.length > 0) hints.push(`last refused call: ${history.callsRefused[0]!.message}`);
    if (history !== null && history.notDelivered.length > 0) hints.push(`last call not delivered: ${history.notDelivered[0]!.message}`);
    return {
      repeaterId,
      connected: h !== null,
      hotspot: h !== null ? this.#publicHotspot(h) : null,
      options: live?.options ?? null,
      subscriptions: live?.subscriptions ?? null,
      dialedReflector: live?.dialedReflector ?? h?.dialedReflector ?? 0,
      settings: live?.settings ?? this.extra.settings(repeaterId) ?? EMPTY_SETTINGS,
      hints,
      // one entry per reason with an exact count, explained (also GET /api/v1/hotspots/{id}/refusals)
      explainedRefusals: explained,
      refusals: history?.refusals ?? [],
      rejectedOptions: history?.options ?? [],
      callsRefused: history?.callsRefused ?? [],
      callsSent: history?.callsSent ?? [],
      callsHeard: this.http.state.lastHeard.list(this.http.state.lastHeard.capacity).filter((c) => h !== null && c.portIndex !== h.portIndex && (h.talkgroups.ts1.includes(c.destinationId) || h.talkgroups.ts2.includes(c.destinationId))).slice(0, 20),
      callsNotDelivered: history?.notDelivered ?? [],
      sessions: history?.sessions ?? [],
    };
  }

  async #settingsView(repeaterId: number): Promise<Record<string, unknown>> {
    const live = await this.#inspect(repeaterId);
    return {
      repeaterId,
      selfCare: this.#o.selfCare,
      connected: live?.connected ?? false,
      settings: live?.settings ?? this.extra.settings(repeaterId) ?? EMPTY_SETTINGS,
      authentication: live?.selfCare ?? { keySet: false, secretIssued: false },
      precedence: "A field set here wins over the same field in the hotspot's RPTO options; null follows RPTO, then the access rule, then the server default.",
    };
  }

  async #putSettings(request: Request, repeaterId: number, clientAddress: string): Promise<Record<string, unknown>> {
    if (!this.#o.selfCare) throw new ApiError(403, "forbidden", "self-care is switched off on this server (http.self_care)");
    this.#checkAuthRate(clientAddress);
    const credential = bearer(request);
    if (credential === null) throw new ApiError(401, "unauthorized", "send the hotspot's options KEY or its issued secret as Authorization: Bearer <credential>", { "www-authenticate": "Bearer" });
    const body = (await readJson(request)) as unknown;
    if (!Value.Check(SettingsBody, body)) {
      const first = [...Value.Errors(SettingsBody, body)][0];
      throw new ApiError(400, "bad-request", `invalid settings${first !== undefined ? `: ${first.path || "body"} ${first.message}` : ""}`);
    }
    const patch = body as SettingsBodyType;
    const current = ((await this.#inspect(repeaterId))?.settings ?? this.extra.settings(repeaterId) ?? EMPTY_SETTINGS) as HotspotSettings;
    const settings: HotspotSettings = {
      ts1Static: patch.ts1Static !== undefined ? patch.ts1Static : current.ts1Static,
      ts2Static: patch.ts2Static !== undefined ? patch.ts2Static : current.ts2Static,
      defaultReflector: patch.defaultReflector !== undefined ? patch.defaultReflector : current.defaultReflector,
      uaTimerMinutes: patch.uaTimerMinutes !== undefined ? patch.uaTimerMinutes : current.uaTimerMinutes,
      singleMode: patch.singleMode !== undefined ? patch.singleMode : current.singleMode,
      language: patch.language !== undefined ? patch.language : current.language,
    };
    const result = await this.#o.send({ kind: "set-settings", repeaterId, credential, settings });
    if (!result.ok) {
      if (result.code === "unauthorized") this.#authFailed(clientAddress);
      throw resultError(result);
    }
    this.extra.setSettings(repeaterId, settings);
    return { ok: true, repeaterId, settings, appliedLive: (result.data as { connected?: boolean } | undefined)?.connected === true, persisted: this.settingsPersisted };
  }

  #checkAuthRate(client: string): void {
    const entry = this.#authFailures.get(client);
    if (entry !== undefined && performance.now() - entry.sinceMs < 60_000 && entry.count >= AUTH_FAILURES_PER_MINUTE) {
      throw new ApiError(429, "too-many-requests", "too many failed attempts from this address; wait a minute", { "retry-after": "60" });
    }
  }

  #authFailed(client: string): void {
    const now = performance.now();
    const entry = this.#authFailures.get(client);
    if (entry === undefined || now - entry.sinceMs >= 60_000) {
      if (this.#authFailures.size >= AUTH_TABLE_MAX) this.#authFailures.clear();
      this.#authFailures.set(client, { count: 1, sinceMs: now });
    } else {
      entry.count++;
    }
  }

  #talkgroupMembers(): Map<number, { repeaterId: number; callsign: string; slot: 1 | 2 }[]> {
    const members = new Map<number, { repeaterId: number; callsign: string; slot: 1 | 2 }[]>();
    for (const h of this.http.state.hotspots()) {
      for (const [slot, list] of [[1, h.talkgroups.ts1] as const, [2, h.talkgroups.ts2] as const]) {
        for (const tg of list) {
          let m = members.get(tg);
          if (m === undefined) members.set(tg, (m = []));
          m.push({ repeaterId: h.repeaterId, callsign: h.callsign, slot });
        }
      }
    }
    return members;
  }

  #talkgroups(query: URLSearchParams): Record<string, unknown> {
    const offset = intParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, "limit", 200, 1, TALKGROUPS_PAGE_MAX);
    const q = textParam(query, "q");
    const members = this.#talkgroupMembers();
    const active = new Set(this.http.state.activeStreams().filter((s) => s.callType === "group").map((s) => s.destinationId));
    const ids = new Set<number>([...members.keys(), ...this.extra.talkgroupIds()]);
    let list = [...ids].map((tg) => {
      const activity = this.extra.talkgroupActivity(tg);
      return { talkgroupId: tg, subscribers: members.get(tg)?.length ?? 0, active: active.has(tg), calls: activity?.calls ?? 0, lastCallAt: activity?.lastCallAt ?? null, lastSourceId: activity?.lastSourceId ?? null };
    });
    if (q !== null) list = list.filter((t) => String(t.talkgroupId).includes(q));
    list.sort((a, b) => Number(b.active) - Number(a.active) || b.subscribers - a.subscribers || a.talkgroupId - b.talkgroupId);
    return { total: list.length, offset, limit, q, talkgroups: list.slice(offset, offset + limit) };
  }

  #talkgroupOne(talkgroupId: number): Record<string, unknown> {
    const members = this.#talkgroupMembers().get(talkgroupId) ?? [];
    const activity = this.extra.talkgroupActivity(talkgroupId);
    const calls = this.http.state.activeStreams().filter((s) => s.callType === "group" && s.destinationId === talkgroupId);
    return {
      talkgroupId,
      subscribers: members,
      activity: activity ?? { talkgroupId, calls: 0, lastCallAt: null, lastSourceId: null, secondsTotal: 0 },
      callsInProgress: calls,
      recentCalls: this.http.state.lastHeard.list(this.http.state.lastHeard.capacity).filter((c) => c.callType === "group" && c.destinationId === talkgroupId).slice(0, 20),
    };
  }

  // ---- admin -------------------------------------------------------------------------------------

  async #admin(request: Request, method: string, parts: string[], query: URLSearchParams): Promise<Response> {
    if (this.#o.adminToken === null) throw new ApiError(403, "forbidden", "admin is off: set http.admin_token in the config to enable it");
    const token = bearer(request);
    if (token === null || !equalText(token, this.#o.adminToken)) {
      throw new ApiError(401, "unauthorized", "admin routes need Authorization: Bearer <http.admin_token>", { "www-authenticate": "Bearer" });
    }
    const route = parts.join("/");
    if (method === "GET" && route === "hotspots") {
      const offset = intParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = intParam(query, "limit", HOTSPOTS_PAGE_MAX, 1, HOTSPOTS_PAGE_MAX);
      const all = this.http.state.hotspots();
      return this.#json({ total: all.length, offset, limit, hotspots: all.slice(offset, offset + limit).map((h) => ({ ...this.#publicHotspot(h), address: h.address, port: h.port })) });
    }
    if (method === "GET" && route === "refusals") return this.#json({ refusals: this.http.state.refusals.newestFirst() });
    if (method === "GET" && route === "links") return this.#json({ links: this.#links(true) });
    if (method !== "POST") {
      throw new ApiError(parts.length === 0 ? 404 : 405, parts.length === 0 ? "not-found" : "method-not-allowed", `no admin route ${method} /${route}`, { allow: "POST" });
    }
    await drainBody(request);
    let command: ControlCommand;
    if (parts[0] === "hotspots" && parts.length === 3 && parts[2] === "kick") command = { kind: "kick", repeaterId: idParam(parts[1]!, "repeaterId") };
    else if (parts[0] === "hotspots" && parts.length === 3 && parts[2] === "clear-dynamic") command = { kind: "clear-dynamic", repeaterId: idParam(parts[1]!, "repeaterId") };
    else if (parts[0] === "calls" && parts.length === 3 && parts[2] === "drop") {
      const portIndex = query.has("portIndex") ? intParam(query, "portIndex", 0, 0, 1_000_000) : null;
      command = { kind: "drop-call", streamId: idParam(parts[1]!, "streamId", 0xffffffff), portIndex };
    } else if (route === "reload") command = { kind: "reload" };
    else throw new ApiError(404, "not-found", `no admin route POST /${route}`);
    const result = await this.#o.send(command);
    if (!result.ok) throw resultError(result);
    if (command.kind === "reload") return this.#json({ ok: true, command: command.kind, reload: result.data ?? null });
    return this.#json({ ok: true, command: command.kind });
  }

  // ---- output ------------------------------------------------------------------------------------

  #json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), { status, headers: { ...this.#headers, "content-type": "application/json; charset=utf-8" } });
  }

  #error(e: ApiError): Response {
    return new Response(JSON.stringify({ code: e.code, message: e.message, error: e.message }), {
      status: e.status,
      headers: { ...this.#headers, ...e.headers, "content-type": "application/json; charset=utf-8" },
    });
  }

  #storeMetrics(): string {
    const s = this.storeStats?.();
    if (s === undefined) return "";
    const counter = (name: string, help: string, value: number): string => `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${value}\n`;
    return (
      counter("freedmr_store_batches_total", "Batches (one SQLite transaction each) the state store wrote.", s.batches) +
      counter("freedmr_store_rows_written_total", "Rows the state store inserted, replaced or deleted.", s.rowsWritten) +
      counter("freedmr_store_dropped_total", "Changes and calls the state store dropped because its queue was full.", s.dropped) +
      counter("freedmr_store_failures_total", "State store batches that failed to write (their changes are lost).", s.failures)
    );
  }

  #workerMetrics(): string {
    const s = this.extra.workerStats;
    if (s === null) return "";
    const lines = [
      "# HELP freedmr_services_worker_events_lost_total Events the services Worker lost (behind, crashed or restarting); its tables were resynchronised.",
      "# TYPE freedmr_services_worker_events_lost_total counter",
      `freedmr_services_worker_events_lost_total ${s.eventsLost}`,
      "# HELP freedmr_services_worker_restarts_total Times the services Worker was restarted after dying.",
      "# TYPE freedmr_services_worker_restarts_total counter",
      `freedmr_services_worker_restarts_total ${s.restarts}`,
      "# HELP freedmr_services_worker_batches_total Event batches sent to the services Worker.",
      "# TYPE freedmr_services_worker_batches_total counter",
      `freedmr_services_worker_batches_total ${s.batchesSent}`,
      "# HELP freedmr_services_worker_resyncs_total Full rosters sent to the services Worker.",
      "# TYPE freedmr_services_worker_resyncs_total counter",
      `freedmr_services_worker_resyncs_total ${s.resyncs}`,
    ];
    return lines.join("\n") + "\n";
  }
}

function resultError(result: Extract<ControlResult, { ok: false }>): ApiError {
  const status = { "not-found": 404, unauthorized: 401, forbidden: 403, "not-supported": 501, busy: 503, invalid: 400, unavailable: 503 }[result.code];
  return new ApiError(status, result.code, result.message);
}

function bearer(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const m = /^Bearer\s+(\S{1,256})\s*$/i.exec(header);
  return m === null ? null : m[1]!;
}

function equalText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ (y[i % Math.max(1, y.length)] ?? 0);
  return diff === 0;
}

async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new ApiError(415, "unsupported-media-type", "the body must be application/json");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ApiError(413, "too-large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
  const buffer = await request.arrayBuffer();
  if (buffer.byteLength > MAX_BODY_BYTES) throw new ApiError(413, "too-large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buffer));
  } catch {
    throw new ApiError(400, "bad-request", "the body is not valid JSON");
  }
}

async function drainBody(request: Request): Promise<void> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ApiError(413, "too-large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
  if (request.body !== null) {
    const buffer = await request.arrayBuffer();
    if (buffer.byteLength > MAX_BODY_BYTES) throw new ApiError(413, "too-large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
  }
}

/** A path number: repeater ids and stream ids are 32-bit, talkgroups 24-bit (DMR addresses). */
function idParam(text: string, name: string, max = 0xffffffff): number {
  if (!/^\d{1,10}$/.test(text)) throw new ApiError(400, "bad-request", `${name} must be a whole number, got "${text.slice(0, 32)}"`);
  const n = Number(text);
  if (n > max) throw new ApiError(400, "bad-request", `${name} must be at most ${max}`);
  return n;
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new ApiError(400, "bad-request", `${name} must be a whole number from ${min} to ${max}, got "${raw.slice(0, 32)}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ApiError(400, "bad-request", `${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

function textParam(query: URLSearchParams, name: string): string | null {
  const raw = query.get(name);
  if (raw === null || raw.trim() === "") return null;
  if (raw.length > MAX_QUERY_TEXT) throw new ApiError(400, "bad-request", `${name} must be at most ${MAX_QUERY_TEXT} characters`);
  return raw.trim().toLowerCase();
}

function matches(q: string, fields: (string | number | null)[]): boolean {
  for (const f of fields) if (f !== null && String(f).toLowerCase().includes(q)) return true;
  return false;
}

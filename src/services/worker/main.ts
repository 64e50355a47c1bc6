/**
 * The services Worker: the operator plane off the packet thread. It runs the HTTP server (API,
 * dashboard, metrics, live WebSocket) on its own event loop, fed by event batches from the packet
 * thread (src/shell/services_worker_host.ts), and sends admin/self-care commands back as
 * ControlCommands. A crash here loses events and restarts this Worker; voice never notices.
 *
 * In the compiled binary this file is an extra entry point (scripts/build.ts).
 * @module
 */
import type { ServerWebSocket } from "bun";
import { dlopen, FFIType } from "bun:ffi";
import type { ControlCommand, ControlResult } from "../../core/control_command.ts";
import { dashboardRoutes } from "../dashboard/routes.ts";
import { Feeds } from "../feed/feeds.ts";
import { parseFeedFilter, type FeedSocketData } from "../feed/last_heard_feed.ts";
import { LIVE_BACKPRESSURE_BYTES, LiveHub, type LiveClient } from "../live_hub.ts";
import { OperatorApi } from "../operator_api.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./protocol.ts";
import { scheduleWorkerSettle, workerBurstCollector } from "./settle_after_logins.ts";
import { WorkerStore } from "../store/worker_store.ts";
import { ALIAS_KINDS, AliasService, type AliasServiceOptions } from "../aliases/alias_service.ts";
import { AliasTable } from "../aliases/alias_table.ts";
import type { AliasKind } from "../aliases/parse.ts";

declare const self: Worker;

/** Commands waiting for an answer at most, and how long one may wait. */
const MAX_PENDING_COMMANDS = 64;
const COMMAND_TIMEOUT_MS = 5_000;

function post(message: FromWorker): void {
  self.postMessage(message);
}

let api: OperatorApi | null = null;
let live: LiveHub | null = null;
let server: ReturnType<typeof Bun.serve> | null = null;
let store: WorkerStore | null = null;
let feeds: Feeds | null = null;

type SocketData = LiveClient & Partial<FeedSocketData>;
let nextCommandId = 1;
let handlerErrors = 0;
const pending = new Map<number, { resolve: (r: ControlResult) => void; timer: ReturnType<typeof setTimeout> }>();

function send(command: ControlCommand): Promise<ControlResult> {
  if (pending.size >= MAX_PENDING_COMMANDS) return Promise.resolve({ ok: false, code: "busy", message: "too many requests waiting for the server; try again" });
  const id = nextCommandId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve({ ok: false, code: "unavailable", message: "the server did not answer in time" });
    }, COMMAND_TIMEOUT_MS);
    pending.set(id, { resolve, timer });
    post({ type: "command", id, command });
  });
}

/**
 * Nice value of this thread: the packet thread keeps 0, so on a busy or single-core machine the
 * scheduler gives voice about 9 times this thread's share (Linux CFS weights 1024 : 110).
 */
export const WORKER_NICE = 10;

/**
 * Lower this thread's priority. On Linux, setpriority(PRIO_PROCESS, 0, n) changes the calling
 * thread only (threads are tasks with their own nice value; setpriority(2), NOTES), so the packet
 * thread is not touched. Returns an error text when it could not be done.
 */
function lowerPriority(): string | null {
  if (process.platform !== "linux") return "not Linux";
  for (const name of ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"]) {
    try {
      const libc = dlopen(name, { setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 } });
      const rc = libc.symbols.setpriority(0, 0, WORKER_NICE);
      // not closed: closing frees the compiled call trampoline, which is not worth the risk for one
      // small handle per Worker start
      return rc === 0 ? null : `setpriority returned ${rc}`;
    } catch {
      // try the next C library name
    }
  }
  return "no C library found to call setpriority";
}

function start(init: WorkerInit): void {
  const niceError = lowerPriority();
  if (niceError !== null) post({ type: "log", level: "warn", msg: "services Worker: could not lower its priority; the dashboard competes with voice for the CPU", data: { reason: niceError } });
  const offset = performance.timeOrigin - init.hostTimeOrigin;
  const clock = { monotonicMs: () => performance.now() + offset, wallClockMs: () => Date.now() };
  const h = init.http;
  const operator = new OperatorApi({
    bindAddress: h.bindAddress,
    port: h.port,
    lastHeardSize: h.lastHeardSize,
    cors: h.cors,
    version: init.version,
    maxHotspots: h.maxHotspots,
    startedMs: init.startedMs,
    clock,
    adminToken: h.adminToken,
    selfCare: h.selfCare,
    send,
  });
  api = operator;
  if (init.store != null) {
    store = WorkerStore.start(init.store, operator.http.state.lastHeard, (atMs) => operator.http.state.toWallMs(atMs), (level, msg, data) =>
      post({ type: "log", level, msg, ...(data !== undefined ? { data } : {}) }),
    );
    operator.settingsPersisted = store !== null;
    const opened = store;
    if (opened !== null) operator.storeStats = () => opened.stats;
  }
  startAliases(operator, init.aliases);
  const hub = new LiveHub(
    h.maxLiveClients,
    () => ({ now: operator.nowView() }),
    () => ({ version: init.version, serverTime: new Date().toISOString() }),
    (atMs) => operator.http.state.toWallMs(atMs),
  );
  live = hub;
  hub.names = (sourceId, destinationId, callType) => (operator.aliases === null ? {} : operator.callNames(sourceId, destinationId, callType));
  const f = new Feeds(init.feeds ?? { serverName: "freedmr", report: null, mqtt: null }, {
    version: init.version,
    serverId: init.feeds?.serverId ?? 0,
    maxFeedClients: h.maxLiveClients,
    toWallMs: (atMs) => operator.http.state.toWallMs(atMs),
    monotonicMs: clock.monotonicMs,
    hotspotCount: () => operator.http.state.hotspotCount,
    callsInProgress: () => operator.http.state.activeStreamCount,
    // the status API's records: no second table of hotspots here
    hotspotAt: (portIndex) => operator.http.state.identityAt(portIndex),
    names: {
      radio: (id) => {
        const user = operator.aliases?.users.get(id) ?? null;
        return user === null ? null : { callsign: user.callsign, name: user.firstName };
      },
      talkgroup: (id) => operator.aliases?.talkgroups.field(id, "callsign") ?? null,
    },
    log: (level, msg, data) => post({ type: "log", level, msg, ...(data !== undefined ? { data } : {}) }),
  });
  feeds = f;
  if (h.enabled === false) {
    post({ type: "ready", url: null, port: null, error: null, reportPort: f.report?.port ?? null });
    return;
  }
  let listening: ReturnType<typeof Bun.serve> | null = null;
  let error: string | null = null;
  try {
    listening = Bun.serve<SocketData>({
      hostname: h.bindAddress,
      port: h.port,
      idleTimeout: 30,
      maxRequestBodySize: 16 * 1024,
      development: false,
      routes: dashboardRoutes as never,
      async fetch(request, srv) {
        const url = new URL(request.url);
        if (url.pathname === "/api/v1/feed/lastheard" || url.pathname === "/api/v1/feed/lastheard/ws") {
          if (request.method !== "GET" && request.method !== "HEAD") return Response.json({ code: "method-not-allowed", message: "GET only", error: "GET only" }, { status: 405, headers: { allow: "GET, HEAD" } });
          const parsed = parseFeedFilter(url.searchParams);
          if (!parsed.ok) return Response.json({ code: "bad-request", message: parsed.message, error: parsed.message }, { status: 400 });
          if (request.method === "HEAD") return new Response(null, { status: url.pathname.endsWith("/ws") ? 400 : 200, headers: { "content-type": url.pathname.endsWith("/ws") ? "application/json" : "text/event-stream; charset=utf-8", "cache-control": "no-store" } });
          if (!f.lastHeard.canAccept()) {
            f.lastHeard.counters.refused++;
            return Response.json({ code: "busy", message: "too many feed clients", error: "too many feed clients" }, { status: 503 });
          }
          const cors: Record<string, string> = h.cors ? { "access-control-allow-origin": "*" } : {};
          if (url.pathname.endsWith("/ws")) {
            if (srv.upgrade(request, { data: { behind: false, feed: parsed.filter, dropped: 0 } })) return undefined;
            return Response.json({ code: "bad-request", message: "this route is a WebSocket (Upgrade: websocket)", error: "WebSocket only" }, { status: 400 });
          }
          srv.timeout(request, 0); // an event stream stays open (keepalive comments every 15 s)
          return f.lastHeard.sseResponse(parsed.filter, cors);
        }
        if (url.pathname === "/api/v1/live") {
          if (!hub.canAccept()) {
            hub.counters.refused++;
            return Response.json({ code: "busy", message: "too many live clients", error: "too many live clients" }, { status: 503 });
          }
          if (srv.upgrade(request, { data: { behind: false } })) return undefined;
          return Response.json({ code: "bad-request", message: "this route is a WebSocket (Upgrade: websocket)", error: "WebSocket only" }, { status: 400 });
        }
        if (url.pathname === "/" && (request.method === "GET" || request.method === "HEAD")) {
          return new Response(
            request.method === "HEAD"
              ? null
              :
              `<!doctype html><meta charset="utf-8"><title>freedmr</title><h1>freedmr ${escapeHtml(init.version)}</h1><p>The dashboard is not part of this build. API: <a href="/api/v1/status">/api/v1/status</a>, <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>`,
            { headers: { "content-type": "text/html; charset=utf-8" } },
          );
        }
        const response = await operator.handle(request, srv.requestIP(request)?.address ?? "unknown");
        if (url.pathname === "/metrics" && request.method === "GET" && response.status === 200) {
          return new Response((await response.text()) + f.metricsText(), { status: 200, headers: response.headers });
        }
        return response;
      },
      websocket: {
        backpressureLimit: LIVE_BACKPRESSURE_BYTES,
        closeOnBackpressureLimit: false,
        maxPayloadLength: 4096,
        idleTimeout: 120,
        open: (ws: ServerWebSocket<SocketData>) => (ws.data.feed !== undefined ? f.lastHeard.openWebSocket(ws as ServerWebSocket<FeedSocketData>) : hub.open(ws)),
        close: (ws: ServerWebSocket<SocketData>) => (ws.data.feed !== undefined ? f.lastHeard.closeWebSocket(ws as ServerWebSocket<FeedSocketData>) : hub.close(ws)),
        drain: (ws: ServerWebSocket<SocketData>) => {
          if (ws.data.feed === undefined) hub.drain(ws);
        },
        message: () => {
          // browsers only listen
        },
      },
      error: () => Response.json({ code: "internal", message: "internal error", error: "internal error" }, { status: 500 }),
    });
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    error = `cannot listen on TCP ${hostPort(h.bindAddress, h.port)} (http.bind_address, http.port)${typeof code === "string" ? ` [${code}]` : ""}: ${e instanceof Error ? e.message : String(e)}`;
  }
  server = listening;
  const port = listening?.port ?? null;
  post({ type: "ready", url: port !== null ? `http://${hostPort(displayHost(h.bindAddress), port)}/` : null, port, error, reportPort: f.report?.port ?? null });
}

let aliasService: AliasService | null = null;

/**
 * (Re)start the alias service with these sources (a reload may change them): the tables it loads
 * serve the API here and are posted to the packet thread; a kind no longer configured is posted
 * empty so the packet thread forgets it too.
 */
function startAliases(operator: OperatorApi, options: AliasServiceOptions | undefined): void {
  aliasService?.stop();
  aliasService = null;
  const postTable = (kind: AliasKind, table: AliasTable): void => {
    const data = table.copyData();
    self.postMessage({ type: "aliases", kind, data } satisfies FromWorker, { transfer: [data.ids.buffer, data.fields.buffer, data.stringBytes.buffer, data.stringOffsets.buffer] as ArrayBuffer[] });
  };
  if (options === undefined) {
    if (operator.aliases !== null) for (const kind of ALIAS_KINDS) postTable(kind, AliasTable.empty());
    operator.aliases = null;
    return;
  }
  const service = new AliasService(options, {
    log: (level, msg, data) => post({ type: "log", level, msg, ...(data !== undefined ? { data } : {}) }),
    onLoaded: (kind, table) => {
      if (aliasService !== service) return;
      postTable(kind, table);
    },
  });
  // Until the new service has loaded, the tables already here stay in use for kinds still configured.
  const previous = operator.aliases;
  for (const kind of ALIAS_KINDS) {
    if (options.sources[kind] === "") postTable(kind, AliasTable.empty());
    else if (previous !== null) service.tables[kind] = previous[kind];
  }
  aliasService = service;
  operator.aliases = service.tables;
  void service.start();
}

// after a burst of logins (session.up events, a roster after a restart), give back what it left in
// the heap and the allocator
let loginsSeen = 0;
scheduleWorkerSettle(() => loginsSeen);
// ... and while it comes in, a collection every few hundred (settle_after_logins.ts)
const collectDuringBurst = workerBurstCollector();

self.onmessage = (e: MessageEvent) => {
  const message = e.data as ToWorker;
  switch (message.type) {
    case "init":
      if (api === null) start(message);
      return;
    case "events":
      if (api !== null) {
        if (message.lostSinceLast > 0) api.extra.eventsLost += message.lostSinceLast;
        for (const event of message.events) {
          if (event.type === "session.up") loginsSeen++;
          try {
            api.onEvent(event);
            feeds?.onEvent(event);
          } catch (error) {
            // a bug in one table must not take the whole operator plane down: count and go on
            handlerErrors++;
            if (handlerErrors <= 10 || handlerErrors % 1000 === 0) {
              post({ type: "log", level: "error", msg: "services Worker: an event could not be handled (skipped)", data: { type: event.type, error: error instanceof Error ? error.message : String(error), count: handlerErrors } });
            }
          }
        }
        live?.publish(message.events);
        store?.onEvents(message.events);
        collectDuringBurst(loginsSeen);
      }
      post({ type: "ack", seq: message.seq });
      return;
    case "resync":
      api?.resync(message.roster);
      feeds?.resync(message.roster);
      return;
    case "roster-chunk":
      loginsSeen += message.hotspots.length;
      api?.addRosterHotspots(message.hotspots, performance.now());
      feeds?.addRosterHotspots(message.hotspots);
      if (message.last) live?.resyncAll("server-resync");
      collectDuringBurst(loginsSeen);
      return;
    case "aliases-config":
      if (api !== null) startAliases(api, message.aliases ?? undefined);
      return;
    case "state":
      store?.onState(message.changes);
      return;
    case "host-stats":
      if (api !== null) api.extra.workerStats = message.stats;
      return;
    case "command-result": {
      const p = pending.get(message.id);
      if (p !== undefined) {
        pending.delete(message.id);
        clearTimeout(p.timer);
        p.resolve(message.result);
      }
      return;
    }
    case "stop":
      void (async () => {
        await server?.stop(true);
        await feeds?.stop();
        await store?.stop(); // last: its final batch and a clean close
        post({ type: "stopped" });
      })();
      return;
  }
};

function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The URL to print: a wildcard address is shown as this machine's loopback. */
function displayHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "::1";
  return address;
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

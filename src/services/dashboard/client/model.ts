/**
 * The dashboard's data, normalised from the JSON API (docs/dashboard-needs.md), and how a live
 * event changes it. Pure (no DOM, no fetch), so it is testable with bun:test.
 *
 * Public view: the normalisers copy only the fields the UI shows. Addresses, ports, link peers,
 * raw option strings and anything else not named here never enter the state, so they can never
 * be rendered, whatever the server sends.
 * @module
 */

/** Who called whom, and how: what a call in progress and a finished call both show. */
export interface CallParties {
  key: string;
  sourceId: number;
  sourceCallsign: string | null;
  sourceName: string | null;
  talkerAlias: string | null;
  destinationId: number;
  slot: 1 | 2;
  callType: "group" | "unit";
  kind: "voice" | "data";
}

export interface ActiveCall extends CallParties {
  streamId: number;
  portIndex: number;
  /** Where the call entered: hotspot "CALL/id" or link name. */
  port: string;
  /** Start time on this browser's clock (ms), so the duration ticks without clock skew. */
  startedLocalMs: number;
}

export interface HeardCall extends CallParties {
  timeMs: number;
  durationMs: number;
  lossPercent: number;
  port: string;
  portIndex: number;
  endedBy: string;
}

export interface Subscription {
  slot: 1 | 2;
  talkgroupId: number;
  /** "static", "dynamic", "dial", … (null: the server does not say). */
  kind: string | null;
  expiresAtMs: number | null;
}

export interface Hotspot {
  repeaterId: number;
  callsign: string;
  portIndex: number;
  connectedSinceMs: number | null;
  location: string | null;
  software: string | null;
  packageId: string | null;
  slots: string | null;
  rxFrequencyHz: number | null;
  txFrequencyHz: number | null;
  description: string | null;
  url: string | null;
  colourCode: number | null;
  addressFamily: "ipv4" | "ipv6" | null;
  subscriptions: Subscription[];
  dialedReflector: number;
}

export interface Refusal {
  timeMs: number;
  repeaterId: number;
  reason: string;
  callsign: string | null;
  /** Refusals it stands for (a flooding source is summed up once a second). */
  count: number;
}

export interface Link {
  name: string;
  kind: string | null;
  up: boolean;
  state: string;
  sinceMs: number | null;
  reason: string | null;
  protocol: number | null;
  lastKeepaliveMs: number | null;
  counters: Record<string, number>;
  /** Drops by reason when the server lists them apart (else they are among `counters`). */
  drops: Record<string, number> | null;
}

export interface OptionRejection {
  timeMs: number;
  /** Option tokens the server refused, each with the reason when the server gives one. */
  rejected: { token: string; reason: string | null }[];
}

export interface ServerStatus {
  version: string;
  uptimeSeconds: number;
  hotspots: number;
  linksUp: number;
  linksTotal: number;
  streamsActive: number;
  framesIn: number | null;
  framesOut: number | null;
  rssBytes: number | null;
  refusalsTotal: number | null;
}

export interface DashboardState {
  status: ServerStatus | null;
  active: Map<string, ActiveCall>;
  lastHeard: HeardCall[];
  hotspots: Hotspot[];
  links: Link[];
  refusals: Refusal[];
  /** Rejected options per repeater id, from live `options.applied` events or the diagnostics feed. */
  optionRejections: Map<number, OptionRejection>;
  /** Bumped on every change (Preact re-renders on it). */
  version: number;
}

export function emptyState(): DashboardState {
  return { status: null, active: new Map(), lastHeard: [], hotspots: [], links: [], refusals: [], optionRejections: new Map(), version: 0 };
}

/** The most last-heard entries kept in the browser. */
export const LAST_HEARD_KEPT = 500;

// ---- tolerant readers -------------------------------------------------------------------------

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}
function num(value: unknown, fallback = 0): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
function numOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}
function strOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value.slice(0, 200) : null;
}
function timeMs(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}
function slotOf(value: unknown): 1 | 2 {
  return value === 1 ? 1 : 2;
}
function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---- normalisers (REST bodies) -----------------------------------------------------------------

export function activeFromApi(raw: unknown, nowLocalMs: number): ActiveCall {
  const r = obj(raw);
  const entered = obj(r.entered);
  const seconds = num(r.seconds);
  const portIndex = num(r.portIndex, num(entered.portIndex, -1));
  const streamId = num(r.streamId);
  return {
    key: `${portIndex}:${streamId}`,
    streamId,
    portIndex,
    port: str(r.port, str(entered.port)),
    sourceId: num(r.sourceId),
    sourceCallsign: strOrNull(r.sourceCallsign),
    sourceName: strOrNull(r.sourceName),
    talkerAlias: strOrNull(r.talkerAlias),
    destinationId: num(r.destinationId),
    slot: slotOf(r.slot),
    callType: r.callType === "unit" ? "unit" : "group",
    kind: r.kind === "data" ? "data" : "voice",
    startedLocalMs: nowLocalMs - seconds * 1000,
  };
}

export function heardFromApi(raw: unknown): HeardCall {
  const r = obj(raw);
  const portIndex = num(r.portIndex, -1);
  const streamId = num(r.streamId);
  return {
    key: `${portIndex}:${streamId}:${num(r.timeMs)}`,
    timeMs: timeMs(r.timeMs) ?? timeMs(r.time) ?? timeMs(r.at) ?? 0,
    sourceId: num(r.sourceId),
    sourceCallsign: strOrNull(r.sourceCallsign),
    sourceName: strOrNull(r.sourceName),
    talkerAlias: strOrNull(r.talkerAlias),
    destinationId: num(r.destinationId),
    slot: slotOf(r.slot),
    callType: r.callType === "unit" ? "unit" : "group",
    kind: r.kind === "data" ? "data" : "voice",
    durationMs: num(r.durationMs),
    lossPercent: num(r.lossPercent),
    port: str(r.port),
    portIndex,
    endedBy: str(r.endedBy),
  };
}

/** Detailed subscriptions (diagnostics): kind and expiry, as `expiresAt` or `expiresInSeconds`. */
export function subscriptionsFromApi(list: unknown, nowLocalMs: number): Subscription[] {
  return arr(list).map((item) => {
    const s = obj(item);
    const inSeconds = numOrNull(s.expiresInSeconds);
    return {
      slot: slotOf(s.slot),
      talkgroupId: num(s.talkgroupId),
      kind: strOrNull(s.kind),
      expiresAtMs: timeMs(s.expiresAt) ?? (inSeconds !== null ? nowLocalMs + inSeconds * 1000 : null),
    };
  });
}

export function hotspotFromApi(raw: unknown, nowLocalMs: number): Hotspot {
  const r = obj(raw);
  let subscriptions: Subscription[] = [];
  const detailed = arr(r.subscriptions);
  if (detailed.length > 0) {
    subscriptions = subscriptionsFromApi(detailed, nowLocalMs);
  } else {
    const tg = obj(r.talkgroups);
    for (const id of arr(tg.ts1)) subscriptions.push({ slot: 1, talkgroupId: num(id), kind: null, expiresAtMs: null });
    for (const id of arr(tg.ts2)) subscriptions.push({ slot: 2, talkgroupId: num(id), kind: null, expiresAtMs: null });
  }
  // Only the family of the address the hotspot talks from, never the address itself.
  const declared = r.family ?? r.addressFamily;
  const family = declared === "ipv4" || declared === "ipv6" ? declared : typeof r.address === "string" ? (r.address.includes(":") ? "ipv6" : "ipv4") : null;
  return {
    repeaterId: num(r.repeaterId),
    callsign: str(r.callsign),
    portIndex: num(r.portIndex, -1),
    connectedSinceMs: timeMs(r.connectedSince),
    location: strOrNull(r.location),
    software: strOrNull(r.softwareId) ?? strOrNull(r.software),
    packageId: strOrNull(r.packageId),
    slots: strOrNull(typeof r.slots === "number" ? String(r.slots) : r.slots),
    rxFrequencyHz: numOrNull(r.rxFrequencyHz),
    txFrequencyHz: numOrNull(r.txFrequencyHz),
    description: strOrNull(r.description),
    url: safeUrl(r.url),
    colourCode: numOrNull(r.colourCode),
    addressFamily: family,
    subscriptions,
    dialedReflector: num(r.dialedReflector),
  };
}

/** Only http(s) links are rendered as links. */
function safeUrl(value: unknown): string | null {
  if (typeof value !== "string") return null;
  return /^https?:\/\/[^\s"<>]+$/i.test(value) ? value.slice(0, 200) : null;
}

export function refusalFromApi(raw: unknown): Refusal {
  const r = obj(raw);
  const data = obj(r.data);
  return {
    timeMs: timeMs(r.time) ?? timeMs(r.at) ?? timeMs(r.atMs) ?? 0,
    repeaterId: num(r.repeaterId),
    reason: str(r.reason, str(data.reason, "unknown")),
    callsign: strOrNull(r.callsign) ?? strOrNull(data.callsign),
    count: Math.max(1, num(r.count ?? data.count, 1)),
  };
}

export function linkFromApi(raw: unknown): Link {
  const r = obj(raw);
  const numbers = (value: unknown): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(obj(value))) if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
    return out;
  };
  const counters = numbers(r.counters);
  return {
    name: str(r.name),
    kind: strOrNull(r.kind),
    up: r.up === true,
    state: str(r.state, r.up === true ? "up" : "down"),
    sinceMs: timeMs(r.since),
    reason: strOrNull(r.reason),
    protocol: numOrNull(r.protocol),
    lastKeepaliveMs: timeMs(r.lastKeepaliveAt),
    counters,
    drops: r.drops !== null && typeof r.drops === "object" ? numbers(r.drops) : null,
  };
}

/** The `server` block of GET /api/v1/now (and of the live snapshot) over what /status gave. */
export function serverFiguresFromApi(raw: unknown, previous: ServerStatus | null): ServerStatus {
  const r = obj(raw);
  return {
    version: str(r.version, previous?.version ?? ""),
    uptimeSeconds: num(r.uptimeSeconds, previous?.uptimeSeconds ?? 0),
    hotspots: num(r.hotspots, previous?.hotspots ?? 0),
    linksUp: num(r.linksUp, previous?.linksUp ?? 0),
    linksTotal: previous?.linksTotal ?? num(r.linksUp),
    streamsActive: num(r.callsInProgress, previous?.streamsActive ?? 0),
    framesIn: numOrNull(r.framesIn) ?? previous?.framesIn ?? null,
    framesOut: numOrNull(r.framesOut) ?? previous?.framesOut ?? null,
    rssBytes: numOrNull(r.rssBytes) ?? previous?.rssBytes ?? null,
    refusalsTotal: previous?.refusalsTotal ?? null,
  };
}

export function statusFromApi(raw: unknown): ServerStatus {
  const r = obj(raw);
  const links = obj(r.links);
  const stats = obj(r.stats);
  const routing = obj(stats.routing);
  const host = obj(stats.host);
  const hbp = obj(stats.hbp);
  const hbpCounters = obj(hbp.counters);
  let refusals: number | null = null;
  for (const [k, v] of Object.entries(hbpCounters)) if (/refus/i.test(k) && typeof v === "number") refusals = (refusals ?? 0) + v;
  return {
    version: str(r.version),
    uptimeSeconds: num(r.uptimeSeconds),
    hotspots: num(r.hotspots),
    linksUp: num(links.up),
    linksTotal: num(links.total),
    streamsActive: num(r.streamsActive),
    framesIn: numOrNull(routing.framesIn) ?? numOrNull(host.datagramsIn),
    framesOut: numOrNull(routing.framesOut) ?? numOrNull(host.datagramsOut),
    rssBytes: numOrNull(obj(stats.process).rssBytes),
    refusalsTotal: refusals,
  };
}

/** Option tokens as shown: "KEY=…" style secrets lose their value. */
export function publicOptionToken(token: string): string {
  const eq = token.indexOf("=");
  if (eq < 0) return token.slice(0, 80);
  const name = token.slice(0, eq).trim();
  return /^(key|pass|passphrase|password|secret)$/i.test(name) ? `${name}=***` : token.slice(0, 80);
}

export function optionRejectionFromApi(raw: unknown): OptionRejection {
  const r = obj(raw);
  const rejected: OptionRejection["rejected"] = [];
  const list = Array.isArray(r.rejected) ? r.rejected : arr(obj(r.data).rejected);
  for (const item of list) {
    if (typeof item === "string") rejected.push(splitRejection(item));
    else {
      const o = obj(item);
      rejected.push({ token: publicOptionToken(str(o.token)), reason: strOrNull(o.reason) });
    }
  }
  return { timeMs: timeMs(r.time) ?? timeMs(r.at) ?? timeMs(r.atMs) ?? Date.now(), rejected };
}

/** The core names a rejected token as "TOKEN: reason" (options_parser.ts); split at the first ": ". */
function splitRejection(text: string): { token: string; reason: string | null } {
  const at = text.indexOf(": ");
  if (at > 0) return { token: publicOptionToken(text.slice(0, at)), reason: text.slice(at + 2, at + 202) };
  return { token: publicOptionToken(text), reason: null };
}

// ---- links -------------------------------------------------------------------------------------

/** A counter that counts something not passed on (by its name). */
const DROP_NAME = /drop|reject|refus|malformed|invalid|bad|wrong|unsupported|unknown|too|loop|acl|filtered|ignored|stale|error|egress/i;
/** Always shown, even at 0: the link's traffic in both directions. */
const MAIN_TRAFFIC = /^(frames|datagrams)(In|Out)$/;

/**
 * Counters split into traffic and drops by reason. The server may list drops apart (`drops`); names
 * that read as drops count as drops too. Zero counters are left out except the main traffic ones,
 * so a healthy link reads "frames in 120, frames out 118" and its drops column is empty.
 */
export function splitCounters(counters: Record<string, number>, listedDrops: Record<string, number> | null = null): { traffic: [string, number][]; drops: [string, number][] } {
  const traffic: [string, number][] = [];
  const drops: [string, number][] = [];
  const all = { ...counters, ...(listedDrops ?? {}) };
  for (const [name, value] of Object.entries(all)) {
    const isDrop = (listedDrops !== null && name in listedDrops) || DROP_NAME.test(name);
    if (isDrop) {
      if (value > 0) drops.push([name, value]);
    } else if (value > 0 || MAIN_TRAFFIC.test(name)) traffic.push([name, value]);
  }
  return { traffic, drops };
}

// ---- live events -------------------------------------------------------------------------------

/** What a live event needs reloaded from REST (beyond what `applyEvent` did in place). */
export type Resource = "status" | "hotspots" | "lastHeard" | "links";

/**
 * Apply one live event to the state. Accepts the live feed's public events (`call.start`,
 * `call.alias`, `call.end`, `hotspot.up`/`down`/`refused`, `subscription`, `options`, `link`,
 * `figures`; docs/api.md) and core event names (`stream.start`, …). Returns the REST views to
 * reload soon: the event changes them in ways the browser cannot work out alone.
 */
export function applyEvent(state: DashboardState, raw: unknown, nowLocalMs: number, repeaterOfPort: (portIndex: number) => number | null): Resource[] {
  const e = obj(raw);
  const port = e.port ?? e.portName;
  switch (e.type) {
    case "call.start":
    case "stream.start": {
      const call = activeFromApi({ ...e, port, seconds: 0 }, nowLocalMs);
      const known = state.active.get(call.key);
      if (known !== undefined) call.startedLocalMs = known.startedLocalMs;
      state.active.set(call.key, call);
      if (state.status !== null) state.status.streamsActive = state.active.size;
      return [];
    }
    case "call.alias":
    case "stream.alias": {
      const call = state.active.get(`${num(e.portIndex, -1)}:${num(e.streamId)}`);
      if (call !== undefined) call.talkerAlias = strOrNull(e.talkerAlias);
      return [];
    }
    case "call.end":
    case "stream.end": {
      const key = `${num(e.portIndex, -1)}:${num(e.streamId)}`;
      const live = state.active.get(key);
      state.active.delete(key);
      if (state.status !== null) state.status.streamsActive = state.active.size;
      const frames = num(e.frames);
      const lost = num(e.lost);
      const heard = heardFromApi({
        ...e,
        port,
        timeMs: timeMs(e.at) ?? timeMs(e.time) ?? nowLocalMs,
        talkerAlias: e.talkerAlias ?? live?.talkerAlias ?? null,
        lossPercent: typeof e.lossPercent === "number" ? e.lossPercent : frames + lost > 0 ? Math.round((lost / (frames + lost)) * 1000) / 10 : 0,
      });
      if (!state.lastHeard.some((c) => c.portIndex === heard.portIndex && c.key.startsWith(`${key}:`) && Math.abs(c.timeMs - heard.timeMs) < 5000)) {
        state.lastHeard.unshift(heard);
        if (state.lastHeard.length > LAST_HEARD_KEPT) state.lastHeard.length = LAST_HEARD_KEPT;
      }
      return ["lastHeard"];
    }
    case "hotspot.refused":
    case "session.refused":
      state.refusals.unshift(refusalFromApi({ ...e, time: e.at ?? e.time ?? new Date(nowLocalMs).toISOString() }));
      if (state.refusals.length > 100) state.refusals.length = 100;
      return [];
    case "options":
    case "options.applied": {
      const repeaterId = numOrNull(e.repeaterId) ?? repeaterOfPort(num(e.portIndex, -1));
      if (repeaterId !== null) state.optionRejections.set(repeaterId, optionRejectionFromApi({ ...e, time: e.at ?? e.time ?? new Date(nowLocalMs).toISOString() }));
      return ["hotspots"];
    }
    case "hotspot.up":
    case "hotspot.down":
    case "session.up":
    case "session.down":
    case "subscription":
    case "subscription.change":
    case "dial.link":
    case "hotspot.settings":
      return ["hotspots", "status"];
    case "link":
    case "link.up":
    case "link.down":
      return ["links", "status"];
    case "figures":
      if (state.status !== null) {
        state.status.hotspots = num(e.hotspots, state.status.hotspots);
        state.status.uptimeSeconds = typeof e.uptimeMs === "number" ? e.uptimeMs / 1000 : state.status.uptimeSeconds;
      }
      return [];
    case "stats":
      return ["status"];
    default:
      return [];
  }
}

/** Last-heard search: every word must match callsign, name, alias, ids, talkgroup or where it entered. */
export function matchesSearch(call: HeardCall, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === "") return true;
  const fields = [call.sourceCallsign, call.sourceName, call.talkerAlias, String(call.sourceId), String(call.destinationId), `tg${call.destinationId}`, call.port];
  return q.split(/\s+/).every((word) => fields.some((f) => f !== null && f.toLowerCase().includes(word)));
}

/** Hotspot search: every word must match callsign, id, location, software or a talkgroup. */
export function matchesHotspot(h: Hotspot, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === "") return true;
  const fields = [h.callsign, String(h.repeaterId), h.location, h.software, h.packageId, ...h.subscriptions.map((s) => String(s.talkgroupId))];
  return q.split(/\s+/).every((word) => fields.some((f) => f !== null && f.toLowerCase().includes(word)));
}

export interface TalkgroupRow {
  talkgroupId: number;
  subscribers: { repeaterId: number; callsign: string; slot: 1 | 2; kind: string | null }[];
  lastCallMs: number | null;
  calls: number;
  active: boolean;
  lastSourceId: number | null;
}

/**
 * Talkgroups with subscribers or activity: who is subscribed from the hotspots view, activity from
 * GET /api/v1/talkgroups when given (it counts every call since the start, not only the last-heard
 * ring), else from last heard; "active" from the calls in progress.
 */
export function talkgroupRows(state: DashboardState, fromServer: readonly unknown[] | null = null): TalkgroupRow[] {
  const rows = new Map<number, TalkgroupRow>();
  const row = (id: number): TalkgroupRow => {
    let r = rows.get(id);
    if (r === undefined) {
      r = { talkgroupId: id, subscribers: [], lastCallMs: null, calls: 0, active: false, lastSourceId: null };
      rows.set(id, r);
    }
    return r;
  };
  for (const h of state.hotspots) for (const s of h.subscriptions) row(s.talkgroupId).subscribers.push({ repeaterId: h.repeaterId, callsign: h.callsign, slot: s.slot, kind: s.kind });
  if (fromServer !== null) {
    for (const raw of fromServer) {
      const o = obj(raw);
      const id = num(o.talkgroupId);
      if (id <= 0) continue;
      const r = row(id);
      r.calls = num(o.calls);
      r.lastCallMs = timeMs(o.lastCallAt);
      r.lastSourceId = numOrNull(o.lastSourceId);
      if (o.active === true) r.active = true;
    }
  } else {
    for (const c of state.lastHeard) {
      if (c.callType !== "group") continue;
      const r = row(c.destinationId);
      r.calls++;
      if (r.lastCallMs === null || c.timeMs > r.lastCallMs) {
        r.lastCallMs = c.timeMs;
        r.lastSourceId = c.sourceId;
      }
    }
  }
  for (const c of state.active.values()) if (c.callType === "group") row(c.destinationId).active = true;
  return [...rows.values()].sort(
    (a, b) => Number(b.active) - Number(a.active) || (b.lastCallMs ?? 0) - (a.lastCallMs ?? 0) || b.subscribers.length - a.subscribers.length || a.talkgroupId - b.talkgroupId,
  );
}

/**
 * The dashboard's data, normalised from the JSON API (docs/dashboard-needs.md), and how a live
 * event changes it. Pure (no DOM, no fetch), so it is testable with bun:test.
 *
 * Public view: the normalisers copy only the fields the UI shows. Addresses, ports, link peers,
 * raw option strings and anything else not named here never enter the state, so they can never
 * be rendered, whatever the server sends.
 * @module
 */

export interface ActiveCall {
  key: string;
  streamId: number;
  portIndex: number;
  /** Where the call entered: hotspot "CALL/id" or link name. */
  port: string;
  sourceId: number;
  sourceCallsign: string | null;
  sourceName: string | null;
  talkerAlias: string | null;
  destinationId: number;
  slot: 1 | 2;
  callType: "group" | "unit";
  kind: "voice" | "data";
  /** Start time on this browser's clock (ms), so the duration ticks without clock skew. */
  startedLocalMs: number;
}

export interface HeardCall {
  key: string;
  timeMs: number;
  sourceId: number;
  sourceCallsign: string | null;
  sourceName: string | null;
  talkerAlias: string | null;
  destinationId: number;
  slot: 1 | 2;
  callType: "group" | "unit";
  kind: "voice" | "data";
  durationMs: number;
  lossPercent: number;
  port: string;
  portIndex: number;
  endedBy: string;
}

export interface Subscription {
  slot: 1 | 2;
  talkgroupId: number;
  kind: "static" | "dynamic" | null;
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
  addressFamily: "ipv4" | "ipv6" | null;
  subscriptions: Subscription[];
  dialedReflector: number;
}

export interface Refusal {
  timeMs: number;
  repeaterId: number;
  reason: string;
  callsign: string | null;
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
  const seconds = num(r.seconds);
  const portIndex = num(r.portIndex, -1);
  const streamId = num(r.streamId);
  return {
    key: `${portIndex}:${streamId}`,
    streamId,
    portIndex,
    port: str(r.port),
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
    timeMs: timeMs(r.timeMs) ?? timeMs(r.time) ?? 0,
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

export function hotspotFromApi(raw: unknown): Hotspot {
  const r = obj(raw);
  const subscriptions: Subscription[] = [];
  const detailed = arr(r.subscriptions);
  if (detailed.length > 0) {
    for (const item of detailed) {
      const s = obj(item);
      subscriptions.push({
        slot: slotOf(s.slot),
        talkgroupId: num(s.talkgroupId),
        kind: s.kind === "static" || s.kind === "dynamic" ? s.kind : null,
        expiresAtMs: timeMs(s.expiresAt),
      });
    }
  } else {
    const tg = obj(r.talkgroups);
    for (const id of arr(tg.ts1)) subscriptions.push({ slot: 1, talkgroupId: num(id), kind: null, expiresAtMs: null });
    for (const id of arr(tg.ts2)) subscriptions.push({ slot: 2, talkgroupId: num(id), kind: null, expiresAtMs: null });
  }
  // Only the family of the address the hotspot talks from, never the address itself.
  const family = r.addressFamily === "ipv4" || r.addressFamily === "ipv6" ? r.addressFamily : typeof r.address === "string" ? (r.address.includes(":") ? "ipv6" : "ipv4") : null;
  return {
    repeaterId: num(r.repeaterId),
    callsign: str(r.callsign),
    portIndex: num(r.portIndex, -1),
    connectedSinceMs: timeMs(r.connectedSince),
    location: strOrNull(r.location),
    software: strOrNull(r.software),
    packageId: strOrNull(r.packageId),
    slots: strOrNull(typeof r.slots === "number" ? String(r.slots) : r.slots),
    rxFrequencyHz: numOrNull(r.rxFrequencyHz),
    txFrequencyHz: numOrNull(r.txFrequencyHz),
    description: strOrNull(r.description),
    url: safeUrl(r.url),
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
  return { timeMs: timeMs(r.time) ?? timeMs(r.atMs) ?? 0, repeaterId: num(r.repeaterId), reason: str(r.reason, "unknown"), callsign: strOrNull(r.callsign) };
}

export function linkFromApi(raw: unknown): Link {
  const r = obj(raw);
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(r.counters))) if (typeof v === "number" && Number.isFinite(v)) counters[k] = v;
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
  return /^(key|pass|passphrase|password|secret)$/i.test(name) ? `${name}=…` : token.slice(0, 80);
}

export function optionRejectionFromApi(raw: unknown): OptionRejection {
  const r = obj(raw);
  const rejected: OptionRejection["rejected"] = [];
  for (const item of arr(r.rejected)) {
    if (typeof item === "string") rejected.push(splitRejection(item));
    else {
      const o = obj(item);
      rejected.push({ token: publicOptionToken(str(o.token)), reason: strOrNull(o.reason) });
    }
  }
  return { timeMs: timeMs(r.time) ?? timeMs(r.atMs) ?? Date.now(), rejected };
}

/** The core names a rejected token as "TOKEN: reason" or "TOKEN (reason)"; split when it can. */
function splitRejection(text: string): { token: string; reason: string | null } {
  const colon = /^([^:()]+?)\s*[:(]\s*(.+?)\)?$/.exec(text);
  if (colon !== null) return { token: publicOptionToken(colon[1]!), reason: colon[2]! };
  return { token: publicOptionToken(text), reason: null };
}

// ---- live events -------------------------------------------------------------------------------

/** What a live event needs reloaded from REST (beyond what `applyEvent` did in place). */
export type Resource = "status" | "hotspots" | "lastHeard" | "links";

/**
 * Apply one live event (a core event type, public copy) to the state. Returns the REST views to
 * reload soon: the event changes them in ways the browser cannot work out alone.
 */
export function applyEvent(state: DashboardState, raw: unknown, nowLocalMs: number, repeaterOfPort: (portIndex: number) => number | null): Resource[] {
  const e = obj(raw);
  switch (e.type) {
    case "stream.start": {
      const call = activeFromApi({ ...e, port: e.portName, seconds: 0 }, nowLocalMs);
      state.active.set(call.key, call);
      return ["status"];
    }
    case "stream.alias": {
      const call = state.active.get(`${num(e.portIndex, -1)}:${num(e.streamId)}`);
      if (call !== undefined) call.talkerAlias = strOrNull(e.talkerAlias);
      return [];
    }
    case "stream.end": {
      state.active.delete(`${num(e.portIndex, -1)}:${num(e.streamId)}`);
      const expected = num(e.frames) + num(e.lost);
      const heard = heardFromApi({
        ...e,
        port: e.portName,
        timeMs: timeMs(e.time) ?? nowLocalMs,
        lossPercent: expected > 0 ? Math.round((num(e.lost) / expected) * 1000) / 10 : 0,
      });
      state.lastHeard.unshift(heard);
      if (state.lastHeard.length > LAST_HEARD_KEPT) state.lastHeard.length = LAST_HEARD_KEPT;
      return ["status", "lastHeard"];
    }
    case "session.refused":
      state.refusals.unshift(refusalFromApi({ ...e, time: e.time ?? new Date(nowLocalMs).toISOString() }));
      if (state.refusals.length > 100) state.refusals.length = 100;
      return ["status"];
    case "options.applied": {
      const repeaterId = numOrNull(e.repeaterId) ?? repeaterOfPort(num(e.portIndex, -1));
      if (repeaterId !== null && arr(e.rejected).length > 0) state.optionRejections.set(repeaterId, optionRejectionFromApi({ ...e, time: e.time ?? new Date(nowLocalMs).toISOString() }));
      return ["hotspots"];
    }
    case "session.up":
    case "session.down":
    case "subscription.change":
    case "dial.link":
      return ["hotspots", "status"];
    case "link.up":
    case "link.down":
      return ["links", "status"];
    case "stats":
      return ["status"];
    default:
      return [];
  }
}

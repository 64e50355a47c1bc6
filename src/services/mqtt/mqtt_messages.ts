/**
 * MQTT topics and payloads (docs/mqtt.md): bus events as versioned JSON under `<prefix>/v1/...`,
 * each payload described by a TypeBox schema (the documentation and the tests use the same ones).
 * Payloads never hold a peer's address or port, a passphrase or an option KEY value.
 *
 *   <prefix>/v1/status                       retained {online, ...}; the last-will sets online=false
 *   <prefix>/v1/sessions/up|down             a hotspot logged in / its session ended
 *   <prefix>/v1/refusals/login               a login refused (reason)
 *   <prefix>/v1/refusals/call                a call refused at its start (loop control, ACL, contention)
 *   <prefix>/v1/refusals/link                an OpenBridge/FBP link dropped datagrams (reason, count; no address)
 *   <prefix>/v1/calls/start/<destinationId>  a call started
 *   <prefix>/v1/calls/end/<destinationId>    a call ended (talker alias, names, duration, loss)
 *   <prefix>/v1/links/up|down                an OpenBridge/FBP link or upstream master changed state
 *   <prefix>/v1/stats                        periodic figures
 *   <prefix>/v1/events/<type>                every other event (subscriptions, dial, bridges, options, announcements, settings)
 * @module
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { redactOptionKey } from "../../lib/option_key.ts";
import type { CoreEvent, StatsSnapshot } from "../../core/events.ts";
import type { NameLookup } from "../feed/last_heard_record.ts";

export const MQTT_SCHEMA_VERSION = 1;

const base = {
  v: Type.Literal(1, { description: "Schema version (the v1 in the topic)." }),
  type: Type.String({ description: "The event type (stream.start, session.up, …; status, stats)." }),
  at: Type.String({ description: "When it happened, ISO 8601 UTC." }),
  server: Type.String({ description: "server.name of the publishing server." }),
};

const callFields = {
  streamId: Type.Integer({ description: "Stream id (32-bit)." }),
  sourceId: Type.Integer({ description: "Talker's radio id." }),
  sourceCallsign: Type.Union([Type.String(), Type.Null()], { description: "From alias data; null when unknown." }),
  sourceName: Type.Union([Type.String(), Type.Null()], { description: "From alias data; null when unknown." }),
  destinationId: Type.Integer({ description: "Talkgroup or radio id." }),
  destinationName: Type.Union([Type.String(), Type.Null()], { description: "Talkgroup name or called radio's name from alias data; null when unknown." }),
  slot: Type.Integer({ minimum: 1, maximum: 2 }),
  callType: Type.Union([Type.Literal("group"), Type.Literal("unit")]),
  kind: Type.Union([Type.Literal("voice"), Type.Literal("data")]),
  port: Type.String({ description: "Where the call entered: hotspot port name or link name." }),
  repeaterId: Type.Union([Type.Integer(), Type.Null()], { description: "The hotspot it entered from (null for a link)." }),
};

export const MqttSchemas = {
  status: Type.Object(
    { ...base, online: Type.Boolean(), version: Type.String(), startedAt: Type.Union([Type.String(), Type.Null()]) },
    { additionalProperties: false, description: "<prefix>/v1/status (retained). The last-will publishes online=false." },
  ),
  sessionUp: Type.Object(
    { ...base, repeaterId: Type.Integer(), callsign: Type.String(), portIndex: Type.Integer() },
    { additionalProperties: false, description: "<prefix>/v1/sessions/up" },
  ),
  sessionDown: Type.Object(
    { ...base, repeaterId: Type.Integer(), callsign: Type.String(), portIndex: Type.Integer(), reason: Type.String() },
    { additionalProperties: false, description: "<prefix>/v1/sessions/down" },
  ),
  loginRefused: Type.Object(
    {
      ...base,
      repeaterId: Type.Integer(),
      reason: Type.String(),
      callsign: Type.Union([Type.String(), Type.Null()]),
      count: Type.Integer({ minimum: 1, description: "Refusals this message stands for: a source refused faster than a few a second is summed up once a second (then repeaterId is the latest one's)." }),
      idsVaried: Type.Boolean({ description: "With count > 1: they were not all for repeaterId (a flood of made-up ids)." }),
    },
    { additionalProperties: false, description: "<prefix>/v1/refusals/login" },
  ),
  callRefused: Type.Object(
    { ...base, streamId: Type.Integer(), sourceId: Type.Integer(), destinationId: Type.Integer(), slot: Type.Integer(), port: Type.String(), reason: Type.String() },
    { additionalProperties: false, description: "<prefix>/v1/refusals/call" },
  ),
  linkRefused: Type.Object(
    {
      ...base,
      link: Type.String(),
      reason: Type.String({ description: "Why the link dropped datagrams (bad-mac, wrong-network-id, too-old, loop, …)." }),
      count: Type.Integer({ description: "Datagrams dropped for this reason since the previous message (at most one per link and reason per second)." }),
      detail: Type.Union([Type.String(), Type.Null()], { description: "A short fact about the last one (never its address)." }),
    },
    { additionalProperties: false, description: "<prefix>/v1/refusals/link" },
  ),
  callStart: Type.Object({ ...base, ...callFields }, { additionalProperties: false, description: "<prefix>/v1/calls/start/<destinationId>" }),
  callEnd: Type.Object(
    {
      ...base,
      ...callFields,
      talkerAlias: Type.Union([Type.String(), Type.Null()], { description: "Talker alias the radio sent (null: none)." }),
      durationMs: Type.Integer(),
      frames: Type.Integer(),
      lost: Type.Integer(),
      endedBy: Type.String({ description: "terminator, timeout, max-duration, data-complete, superseded, port-down, dropped." }),
    },
    { additionalProperties: false, description: "<prefix>/v1/calls/end/<destinationId>" },
  ),
  link: Type.Object({ ...base, link: Type.String(), up: Type.Boolean(), reason: Type.String() }, { additionalProperties: false, description: "<prefix>/v1/links/up, <prefix>/v1/links/down" }),
  stats: Type.Object(
    {
      ...base,
      uptimeSeconds: Type.Number(),
      hotspots: Type.Integer(),
      callsInProgress: Type.Integer(),
      linksUp: Type.Integer(),
      links: Type.Integer(),
      framesIn: Type.Union([Type.Integer(), Type.Null()]),
      framesOut: Type.Union([Type.Integer(), Type.Null()]),
      rssBytes: Type.Integer(),
      mqttDropped: Type.Integer({ description: "Events this publisher dropped so far (broker away or slow)." }),
    },
    { additionalProperties: false, description: "<prefix>/v1/stats (every stats_interval_seconds)" },
  ),
  other: Type.Object({ ...base }, { additionalProperties: true, description: "<prefix>/v1/events/<type>: the event's own fields (see src/core/events.ts), addresses removed." }),
} satisfies Record<string, TSchema>;

export type MqttMessage = { topic: string; payload: string };

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

export interface MessageContext {
  prefix: string;
  server: string;
  toIso(atMs: number): string;
  names: NameLookup | null;
  /** Repeater id of a hotspot port (null for a link). */
  repeaterOf(portIndex: number): number | null;
}

/** The MQTT message for one event, or null (log events; stats go through statsMessage). */
export function eventMessage(event: CoreEvent, c: MessageContext): MqttMessage | null {
  const p = `${c.prefix}/v1`;
  const head = { v: 1 as const, type: event.type, at: c.toIso(event.atMs), server: c.server };
  switch (event.type) {
    case "session.up":
      return msg(`${p}/sessions/up`, { ...head, repeaterId: event.repeaterId, callsign: event.callsign, portIndex: event.portIndex });
    case "session.down":
      return msg(`${p}/sessions/down`, { ...head, repeaterId: event.repeaterId, callsign: event.callsign, portIndex: event.portIndex, reason: event.reason });
    case "session.refused":
      return msg(`${p}/refusals/login`, { ...head, repeaterId: event.repeaterId, reason: event.reason, callsign: event.callsign ?? null, count: event.count ?? 1, idsVaried: event.idsVaried === true });
    case "stream.refused":
      return msg(`${p}/refusals/call`, { ...head, streamId: event.streamId >>> 0, sourceId: event.sourceId, destinationId: event.destinationId, slot: event.slot, port: event.portName, reason: event.reason });
    case "link.refused":
      return msg(`${p}/refusals/link`, { ...head, link: event.link, reason: event.reason, count: event.count, detail: event.detail ?? null });
    case "stream.start":
      return msg(`${p}/calls/start/${event.destinationId}`, { ...head, ...callCommon(event, c) });
    case "stream.end":
      return msg(`${p}/calls/end/${event.destinationId}`, {
        ...head,
        ...callCommon(event, c),
        talkerAlias: event.talkerAlias,
        durationMs: Math.round(event.durationMs),
        frames: event.frames,
        lost: event.lost,
        endedBy: event.endedBy,
      });
    case "link.up":
    case "link.down":
      return msg(`${p}/links/${event.type === "link.up" ? "up" : "down"}`, { ...head, link: event.link, up: event.type === "link.up", reason: event.reason });
    case "stats":
    case "log":
      return null;
    case "session.conflict":
      return msg(`${p}/events/${event.type}`, { ...head, repeaterId: event.repeaterId });
    case "options.applied":
      return msg(`${p}/events/${event.type}`, { ...head, portIndex: event.portIndex, port: event.portName, options: redactOptionKey(event.options), rejected: event.rejected });
    default: {
      // every other event with its own fields, never an address (even in events added later)
      const rest: Record<string, unknown> = { ...(event as Record<string, unknown>) };
      for (const key of ["type", "atMs", "address", "port", "oldAddress", "newAddress", "peer"]) delete rest[key];
      return msg(`${p}/events/${event.type}`, { ...head, ...rest });
    }
  }
}

function callCommon(event: EventOf<"stream.start"> | EventOf<"stream.end">, c: MessageContext) {
  const source = c.names?.radio(event.sourceId) ?? null;
  const group = event.callType === "group";
  return {
    streamId: event.streamId >>> 0,
    sourceId: event.sourceId,
    sourceCallsign: source?.callsign ?? null,
    sourceName: source?.name ?? null,
    destinationId: event.destinationId,
    destinationName: group ? (c.names?.talkgroup(event.destinationId) ?? null) : (c.names?.radio(event.destinationId)?.name ?? null),
    slot: event.slot,
    callType: event.callType,
    kind: event.kind,
    port: event.portName,
    repeaterId: c.repeaterOf(event.portIndex),
  };
}

export interface StatsFigures {
  atMs: number;
  hotspots: number;
  callsInProgress: number;
  snapshot: StatsSnapshot | null;
  mqttDropped: number;
}

export function statsMessage(f: StatsFigures, c: MessageContext): MqttMessage {
  const s = f.snapshot;
  const body: Static<typeof MqttSchemas.stats> = {
    v: 1,
    type: "stats",
    at: c.toIso(f.atMs),
    server: c.server,
    uptimeSeconds: s === null ? 0 : Math.round(s.uptimeMs / 100) / 10,
    hotspots: f.hotspots,
    callsInProgress: f.callsInProgress,
    linksUp: s === null ? 0 : s.links.filter((l) => l.up).length,
    links: s === null ? 0 : s.links.length,
    framesIn: s?.routing?.["framesIn"] ?? null,
    framesOut: s?.routing?.["framesOut"] ?? null,
    rssBytes: s?.process.rssBytes ?? 0,
    mqttDropped: f.mqttDropped,
  };
  return msg(`${c.prefix}/v1/stats`, body);
}

function msg(topic: string, body: unknown): MqttMessage {
  return { topic, payload: JSON.stringify(body) };
}

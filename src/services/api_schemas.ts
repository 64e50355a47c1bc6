/**
 * The /api/v1 request and response schemas (TypeBox) and the OpenAPI 3.1 document built from
 * them (GET /api/v1/openapi.json). Requests are validated against these schemas; responses are
 * described by them (docs/api.md explains each route in words).
 * @module
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const TalkgroupId = Type.Integer({ minimum: 1, maximum: 16777215 });

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: "Machine-readable: bad-request, not-found, method-not-allowed, unauthorized, forbidden, too-large, unsupported-media-type, too-many-requests, busy, not-supported, unavailable, internal" }),
    message: Type.String(),
    error: Type.String({ description: "Same as message (kept for older clients)." }),
  },
  { $id: "Error" },
);

export const SettingsBody = Type.Object(
  {
    ts1Static: Type.Optional(Nullable(Type.Array(TalkgroupId, { maxItems: 64, uniqueItems: true }))),
    ts2Static: Type.Optional(Nullable(Type.Array(TalkgroupId, { maxItems: 64, uniqueItems: true }))),
    defaultReflector: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 16777215, description: "0 = no default reflector" }))),
    uaTimerMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1440, description: "0 = dynamic talkgroups never expire" }))),
    singleMode: Type.Optional(Nullable(Type.Boolean())),
    language: Type.Optional(Nullable(Type.String({ pattern: "^[A-Za-z0-9_]{1,16}$" }))),
  },
  {
    $id: "SettingsRequest",
    additionalProperties: false,
    description: "Self-care settings. A field left out keeps its current value; null = not set here (RPTO, the access rule or the server default decide).",
  },
);
export type SettingsBodyType = Static<typeof SettingsBody>;

export const Settings = Type.Object(
  {
    ts1Static: Nullable(Type.Array(Type.Integer())),
    ts2Static: Nullable(Type.Array(Type.Integer())),
    defaultReflector: Nullable(Type.Integer()),
    uaTimerMinutes: Nullable(Type.Integer()),
    singleMode: Nullable(Type.Boolean()),
    language: Nullable(Type.String()),
  },
  { $id: "Settings" },
);

export const Call = Type.Object(
  {
    streamId: Type.Integer(),
    sourceId: Type.Integer(),
    sourceCallsign: Nullable(Type.String({ description: "From alias data when present" })),
    sourceName: Nullable(Type.String({ description: "From alias data when present" })),
    talkerAlias: Nullable(Type.String()),
    destinationId: Type.Integer(),
    callType: Type.Union([Type.Literal("group"), Type.Literal("unit")]),
    kind: Type.Union([Type.Literal("voice"), Type.Literal("data")]),
    slot: Type.Union([Type.Literal(1), Type.Literal(2)]),
    entered: Type.Object({ port: Type.String(), portIndex: Type.Integer(), repeaterId: Nullable(Type.Integer()), kind: Type.Union([Type.Literal("hotspot"), Type.Literal("link")]) }),
    startedAt: Type.String({ format: "date-time" }),
    seconds: Type.Number(),
  },
  { $id: "Call", additionalProperties: true },
);

export const Hotspot = Type.Object(
  {
    repeaterId: Type.Integer(),
    callsign: Type.String(),
    portIndex: Type.Integer(),
    connectedSince: Type.String({ format: "date-time" }),
    connectedSeconds: Type.Integer(),
    location: Nullable(Type.String()),
    description: Nullable(Type.String()),
    softwareId: Nullable(Type.String()),
    packageId: Nullable(Type.String()),
    slots: Nullable(Type.String()),
    simplex: Nullable(Type.Boolean()),
    family: Nullable(Type.Union([Type.Literal("ipv4"), Type.Literal("ipv6")])),
    talkgroups: Type.Object({ ts1: Type.Array(Type.Integer()), ts2: Type.Array(Type.Integer()) }),
    dialedReflector: Type.Integer(),
  },
  { $id: "Hotspot", additionalProperties: true, description: "Public view: never an address, port, passphrase or option key." },
);

export const Page = <T extends TSchema>(name: string, item: T) =>
  Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), [name]: Type.Array(item) }, { additionalProperties: true });

interface RouteDoc {
  method: "get" | "post" | "put";
  path: string;
  summary: string;
  auth?: "admin" | "hotspot";
  query?: { name: string; description: string; schema: TSchema }[];
  request?: TSchema;
  response: TSchema;
}

const Generic = Type.Object({}, { additionalProperties: true });
const Ok = Type.Object({ ok: Type.Literal(true) }, { additionalProperties: true });
const Paging = [
  { name: "offset", description: "First entry (default 0)", schema: Type.Integer({ minimum: 0 }) },
  { name: "limit", description: "Entries (bounded; see docs/api.md)", schema: Type.Integer({ minimum: 1 }) },
  { name: "q", description: "Search text (callsign, id, talkgroup, alias); at most 64 characters", schema: Type.String({ maxLength: 64 }) },
];

export const ROUTES: RouteDoc[] = [
  { method: "get", path: "/api/v1/health", summary: "Liveness, version, uptime", response: Generic },
  { method: "get", path: "/api/v1/status", summary: "Server figures: counts, calls in progress, recent refusals (no addresses), counters, services Worker health", response: Generic },
  { method: "get", path: "/api/v1/now", summary: "Calls in progress and server figures", response: Type.Object({ calls: Type.Array(Call), server: Generic }) },
  { method: "get", path: "/api/v1/last-heard", summary: "Finished calls, newest first, searchable", query: Paging, response: Page("calls", Generic) },
  { method: "get", path: "/api/v1/hotspots", summary: "Connected hotspots (public view)", query: Paging, response: Page("hotspots", Hotspot) },
  { method: "get", path: "/api/v1/hotspots/{repeaterId}", summary: "One hotspot (public view)", response: Hotspot },
  { method: "get", path: "/api/v1/hotspots/{repeaterId}/diagnostics", summary: "Why can't I hear anything? Refusals, rejected options, subscriptions with expiry, calls sent and refused", response: Generic },
  { method: "get", path: "/api/v1/hotspots/{repeaterId}/refusals", summary: "Why can't I hear anything, explained: recent refusals of one repeater id (connected or not), one entry per reason with an exact count, the ids and what to change; no addresses", response: Generic },
  { method: "get", path: "/api/v1/links/{name}/refusals", summary: "Recent drops and refusals of one link (wrong network id, bad MAC, malformed, protocol, FBP age/hops/source), one entry per reason with an exact count and what to change; no addresses", response: Generic },
  { method: "get", path: "/api/v1/hotspots/{repeaterId}/settings", summary: "Self-care settings and how to authenticate", response: Generic },
  { method: "put", path: "/api/v1/hotspots/{repeaterId}/settings", summary: "Change self-care settings (Bearer: the hotspot's options KEY or its issued secret)", auth: "hotspot", request: SettingsBody, response: Generic },
  { method: "get", path: "/api/v1/talkgroups", summary: "Talkgroups with subscribers and activity", query: Paging, response: Page("talkgroups", Generic) },
  { method: "get", path: "/api/v1/talkgroups/{talkgroupId}", summary: "One talkgroup: who is subscribed (per slot, kind), activity", response: Generic },
  { method: "get", path: "/api/v1/links", summary: "OpenBridge/FBP links and upstream masters: state, protocol, traffic, drops", response: Generic },
  { method: "get", path: "/api/v1/openapi.json", summary: "This document", response: Generic },
  { method: "get", path: "/metrics", summary: "Prometheus text format", response: Type.String() },
  { method: "get", path: "/api/v1/live", summary: "WebSocket: live updates (see docs/api.md)", response: Generic },
  { method: "get", path: "/api/v1/admin/hotspots", summary: "Hotspots with addresses (admin)", auth: "admin", query: Paging, response: Generic },
  { method: "get", path: "/api/v1/admin/links", summary: "Links with the peer's address (admin)", auth: "admin", response: Generic },
  { method: "get", path: "/api/v1/admin/refusals", summary: "Recent login refusals with addresses (admin)", auth: "admin", response: Generic },
  { method: "post", path: "/api/v1/admin/hotspots/{repeaterId}/kick", summary: "End a hotspot's session", auth: "admin", response: Ok },
  { method: "post", path: "/api/v1/admin/hotspots/{repeaterId}/clear-dynamic", summary: "Forget its dynamic talkgroups and dial link", auth: "admin", response: Ok },
  { method: "post", path: "/api/v1/admin/calls/{streamId}/drop", summary: "Stop routing a call in progress", auth: "admin", response: Ok },
  { method: "post", path: "/api/v1/admin/reload", summary: "Reload the config (501 until reload exists)", auth: "admin", response: Ok },
];

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "integer" } }));
    for (const q of route.query ?? []) params.push({ name: q.name, in: "query", required: false, schema: q.schema as never, description: q.description } as never);
    (paths[route.path] ??= {})[route.method] = {
      summary: route.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.auth !== undefined ? { security: [{ [route.auth === "admin" ? "adminToken" : "hotspotCredential"]: [] }] } : {}),
      ...(route.request !== undefined ? { requestBody: { required: true, content: { "application/json": { schema: route.request } } } } : {}),
      responses: {
        "200": { description: "OK", content: { [route.path === "/metrics" ? "text/plain" : "application/json"]: { schema: route.response } } },
        default: { description: "Error", content: { "application/json": { schema: ErrorBody } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "freedmr operator API", version, description: "Public view by default: never an address, passphrase or option key. Admin routes need the bearer token from [http] admin_token." },
    paths,
    components: {
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "[http] admin_token" },
        hotspotCredential: { type: "http", scheme: "bearer", description: "The hotspot's options KEY, or the secret the sysop issued for it ([http] hotspot_secrets)" },
      },
      schemas: { Error: ErrorBody, SettingsRequest: SettingsBody, Settings, Call, Hotspot },
    },
  };
}

/**
 * Config section `[http]`: the read-only HTTP status API and Prometheus metrics
 * (src/services/http_api.ts). Off by default, so tests and a default install never bind another
 * port; when on it listens on loopback unless told otherwise (the API has no authentication).
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const HttpSection = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        "Serve the read-only status API (GET /api/v1/health, /api/v1/status, /api/v1/hotspots, /api/v1/last-heard, /api/v1/links) and Prometheus metrics (GET /metrics).",
      default: false,
    }),
    bind_address: Type.String({
      description:
        'Local address (or host name) the status API listens on. The API has no authentication: keep the default loopback address and put a reverse proxy in front, or use "0.0.0.0" / "::" only on a trusted network.',
      default: "127.0.0.1",
      minLength: 1,
      maxLength: 64,
      examples: ["127.0.0.1", "::1", "0.0.0.0"],
    }),
    port: Type.Integer({
      description: "TCP port of the status API. 0 picks a free port (tests; the chosen port is logged).",
      default: 8062,
      minimum: 0,
      maximum: 65535,
    }),
    last_heard_size: Type.Integer({
      description: "How many finished calls the last-heard list keeps (the oldest is dropped first).",
      default: 200,
      minimum: 1,
      maximum: 100000,
    }),
    cors: Type.Boolean({
      description: "Send Access-Control-Allow-Origin: * so a dashboard on another origin can read the API from a browser.",
      default: false,
    }),
  },
  { ...strict, description: "HTTP status API and Prometheus metrics (read-only, off by default).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const httpSections = {
  http: HttpSection,
};

export type HttpConfig = Static<typeof HttpSection>;

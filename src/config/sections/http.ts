/**
 * Config section `[http]`: the operator plane's HTTP server — the live dashboard, the /api/v1 JSON
 * API, Prometheus metrics, admin actions and self-care — run by the services Worker
 * (src/services/worker/main.ts), off the packet thread. On by default on every address: the public
 * view shows no address, passphrase or option key; admin needs a token; self-care needs the
 * hotspot's own KEY or secret.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const HotspotSecret = Type.Object(
  {
    repeater_id: Type.Integer({ description: "The hotspot's repeater id (HBP id). Required.", default: 0, minimum: 1, maximum: 4294967295 }),
    secret: Type.String({
      description: "Secret the hotspot's owner types on the dashboard to change its self-care settings (instead of the options KEY). At least 12 characters.",
      default: "",
      minLength: 12,
      maxLength: 256,
      pattern: "^\\S+$",
    }),
  },
  { ...strict, description: "A self-care secret the sysop issued for one hotspot." },
);

export const HttpSection = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        "Serve the dashboard, the /api/v1 JSON API (OpenAPI at /api/v1/openapi.json), the live WebSocket (/api/v1/live) and Prometheus metrics (/metrics) from the services Worker, off the packet thread.",
      default: true,
    }),
    bind_address: Type.String({
      description:
        'Local address (or host name) the dashboard listens on. The default serves every IPv4 address: the public view never shows addresses, passphrases or option keys. Use "127.0.0.1" to keep it local (behind a reverse proxy), "::" for IPv6 too.',
      default: "0.0.0.0",
      minLength: 1,
      maxLength: 64,
      examples: ["0.0.0.0", "127.0.0.1", "::"],
    }),
    port: Type.Integer({
      description: "TCP port of the dashboard and API. 0 picks a free port (tests; the chosen port is logged). If the port is taken, the server runs without the dashboard and logs why.",
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
    admin_token: Type.String({
      description:
        'Bearer token for the admin routes (/api/v1/admin: kick a session, drop a call, clear a hotspot\'s dynamic talkgroups, see addresses). Empty = admin off. At least 16 characters, no spaces; send it only over TLS or loopback (put a reverse proxy in front).',
      default: "",
      maxLength: 256,
      pattern: "^(|\\S{16,256})$",
    }),
    self_care: Type.Boolean({
      description:
        "Let hotspot owners set their static talkgroups, default reflector, UA timer, single mode and language on the dashboard, authenticated with the hotspot's options KEY or a secret from hotspot_secrets. Settings set there win over the same RPTO option.",
      default: true,
    }),
    hotspot_secrets: Type.Array(HotspotSecret, {
      description: "Self-care secrets the sysop issued, one per hotspot (for hotspots that send no options KEY).",
      default: [],
      maxItems: 100000,
    }),
    max_live_clients: Type.Integer({
      description: "Most browsers on the live WebSocket at once; more are refused (503).",
      default: 64,
      minimum: 1,
      maximum: 10000,
    }),
  },
  { ...strict, description: "Dashboard, HTTP API, metrics, admin and self-care (the services Worker).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const httpSections = {
  http: HttpSection,
};

export type HttpConfig = Static<typeof HttpSection>;

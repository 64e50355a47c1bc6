/**
 * Config section `[report]`: FreeDMR's TCP report socket, the one FDMR-Monitor and HBmonitor connect
 * to (REPORT_PORT / REPORT_CLIENTS in FreeDMR's config). Run by the services Worker
 * (src/services/report/report_server.ts), off the packet thread. Off by default.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const ReportSection = Type.Object(
  {
    enabled: Type.Boolean({
      description: "Serve FreeDMR's report socket (netstrings, pickled CONFIG_SND/BRIDGE_SND, BRDG_EVENT lines) so an existing FDMR-Monitor or HBmonitor can show this server.",
      default: false,
    }),
    bind_address: Type.String({
      description: 'Local address the report socket listens on. Keep "127.0.0.1" when the monitor runs on this machine; "0.0.0.0" or "::" for a monitor elsewhere (and list it in clients).',
      default: "127.0.0.1",
      minLength: 1,
      maxLength: 64,
      examples: ["127.0.0.1", "0.0.0.0", "::"],
    }),
    port: Type.Integer({
      description: "TCP port of the report socket (FreeDMR's REPORT_PORT; the monitors' REPORT_PORT). 0 picks a free port (tests; it is logged).",
      default: 4321,
      minimum: 0,
      maximum: 65535,
    }),
    interval_seconds: Type.Integer({
      description: "Seconds between the CONFIG_SND/BRIDGE_SND tables sent to every monitor (FreeDMR's REPORT_INTERVAL). Call events are sent at once.",
      default: 60,
      minimum: 1,
      maximum: 3600,
    }),
    clients: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      description: 'Addresses allowed to connect (FreeDMR\'s REPORT_CLIENTS); "*" allows any. IPv4-mapped IPv6 addresses match their IPv4 form.',
      default: ["127.0.0.1", "::1"],
      maxItems: 1000,
    }),
    include_addresses: Type.Boolean({
      description: "Send hotspots' and links' IP addresses and ports to the monitors (FreeDMR does). Off: the fields are empty, so a public monitor page never shows them.",
      default: false,
    }),
    max_clients: Type.Integer({
      description: "Most monitors connected at once; more are refused.",
      default: 8,
      minimum: 1,
      maximum: 1000,
    }),
    client_queue_bytes: Type.Integer({
      description: "Most bytes waiting for one monitor; a monitor that falls this far behind is disconnected (counted) and resynchronises when it reconnects.",
      default: 4194304,
      minimum: 65536,
      maximum: 268435456,
    }),
  },
  { ...strict, description: "FreeDMR report socket for FDMR-Monitor / HBmonitor (in the services Worker).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const reportSections = {
  report: ReportSection,
};

export type ReportConfig = Static<typeof ReportSection>;

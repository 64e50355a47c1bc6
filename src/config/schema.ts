/**
 * The config schema: one TypeBox object, the single source of truth for keys, types, limits,
 * descriptions and defaults. `--print-default-config`, `--print-config-schema`, the README's
 * configuration reference and the loader (src/config/load.ts) are all generated from it.
 *
 * Rules: keys are snake_case; every key has a `description` and a `default` (matchers that are
 * meaningful only when present, like an access rule's `repeater_id`, are optional instead); every
 * object has `additionalProperties: false` so a typo is an error, never silently ignored.
 * Routing and federation contribute their own sections from ./sections/*.ts.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { federationSections } from "./sections/federation.ts";
import { httpSections } from "./sections/http.ts";
import { clusterSections } from "./sections/cluster.ts";
import { mqttSections } from "./sections/mqtt.ts";
import { reportSections } from "./sections/report.ts";
import { routingAccessRuleProperties, routingSections } from "./sections/routing.ts";
import { voiceSections } from "./sections/voice.ts";
import { storeSections } from "./sections/store.ts";
import { aliasesSections } from "./sections/aliases.ts";
import { workersSections } from "./sections/workers.ts";

/** Largest 32-bit id (HBP repeater ids and OpenBridge network ids are 32-bit, hbp-and-dmr.md §1.1). */
export const ID32_MAX = 4294967295;

/** FreeDMR's stock passphrase; accepted by default so existing hotspot configs just work. */
export const DEFAULT_PASSPHRASE = "passw0rd";

const strict = { additionalProperties: false } as const;

export const ServerSection = Type.Object(
  {
    name: Type.String({
      description: "Name of this server, shown in logs and sent to linked servers.",
      default: "freedmr",
      minLength: 1,
      maxLength: 64,
    }),
    server_id: Type.Integer({
      description:
        "Numeric id of this server, used on OpenBridge/FBP links and as the repeater id of traffic freedmr generates itself (announcements, parrot). 0 means not set.",
      default: 0,
      minimum: 0,
      maximum: ID32_MAX,
    }),
  },
  { ...strict, description: "Identity of this server.", default: {} },
);

export const LogSection = Type.Object(
  {
    level: Type.Union(
      [
        Type.Literal("trace"),
        Type.Literal("debug"),
        Type.Literal("info"),
        Type.Literal("warn"),
        Type.Literal("error"),
        Type.Literal("fatal"),
        Type.Literal("silent"),
      ],
      { description: "Lowest level written to the log: trace, debug, info, warn, error, fatal or silent.", default: "info" },
    ),
    format: Type.Union([Type.Literal("auto"), Type.Literal("json"), Type.Literal("pretty")], {
      description:
        'Log format on stdout: "json" (one JSON object per line, for journald and log shippers), "pretty" (human-readable lines) or "auto" (pretty when stdout is a terminal, json otherwise).',
      default: "auto",
    }),
  },
  { ...strict, description: "Logging (to stdout).", default: {} },
);

export const AccessRule = Type.Object(
  {
    name: Type.String({
      description: "Label for this rule, shown in logs when it matches.",
      default: "",
      maxLength: 64,
      examples: ["club repeaters"],
    }),
    repeater_id: Type.Optional(
      Type.Integer({
        description: "Match one repeater/hotspot id exactly. Use exactly one of repeater_id, repeater_id_range, callsign.",
        minimum: 0,
        maximum: ID32_MAX,
        examples: [2345601],
      }),
    ),
    repeater_id_range: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: ID32_MAX }), {
        description: "Match repeater/hotspot ids from lo to hi inclusive, written [lo, hi].",
        minItems: 2,
        maxItems: 2,
        examples: [[2340000, 2349999]],
      }),
    ),
    callsign: Type.Optional(
      Type.String({
        description:
          "Match the callsign the hotspot sends in its configuration (RPTC), case-insensitive; * matches any run of characters, ? one character.",
        minLength: 1,
        maxLength: 16,
        pattern: "^[A-Za-z0-9/*?-]+$",
        examples: ["G4*"],
      }),
    ),
    action: Type.Union([Type.Literal("allow"), Type.Literal("deny")], {
      description: 'What to do with a matching login: "allow" or "deny".',
      default: "allow",
    }),
    passphrase: Type.Optional(
      Type.String({
        description: "Passphrase matching hotspots must use instead of hbp.passphrase (allow rules only).",
        minLength: 1,
        maxLength: 256,
        examples: ["a-long-secret-for-this-group"],
      }),
    ),
    ...routingAccessRuleProperties,
  },
  {
    ...strict,
    description:
      "Per-hotspot access rules, checked in order; the first rule that matches a login decides. Logins matching no rule are allowed (subject to registration_acl) with hbp.passphrase.",
    examples: [{ name: "club repeaters", repeater_id_range: [2340000, 2349999], action: "allow", passphrase: "a-long-secret-for-this-group" }],
  },
);

export const HbpSection = Type.Object(
  {
    enabled: Type.Boolean({ description: "Run the HomeBrew (HBP) master that hotspots and repeaters log in to.", default: true }),
    bind_addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      description:
        'Local addresses to listen on. "::" listens on every IPv4 and IPv6 address with one dual-stack socket; list specific addresses (e.g. "192.0.2.10", "2001:db8::10") to restrict.',
      default: ["::"],
      minItems: 1,
      maxItems: 16,
    }),
    port: Type.Integer({
      description: "UDP port hotspots connect to (62031 is the usual HBP master port). 0 picks a free port (for tests).",
      default: 62031,
      minimum: 0,
      maximum: 65535,
    }),
    passphrase: Type.String({
      description: `Passphrase hotspots log in with (Pi-Star: "Password"). The default "${DEFAULT_PASSPHRASE}" is FreeDMR's and is public: change it.`,
      default: DEFAULT_PASSPHRASE,
      minLength: 1,
      maxLength: 256,
    }),
    passphrase_file: Type.Optional(
      Type.String({
        description:
          'Read the hotspot passphrase from this file instead (one line; a relative path is relative to the config file). Set either passphrase or passphrase_file, not both. "freedmr --first-boot CONFIG" creates the file with a random passphrase when it does not exist (SD-card images: every card its own secret).',
        minLength: 1,
        maxLength: 4096,
        examples: ["/var/lib/freedmr/passphrase"],
      }),
    ),
    peer_timeout_seconds: Type.Integer({
      description: "Drop a hotspot that has sent nothing (not even a ping) for this many seconds.",
      default: 30,
      minimum: 5,
      maximum: 3600,
    }),
    max_peers: Type.Integer({
      description: "Most hotspots logged in at once; further logins are refused with MSTNAK.",
      default: 20000,
      minimum: 1,
      maximum: 1000000,
    }),
    registration_acl: Type.String({
      description:
        'Which repeater ids may log in, FreeDMR style: "PERMIT:ALL", "DENY:1234567", "PERMIT:2340000-2349999,3120101". Ids not listed get the opposite action.',
      default: "PERMIT:ALL",
      minLength: 1,
      maxLength: 65536,
    }),
    receive_buffer_bytes: Type.Integer({
      description:
        "Kernel receive buffer for the HBP socket. Large enough to absorb a burst of logins after a network outage; Linux caps it at net.core.rmem_max.",
      default: 4194304,
      minimum: 65536,
      maximum: 268435456,
    }),
    reuse_port: Type.Boolean({
      description:
        "Open the HBP sockets with SO_REUSEPORT, so several freedmr processes on this host share the port (the kernel keeps each hotspot's datagrams on one process). Set by the worker supervisor ([workers], docs/workers.md); off = a second process on the port fails to start.",
      default: false,
    }),
    login_rate_limit_per_minute: Type.Integer({
      description:
        "Most failed logins (wrong passphrase, refused id, handshakes left unanswered) per source per minute before that source is banned; successful logins never count. A source is an IPv4 address or an IPv6 /64. 0 disables counting and bans.",
      default: 20,
      minimum: 0,
      maximum: 100000,
    }),
    login_ban_seconds: Type.Integer({
      description:
        "How long a ban lasts. During a ban, every repeater id that fails from the banned source is ignored from there; correct logins from the same source (CGNAT, club routers) still get in.",
      default: 600,
      minimum: 0,
      maximum: 86400,
    }),
    access_rules: Type.Array(AccessRule, {
      description: AccessRule.description,
      default: [],
      maxItems: 10000,
    }),
  },
  { ...strict, description: "HomeBrew (HBP) master: where Pi-Star, WPSD, DMRGateway and MMDVMHost log in.", default: {} },
);

export const ConfigSchema = Type.Object(
  {
    server: ServerSection,
    log: LogSection,
    hbp: HbpSection,
    ...routingSections,
    ...federationSections,
    ...httpSections,
    ...reportSections,
    ...mqttSections,
    ...voiceSections,
    ...clusterSections,
    ...storeSections,
    ...aliasesSections,
    ...workersSections,
  },
  { ...strict, description: "freedmr configuration.", default: {} },
);

export type Config = Static<typeof ConfigSchema>;
export type AccessRuleConfig = Static<typeof AccessRule>;

/** The complete default configuration (every key at its default). A fresh object each call. */
export function defaultConfig(): Config {
  return Value.Default(ConfigSchema, {}) as Config;
}

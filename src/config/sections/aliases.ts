/**
 * Config section `[aliases]`: names for ids (RadioID-style user, repeater and talkgroup data), loaded
 * and refreshed by the services Worker (src/services/aliases/), cached in the state directory, and
 * used in the API/dashboard, logs, talker-alias insertion and the optional login callsign check.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

const source = (what: string, example: string) =>
  Type.String({
    description: `${what}: a file path or an http(s) URL (JSON or CSV as RadioID publishes it). Empty = none.`,
    default: "",
    maxLength: 2048,
    pattern: "^(|https?://\\S+|[^:]\\S*)$",
    examples: [example],
  });

export const AliasesSection = Type.Object(
  {
    users: source("Radio users (id → callsign, name, city, state, country)", "https://radioid.net/static/users.json"),
    repeaters: source("Repeaters and hotspots (id → callsign, city, country)", "https://radioid.net/static/rptrs.json"),
    talkgroups: source("Talkgroup names (id → name)", "/etc/freedmr/talkgroups.json"),
    refresh_hours: Type.Number({
      description: "Download the data again this often (a failed download keeps the data already loaded). 0 = load once at start.",
      default: 24,
      minimum: 0,
      maximum: 8760,
    }),
    cache_directory: Type.String({
      description:
        'Where the last good copy of each download is kept (written atomically) and read at start before the first download. Empty = the working directory, which the systemd unit makes the state directory (/var/lib/freedmr): the only writable place on an image.',
      default: "",
      maxLength: 4096,
    }),
    download_timeout_seconds: Type.Integer({ description: "A download taking longer than this fails (the old data stays).", default: 120, minimum: 1, maximum: 3600 }),
    max_download_bytes: Type.Integer({
      description: "A download larger than this fails (the old data stays). RadioID's users.json is ~30 MB.",
      default: 134217728,
      minimum: 1024,
      maximum: 1073741824,
    }),
    check_callsign: Type.Boolean({
      description:
        "Refuse a hotspot login (reason callsign-mismatch) when the callsign in its configuration (RPTC) is not the registered owner of its id (repeater data, else the user of its first 7 digits). Ids not in the data are admitted. Needs [aliases] users or repeaters and the services Worker ([http] enabled).",
      default: false,
    }),
  },
  { ...strict, description: "Names for ids (RadioID data): API, dashboard, logs, talker alias, optional login callsign check.", default: {} },
);

export const aliasesSections = {
  aliases: AliasesSection,
};

export type AliasesConfig = Static<typeof AliasesSection>;

/**
 * Config section `[store]`: what freedmr keeps across restarts (SIGTERM, crash, upgrade) — hotspots'
 * user-activated talkgroups, dial links, options and KEY locks, self-care settings, the subscriber
 * map, the call history and last heard — in a SQLite file in the state directory
 * (src/services/store/, README "State and restarts"). Empty directory = nothing is kept.
 * src/config/store_options.ts maps this onto the store's options.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const StoreSection = Type.Object(
  {
    directory: Type.String({
      description:
        'State directory for the store (SQLite file "freedmr.sqlite", created if missing); the only place the store writes. The installer sets /var/lib/freedmr (the unit\'s StateDirectory). Empty = nothing is kept across restarts (running from the sources, tests).',
      default: "",
      maxLength: 4096,
      examples: ["/var/lib/freedmr"],
    }),
    flush_interval_seconds: Type.Number({
      description: "Changes are written in one batch (one SQLite transaction) this often. Longer = fewer writes (SD cards); a crash loses at most this much.",
      default: 10,
      minimum: 1,
      maximum: 600,
    }),
    journal_interval_ms: Type.Integer({
      description:
        "How often the packet thread hands the routing state's changes (talkgroups, dial links, options, settings, subscriber map) to the stores: the SQLite file through the services Worker, and in a cluster the shared JetStream KV. A node killed outright loses at most this much of changes in the KV (in SQLite, plus its unwritten batch). Cheap when nothing changed.",
      default: 100,
      minimum: 20,
      maximum: 10000,
    }),
    history_rows: Type.Integer({
      description: "Finished calls kept in the call history (the dashboard's last heard is loaded from the newest at start); the oldest go. 0 = no history.",
      default: 10000,
      minimum: 0,
      maximum: 1000000,
    }),
    last_heard_rows: Type.Integer({
      description: "Radios kept in the last-heard table (one row per radio: its latest call); the least recently heard go. 0 = none.",
      default: 10000,
      minimum: 0,
      maximum: 1000000,
    }),
    max_queued_changes: Type.Integer({
      description: "Changes waiting for the next batch at most (coalesced per hotspot and radio); more are dropped and counted.",
      default: 100000,
      minimum: 100,
      maximum: 10000000,
    }),
    restore_wait_minutes: Type.Number({
      description: "After a restart, a hotspot's talkgroups, dial link and options wait this long for it to log in again, then are forgotten.",
      default: 15,
      minimum: 0,
      maximum: 1440,
    }),
  },
  { ...strict, description: "State kept across restarts (SQLite in the state directory).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const storeSections = {
  store: StoreSection,
};

export type StoreConfig = Static<typeof StoreSection>;

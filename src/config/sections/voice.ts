/**
 * Config section `[voice]`: voice announcements (dial-a-TG replies, 5000 status, rejected options,
 * relink after the UA timer), the periodic ident, and talker-alias insertion. freedmr ships no
 * audio: `directory` points at voice packs the sysop installs (README "Voice announcements").
 * With no directory every prompt is skipped. src/config/voice_options.ts maps this onto the core's
 * VoiceOptions; the packs themselves are read and validated at start-up by
 * src/shell/voice_pack_loader.ts.
 * @module
 */
import { Type } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;
const TG_MAX = 16777215;

export const VoiceSection = Type.Object(
  {
    directory: Type.String({
      description:
        'Directory holding voice packs, one per language: "<lang>.ambe" + "<lang>.indx" (DMRGateway/FreeDMR indexed format) or a folder "<lang>/" of "<word>.ambe" files (FreeDMR). Empty = no announcements (every prompt is skipped).',
      default: "",
      maxLength: 4096,
      examples: ["/var/lib/freedmr/voice"],
    }),
    languages: Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9_]+$" }), {
      description: "Languages to load from the directory (e.g. en_GB, de_DE). Empty = every pack found there.",
      default: [],
      maxItems: 64,
    }),
    default_language: Type.String({
      description: "Language of announcements for hotspots that do not ask for another with LANG= in their options.",
      default: "en_GB",
      minLength: 1,
      maxLength: 32,
      pattern: "^[A-Za-z0-9_]+$",
    }),
    announcements: Type.Boolean({
      description: 'Answer dial-a-TG calls on the air ("linked to 9 1", "not linked", "busy", the 5000 status), prompt when an option was rejected, and announce the relink after the UA timer.',
      default: true,
    }),
    source_id: Type.Integer({
      description: "Radio id announcements come from. 0 = server.server_id (or 5000, as FreeDMR, when that is 0 or longer than 24 bits).",
      default: 0,
      minimum: 0,
      maximum: TG_MAX,
    }),
    max_wait_seconds: Type.Number({
      description: "An announcement waits at most this long for its time slot to become free, then it is dropped (counted).",
      default: 20,
      minimum: 0,
      maximum: 600,
    }),
    max_concurrent: Type.Integer({
      description: "Most announcements queued or playing at once across all hotspots; more are dropped (counted).",
      default: 64,
      minimum: 1,
      maximum: 4096,
    }),
    ident_callsign: Type.String({
      description: 'Callsign the periodic ident spells ("this is G B 7 …"). Empty = no ident.',
      default: "",
      maxLength: 16,
      examples: ["GB7FR"],
    }),
    ident_default: Type.Boolean({
      description: "Hotspots hear the ident unless their options say VOICE=0 (or IDENT=0); when false only hotspots with VOICE=1 hear it.",
      default: true,
    }),
    ident_talkgroup: Type.Integer({
      description: "Group talkgroup the ident is sent to (FreeDMR: all-call 16777215). Hotspots may override it with IDENTTG= in their options.",
      default: TG_MAX,
      minimum: 1,
      maximum: TG_MAX,
    }),
    ident_slot: Type.Union([Type.Literal(1), Type.Literal(2)], {
      description: "Time slot the ident is sent on (simplex hotspots: their one slot).",
      default: 2,
    }),
    ident_interval_seconds: Type.Integer({
      description: "Time between idents per hotspot (FreeDMR: 914 s). 0 = no ident.",
      default: 914,
      minimum: 0,
      maximum: 86400,
    }),
    ident_idle_seconds: Type.Integer({
      description: "The ident is sent only once the slot has been idle this long (FreeDMR: 30 s).",
      default: 30,
      minimum: 0,
      maximum: 3600,
    }),
    talker_alias_insert: Type.Boolean({
      description:
        "Insert a talker alias (callsign and first name) into calls whose radio sends none, so listeners see who is talking. Needs alias data (talker_alias_users_file); a radio's own alias is never overwritten.",
      default: true,
    }),
    talker_alias_users_file: Type.String({
      description:
        'RadioID-format user list for talker-alias insertion: JSON {"users":[{"radio_id","callsign","fname",…}]} or CSV with a header naming RADIO_ID, CALLSIGN and FIRST_NAME. Empty = no insertion.',
      default: "",
      maxLength: 4096,
      examples: ["/var/lib/freedmr/users.json"],
    }),
    talker_alias_opt_out_talkgroups: Type.Array(Type.Integer({ minimum: 1, maximum: TG_MAX }), {
      description: "Talkgroups (or dialled reflectors) whose calls never get an inserted talker alias.",
      default: [],
      maxItems: 4096,
    }),
  },
  { ...strict, description: "Voice announcements, ident and talker-alias insertion.", default: {} },
);

export const voiceSections = { voice: VoiceSection };

/**
 * Config sections for routing: `[routing]` (timers, ACLs, capacities), `[dial]` (dial-a-TG),
 * `[parrot]` (echo test), `[[bridges]]` (FreeDMR rules.py-style conference bridges), and the
 * routing keys of each `[[hbp.access_rules]]` entry (static talkgroups, ACLs, UA timer …).
 * src/config/routing_options.ts maps these onto the core's RoutingOptions.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";
import { parseAcl } from "../../core/acl.ts";
import type { ConfigError } from "../errors.ts";
import type { Config } from "../schema.ts";

const strict = { additionalProperties: false } as const;
const TG_MAX = 16777215;

const acl = (description: string) =>
  Type.String({ description, default: "PERMIT:ALL", minLength: 1, maxLength: 65536, examples: ["DENY:1-999999", "PERMIT:3100,91,2350-2359"] });

const talkgroupList = (description: string) =>
  Type.Array(Type.Integer({ minimum: 1, maximum: TG_MAX }), { description, default: [], maxItems: 256, examples: [[2350, 91]] });

export const RoutingSection = Type.Object(
  {
    group_hang_time_seconds: Type.Number({
      description:
        "Group hang time: after a call on a slot, only the same talkgroup (or the same radio, or a reply to it) may take that slot for this long (FreeDMR GROUP_HANGTIME).",
      default: 10,
      minimum: 0,
      maximum: 600,
    }),
    stream_timeout_ms: Type.Integer({
      description: "A voice stream that has sent nothing for this long has ended (360 ms = one superframe).",
      default: 360,
      minimum: 60,
      maximum: 10000,
    }),
    max_stream_seconds: Type.Integer({
      description: "Calls longer than this are cut and the rest of the stream is dropped (stuck transmitters; FreeDMR: 180 s).",
      default: 180,
      minimum: 10,
      maximum: 3600,
    }),
    data_timeout_ms: Type.Integer({
      description: "A data call (SMS, GPS) that has sent nothing for this long has ended (data calls normally end by their block count).",
      default: 3000,
      minimum: 100,
      maximum: 60000,
    }),
    finished_stream_memory_seconds: Type.Integer({
      description: "Finished streams are remembered this long, so that late copies arriving over another link are dropped (loop control).",
      default: 180,
      minimum: 0,
      maximum: 3600,
    }),
    ua_timer_minutes: Type.Integer({
      description:
        "Keying up a talkgroup subscribes that slot to it for this many minutes, renewed by each use (FreeDMR DEFAULT_UA_TIMER); it also times out a dial-a-TG link. 0 = never expire. Hotspots may override it with TIMER= in their options.",
      default: 10,
      minimum: 0,
      maximum: 525600,
    }),
    single_mode: Type.Boolean({
      description: "Keep only one user-activated talkgroup per slot (FreeDMR SINGLE_MODE). Hotspots may override it with SINGLE= in their options.",
      default: false,
    }),
    user_activation: Type.Boolean({
      description: "Keying up a talkgroup subscribes the slot to it (user-activated talkgroups). When false only static talkgroups, dial-a-TG and bridges route.",
      default: true,
    }),
    subscriber_ttl_hours: Type.Number({
      description: "How long the server remembers where a radio id was last heard, for private calls and unit data (FreeDMR SUB_MAP: 24 h).",
      default: 24,
      minimum: 0.01,
      maximum: 8760,
    }),
    flood_unknown_unit_voice: Type.Boolean({
      description:
        "Offer private voice calls to a radio id nobody here has heard to FreeDMR (FBP) links, like unit data. Off by default: private voice then only goes where the radio was heard.",
      default: false,
    }),
    subscriber_acl: acl("Which source radio ids may talk through this server (FreeDMR SUB_ACL), checked before each access rule's sub_acl."),
    tgid_ts1_acl: acl("Talkgroups allowed on time slot 1 of every hotspot, both directions (FreeDMR TGID_TS1_ACL); checked before each rule's own."),
    tgid_ts2_acl: acl("Talkgroups allowed on time slot 2 of every hotspot, both directions (FreeDMR TGID_TS2_ACL)."),
    max_streams: Type.Integer({ description: "Most calls routed at once; further calls are dropped and counted.", default: 2048, minimum: 16, maximum: 1000000 }),
    max_targets_per_stream: Type.Integer({
      description: "Most destinations (hotspot slots and links) one call is delivered to.",
      default: 4096,
      minimum: 1,
      maximum: 1000000,
    }),
    max_subscriptions: Type.Integer({
      description: "Most subscriptions (static, user-activated, dial-a-TG, bridge members) across all hotspots.",
      default: 262144,
      minimum: 16,
      maximum: 10000000,
    }),
    max_dynamic_per_slot: Type.Integer({
      description: "Most user-activated talkgroups per hotspot slot; the one expiring first is replaced.",
      default: 8,
      minimum: 1,
      maximum: 256,
    }),
    max_subscribers: Type.Integer({
      description: "Most radio ids remembered in the last-heard map; the least recently heard is forgotten first.",
      default: 200000,
      minimum: 16,
      maximum: 10000000,
    }),
    max_finished_streams: Type.Integer({
      description: "Most finished streams remembered for loop control.",
      default: 16384,
      minimum: 0,
      maximum: 1000000,
    }),
  },
  { ...strict, description: "Routing: who hears what, when.", default: {} },
);

export const DialSection = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        "Dial-a-TG (FreeDMR reflectors): a private call to N (5–999999) links reflector N, heard and talked on as TG 9 on time slot 2; 4000 unlinks, 5000 asks for the status.",
      default: true,
    }),
  },
  { ...strict, description: "Dial-a-TG.", default: {} },
);

export const ParrotSection = Type.Object(
  {
    enabled: Type.Boolean({ description: "Echo test: a call to the parrot talkgroup is played back to the caller.", default: true }),
    talkgroup: Type.Integer({ description: "The parrot talkgroup (FreeDMR: 9990).", default: 9990, minimum: 1, maximum: TG_MAX }),
    delay_ms: Type.Integer({ description: "Playback starts this long after the call ended.", default: 2000, minimum: 0, maximum: 60000 }),
    max_seconds: Type.Integer({ description: "Longest recording; longer calls are cut.", default: 60, minimum: 1, maximum: 600 }),
    max_concurrent: Type.Integer({
      description: "Most recordings at once (recording, waiting or playing). Memory: max_concurrent × max_seconds × about 1 KB.",
      default: 16,
      minimum: 1,
      maximum: 1024,
    }),
  },
  { ...strict, description: "Parrot (echo test).", default: {} },
);

export const BridgeMember = Type.Object(
  {
    system: Type.String({
      description:
        "Who this member is: the name of an access rule (every hotspot it admits), the name of an [[openbridge]] or [[upstream]] link, or a hotspot's repeater id.",
      default: "",
      maxLength: 64,
      examples: ["club repeaters", "FreeDMR-UK", "2345601"],
    }),
    slot: Type.Union([Type.Literal(1), Type.Literal(2)], { description: "Time slot (1 or 2).", default: 1 }),
    talkgroup: Type.Integer({ description: "Talkgroup on that system and slot.", default: 1, minimum: 1, maximum: TG_MAX }),
    active: Type.Boolean({ description: "Active at start-up.", default: true }),
    timeout_minutes: Type.Integer({ description: "Minutes until the timeout action (see timeout_type); 0 = no timer.", default: 0, minimum: 0, maximum: 525600 }),
    timeout_type: Type.Union([Type.Literal("none"), Type.Literal("on"), Type.Literal("off")], {
      description: '"on": an active member deactivates after the timeout (traffic renews it); "off": an inactive member re-activates after it; "none": no timer.',
      default: "none",
    }),
    on: talkgroupList("A group call from this system and slot to any of these talkgroups activates the member."),
    off: talkgroupList("… to any of these deactivates it."),
    reset: talkgroupList("… to any of these restarts its timer."),
  },
  { ...strict, description: "One member of a bridge." },
);

export const Bridge = Type.Object(
  {
    name: Type.String({ description: "Name of the bridge (logs, dashboard).", default: "", minLength: 1, maxLength: 64, examples: ["UK-WIDE"] }),
    members: Type.Array(BridgeMember, { description: "Members: (system, slot, talkgroup) each active or not.", default: [], maxItems: 10000 }),
  },
  { ...strict, description: "A conference bridge (FreeDMR rules.py)." },
);

/** Top-level properties this file contributes to the config object. */
export const routingSections = {
  routing: RoutingSection,
  dial: DialSection,
  parrot: ParrotSection,
  bridges: Type.Array(Bridge, {
    description: "Conference bridges (FreeDMR rules.py): named groups of (system, slot, talkgroup) that hear each other, with ON/OFF/RESET trigger talkgroups and timers; may join different talkgroup numbers.",
    default: [],
    maxItems: 10000,
  }),
};

/**
 * Properties this file contributes to each `[[hbp.access_rules]]` entry. Optional in the type (an
 * access rule written in code or tests need not name them) but always defaulted by the loader.
 */
export const routingAccessRuleProperties = {
  ts1_static: Type.Optional(talkgroupList("Static talkgroups on time slot 1 for hotspots matching this rule (always subscribed).")),
  ts2_static: Type.Optional(talkgroupList("Static talkgroups on time slot 2 for hotspots matching this rule.")),
  sub_acl: Type.Optional(acl("Which source radio ids these hotspots may send (checked after routing.subscriber_acl).")),
  tgid_ts1_acl: Type.Optional(acl("Talkgroups allowed on time slot 1 of these hotspots, both directions.")),
  tgid_ts2_acl: Type.Optional(acl("Talkgroups allowed on time slot 2 of these hotspots, both directions.")),
  ua_timer_minutes: Type.Optional(Type.Integer({
    description: "User-activated talkgroup timer for these hotspots in minutes; -1 = routing.ua_timer_minutes, 0 = never expire.",
    default: -1,
    minimum: -1,
    maximum: 525600,
  })),
  single_mode: Type.Optional(Type.Union([Type.Literal("inherit"), Type.Literal("on"), Type.Literal("off")], {
    description: 'One user-activated talkgroup per slot for these hotspots: "on", "off" or "inherit" (routing.single_mode).',
    default: "inherit",
  })),
  default_reflector: Type.Optional(Type.Integer({
    description: "Dial-a-TG reflector these hotspots are linked to at login and return to after the UA timer (0 = none); a hotspot's DIAL= option overrides it.",
    default: 0,
    minimum: 0,
    maximum: 999999,
  })),
  allow_options: Type.Optional(Type.Boolean({
    description: "Let these hotspots change their talkgroups with options (Pi-Star Options=, RPTO).",
    default: true,
  })),
};

export type RoutingConfig = Static<typeof RoutingSection>;
export type BridgeConfig = Static<typeof Bridge>;

/** Talkgroups that cannot be static or bridged meaningfully (they are handled by the server). */
function reservedStatic(tg: number): boolean {
  return tg === 9 || tg === 4000 || tg === 5000 || (tg >= 9990 && tg <= 9999) || tg === TG_MAX;
}

interface RoutingView {
  routing: RoutingConfig;
  bridges: BridgeConfig[];
  hbp: { access_rules: ({ name: string; repeater_id?: number } & { [K in keyof typeof routingAccessRuleProperties]: Static<(typeof routingAccessRuleProperties)[K]> })[] };
  openbridge?: { name: string }[];
  upstream?: { name: string }[];
}

/** Semantic checks the schema cannot express; every error names its key path. */
export function validateRoutingConfig(config: Config): ConfigError[] {
  const c = config as unknown as RoutingView;
  const errors: ConfigError[] = [];
  const checkAcl = (path: string, text: string): void => {
    const parsed = parseAcl(text);
    if (!parsed.ok) errors.push({ path, value: text, expected: `an ACL like "PERMIT:ALL" or "DENY:1,2000-2999" (${parsed.error})` });
  };
  checkAcl("routing.subscriber_acl", c.routing.subscriber_acl);
  checkAcl("routing.tgid_ts1_acl", c.routing.tgid_ts1_acl);
  checkAcl("routing.tgid_ts2_acl", c.routing.tgid_ts2_acl);
  const systems = new Set<string>();
  const ruleNames = new Map<string, number>();
  c.hbp.access_rules.forEach((rule, i) => {
    const base = `hbp.access_rules[${i}]`;
    // unnamed rules are "rule #N" (1-based), as the HBP master names them
    const name = rule.name !== "" ? rule.name : `rule #${i + 1}`;
    systems.add(name.toLowerCase());
    const other = ruleNames.get(name);
    if (other !== undefined) {
      errors.push({ path: `${base}.name`, value: rule.name, expected: `a name not used by another access rule (hbp.access_rules[${other}] has it; static talkgroups and bridges find rules by name)` });
    }
    ruleNames.set(name, i);
    if (rule.repeater_id !== undefined) systems.add(String(rule.repeater_id));
    checkAcl(`${base}.sub_acl`, rule.sub_acl ?? "PERMIT:ALL");
    checkAcl(`${base}.tgid_ts1_acl`, rule.tgid_ts1_acl ?? "PERMIT:ALL");
    checkAcl(`${base}.tgid_ts2_acl`, rule.tgid_ts2_acl ?? "PERMIT:ALL");
    for (const key of ["ts1_static", "ts2_static"] as const) {
      (rule[key] ?? []).forEach((tg, j) => {
        if (reservedStatic(tg)) errors.push({ path: `${base}.${key}[${j}]`, value: tg, expected: "a talkgroup that is not reserved (9, 4000, 5000, 9990–9999 and 16777215 are handled by the server)" });
      });
    }
    const d = rule.default_reflector ?? 0;
    if (d !== 0 && (d < 5 || d === 6 || d === 8 || d === 9 || (d >= 4000 && d <= 5000) || (d >= 9990 && d <= 9999))) {
      errors.push({ path: `${base}.default_reflector`, value: d, expected: "0 or a dialable reflector (5–999999, not 6, 8, 9, 4000–5000, 9990–9999)" });
    }
  });
  for (const link of [...(c.openbridge ?? []), ...(c.upstream ?? [])]) if (link.name !== "") systems.add(link.name.toLowerCase());
  const bridgeNames = new Map<string, number>();
  c.bridges.forEach((bridge, i) => {
    const base = `bridges[${i}]`;
    const other = bridgeNames.get(bridge.name);
    if (other !== undefined) errors.push({ path: `${base}.name`, value: bridge.name, expected: `a name not used by another bridge (bridges[${other}] has it)` });
    bridgeNames.set(bridge.name, i);
    if (bridge.members.length < 2) errors.push({ path: `${base}.members`, value: bridge.members, expected: "at least two members (a bridge joins systems)" });
    bridge.members.forEach((m, j) => {
      const path = `${base}.members[${j}]`;
      const system = m.system.trim();
      if (system === "") errors.push({ path: `${path}.system`, value: m.system, expected: "the name of an access rule or link, or a repeater id" });
      else if (!/^\d+$/.test(system) && !systems.has(system.toLowerCase())) {
        errors.push({ path: `${path}.system`, value: m.system, expected: "the name of an hbp.access_rules entry, an [[openbridge]] or [[upstream]] link, or a repeater id" });
      }
      if (m.timeout_type !== "none" && m.timeout_minutes === 0) {
        errors.push({ path: `${path}.timeout_minutes`, value: 0, expected: `minutes > 0 when timeout_type is "${m.timeout_type}"` });
      }
    });
  });
  return errors;
}

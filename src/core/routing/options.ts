/**
 * RoutingOptions: everything the routing core is told at start-up, as plain data. The config layer
 * maps the TOML file onto this (see src/config/routing_options.ts); tests build it with `routingOptions({...})`.
 * Times are milliseconds unless the name says otherwise. Defaults follow FreeDMR where users know
 * the behaviour (freedmr-reference.md §1.6–1.14) and the superframe timing (hbp-and-dmr.md §2.2).
 * @module
 */
import { PERMIT_ALL, type Acl } from "../acl.ts";
import type { Slot } from "../router_port.ts";
import { DEFAULT_TALKER_ALIAS_INSERTION, DEFAULT_VOICE_OPTIONS, type TalkerAliasInsertionOptions, type VoiceOptions } from "./voice/voice_options.ts";

/** Per access-rule routing settings (a hotspot admitted by rule `name` gets these). */
export interface AccessRuleRouting {
  /** Static talkgroups on TS1 / TS2 (always subscribed while the hotspot is up). */
  readonly ts1Static: readonly number[];
  readonly ts2Static: readonly number[];
  /** Source radio ids this rule's hotspots may originate (checked after the global ACL). */
  readonly subscriberAcl: Acl;
  /** Talkgroups allowed on TS1 / TS2 for this rule's hotspots (ingress and egress). */
  readonly talkgroupTs1Acl: Acl;
  readonly talkgroupTs2Acl: Acl;
  /** UA timer for this rule's hotspots, minutes; null = the global default. 0 = never expire. */
  readonly uaTimerMinutes: number | null;
  /** Single mode (one dynamic TG per slot) for this rule's hotspots; null = the global default. */
  readonly singleMode: boolean | null;
  /** Default dial-a-TG reflector for this rule's hotspots (0 = none); the hotspot's DIAL= overrides. */
  readonly defaultReflector: number;
  /** Hotspots of this rule may change their subscriptions with RPTO options. */
  readonly allowOptions: boolean;
}

/** After a bridge member's timer runs out: ON = deactivate, OFF = (re)activate, NONE = no timer. */
export type BridgeTimeoutType = "on" | "off" | "none";

/**
 * One member of a conference bridge (FreeDMR rules.py entry, freedmr-reference.md §1.8):
 * traffic on (system, slot, talkgroupId) joins the bridge while `active`.
 */
export interface BridgeMemberOptions {
  /**
   * Which ports this member stands for: the name of an access rule (every hotspot it admitted), or
   * the name of a link port (an OpenBridge/upstream link's configured name), or a hotspot's
   * repeater id written as a decimal string.
   */
  readonly system: string;
  readonly slot: Slot;
  readonly talkgroupId: number;
  /** Active at start-up. */
  readonly active: boolean;
  /** Minutes until the timer action (see timeoutType); 0 = no timer. */
  readonly timeoutMinutes: number;
  readonly timeoutType: BridgeTimeoutType;
  /** Group calls from this member's system and slot to any of these TGs activate the member. */
  readonly on: readonly number[];
  /** … deactivate it. */
  readonly off: readonly number[];
  /** … restart its timer. */
  readonly reset: readonly number[];
}

export interface BridgeOptions {
  readonly name: string;
  readonly members: readonly BridgeMemberOptions[];
}

/**
 * A link port's talkgroup map entry: link (linkSlot, linkFirst..linkLast) ↔ local conference
 * (localFirst + (tg − linkFirst)). The local side is a conference (a talkgroup in the global
 * namespace); the link side is what travels on that link's wire.
 */
export interface LinkTalkgroupRange {
  readonly linkSlot: Slot;
  readonly linkFirst: number;
  readonly linkLast: number;
  readonly localFirst: number;
}

export interface LinkTalkgroupMap {
  /** Ranges, checked in order; the first match wins (both directions). */
  readonly ranges: readonly LinkTalkgroupRange[];
  /**
   * FreeDMR's low-level filter (freedmr-reference.md §2.5 item 7): TG ≤ 79 (repeater-local),
   * 9990–9999 (server-local) and 900999 (D-APRS) never cross the link in either direction.
   */
  readonly localOnlyFilter: boolean;
  /** Link-side talkgroup ACL for traffic arriving from the link (FreeDMR OBP TGID_ACL). */
  readonly ingressAcl: Acl;
  /** Link-side talkgroup ACL for traffic we send to the link. */
  readonly egressAcl: Acl;
}

/** The default link map: every talkgroup on TS1, one to one, local-only TGs filtered. */
export const DEFAULT_LINK_TALKGROUP_MAP: LinkTalkgroupMap = {
  ranges: [{ linkSlot: 1, linkFirst: 1, linkLast: 16777215, localFirst: 1 }],
  localOnlyFilter: true,
  ingressAcl: PERMIT_ALL,
  egressAcl: PERMIT_ALL,
};

export interface ParrotOptions {
  readonly enabled: boolean;
  /** Group calls to this TG are recorded and played back (FreeDMR 9990). */
  readonly talkgroupId: number;
  /** Playback starts this long after the recording ended (FreeDMR: 2 s). */
  readonly delayMs: number;
  /** Spacing of played-back frames (one burst = 60 ms, hbp-and-dmr.md §2.2). */
  readonly frameIntervalMs: number;
  /** Longest recording kept, in frames (a burst every 60 ms: 1000 frames = 60 s). Longer calls are cut. */
  readonly maxFrames: number;
  /** Most recordings (recording + waiting + playing) at once; more are refused and counted. */
  readonly maxConcurrent: number;
}

export interface DialOptions {
  readonly enabled: boolean;
  /** The RF talkgroup a dialled reflector is heard and talked on (FreeDMR: 9, on TS2). */
  readonly talkgroupId: number;
  readonly slot: Slot;
  /** Private call that unlinks (4000) and that asks for the link status (5000). */
  readonly unlinkId: number;
  readonly statusId: number;
  /** Dialable reflectors: minReflector ≤ N ≤ maxReflector (5 … 999999), minus `notDialable`. */
  readonly minReflector: number;
  readonly maxReflector: number;
  /** Never linkable (FreeDMR: 6, 8, 9, 4000–5000, 9990–9999). Inclusive ranges [lo, hi]. */
  readonly notDialable: readonly (readonly [number, number])[];
}

export interface RoutingCapacities {
  /** Highest portIndex + 1 the router handles (ports with a larger index are refused). */
  readonly maxPorts: number;
  /** Concurrent streams (active plus refused/remembered-active). */
  readonly maxStreams: number;
  /** Fan-out targets per stream. */
  readonly maxTargetsPerStream: number;
  /** Subscriptions of all kinds across all ports. */
  readonly maxSubscriptions: number;
  /** Dynamic (UA) subscriptions per port and slot; the oldest is replaced at the limit. */
  readonly maxDynamicPerSlot: number;
  /** Radio ids remembered in the subscriber map (LRU beyond that). */
  readonly maxSubscribers: number;
  /** Finished stream ids remembered for loop control. */
  readonly maxFinishedStreams: number;
}

export interface RoutingOptions {
  /** Group hang time: after a call on a slot only the same TG (or the same radio) may take it. */
  readonly hangTimeMs: number;
  /** A stream with no frame for this long has ended (one superframe, hbp-and-dmr.md §2.2). */
  readonly streamTimeoutMs: number;
  /** Streams longer than this are cut (FreeDMR SOURCE TIMEOUT, 180 s). */
  readonly maxStreamMs: number;
  /** Data calls with no frame for this long have ended (CSBK preambles are spaced; default 3 s). */
  readonly dataTimeoutMs: number;
  /** Finished streams are remembered this long; late copies are dropped (freedmr-reference §2.5 item 3). */
  readonly finishedStreamMemoryMs: number;
  /** User-activated TG timer, minutes (FreeDMR DEFAULT_UA_TIMER); 0 = never expires. */
  readonly uaTimerMinutes: number;
  /** One dynamic TG per slot by default (FreeDMR SINGLE_MODE). */
  readonly singleModeDefault: boolean;
  /** Keying up a TG subscribes the slot to it (user activation). */
  readonly userActivation: boolean;
  /** Subscriber map entries older than this are forgotten (FreeDMR: 24 h). */
  readonly subscriberTtlMs: number;
  /** Offer unit voice to an unknown radio id to flood-capable links too (unit data always is). */
  readonly floodUnknownUnitVoice: boolean;
  /** Global ACLs (checked before the per-rule ones): source radio ids and TGs per slot. */
  readonly subscriberAcl: Acl;
  readonly talkgroupTs1Acl: Acl;
  readonly talkgroupTs2Acl: Acl;
  /** Routing settings per access rule name (ports carry the rule name in `accessRule`). */
  readonly accessRules: Readonly<Record<string, AccessRuleRouting>>;
  readonly bridges: readonly BridgeOptions[];
  readonly parrot: ParrotOptions;
  readonly dial: DialOptions;
  /**
   * Group talkgroups never routed nor subscribed (inclusive ranges): FreeDMR's local/reserved
   * numbers — 0–4 (unless a configured bridge uses them), 4000, 5000, 9991–9999, all-call 16777215.
   * TG 9 and the parrot TG are handled by dial-a-TG and the parrot before this check.
   */
  readonly reservedTalkgroups: readonly (readonly [number, number])[];
  /** Talkgroups a hotspot's options may not make static (FreeDMR: 0–9, 9990–9999). */
  readonly optionsProhibitedTalkgroups: readonly (readonly [number, number])[];
  /** Repeater id written into frames freedmr generates itself (parrot playback). */
  readonly serverId: number;
  readonly capacities: RoutingCapacities;
  /** Voice announcements and ident (voice_options.ts); no packs = off. */
  readonly voice: VoiceOptions;
  /** Talker-alias insertion (needs an alias lookup in the router deps). */
  readonly talkerAlias: TalkerAliasInsertionOptions;
}

export const DEFAULT_CAPACITIES: RoutingCapacities = {
  maxPorts: 4096,
  maxStreams: 2048,
  maxTargetsPerStream: 1024,
  maxSubscriptions: 65536,
  maxDynamicPerSlot: 8,
  maxSubscribers: 100_000,
  maxFinishedStreams: 8192,
};

export const DEFAULT_ROUTING_OPTIONS: RoutingOptions = {
  hangTimeMs: 10_000,
  streamTimeoutMs: 360,
  maxStreamMs: 180_000,
  dataTimeoutMs: 3_000,
  finishedStreamMemoryMs: 180_000,
  uaTimerMinutes: 10,
  singleModeDefault: false,
  userActivation: true,
  subscriberTtlMs: 24 * 3600 * 1000,
  floodUnknownUnitVoice: false,
  subscriberAcl: PERMIT_ALL,
  talkgroupTs1Acl: PERMIT_ALL,
  talkgroupTs2Acl: PERMIT_ALL,
  accessRules: {},
  bridges: [],
  parrot: { enabled: true, talkgroupId: 9990, delayMs: 2000, frameIntervalMs: 60, maxFrames: 1000, maxConcurrent: 16 },
  dial: {
    enabled: true,
    talkgroupId: 9,
    slot: 2,
    unlinkId: 4000,
    statusId: 5000,
    minReflector: 5,
    maxReflector: 999_999,
    notDialable: [
      [6, 6],
      [8, 9],
      [4000, 5000],
      [9990, 9999],
    ],
  },
  reservedTalkgroups: [
    [0, 4],
    [4000, 4000],
    [5000, 5000],
    [9991, 9999],
    [16777215, 16777215],
  ],
  optionsProhibitedTalkgroups: [
    [0, 9],
    [4000, 4000],
    [5000, 5000],
    [9990, 9999],
    [16777215, 16777215],
  ],
  serverId: 0,
  capacities: DEFAULT_CAPACITIES,
  voice: DEFAULT_VOICE_OPTIONS,
  talkerAlias: DEFAULT_TALKER_ALIAS_INSERTION,
};

/** Defaults for an access rule with nothing routing-specific configured. */
export const DEFAULT_ACCESS_RULE_ROUTING: AccessRuleRouting = {
  ts1Static: [],
  ts2Static: [],
  subscriberAcl: PERMIT_ALL,
  talkgroupTs1Acl: PERMIT_ALL,
  talkgroupTs2Acl: PERMIT_ALL,
  uaTimerMinutes: null,
  singleMode: null,
  defaultReflector: 0,
  allowOptions: true,
};

export type RoutingOptionsInput = Partial<Omit<RoutingOptions, "parrot" | "dial" | "capacities" | "accessRules" | "voice">> & {
  voice?: Partial<Omit<VoiceOptions, "ident">> & { ident?: Partial<VoiceOptions["ident"]> };
  parrot?: Partial<ParrotOptions>;
  dial?: Partial<DialOptions>;
  capacities?: Partial<RoutingCapacities>;
  accessRules?: Record<string, Partial<AccessRuleRouting>>;
};

/** Complete options from a partial description (tests, embedding). */
export function routingOptions(input: RoutingOptionsInput = {}): RoutingOptions {
  const d = DEFAULT_ROUTING_OPTIONS;
  const accessRules: Record<string, AccessRuleRouting> = {};
  for (const [name, rule] of Object.entries(input.accessRules ?? {})) accessRules[name] = { ...DEFAULT_ACCESS_RULE_ROUTING, ...rule };
  return {
    ...d,
    ...input,
    parrot: { ...d.parrot, ...input.parrot },
    dial: { ...d.dial, ...input.dial },
    capacities: { ...d.capacities, ...input.capacities },
    voice: { ...d.voice, ...input.voice, ident: { ...d.voice.ident, ...input.voice?.ident } },
    accessRules,
  };
}

/** True when `id` lies in one of the inclusive ranges. */
export function inRanges(ranges: readonly (readonly [number, number])[], id: number): boolean {
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (id >= r[0] && id <= r[1]) return true;
  }
  return false;
}

/**
 * Config → RoutingOptions (pure). The config was validated (src/config/sections/routing.ts), so
 * ACL strings parse. The input is described structurally (the parts of the parsed Config routing
 * reads) so the core does not import the config layer; pass the whole Config.
 * @module
 */
import { aclOrThrow } from "../core/acl.ts";
import { DEFAULT_ROUTING_OPTIONS, type AccessRuleRouting, type BridgeOptions, type RoutingOptions } from "../core/routing/options.ts";

export interface RoutingConfigInput {
  readonly server: { readonly server_id: number };
  readonly routing: {
    readonly group_hang_time_seconds: number;
    readonly stream_timeout_ms: number;
    readonly max_stream_seconds: number;
    readonly data_timeout_ms: number;
    readonly finished_stream_memory_seconds: number;
    readonly ua_timer_minutes: number;
    readonly single_mode: boolean;
    readonly user_activation: boolean;
    readonly subscriber_ttl_hours: number;
    readonly flood_unknown_unit_voice: boolean;
    readonly subscriber_acl: string;
    readonly tgid_ts1_acl: string;
    readonly tgid_ts2_acl: string;
    readonly max_streams: number;
    readonly max_targets_per_stream: number;
    readonly max_subscriptions: number;
    readonly max_dynamic_per_slot: number;
    readonly max_subscribers: number;
    readonly max_finished_streams: number;
  };
  readonly dial: { readonly enabled: boolean };
  readonly parrot: {
    readonly enabled: boolean;
    readonly talkgroup: number;
    readonly delay_ms: number;
    readonly max_seconds: number;
    readonly max_concurrent: number;
  };
  readonly bridges: readonly {
    readonly name: string;
    readonly members: readonly {
      readonly system: string;
      readonly slot: 1 | 2;
      readonly talkgroup: number;
      readonly active: boolean;
      readonly timeout_minutes: number;
      readonly timeout_type: "none" | "on" | "off";
      readonly on: readonly number[];
      readonly off: readonly number[];
      readonly reset: readonly number[];
    }[];
  }[];
  readonly hbp: {
    readonly max_peers: number;
    readonly access_rules: readonly {
      readonly name: string;
      readonly ts1_static?: readonly number[];
      readonly ts2_static?: readonly number[];
      readonly sub_acl?: string;
      readonly tgid_ts1_acl?: string;
      readonly tgid_ts2_acl?: string;
      readonly ua_timer_minutes?: number;
      readonly single_mode?: "inherit" | "on" | "off";
      readonly default_reflector?: number;
      readonly allow_options?: boolean;
    }[];
  };
  readonly openbridge?: readonly unknown[];
  readonly upstream?: readonly unknown[];
}

/** The name a port carries for the access rule at `index` (same convention as the HBP master). */
export function ruleName(name: string, index: number): string {
  return name !== "" ? name : `rule #${index + 1}`;
}

/** Ports beyond the hotspots: links, and headroom for logins replacing each other. */
const PORT_HEADROOM = 64;
/** One burst per 60 ms (hbp-and-dmr.md §2.2). */
const FRAME_MS = 60;

export function routingOptionsFromConfig(config: RoutingConfigInput): RoutingOptions {
  const r = config.routing;
  const accessRules: Record<string, AccessRuleRouting> = {};
  config.hbp.access_rules.forEach((rule, index) => {
    // ports carry the name of the rule that admitted them; the HBP master calls an unnamed rule
    // "rule #N" (1-based). The first rule of a name wins (the validator rejects duplicates).
    const name = ruleName(rule.name, index);
    if (accessRules[name] !== undefined) return;
    const single = rule.single_mode ?? "inherit";
    const timer = rule.ua_timer_minutes ?? -1;
    accessRules[name] = {
      ts1Static: [...(rule.ts1_static ?? [])],
      ts2Static: [...(rule.ts2_static ?? [])],
      subscriberAcl: aclOrThrow(rule.sub_acl ?? "PERMIT:ALL"),
      talkgroupTs1Acl: aclOrThrow(rule.tgid_ts1_acl ?? "PERMIT:ALL"),
      talkgroupTs2Acl: aclOrThrow(rule.tgid_ts2_acl ?? "PERMIT:ALL"),
      uaTimerMinutes: timer < 0 ? null : timer,
      singleMode: single === "inherit" ? null : single === "on",
      defaultReflector: rule.default_reflector ?? 0,
      allowOptions: rule.allow_options ?? true,
    };
  });
  const bridges: BridgeOptions[] = config.bridges.map((b) => ({
    name: b.name,
    members: b.members.map((m) => ({
      system: m.system.trim(),
      slot: m.slot,
      talkgroupId: m.talkgroup,
      active: m.active,
      timeoutMinutes: m.timeout_minutes,
      timeoutType: m.timeout_type,
      on: [...m.on],
      off: [...m.off],
      reset: [...m.reset],
    })),
  }));
  const links = (config.openbridge?.length ?? 0) + (config.upstream?.length ?? 0);
  const d = DEFAULT_ROUTING_OPTIONS;
  return {
    ...d,
    hangTimeMs: Math.round(r.group_hang_time_seconds * 1000),
    streamTimeoutMs: r.stream_timeout_ms,
    maxStreamMs: r.max_stream_seconds * 1000,
    dataTimeoutMs: r.data_timeout_ms,
    finishedStreamMemoryMs: r.finished_stream_memory_seconds * 1000,
    uaTimerMinutes: r.ua_timer_minutes,
    singleModeDefault: r.single_mode,
    userActivation: r.user_activation,
    subscriberTtlMs: Math.round(r.subscriber_ttl_hours * 3600_000),
    floodUnknownUnitVoice: r.flood_unknown_unit_voice,
    subscriberAcl: aclOrThrow(r.subscriber_acl),
    talkgroupTs1Acl: aclOrThrow(r.tgid_ts1_acl),
    talkgroupTs2Acl: aclOrThrow(r.tgid_ts2_acl),
    accessRules,
    bridges,
    parrot: {
      enabled: config.parrot.enabled,
      talkgroupId: config.parrot.talkgroup,
      delayMs: config.parrot.delay_ms,
      frameIntervalMs: FRAME_MS,
      maxFrames: Math.ceil((config.parrot.max_seconds * 1000) / FRAME_MS) + 2,
      maxConcurrent: config.parrot.max_concurrent,
    },
    dial: { ...d.dial, enabled: config.dial.enabled },
    serverId: config.server.server_id,
    capacities: {
      maxPorts: config.hbp.max_peers + links + PORT_HEADROOM,
      maxStreams: r.max_streams,
      maxTargetsPerStream: r.max_targets_per_stream,
      maxSubscriptions: r.max_subscriptions,
      maxDynamicPerSlot: r.max_dynamic_per_slot,
      maxSubscribers: r.max_subscribers,
      maxFinishedStreams: r.max_finished_streams,
    },
  };
}

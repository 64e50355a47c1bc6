/**
 * "Why can't I hear anything?": every core event the operator may need, as one log line that names
 * the ids (repeater id, source id, talkgroup, link, address) and what to change (a config key or a
 * hotspot option). The event log writes these lines; the status API keeps the refusals among them
 * per hotspot and per link. Pure: no logger, no clock.
 *
 * Each line has a `reason` key — the event type plus its reason, a small fixed set — which is what
 * the event log limits its rate by (src/lib/reason_limiter.ts). The sysop log names addresses; the
 * public API must not (anyone may read it), so each line also has a `publicMsg` without them and
 * `publicFields` drops the address fields.
 * @module
 */
import type { CoreEvent, LinkRefusalReason, RefusalReason } from "../core/events.ts";
import { redactOptionKey } from "../lib/option_key.ts";

export type LineLevel = "debug" | "info" | "warn" | "error";

export interface ExplainedLine {
  level: LineLevel;
  /** Rate-limit key: event type + reason (a bounded set). */
  reason: string;
  msg: string;
  /** The ids, for log shippers and the status API. `fix`: what to change, when something can be. */
  fields: Record<string, unknown>;
  /** `msg` without IP addresses and ports, for the public API (absent: `msg` has none). */
  publicMsg?: string;
  /** True for refusals and drops (kept per hotspot / per link by the status API). */
  refusal: boolean;
}

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

interface Explanation {
  /** What happened, after "login refused for repeater N from A:P: ". */
  why: string;
  fix: string;
}

/** Every RefusalReason must have a text (a new reason fails the type check until it has one). */
const SESSION_REFUSALS: Record<RefusalReason, Explanation> = {
  "bad-passphrase": {
    why: "wrong passphrase",
    fix: "the hotspot's password must equal hbp.passphrase, or the passphrase of the hbp.access_rules entry that matches its id",
  },
  "rate-limited": {
    why: "too many failed logins from this source (an IPv4 address or an IPv6 /64); it is banned",
    fix: "fix the failing hotspots (usually a wrong passphrase), then wait hbp.login_ban_seconds, or raise hbp.login_rate_limit_per_minute (0 = off); correct logins from the same source still get in",
  },
  banned: {
    why: "this id failed from a banned source and is ignored from there until the ban ends",
    fix: "correct the hotspot's passphrase or id, then wait hbp.login_ban_seconds (hbp.login_rate_limit_per_minute sets when a source is banned)",
  },
  "handshake-limit": {
    why: "too many logins from this source are half-way through (key sent, config not yet)",
    fix: "nothing if it is a burst after a restart (the hotspots retry); otherwise look at the client at this address (the limit applies once the server is half full: hbp.max_peers)",
  },
  "callsign-mismatch": {
    why: "the callsign it sends is not the registered owner of its id in the alias data (aliases.check_callsign)",
    fix: "configure the hotspot with the owner's callsign (or correct its DMR id); the sysop can turn the check off with aliases.check_callsign = false",
  },
  "bad-config": {
    why: "its configuration packet (RPTC: callsign, frequencies, location …) could not be read (wrong length or layout)",
    fix: "update the hotspot's software (MMDVMHost, DMRGateway, Pi-Star, WPSD); the login completes when it sends a readable configuration",
  },
  acl: {
    why: "the repeater id is not allowed by hbp.registration_acl",
    fix: "add the id to hbp.registration_acl, or correct the DMR id configured in the hotspot",
  },
  "access-rule": {
    why: "an access rule denies this repeater id, or no rule gives it a passphrase",
    fix: "check hbp.access_rules (action, repeater_id, repeater_id_range, passphrase)",
  },
  "max-peers": {
    why: "the server is full",
    fix: "raise hbp.max_peers",
  },
  "callsign-denied": {
    why: "an access rule denies this callsign",
    fix: "check the callsign patterns in hbp.access_rules, and the callsign configured in the hotspot",
  },
  "wrong-state": {
    why: "a login message out of order (the hotspot will start its login again)",
    fix: "nothing on the server if it happens once; if it repeats, look for two hotspots using the same id",
  },
  "invalid-id": {
    why: "repeater id 0 is not valid",
    fix: "set the hotspot's DMR id (Pi-Star: Configuration → General → DMR ID)",
  },
};

const LINK_REFUSALS: Record<LinkRefusalReason, (e: EventOf<"link.refused">) => Explanation> = {
  "wrong-network-id": (e) => ({
    why: `network id ${e.networkId ?? "?"} in bytes 11–14, expected network_id ${e.expectedNetworkId ?? "?"}`,
    fix:
      `HBlink4's default (preserve_source_peer) sends its hotspot id there: set accept_any_peer_id = true on [[openbridge]] "${e.link}"; ` +
      `otherwise make network_id of "${e.link}" equal the id the peer sends (${e.networkId ?? "?"})`,
  }),
  malformed: (e) => ({
    why: "not an OpenBridge/FBP datagram (unknown tag or wrong length), or an FBP frame that does not decode",
    fix: `check the peer speaks the protocol set on [[openbridge]] "${e.link}" (protocol = 1 for OpenBridge v1, 4 or 5 for FBP) and that nothing else sends to this port`,
  }),
  "bad-mac": (e) => ({
    why: "the MAC does not verify",
    fix: `both ends of the link must use the same passphrase ([[openbridge]] "${e.link}" passphrase)`,
  }),
  "wrong-protocol": (e) => ({
    why: `protocol mismatch${e.detail !== undefined ? ` (${e.detail})` : ""}`,
    fix: `set protocol on [[openbridge]] "${e.link}" to what the peer speaks (1 = OpenBridge v1, 5 = FBP), or turn enhanced on at both ends`,
  }),
  "bad-slot": (e) => ({
    why: "an OpenBridge v1 frame on TS2 (all OpenBridge traffic is TS1)",
    fix: `the peer of "${e.link}" must send on TS1: check its OpenBridge settings`,
  }),
  "too-old": (e) => ({
    why: `FBP frames older than max_age_seconds${e.detail !== undefined ? ` (${e.detail})` : ""}: the two servers' clocks differ`,
    fix: `run NTP on both servers, or raise max_age_seconds on [[openbridge]] "${e.link}"`,
  }),
  "bad-source-server": (e) => ({
    why: `FBP frames that name source server 0 or our own server id${e.detail !== undefined ? ` (${e.detail})` : ""}`,
    fix: "make server.server_id non-zero and unique on every server of the network",
  }),
  "too-many-hops": (e) => ({
    why: `FBP frames over max_hops${e.detail !== undefined ? ` (${e.detail})` : ""}: traffic is looping between servers`,
    fix: `look for a loop between the network's links, or raise max_hops on [[openbridge]] "${e.link}"`,
  }),
};

const STREAM_REFUSALS: Record<string, { level: LineLevel; why: (e: EventOf<"stream.refused">) => string; fix: string | null }> = {
  "subscriber-acl": {
    level: "info",
    why: (e) => `source radio ${e.sourceId} is not allowed`,
    fix: "routing.subscriber_acl, or sub_acl of the hotspot's hbp.access_rules entry",
  },
  "talkgroup-acl": {
    level: "info",
    why: (e) => `talkgroup ${e.destinationId} is not allowed on TS${e.slot}`,
    fix: "routing.tgid_ts1_acl / routing.tgid_ts2_acl, or tgid_ts1_acl / tgid_ts2_acl of the hotspot's hbp.access_rules entry",
  },
  "talkgroup-not-routed": {
    level: "info",
    why: (e) => `talkgroup ${e.destinationId} is reserved or local-only here (9990–9999, 4000, 5000, the dial talkgroup on the wrong slot, or above 16777215)`,
    fix: "call another talkgroup; on a link check its talkgroup_map and local_only_filter",
  },
  "duplicate-stream": {
    level: "info",
    why: () => "loop control: the same call already arrives from another port",
    fix: "nothing if occasional; if constant, two links carry the same talkgroup (check the talkgroup_map of the links)",
  },
  "duplicate-slot": {
    level: "info",
    why: () => "loop control: the same call arrives on both slots of one port (the first slot keeps it)",
    fix: "the upstream master has this server on the talkgroup on both slots: set it on one slot only",
  },
  "finished-stream": {
    level: "info",
    why: () => "loop control: this call ended a moment ago and came back from another port",
    fix: null,
  },
  "local-origin": {
    level: "info",
    why: () => "loop control: the link copy yields to the same call from a local hotspot",
    fix: null,
  },
};

const DIAL_REJECTIONS: Record<string, (e: EventOf<"dial.rejected">) => Explanation> = {
  "not-dialable": (e) => ({
    why: `reflector ${e.reflector} cannot be dialled`,
    fix: "dial a reflector from 5 to 999999 that is not a reserved number (4000 unlinks, 5000 asks the status, 9990–9999 are services)",
  }),
  "dial-disabled": (e) => ({
    why: `private call to ${e.reflector}, but dial-a-TG is off on this server`,
    fix: "set dial.enabled = true in the server's config, or use talkgroups (static: TS1=/TS2= in the hotspot's options)",
  }),
  "subscription-table-full": () => ({
    why: "the subscription table is full",
    fix: "raise routing.max_subscriptions",
  }),
};

function callsign(text: string | undefined): string {
  return text !== undefined && text !== "" ? ` (${text})` : "";
}

const ADDRESS_PATTERNS = [
  /\[[0-9A-Fa-f:.]+\](?::\d+)?/g, // [IPv6]:port
  /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, // IPv4[:port]
  /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,}[0-9A-Fa-f.]*(?::\d+)?/g, // bare IPv6 (two colons or more)
];

/** A free text with every IP address (and its port) replaced by "[address]". */
export function withoutAddresses(text: string): string {
  let out = text;
  for (const pattern of ADDRESS_PATTERNS) out = out.replace(pattern, "[address]");
  return out;
}

const ADDRESS_FIELD = /address|port$|^previous$|^peer$/i;

/** Fields without addresses and ports (for the public API). */
export function publicFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (!ADDRESS_FIELD.test(key) && value !== undefined) out[key] = value;
  return out;
}

function endpoint(address: string, port: number): string {
  if (port === 0 || address.includes("/")) return address; // a banned prefix ("2001:db8:1:2::/64") has no port
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The line for one event, or null when it is not for the log (stats). */
export function explainEvent(event: CoreEvent): ExplainedLine | null {
  switch (event.type) {
    case "session.refused":
      return sessionRefused(event);
    case "link.refused":
      return linkRefused(event);
    case "stream.refused":
      return streamRefused(event);
    case "dial.rejected": {
      const text = (DIAL_REJECTIONS[event.reason] ?? ((e) => ({ why: `refused (${e.reason})`, fix: "see the dial section of the README" })))(event);
      return {
        level: "info",
        reason: `dial.rejected:${event.reason}`,
        msg: `dial-a-TG refused for ${event.portName}: ${text.why}; ${text.fix}`,
        fields: { port: event.portName, repeaterId: event.repeaterId, reflector: event.reflector, reason: event.reason, fix: text.fix },
        refusal: true,
      };
    }
    case "dial.status":
      return {
        level: "info",
        reason: "dial.status",
        msg:
          `status request (private call to 5000) from ${event.portName}: ` +
          (event.reflector !== 0 ? `linked to reflector ${event.reflector}` : "not linked") +
          (event.defaultReflector !== 0 ? ` (default reflector ${event.defaultReflector})` : " (no default reflector; set DIAL= in the hotspot's options)"),
        fields: { port: event.portName, repeaterId: event.repeaterId, reflector: event.reflector, defaultReflector: event.defaultReflector },
        refusal: false,
      };
    case "dial.link":
      return {
        level: "info",
        reason: `dial.${event.action}`,
        msg: `${event.portName} ${event.action === "link" ? "linked to" : "unlinked from"} reflector ${event.reflector}${event.reason !== undefined ? ` (${event.reason})` : ""}`,
        fields: { port: event.portName, reflector: event.reflector, action: event.action, reason: event.reason },
        refusal: false,
      };
    case "options.applied":
      return optionsApplied(event);
    case "bridge.change":
      return {
        level: "info",
        reason: `bridge.${event.active ? "on" : "off"}`,
        msg: `bridge ${event.bridge}: ${event.system} TS${event.slot} TG ${event.talkgroupId} switched ${event.active ? "ON" : "OFF"} (${bridgeReason(event.reason)})`,
        fields: { bridge: event.bridge, system: event.system, slot: event.slot, talkgroupId: event.talkgroupId, active: event.active, reason: event.reason },
        refusal: false,
      };
    case "session.up":
      return {
        level: "info",
        reason: "session.up",
        msg: event.adopted === true ? "hotspot connected (session taken over from the cluster, no login)" : "hotspot connected",
        fields: { repeaterId: event.repeaterId, callsign: event.callsign, address: event.address, port: event.port, portIndex: event.portIndex, ...(event.adopted === true ? { adopted: true } : {}) },
        refusal: false,
      };
    case "session.down":
      return {
        level: "info",
        reason: `session.down:${event.reason}`,
        msg: "hotspot disconnected",
        fields: { repeaterId: event.repeaterId, callsign: event.callsign, reason: event.reason, portIndex: event.portIndex },
        refusal: false,
      };
    case "session.conflict":
      return {
        level: "warn",
        reason: "session.conflict",
        msg: `two stations are using repeater id ${event.repeaterId} (both keep talking, from ${event.oldAddress} and ${event.newAddress}); give one of them another id (e.g. append 01 to the DMR id)`,
        publicMsg: `two stations are using repeater id ${event.repeaterId} (both keep talking, from two addresses); give one of them another id (e.g. append 01 to the DMR id)`,
        fields: { repeaterId: event.repeaterId, oldAddress: event.oldAddress, newAddress: event.newAddress },
        refusal: true,
      };
    case "stream.start":
      return {
        level: "info",
        reason: "stream.start",
        msg: "stream start",
        fields: { streamId: event.streamId, port: event.portName, sourceId: event.sourceId, destinationId: event.destinationId, slot: event.slot, callType: event.callType, kind: event.kind },
        refusal: false,
      };
    case "stream.end":
      return {
        level: "info",
        reason: "stream.end",
        msg: "stream end",
        fields: {
          streamId: event.streamId,
          port: event.portName,
          sourceId: event.sourceId,
          destinationId: event.destinationId,
          slot: event.slot,
          callType: event.callType,
          kind: event.kind,
          durationMs: Math.round(event.durationMs),
          frames: event.frames,
          lost: event.lost,
          talkerAlias: event.talkerAlias,
          endedBy: event.endedBy,
        },
        refusal: false,
      };
    case "link.up":
      return { level: "info", reason: "link.up", msg: "link up", fields: { link: event.link, reason: event.reason }, refusal: false };
    case "link.down":
      return { level: "warn", reason: "link.down", msg: "link down", fields: { link: event.link, reason: event.reason }, refusal: false };
    case "subscription.change":
      return {
        level: "debug",
        reason: "subscription.change",
        msg: `${event.portName} TS${event.slot} TG ${event.talkgroupId} ${event.action === "add" ? "added" : "removed"} (${event.reason})`,
        fields: { port: event.portName, slot: event.slot, talkgroupId: event.talkgroupId, action: event.action, reason: event.reason },
        refusal: false,
      };
    case "log": {
      // per link (names come from the config: a bounded set), so one chatty link cannot hide another
      const link = event.data?.["link"];
      return { level: event.level, reason: `log:${event.level}${typeof link === "string" ? `:${link}` : ""}`, msg: event.msg, publicMsg: withoutAddresses(event.msg), fields: event.data ?? {}, refusal: false };
    }
    case "stats":
      return null;
    default: {
      const other = event as { type: string };
      return { level: "debug", reason: `event:${other.type}`, msg: other.type, fields: { event: other }, refusal: false };
    }
  }
}

/**
 * How many of the refusals a session.refused stands for were for its own repeater id: all of them,
 * unless a flood of several ids was summed up under the latest one (then only that one is known).
 */
export function refusalsOfItsId(event: EventOf<"session.refused">): number {
  return event.idsVaried === true ? 1 : (event.count ?? 1);
}

function sessionRefused(event: EventOf<"session.refused">): ExplainedLine {
  const text: Explanation = SESSION_REFUSALS[event.reason] ?? { why: `refused (${event.reason})`, fix: "see the hbp section of the README" };
  const count = event.count ?? 1;
  // a source refused faster than a few a second is summed up (core/hbp_master/login_refusals.ts)
  const summed = count > 1 ? ` (one report for ${count} refusals from this source${event.idsVaried === true ? ", of several ids, the latest shown" : ""}: a flood is summed up once a second)` : "";
  const fields: Record<string, unknown> = { repeaterId: event.repeaterId, callsign: event.callsign, address: event.address, port: event.port, reason: event.reason, fix: text.fix };
  if (count > 1) fields["count"] = count;
  if (event.idsVaried === true) fields["idsVaried"] = true;
  return {
    level: "warn",
    reason: `session.refused:${event.reason}`,
    msg: `login refused for repeater ${event.repeaterId}${callsign(event.callsign)} from ${endpoint(event.address, event.port)}: ${text.why}; ${text.fix}${summed}`,
    publicMsg: `login refused for repeater ${event.repeaterId}${callsign(event.callsign)}: ${text.why}; ${text.fix}${summed}`,
    fields,
    refusal: true,
  };
}

function linkRefused(event: EventOf<"link.refused">): ExplainedLine {
  const explain = LINK_REFUSALS[event.reason] ?? ((e: EventOf<"link.refused">) => ({ why: `dropped (${e.reason})`, fix: "see the openbridge section of the README" }));
  const text = explain(event);
  const what = event.count === 1 ? "1 datagram" : `${event.count} datagrams`;
  return {
    level: "warn",
    reason: `link.refused:${event.reason}`,
    msg: `link ${event.link}: ${what} from ${endpoint(event.address, event.port)} dropped: ${text.why}; ${text.fix}`,
    publicMsg: `link ${event.link}: ${what} dropped: ${text.why}; ${text.fix}`,
    fields: {
      link: event.link,
      reason: event.reason,
      count: event.count,
      address: event.address,
      port: event.port,
      ...(event.networkId !== undefined ? { networkId: event.networkId, expectedNetworkId: event.expectedNetworkId } : {}),
      ...(event.detail !== undefined ? { detail: event.detail } : {}),
      fix: text.fix,
    },
    refusal: true,
  };
}

function streamRefused(event: EventOf<"stream.refused">): ExplainedLine {
  const text = STREAM_REFUSALS[event.reason];
  const why = text?.why(event) ?? `refused (${event.reason})`;
  const fix = text === undefined ? null : text.fix;
  return {
    level: text?.level ?? "info",
    reason: `stream.refused:${event.reason}`,
    msg: `call from ${event.sourceId} to ${event.destinationId} on TS${event.slot} via ${event.portName} not routed: ${why}${fix !== null ? `; ${fix}` : ""}`,
    fields: {
      port: event.portName,
      repeaterId: event.repeaterId,
      streamId: event.streamId,
      sourceId: event.sourceId,
      destinationId: event.destinationId,
      slot: event.slot,
      reason: event.reason,
      ...(fix !== null ? { fix } : {}),
    },
    refusal: true,
  };
}

const OPTIONS_FIX = "correct the Options= line in the hotspot (Pi-Star: Expert → DMR Gateway / MMDVMHost, [DMR Network] Options)";

function optionsApplied(event: EventOf<"options.applied">): ExplainedLine {
  const options = redactOptionKey(event.options);
  const rejected = event.rejected.map(redactOptionKey);
  if (rejected.length === 0) {
    return {
      level: "info",
      reason: "options.applied",
      msg: `options of ${event.portName} applied`,
      fields: { port: event.portName, repeaterId: event.repeaterId, options },
      refusal: false,
    };
  }
  return {
    level: "warn",
    reason: "options.rejected",
    msg: `options of ${event.portName}: ${rejected.length === 1 ? "1 token" : `${rejected.length} tokens`} rejected (${rejected.join("; ")}); the rest applied; ${OPTIONS_FIX}`,
    fields: { port: event.portName, repeaterId: event.repeaterId, options, rejected, fix: OPTIONS_FIX },
    refusal: true,
  };
}

function bridgeReason(reason: string): string {
  switch (reason) {
    case "on":
      return "ON trigger talkgroup keyed";
    case "off":
      return "OFF trigger talkgroup keyed";
    case "timer":
      return "its timeout_minutes ran out";
    default:
      return reason;
  }
}

/**
 * Config sections for federation: `[federation]` (shared loop-control settings), `[[openbridge]]`
 * (OpenBridge v1 / FreeDMR FBP v4/v5 links to other servers) and `[[upstream]]` (freedmr logging in
 * to another master as an HBP client). Every key has a description and a default; keys that must
 * be set per link (passphrase, addresses, ids) default to empty/0 and `validateFederationConfig`
 * names them when they are missing. src/config/federation_options.ts maps these onto the core's
 * plain options.
 * @module
 */
import { isIP } from "node:net";
import { Type, type Static } from "@sinclair/typebox";
import { parseAcl } from "../../core/acl.ts";
import type { ConfigError } from "../errors.ts";
import type { Config } from "../schema.ts";

const strict = { additionalProperties: false } as const;
const ID32_MAX = 4294967295;
const TG_MAX = 16777215;

const port = (description: string, fallback: number) =>
  Type.Integer({ description, default: fallback, minimum: 0, maximum: 65535 });

const acl = (description: string) =>
  Type.String({ description, default: "PERMIT:ALL", minLength: 1, maxLength: 65536, examples: ["DENY:1-999999"] });

export const OpenBridgeTalkgroupRange = Type.Object(
  {
    link_first: Type.Integer({
      description: "First talkgroup of the range as it travels on the link (always TS1 on OpenBridge).",
      default: 1,
      minimum: 1,
      maximum: TG_MAX,
      examples: [2350],
    }),
    link_last: Type.Integer({
      description: "Last talkgroup of the range on the link; 0 means the same as link_first (one talkgroup).",
      default: 0,
      minimum: 0,
      maximum: TG_MAX,
    }),
    local_first: Type.Integer({
      description: "Local talkgroup that link_first becomes here (the rest of the range follows in order).",
      default: 1,
      minimum: 1,
      maximum: TG_MAX,
      examples: [91],
    }),
  },
  { ...strict, description: "Talkgroup map entries: link talkgroups link_first..link_last ↔ local talkgroups from local_first. First match wins." },
);

export const OpenBridgeLinkSection = Type.Object(
  {
    name: Type.String({ description: "Name of this link, shown in logs; bridges refer to the link by it.", default: "", maxLength: 64, examples: ["FreeDMR-UK"] }),
    enabled: Type.Boolean({ description: "Run this link.", default: true }),
    bind_address: Type.String({
      description: 'Local address to listen on ("::" = every IPv4 and IPv6 address).',
      default: "::",
      minLength: 1,
      maxLength: 64,
    }),
    port: port("Local UDP port of this link (each link needs its own). 0 picks a free port (tests).", 62035),
    target_address: Type.String({
      description:
        'Address of the other server (an IPv4 or IPv6 literal, no host names). May be "" on an enhanced link with relaxed_checks: the peer is then learnt from its first signed packet.',
      default: "",
      maxLength: 64,
      examples: ["192.0.2.20"],
    }),
    target_port: port("UDP port of the other server's end of this link.", 62035),
    passphrase: Type.String({
      description: "Shared secret of the link (both ends must use the same). Only the first 20 characters count (OpenBridge key).",
      default: "",
      maxLength: 256,
      examples: ["a-long-link-secret"],
    }),
    network_id: Type.Integer({
      description: "The other server's id (its server_id / NETWORK_ID): every packet it sends must carry it.",
      default: 0,
      minimum: 0,
      maximum: ID32_MAX,
      examples: [2345],
    }),
    protocol: Type.Union([Type.Literal(1), Type.Literal(4), Type.Literal(5)], {
      description: "1 = OpenBridge (BrandMeister, HBlink3/4, FreeDMR PROTO_VER 1); 4 or 5 = FreeDMR FBP (DMRE frames with hop count and BLAKE2b).",
      default: 5,
    }),
    enhanced: Type.Union([Type.Literal("auto"), Type.Boolean()], {
      description:
        'Bridge control (BCKA keepalives, BCSQ source quench, BCVE version; FreeDMR ENHANCED_OBP): true, false or "auto" (on for protocol 4/5, off for 1). With it on, a peer that sends no keepalive for keepalive_timeout_seconds gets no traffic.',
      default: "auto",
    }),
    relaxed_checks: Type.Boolean({
      description:
        "Accept packets with a valid signature from any address (NAT, dynamic IP), and send to a new peer address only on FBP (protocol 4/5) traffic with a fresh timestamp newer than any before: never on a keepalive (replayable) nor on OpenBridge v1 (no timestamps). Off: only target_address:target_port is accepted.",
      default: true,
    }),
    accept_any_peer_id: Type.Boolean({
      description:
        "Accept any id in bytes 11–14 instead of network_id. Needed for HBlink4 as it ships (preserve_source_peer puts the hotspot id there); leave off for every other peer.",
      default: false,
    }),
    unit_calls: Type.Union([Type.Literal("auto"), Type.Boolean()], {
      description: 'Carry private (unit) calls and data to radio ids ≥ 1,000,000: true, false or "auto" (on for protocol 4/5, off for 1, like FreeDMR).',
      default: "auto",
    }),
    talkgroup_map: Type.Array(OpenBridgeTalkgroupRange, { description: OpenBridgeTalkgroupRange.description, default: [], maxItems: 10000 }),
    pass_all_talkgroups: Type.Boolean({
      description: "Talkgroups not in talkgroup_map cross the link with the same number. Off: only mapped talkgroups cross.",
      default: true,
    }),
    local_only_filter: Type.Boolean({
      description: "FreeDMR's low-level filter: talkgroups ≤ 79, 9990–9999 and 900999 never cross (92–199 and 80–89/800–899 follow FreeDMR's regional rules regardless).",
      default: true,
    }),
    sub_acl: acl("Radio ids that may cross this link, either way (FreeDMR SUB_ACL)."),
    tgid_acl: acl("Talkgroups (as numbered on the link) that may cross this link, either way (FreeDMR TGID_ACL)."),
    keepalive_interval_seconds: Type.Integer({ description: "Send a keepalive (BCKA) this often (enhanced links).", default: 10, minimum: 1, maximum: 3600 }),
    keepalive_timeout_seconds: Type.Integer({
      description: "Stop sending to a peer whose keepalives stopped this long ago (enhanced links).",
      default: 60,
      minimum: 5,
      maximum: 86400,
    }),
    max_age_seconds: Type.Number({ description: "Drop FBP frames whose timestamp is older than this (clock skew between servers counts).", default: 5, minimum: 0.1, maximum: 3600 }),
    max_hops: Type.Integer({ description: "Drop FBP frames that would travel more than this many links.", default: 10, minimum: 1, maximum: 255 }),
    receive_buffer_bytes: Type.Integer({ description: "Kernel receive buffer for this link's socket.", default: 1048576, minimum: 0, maximum: 268435456 }),
  },
  { ...strict, description: "OpenBridge / FreeDMR FBP links to other servers (one [[openbridge]] table per link)." },
);

export const UpstreamTalkgroupRange = Type.Object(
  {
    slot: Type.Union([Type.Literal(1), Type.Literal(2)], { description: "Slot on the upstream master's side.", default: 1 }),
    remote_first: Type.Integer({ description: "First talkgroup of the range on the upstream master.", default: 1, minimum: 1, maximum: TG_MAX, examples: [91] }),
    remote_last: Type.Integer({ description: "Last talkgroup of the range upstream; 0 means the same as remote_first.", default: 0, minimum: 0, maximum: TG_MAX }),
    local_first: Type.Integer({ description: "Local talkgroup that remote_first becomes here.", default: 1, minimum: 1, maximum: TG_MAX, examples: [91] }),
    direction: Type.Union([Type.Literal("both"), Type.Literal("up"), Type.Literal("down")], {
      description: 'Which way the range carries calls: "both", "up" (only from here to the master) or "down" (only from the master).',
      default: "both",
    }),
  },
  { ...strict, description: "Talkgroup map: what goes up to the master and what comes down, with renumbering. First match wins." },
);

export const UpstreamLinkSection = Type.Object(
  {
    name: Type.String({ description: "Name of this upstream link, shown in logs.", default: "", maxLength: 64, examples: ["BM-2341"] }),
    enabled: Type.Boolean({ description: "Run this link.", default: true }),
    bind_address: Type.String({ description: 'Local address for the link\'s socket ("::" = any). The port is chosen by the system and changes after each reconnect.', default: "::", minLength: 1, maxLength: 64 }),
    address: Type.String({ description: "Address of the upstream master (an IPv4 or IPv6 literal).", default: "", maxLength: 64, examples: ["192.0.2.31"] }),
    port: port("UDP port of the upstream master.", 62031),
    passphrase: Type.String({ description: "Passphrase the upstream master gave you.", default: "", maxLength: 256, examples: ["the-masters-password"] }),
    repeater_id: Type.Integer({ description: "Repeater id this server logs in with (as registered with the upstream network).", default: 0, minimum: 0, maximum: ID32_MAX, examples: [234100101] }),
    callsign: Type.String({ description: "Callsign sent in the configuration (RPTC).", default: "", maxLength: 8, examples: ["N0CALL"] }),
    rx_freq: Type.Integer({ description: "RX frequency in Hz sent in the configuration (0 for a network link).", default: 0, minimum: 0, maximum: 999999999 }),
    tx_freq: Type.Integer({ description: "TX frequency in Hz sent in the configuration.", default: 0, minimum: 0, maximum: 999999999 }),
    tx_power: Type.Integer({ description: "TX power in watts sent in the configuration.", default: 0, minimum: 0, maximum: 99 }),
    color_code: Type.Integer({ description: "Colour code sent in the configuration.", default: 1, minimum: 0, maximum: 15 }),
    latitude: Type.Number({ description: "Latitude sent in the configuration.", default: 0, minimum: -90, maximum: 90 }),
    longitude: Type.Number({ description: "Longitude sent in the configuration.", default: 0, minimum: -180, maximum: 180 }),
    height: Type.Integer({ description: "Antenna height in metres sent in the configuration.", default: 0, minimum: 0, maximum: 999 }),
    location: Type.String({ description: "Location text sent in the configuration.", default: "", maxLength: 20 }),
    description: Type.String({ description: "Description text sent in the configuration.", default: "freedmr", maxLength: 19 }),
    url: Type.String({ description: "URL sent in the configuration.", default: "", maxLength: 124 }),
    software_id: Type.String({ description: "Software id sent in the configuration.", default: "freedmr", maxLength: 40 }),
    package_id: Type.String({ description: "Package id sent in the configuration.", default: "freedmr", maxLength: 40 }),
    slots: Type.Union([Type.Literal("1"), Type.Literal("2"), Type.Literal("3"), Type.Literal("4")], {
      description: 'Slots announced in the configuration: "1", "2", "3" (both, duplex) or "4" (simplex).',
      default: "3",
    }),
    options: Type.String({
      description: 'Options sent after login (RPTO), e.g. "TS1=91;TS2=2350;" to ask a FreeDMR/HBlink master for static talkgroups. Empty sends none.',
      default: "",
      maxLength: 300,
    }),
    talkgroup_map: Type.Array(UpstreamTalkgroupRange, { description: UpstreamTalkgroupRange.description, default: [], maxItems: 10000 }),
    pass_all_talkgroups: Type.Boolean({
      description:
        "Talkgroups not in talkgroup_map cross with the same number: from the master on either slot; up on the slot options lists them for (TS1=/TS2=), else on default_slot. Off: only mapped talkgroups cross.",
      default: true,
    }),
    default_slot: Type.Union([Type.Literal(1), Type.Literal(2)], {
      description: "Slot calls go up on when neither talkgroup_map nor options names one for their talkgroup.",
      default: 2,
    }),
    local_only_filter: Type.Boolean({ description: "Talkgroups ≤ 79, 9990–9999 and 900999 never cross.", default: true }),
    unit_calls: Type.Boolean({ description: "Carry private (unit) calls and data to radio ids ≥ 1,000,000.", default: true }),
    sub_acl: acl("Radio ids that may cross this link, either way."),
    ping_interval_seconds: Type.Integer({ description: "Ping the master this often while logged in.", default: 10, minimum: 1, maximum: 600 }),
    retry_seconds: Type.Integer({ description: "Resend an unanswered login step this often, and wait this long before logging in again after a refusal or disconnect.", default: 10, minimum: 1, maximum: 3600 }),
    timeout_seconds: Type.Integer({ description: "Reconnect (from a new source port) after this long without an answer from the master.", default: 60, minimum: 5, maximum: 86400 }),
  },
  { ...strict, description: "Upstream masters this server logs in to as if it were a hotspot (one [[upstream]] table per master)." },
);

export const FederationSection = Type.Object(
  {
    stream_capacity: Type.Integer({
      description: "Streams tracked at once for loop control across all links (rounded up to a power of two).",
      default: 16384,
      minimum: 64,
      maximum: 4194304,
    }),
    stream_memory_seconds: Type.Integer({
      description: "How long a stream is remembered after its last frame; late copies arriving over another link are dropped meanwhile (FreeDMR: 180).",
      default: 180,
      minimum: 5,
      maximum: 3600,
    }),
  },
  { ...strict, description: "Settings shared by every OpenBridge and upstream link.", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const federationSections = {
  federation: FederationSection,
  openbridge: Type.Array(OpenBridgeLinkSection, { description: OpenBridgeLinkSection.description, default: [], maxItems: 1000 }),
  upstream: Type.Array(UpstreamLinkSection, { description: UpstreamLinkSection.description, default: [], maxItems: 100 }),
};

export type OpenBridgeConfig = Static<typeof OpenBridgeLinkSection>;
export type UpstreamConfig = Static<typeof UpstreamLinkSection>;
export type FederationConfig = Static<typeof FederationSection>;

/** The part of Config this file reads (kept structural so it type-checks while schema.ts evolves). */
interface FederationView {
  server: { server_id: number };
  hbp: { port: number; enabled: boolean };
  openbridge: OpenBridgeConfig[];
  upstream: UpstreamConfig[];
}

/** Semantic checks the schema cannot express; every error names its key path. */
export function validateFederationConfig(config: Config): ConfigError[] {
  const c = config as unknown as FederationView;
  const errors: ConfigError[] = [];
  const names = new Map<string, string>();
  const ports = new Map<number, string>();
  if (c.hbp.enabled && c.hbp.port !== 0) ports.set(c.hbp.port, "hbp.port");
  const checkName = (path: string, name: string): void => {
    if (name.trim() === "") {
      errors.push({ path, value: name, expected: "a name for this link" });
      return;
    }
    const other = names.get(name);
    if (other !== undefined) errors.push({ path, value: name, expected: `a name not used by another link (${other} has it)` });
    names.set(name, path);
  };
  const checkAddress = (path: string, address: string, allowEmpty: boolean): void => {
    if (address === "" && allowEmpty) return;
    if (isIP(address) === 0) errors.push({ path, value: address, expected: 'an IPv4 or IPv6 address literal such as "192.0.2.20" or "2001:db8::20" (no host names)' });
  };
  const checkAcl = (path: string, text: string): void => {
    const parsed = parseAcl(text);
    if (!parsed.ok) errors.push({ path, value: text, expected: `an ACL like "PERMIT:ALL" or "DENY:1,2000-2999" (${parsed.error})` });
  };
  let enabledLinks = 0;
  c.openbridge.forEach((link, i) => {
    const base = `openbridge[${i}]`;
    checkName(`${base}.name`, link.name);
    if (!link.enabled) return;
    enabledLinks++;
    checkAddress(`${base}.bind_address`, link.bind_address, false);
    const enhanced = link.enhanced === "auto" ? link.protocol !== 1 : link.enhanced;
    if (link.target_address === "" && !(enhanced && link.relaxed_checks)) {
      errors.push({ path: `${base}.target_address`, value: "", expected: "the other server's address (it may only be left empty on an enhanced link with relaxed_checks)" });
    } else {
      checkAddress(`${base}.target_address`, link.target_address, true);
    }
    if (link.target_address !== "" && link.target_port === 0) errors.push({ path: `${base}.target_port`, value: 0, expected: "the other server's UDP port (1–65535)" });
    if (link.passphrase === "") errors.push({ path: `${base}.passphrase`, value: undefined, expected: "the link's shared passphrase (both ends must use the same)" });
    if (link.network_id === 0) errors.push({ path: `${base}.network_id`, value: 0, expected: "the other server's id (non-zero)" });
    if (link.port !== 0) {
      const other = ports.get(link.port);
      if (other !== undefined) errors.push({ path: `${base}.port`, value: link.port, expected: `a port not used by ${other}` });
      ports.set(link.port, `${base}.port`);
    }
    checkAcl(`${base}.sub_acl`, link.sub_acl);
    checkAcl(`${base}.tgid_acl`, link.tgid_acl);
    link.talkgroup_map.forEach((r, k) => {
      if (r.link_last !== 0 && r.link_last < r.link_first) {
        errors.push({ path: `${base}.talkgroup_map[${k}].link_last`, value: r.link_last, expected: `0 or a talkgroup ≥ link_first (${r.link_first})` });
      }
      const span = r.link_last === 0 ? 0 : r.link_last - r.link_first;
      if (r.local_first + span > TG_MAX) errors.push({ path: `${base}.talkgroup_map[${k}].local_first`, value: r.local_first, expected: `a start that keeps the range within ${TG_MAX}` });
    });
  });
  if (enabledLinks > 0 && c.server.server_id === 0) {
    errors.push({ path: "server.server_id", value: 0, expected: "this server's id (non-zero): OpenBridge links put it in every packet and peers check it" });
  }
  c.upstream.forEach((link, i) => {
    const base = `upstream[${i}]`;
    checkName(`${base}.name`, link.name);
    if (!link.enabled) return;
    checkAddress(`${base}.bind_address`, link.bind_address, false);
    checkAddress(`${base}.address`, link.address, false);
    if (link.port === 0) errors.push({ path: `${base}.port`, value: 0, expected: "the master's UDP port (1–65535)" });
    if (link.passphrase === "") errors.push({ path: `${base}.passphrase`, value: undefined, expected: "the passphrase of the upstream master" });
    if (link.repeater_id === 0) errors.push({ path: `${base}.repeater_id`, value: 0, expected: "the repeater id to log in with (non-zero)" });
    checkAcl(`${base}.sub_acl`, link.sub_acl);
    link.talkgroup_map.forEach((r, k) => {
      if (r.remote_last !== 0 && r.remote_last < r.remote_first) {
        errors.push({ path: `${base}.talkgroup_map[${k}].remote_last`, value: r.remote_last, expected: `0 or a talkgroup ≥ remote_first (${r.remote_first})` });
      }
    });
  });
  return errors;
}

/**
 * Options of one OpenBridge/FBP link, as plain data (src/config/federation_options.ts maps `[[openbridge]]` onto it;
 * tests build it with `openBridgeLinkOptions({...})`). Times are milliseconds.
 * @module
 */
import { PERMIT_ALL, type Acl } from "../acl.ts";
import { DEFAULT_LINK_TALKGROUP_MAP, type LinkTalkgroupMap } from "../routing/options.ts";

export type OpenBridgeProtocol = 1 | 4 | 5;

export interface OpenBridgeLinkOptions {
  /** Configured name: logs, events, bridges refer to the link by it. */
  readonly name: string;
  readonly bindAddress: string;
  /** Local UDP port; 0 = ephemeral (tests). */
  readonly port: number;
  /** Peer address literal; "" = unknown until the peer's first BCKA (needs relaxedChecks + enhanced). */
  readonly targetAddress: string;
  readonly targetPort: number;
  readonly passphrase: string;
  /** The peer's server id: must be in bytes 11–14 of everything it sends (freedmr-reference §2). */
  readonly networkId: number;
  /** Protocol we start with: 1 (OBP, BrandMeister/HBlink) or 4/5 (FreeDMR FBP). */
  readonly protocol: OpenBridgeProtocol;
  /** Bridge control on: BCKA keepalives, BCSQ source quench, BCVE version (FreeDMR ENHANCED_OBP). */
  readonly enhanced: boolean;
  /** Accept packets from any address with a valid MAC; the peer's address follows its BCKA (dynamic IP, NAT). */
  readonly relaxedChecks: boolean;
  /** HBlink4 interop (interop-notes.md): accept any id in bytes 11–14 instead of requiring networkId. */
  readonly acceptAnyPeerId: boolean;
  /** Carry unit (private) calls and unit data; FreeDMR floods unit data only to FBP (v4/v5) links. */
  readonly unitCalls: boolean;
  /** Talkgroup map handed to the router (link TS1 namespace ↔ local conferences, TG ACLs). */
  readonly talkgroupMap: LinkTalkgroupMap;
  /** Source radio ids allowed across the link (both directions), FreeDMR SUB_ACL. */
  readonly subscriberAcl: Acl;
  /** BCKA every … (FreeDMR: 10 s). */
  readonly keepaliveIntervalMs: number;
  /** No BCKA (nor any valid frame) for … → the link gets no traffic (FreeDMR: 60 s). */
  readonly keepaliveTimeoutMs: number;
  /** BCVE every … (FreeDMR: 60 s). */
  readonly versionIntervalMs: number;
  /** FBP frames whose timestamp is older than this are dropped (§2.3: 5 s). */
  readonly maxAgeMs: number;
  /** FBP frames that would exceed this many hops are dropped (§2.3: 10). */
  readonly maxHops: number;
  readonly receiveBufferBytes: number;
}

export const DEFAULT_OPENBRIDGE_LINK: OpenBridgeLinkOptions = {
  name: "openbridge",
  bindAddress: "::",
  port: 62035,
  targetAddress: "",
  targetPort: 62035,
  passphrase: "",
  networkId: 0,
  protocol: 5,
  enhanced: true,
  relaxedChecks: true,
  acceptAnyPeerId: false,
  unitCalls: true,
  talkgroupMap: DEFAULT_LINK_TALKGROUP_MAP,
  subscriberAcl: PERMIT_ALL,
  keepaliveIntervalMs: 10_000,
  keepaliveTimeoutMs: 60_000,
  versionIntervalMs: 60_000,
  maxAgeMs: 5_000,
  maxHops: 10,
  receiveBufferBytes: 1 << 20,
};

/**
 * Complete options from a partial description. `enhanced` and `unitCalls` default by protocol
 * (on for 4/5, off for 1) unless given.
 */
export function openBridgeLinkOptions(input: Partial<OpenBridgeLinkOptions> & Pick<OpenBridgeLinkOptions, "name">): OpenBridgeLinkOptions {
  const protocol = input.protocol ?? DEFAULT_OPENBRIDGE_LINK.protocol;
  return {
    ...DEFAULT_OPENBRIDGE_LINK,
    enhanced: protocol !== 1,
    unitCalls: protocol !== 1,
    ...input,
  };
}

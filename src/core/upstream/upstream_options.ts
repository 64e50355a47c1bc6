/**
 * Options of one upstream link — freedmr logging in to another master (BrandMeister, FreeDMR,
 * HBlink, another freedmr) as an HBP client (hbp-and-dmr.md §1.6). src/config/federation_options.ts maps
 * `[[upstream]]` onto it; tests use `upstreamLinkOptions({...})`. Times are milliseconds.
 * @module
 */
import { PERMIT_ALL, type Acl } from "../acl.ts";
import type { LinkTalkgroupMap, LinkTalkgroupRange } from "../routing/options.ts";

/** Which way a talkgroup range of the map may carry traffic. */
export type UpstreamDirection = "both" | "up" | "down";

export interface UpstreamTalkgroupRange {
  /** Slot on the upstream master's side. */
  readonly slot: 1 | 2;
  /** Talkgroups first..last on the master's side … */
  readonly remoteFirst: number;
  readonly remoteLast: number;
  /** … are local conferences localFirst + (tg − remoteFirst). */
  readonly localFirst: number;
  readonly direction: UpstreamDirection;
}

export interface UpstreamLinkOptions {
  readonly name: string;
  /** Local address to bind ("::" or "0.0.0.0"); the source port is ephemeral and changes on reopen. */
  readonly bindAddress: string;
  /** Master address literal and port. */
  readonly address: string;
  readonly port: number;
  readonly passphrase: string;
  /** Our repeater id at the master. */
  readonly repeaterId: number;
  // RPTC fields (§1.3)
  readonly callsign: string;
  readonly rxFrequencyHz: number;
  readonly txFrequencyHz: number;
  readonly txPower: number;
  readonly colourCode: number;
  readonly latitude: number;
  readonly longitude: number;
  readonly heightM: number;
  readonly location: string;
  readonly description: string;
  readonly url: string;
  readonly softwareId: string;
  readonly packageId: string;
  /** RPTC slots character: "1", "2", "3" (duplex), "4" (simplex). */
  readonly slots: string;
  /** RPTO options text sent after login ("" = none), e.g. "TS1=91;TS2=2350;". */
  readonly options: string;
  /** Map ranges, first match wins. */
  readonly talkgroups: readonly UpstreamTalkgroupRange[];
  /** After the ranges: every other talkgroup crosses one to one (from the master on either slot; up on defaultSlot). */
  readonly passAllTalkgroups: boolean;
  /**
   * Slot that calls go up on when neither the map nor the options (TS1=/TS2=) name one for their
   * talkgroup. Talkgroups listed in `options` go up on the slot they are listed for, so the master
   * does not user-activate them on the other slot as well.
   */
  readonly defaultSlot: 1 | 2;
  /** Talkgroups ≤ 79, 9990–9999, 900999 never cross (FreeDMR low-level filter). */
  readonly localOnlyFilter: boolean;
  /** Carry unit (private) calls and data to/from radio ids ≥ 1,000,000. */
  readonly unitCalls: boolean;
  /** Source radio ids allowed across the link (both directions). */
  readonly subscriberAcl: Acl;
  readonly pingIntervalMs: number;
  /** Resend interval of an unanswered login step, and the wait before the first RPTL after a reopen. */
  readonly retryMs: number;
  /** No RPTACK/MSTPONG for this long → close, reopen on a new port, log in again. */
  readonly timeoutMs: number;
  /** Send the first RPTL this long after start (DMRGateway waits one retry period; 0 = at once). */
  readonly initialDelayMs: number;
}

export const DEFAULT_UPSTREAM_LINK: UpstreamLinkOptions = {
  name: "upstream",
  bindAddress: "::",
  address: "",
  port: 62031,
  passphrase: "",
  repeaterId: 0,
  callsign: "",
  rxFrequencyHz: 0,
  txFrequencyHz: 0,
  txPower: 0,
  colourCode: 1,
  latitude: 0,
  longitude: 0,
  heightM: 0,
  location: "",
  description: "freedmr",
  url: "",
  softwareId: "freedmr",
  packageId: "freedmr",
  slots: "3",
  options: "",
  talkgroups: [],
  passAllTalkgroups: true,
  defaultSlot: 2,
  localOnlyFilter: true,
  unitCalls: true,
  subscriberAcl: PERMIT_ALL,
  pingIntervalMs: 10_000,
  retryMs: 10_000,
  timeoutMs: 60_000,
  initialDelayMs: 0,
};

export function upstreamLinkOptions(input: Partial<UpstreamLinkOptions> & Pick<UpstreamLinkOptions, "name">): UpstreamLinkOptions {
  return { ...DEFAULT_UPSTREAM_LINK, ...input };
}

const ALL_FIRST = 1;
const ALL_LAST = 16777215;

/** Talkgroups named per slot in an RPTO options string ("TS1=91,92;TS2=3100;"). */
export function optionsTalkgroups(options: string): { slot: 1 | 2; talkgroupId: number }[] {
  const out: { slot: 1 | 2; talkgroupId: number }[] = [];
  for (const part of options.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toUpperCase();
    const slot = key === "TS1" ? 1 : key === "TS2" ? 2 : 0;
    if (slot === 0) continue;
    for (const item of part.slice(eq + 1).split(",")) {
      const t = item.trim();
      if (/^\d{1,8}$/.test(t) && Number(t) > 0 && Number(t) <= ALL_LAST) out.push({ slot, talkgroupId: Number(t) });
    }
  }
  return out;
}

/**
 * The router's view of the map (both directions; direction limits are applied by the link): the
 * configured ranges, then the talkgroups of `options` on their slots, then — with passAllTalkgroups
 * — everything on defaultSlot, then everything on the other slot (from the master only: the router
 * sends each conference up on the first range that matches).
 */
export function upstreamRouterMap(options: UpstreamLinkOptions): LinkTalkgroupMap {
  const ranges: LinkTalkgroupRange[] = options.talkgroups.map((r) => ({ linkSlot: r.slot, linkFirst: r.remoteFirst, linkLast: r.remoteLast, localFirst: r.localFirst }));
  if (options.passAllTalkgroups) {
    for (const t of optionsTalkgroups(options.options)) ranges.push({ linkSlot: t.slot, linkFirst: t.talkgroupId, linkLast: t.talkgroupId, localFirst: t.talkgroupId });
    const other = options.defaultSlot === 1 ? 2 : 1;
    ranges.push({ linkSlot: options.defaultSlot, linkFirst: ALL_FIRST, linkLast: ALL_LAST, localFirst: ALL_FIRST });
    ranges.push({ linkSlot: other, linkFirst: ALL_FIRST, linkLast: ALL_LAST, localFirst: ALL_FIRST });
  }
  return { ranges, localOnlyFilter: options.localOnlyFilter, ingressAcl: PERMIT_ALL, egressAcl: PERMIT_ALL };
}

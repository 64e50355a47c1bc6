/**
 * Every text the dashboard shows, by key. English is the only table today; a translation is
 * another `Strings` object with the same keys (the type makes a missing key a compile error), picked
 * by `setLanguage`. Placeholders are `{name}`.
 * @module
 */
export const en = {
  appName: "freedmr",
  navNow: "Now",
  navLastHeard: "Last heard",
  navHotspots: "Hotspots",
  navTalkgroups: "Talkgroups",
  navLinks: "Links",
  navSelfCare: "Self-care",
  themeAuto: "Theme: auto",
  themeLight: "Theme: light",
  themeDark: "Theme: dark",
  connLive: "live",
  connPolling: "polling",
  connConnecting: "connecting…",
  connOffline: "offline",
  connTitleLive: "Live updates over WebSocket",
  connTitlePolling: "No live feed from this server: refreshing every few seconds",
  connTitleOffline: "The server does not answer; retrying",
  loading: "Loading…",
  noData: "Nothing yet.",
  error: "Could not load: {message}",

  nowTitle: "Calls in progress",
  nowNone: "Nobody is talking right now.",
  nowServer: "Server",
  justHeard: "Just heard",
  statVersion: "Version",
  statUptime: "Uptime",
  statHotspots: "Hotspots",
  statLinksUp: "Links up",
  statCalls: "Calls now",
  statFramesIn: "Frames in",
  statFramesOut: "Frames out",
  statMemory: "Memory",
  statRefusals: "Login refusals",
  recentRefusals: "Recent login refusals",

  colSource: "Source",
  colName: "Name",
  colAlias: "Talker alias",
  colTalkgroup: "Talkgroup",
  colDestination: "To",
  colSlot: "Slot",
  colEntered: "Entered at",
  colDuration: "Duration",
  colWhen: "When",
  colLoss: "Loss",
  colEnded: "Ended by",
  colCallsign: "Callsign",
  colId: "ID",
  colLocation: "Location",
  colSoftware: "Software",
  colSlots: "Slots",
  colTs1: "TS1 talkgroups",
  colTs2: "TS2 talkgroups",
  colDial: "Dial",
  colUptime: "Connected",
  colFamily: "Address family",
  colReason: "Reason",
  colState: "State",
  colProtocol: "Protocol",
  colKind: "Kind",
  colSince: "Since",
  colKeepalive: "Last keepalive",
  colTraffic: "Traffic",
  colDrops: "Drops",
  colSubscribers: "Subscribed",
  colActivity: "Last activity",
  colCalls: "Calls",
  colLastTalker: "Last talker",
  colToken: "Option",

  slot: "TS{slot}",
  group: "group",
  unit: "private",
  voice: "voice",
  data: "data",
  liveBadge: "on air",
  static: "static",
  dynamic: "dynamic",
  expiresIn: "expires {time}",
  never: "never",
  none: "none",
  unknown: "—",

  lastHeardTitle: "Last heard",
  search: "Search callsign, name, alias, ID or talkgroup",
  showing: "{shown} of {total}",

  hotspotsTitle: "Hotspots",
  tgLegend: "talkgroups; a dynamic one shows when it expires unless used again.",
  searchHotspots: "Search callsign, ID, location, software or talkgroup",
  hotspotsNone: "No hotspot is connected.",
  dialLink: "Linked to {tg}",
  notLinked: "not linked",
  diagnose: "Diagnose",
  duplex: "duplex (TS1 + TS2)",
  simplex: "simplex",
  ipv4: "IPv4",
  ipv6: "IPv6",

  talkgroupsTitle: "Talkgroups",
  talkgroupsNone: "No talkgroup has subscribers or activity yet.",
  activeNow: "active now",

  linksTitle: "Links",
  linksNone: "No OpenBridge/FBP link or upstream master is configured.",
  up: "up",
  down: "down",

  diagTitle: "Why can't {who} hear anything?",
  diagConnected: "Connected for {time}.",
  diagNotConnected: "Not connected now.",
  diagRefusals: "Recent login refusals",
  diagRefusalsNone: "No login was refused recently.",
  diagOptions: "Rejected options",
  diagOptionsNone: "No option was rejected.",
  diagSubscriptions: "Subscriptions now",
  diagSubscriptionsNone: "No talkgroup on either slot: the hotspot hears nothing until it keys up a talkgroup or sets static ones.",
  diagSent: "Calls sent",
  diagHeard: "Calls on its talkgroups from others (delivered or not: see above)",
  diagNotDelivered: "Calls not delivered, and why",
  diagNotDeliveredNone: "None recorded.",
  diagNotDeliveredUnknown: "This server does not record calls it did not deliver yet.",
  diagCallsRefused: "Calls from this hotspot that were refused",
  diagOptionsInForce: "Options in force",
  diagPartial: "This server gives no diagnostics feed yet; this page is built from the public status views.",
  diagSelfCare: "Change this hotspot's settings",
  diagHintOptions: "An option the server did not accept is ignored; the others were applied.",

  reason_acl: "refused by an access list",
  "reason_access-rule": "no access rule matched",
  "reason_max-peers": "the server is full",
  "reason_bad-passphrase": "wrong passphrase",
  "reason_rate-limited": "too many login attempts",
  "reason_callsign-denied": "callsign not allowed",
  "reason_wrong-state": "protocol out of order",
  "reason_invalid-id": "invalid DMR ID",
  "reason_busy-slot": "the slot was busy with another call",
  "reason_slot-busy-other-call": "the slot was carrying another call",
  "reason_slot-busy-own-transmission": "the hotspot was transmitting on that slot",
  "reason_hang-time": "the slot was in another talkgroup's hang time",

  selfCareTitle: "Self-care for your hotspot",
  selfCareIntro: "Set your hotspot's static talkgroups and options. Saving needs the KEY your hotspot sends in its options, or the secret the sysop gave you.",
  selfCareId: "Hotspot ID",
  selfCareSecret: "KEY or secret",
  selfCareRemember: "Remember for this browser tab",
  selfCareLoad: "Load settings",
  selfCareTs1: "Static talkgroups, TS1",
  selfCareTs2: "Static talkgroups, TS2",
  selfCareTgHelp: "e.g. 91, 2350 (empty: as the hotspot's options say)",
  selfCareUnset: "as the hotspot's options say",
  selfCareReflector: "Default reflector (0 = none)",
  selfCareTimer: "User-activated timer (minutes)",
  selfCareSingle: "Single mode (one talkgroup at a time)",
  on: "on",
  off: "off",
  selfCareLanguage: "Voice prompt language",
  selfCareSave: "Save",
  selfCareSaved: "Saved and applied: the next call follows these settings.",
  selfCareSavedOffline: "Saved: applied when the hotspot logs in.",
  selfCareUnauthorized: "The KEY or secret is not right for this hotspot.",
  selfCareUnavailable: "Self-care is not available on this server.",
  selfCareBadTg: "“{value}” is not a talkgroup number.",

  footer: "freedmr {version} · no data leaves this page",
} as const;

export type StringKey = keyof typeof en;
export type Strings = { readonly [K in StringKey]: string };

const tables: Record<string, Strings> = { en };
let current: Strings = en;

/** Pick a table by language tag ("en", "en-GB" → "en"); unknown languages fall back to English. */
export function setLanguage(tag: string): string {
  const base = tag.toLowerCase().split(/[-_]/)[0] ?? "en";
  current = tables[base] ?? en;
  return tables[base] !== undefined ? base : "en";
}

/** The text for `key` with `{name}` placeholders filled. */
export function t(key: StringKey, vars: Record<string, string | number> = {}): string {
  const template = current[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in vars ? String(vars[name]) : match));
}

/** A reason code ("bad-passphrase") in words when the table has it, else the code itself. */
export function reasonText(reason: string): string {
  const key = `reason_${reason}` as StringKey;
  return key in en ? t(key) : reason;
}

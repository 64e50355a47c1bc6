/**
 * HBlink4 `config.json` → freedmr (hblink4-reference.md §1.3, §1.11). HBlink4's model is per-
 * repeater patterns: the first pattern whose match (ids, id_ranges, callsigns — OR'd) fits a
 * repeater gives its passphrase and talkgroup lists; the blacklist is checked first; without a
 * `default`, unmatched repeaters are refused. A talkgroup list is both what the repeater hears and
 * what it may send (missing/null = every talkgroup, [] = none); a trusted repeater may ask for any
 * talkgroup with its options instead.
 *
 * freedmr expresses that with access rules (one per id, range or callsign of a pattern, in file
 * order), each rule's static talkgroups and talkgroup ACLs. Older HBlink4 configs (bind_ip,
 * bind_port, one `talkgroups` list for both slots) are read too.
 * @module
 */
import { ConfigBuilder } from "./config_builder.ts";
import { MappingReport } from "./report.ts";
import { bindAddress, fixedWidth, ID32_MAX, isAddressLiteral, logLevel } from "./shared.ts";
import type { TomlTable } from "./toml_writer.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface Hblink4Import {
  readonly config: TomlTable;
  readonly builder: ConfigBuilder;
  readonly report: MappingReport;
}

export type Hblink4Read = { readonly ok: true; readonly result: Hblink4Import } | { readonly ok: false; readonly error: string };

const TG_MAX = 16777215;

export function importHblink4(text: string): Hblink4Read {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(root)) return { ok: false, error: "the top level must be a JSON object with global, repeater_configurations, …" };
  const report = new MappingReport();
  const builder = new ConfigBuilder();

  // ---- global
  const global = isObject(root.global) ? root.global : {};
  const handled = new Set<string>();
  const g = (key: string): Json | undefined => {
    handled.add(key);
    return global[key];
  };
  const bindV4 = g("bind_ipv4") ?? g("bind_ip");
  const bindV6 = g("bind_ipv6");
  const portV4 = g("port_ipv4") ?? g("bind_port");
  const portV6 = g("port_ipv6");
  const disableV6 = g("disable_ipv6") === true || g("use_ipv6") === false;
  const addresses: string[] = [];
  if (typeof bindV4 === "string" && bindV4 !== "") addresses.push(bindV4);
  if (!disableV6 && typeof bindV6 === "string" && bindV6 !== "") addresses.push(bindV6);
  let bind: string[];
  if (addresses.length === 0 || addresses.some((a) => bindAddress(a) === "::")) {
    bind = ["::"];
    if (disableV6) report.changed("global.disable_ipv6", "hbp.bind_addresses", 'freedmr listens on IPv4 and IPv6 with one socket ("::"); list an IPv4 address to stay IPv4-only');
  } else bind = addresses;
  builder.set("hbp", "bind_addresses", bind, "global.bind_ipv4 / bind_ipv6");
  report.mapped("global.bind_ipv4, bind_ipv6", "hbp.bind_addresses", 'one dual-stack socket: HBlink4 runs two listeners (and on Linux the IPv6 one fails when both use the same port)');
  const port = typeof portV4 === "number" ? portV4 : typeof portV6 === "number" ? portV6 : undefined;
  if (port !== undefined && Number.isInteger(port) && port >= 0 && port <= 65535) {
    builder.set("hbp", "port", port, "global.port_ipv4");
    report.mapped("global.port_ipv4", "hbp.port");
    if (typeof portV6 === "number" && typeof portV4 === "number" && portV6 !== portV4 && !disableV6) {
      report.changed("global.port_ipv6", "hbp.port", `freedmr serves IPv4 and IPv6 on one port (${port}); IPv6 hotspots must use it`);
    }
  }
  const timeout = g("timeout_duration");
  const missed = g("max_missed");
  if (typeof timeout === "number" || typeof missed === "number") {
    const seconds = Math.min(3600, Math.max(5, Math.round((typeof timeout === "number" ? timeout : 30) * (typeof missed === "number" ? missed : 3))));
    builder.set("hbp", "peer_timeout_seconds", seconds, "global.timeout_duration x max_missed");
    report.mapped("global.timeout_duration, max_missed", "hbp.peer_timeout_seconds", `${seconds} s without a packet`);
  }
  const hang = g("stream_hang_time");
  if (typeof hang === "number" && hang >= 0 && hang <= 600) {
    builder.set("routing", "group_hang_time_seconds", hang, "global.stream_hang_time");
    report.mapped("global.stream_hang_time", "routing.group_hang_time_seconds");
  }
  if (g("stream_timeout") !== undefined) {
    report.changed("global.stream_timeout", "routing.stream_timeout_ms", "freedmr ends a stream after 360 ms of silence (one superframe) rather than HBlink4's seconds; kept at freedmr's default");
  }
  const logging = g("logging");
  if (isObject(logging)) {
    const level = typeof logging.console_level === "string" ? logLevel(logging.console_level) : undefined;
    if (level !== undefined) {
      builder.set("log", "level", level, "global.logging.console_level");
      report.mapped("global.logging.console_level", "log.level");
    }
    for (const key of Object.keys(logging)) {
      if (key !== "console_level") report.changed(`global.logging.${key}`, "", "freedmr logs to standard output (the systemd journal), no log files");
    }
  }
  for (const key of ["path", "ping_time", "stats_interval", "report_stats", "user_cache"]) {
    if (g(key) !== undefined) report.noEquivalent(`global.${key}`, "not needed or no such setting in freedmr");
  }
  for (const key of Object.keys(global)) if (!handled.has(key)) report.noEquivalent(`global.${key}`, "unknown key, ignored");

  for (const key of ["timeout", "connection_type_detection"]) {
    if (root[key] !== undefined) report.noEquivalent(key, "freedmr has no such setting (timeouts: hbp.peer_timeout_seconds)");
  }
  const dashboard = root.dashboard;
  if (isObject(dashboard)) {
    if (dashboard.enabled === true) {
      builder.set("http", "enabled", true, "dashboard.enabled");
      const dashPort = dashboard.port;
      if (typeof dashPort === "number" && Number.isInteger(dashPort) && dashPort >= 0 && dashPort <= 65535) builder.set("http", "port", dashPort, "dashboard.port");
      report.changed("dashboard", "http", "freedmr serves its own status API and dashboard from the server itself (no event socket, no separate process)");
    } else report.note("dashboard", "disabled there");
  }

  // ---- blacklist (checked before the patterns)
  const blacklist = isObject(root.blacklist) && Array.isArray(root.blacklist.patterns) ? root.blacklist.patterns : [];
  blacklist.forEach((pattern, i) => {
    const where = `blacklist.patterns[${i}]`;
    if (!isObject(pattern)) return report.noEquivalent(where, "not an object; ignored");
    const name = typeof pattern.name === "string" && pattern.name !== "" ? pattern.name : `blacklist ${i + 1}`;
    const count = addMatchRules(builder, report, where, name, pattern.match, { action: "deny" });
    if (count > 0) report.mapped(where, "hbp.access_rules (deny)", `${count} rule(s)${typeof pattern.reason === "string" ? `; reason: ${pattern.reason}` : ""}`);
  });

  // ---- repeater patterns, then default
  const configurations = isObject(root.repeater_configurations) ? root.repeater_configurations : {};
  const patterns = Array.isArray(configurations.patterns) ? configurations.patterns : [];
  patterns.forEach((pattern, i) => {
    const where = `repeater_configurations.patterns[${i}]`;
    if (!isObject(pattern)) return report.noEquivalent(where, "not an object; ignored");
    const name = typeof pattern.name === "string" && pattern.name !== "" ? pattern.name : `pattern ${i + 1}`;
    const settings = ruleSettings(isObject(pattern.config) ? pattern.config : {}, `${where}.config`, report);
    const count = addMatchRules(builder, report, where, name, pattern.match, settings);
    if (count > 0) report.mapped(where, "hbp.access_rules", `${count} rule(s)`);
  });
  const fallback = configurations.default;
  if (isObject(fallback)) {
    const settings = ruleSettings(fallback, "repeater_configurations.default", report);
    const rule: TomlTable = { name: "default", repeater_id_range: [0, ID32_MAX], ...settings };
    if (rule.passphrase !== undefined) {
      builder.set("hbp", "passphrase", rule.passphrase, "repeater_configurations.default.passphrase");
      delete rule.passphrase;
    }
    builder.push("hbp.access_rules", rule, "from repeater_configurations.default (every other id)");
    report.mapped("repeater_configurations.default", 'hbp.access_rules["default"], hbp.passphrase');
  } else {
    builder.push("hbp.access_rules", { name: "no default", repeater_id_range: [0, ID32_MAX], action: "deny" }, "HBlink4 refuses repeaters no pattern matches (no default)");
    report.mapped("(no repeater_configurations.default)", 'hbp.access_rules["no default"]', "repeaters that match no pattern are refused, as in HBlink4");
  }

  // ---- outbound connections → upstream
  const outbound = Array.isArray(root.outbound_connections) ? root.outbound_connections : [];
  outbound.forEach((connection, i) => {
    const where = `outbound_connections[${i}]`;
    if (!isObject(connection)) return report.noEquivalent(where, "not an object; ignored");
    const name = typeof connection.name === "string" && connection.name !== "" ? connection.name.slice(0, 64) : `outbound-${i + 1}`;
    const upstream: TomlTable = { name };
    if (connection.enabled === false) upstream.enabled = false;
    const address = typeof connection.address === "string" ? connection.address : "";
    if (isAddressLiteral(address)) upstream.address = address;
    else {
      upstream.address = "";
      upstream.enabled = false;
      report.changed(`${where}.address`, `upstream["${name}"].address`, `"${address}" is not an IP address: freedmr links take IP literals only; written disabled — fill in the address`);
    }
    if (typeof connection.port === "number") upstream.port = connection.port;
    const passphrase = connection.passphrase ?? connection.password;
    if (typeof passphrase === "string" && passphrase !== "") upstream.passphrase = passphrase;
    else {
      upstream.enabled = false;
      report.changed(`${where}.passphrase`, `upstream["${name}"].passphrase`, "missing: written disabled");
    }
    if (typeof connection.radio_id === "number" && connection.radio_id > 0) upstream.repeater_id = connection.radio_id;
    else {
      upstream.enabled = false;
      report.changed(`${where}.radio_id`, `upstream["${name}"].repeater_id`, "missing: written disabled");
    }
    const textKeys: [string, string, number][] = [
      ["callsign", "callsign", 8],
      ["location", "location", 20],
      ["description", "description", 19],
      ["url", "url", 124],
      ["software_id", "software_id", 40],
      ["package_id", "package_id", 40],
      ["options", "options", 300],
    ];
    for (const [from, to, width] of textKeys) {
      const v = connection[from];
      if (typeof v === "string" && v !== "") upstream[to] = fixedWidth(v, width, `${where}.${from}`, report);
    }
    const numberKeys: [string, string, number, number][] = [
      ["rx_frequency", "rx_freq", 0, 999999999],
      ["tx_frequency", "tx_freq", 0, 999999999],
      ["power", "tx_power", 0, 99],
      ["colorcode", "color_code", 0, 15],
      ["latitude", "latitude", -90, 90],
      ["longitude", "longitude", -180, 180],
      ["height", "height", 0, 999],
    ];
    for (const [from, to, min, max] of numberKeys) {
      const v = connection[from];
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n === "number" && Number.isFinite(n) && n >= min && n <= max) upstream[to] = to === "latitude" || to === "longitude" ? n : Math.round(n);
      else if (v !== undefined && v !== "") report.noEquivalent(`${where}.${from}`, `${String(v)} is outside ${min}–${max}; left at the default`);
    }
    if (typeof connection.unit_calls_enabled === "boolean") upstream.unit_calls = connection.unit_calls_enabled;
    builder.push("upstream", upstream, `from ${where}`);
    report.mapped(where, `upstream["${name}"]`);
  });

  // ---- openbridge connections
  const bridges = Array.isArray(root.openbridge_connections) ? root.openbridge_connections : [];
  bridges.forEach((connection, i) => {
    const where = `openbridge_connections[${i}]`;
    if (!isObject(connection)) return report.noEquivalent(where, "not an object; ignored");
    const name = typeof connection.name === "string" && connection.name !== "" ? connection.name.slice(0, 64) : `openbridge-${i + 1}`;
    const link: TomlTable = { name, protocol: 1, enhanced: false };
    if (connection.enabled === false) link.enabled = false;
    if (typeof connection.network_id === "number" && connection.network_id > 0) link.network_id = connection.network_id;
    else {
      link.enabled = false;
      report.changed(`${where}.network_id`, `openbridge["${name}"].network_id`, "missing: written disabled");
    }
    link.bind_address = bindAddress(typeof connection.local_address === "string" ? connection.local_address : "");
    if (typeof connection.local_port === "number") link.port = connection.local_port;
    const target = typeof connection.target_address === "string" ? connection.target_address : "";
    if (isAddressLiteral(target)) link.target_address = target;
    else {
      link.target_address = "";
      link.enabled = false;
      report.changed(`${where}.target_address`, `openbridge["${name}"].target_address`, `"${target}" is not an IP address: written disabled — fill in the address`);
    }
    if (typeof connection.target_port === "number") link.target_port = connection.target_port;
    const passphrase = connection.passphrase ?? connection.password;
    if (typeof passphrase === "string" && passphrase !== "") link.passphrase = passphrase;
    else {
      link.enabled = false;
      report.changed(`${where}.passphrase`, `openbridge["${name}"].passphrase`, "missing: written disabled");
    }
    link.relaxed_checks = false;
    if (connection.preserve_source_peer !== false) {
      report.changed(
        `${where}.preserve_source_peer`,
        `openbridge["${name}"]`,
        "freedmr always sends its own server id in bytes 11–14 (HBlink4's preserve_source_peer = false). If the other end is HBlink4 with preserve_source_peer on, set accept_any_peer_id = true on this link",
      );
    }
    if (isObject(connection.talkgroup_slots) && Object.keys(connection.talkgroup_slots).length > 0) {
      report.changed(`${where}.talkgroup_slots`, `openbridge["${name}"].tgid_acl`, "the listed talkgroups become the link's talkgroup ACL; freedmr delivers each on the slots hotspots subscribe it on, not a fixed slot");
      const tgs = Object.keys(connection.talkgroup_slots).filter((k) => /^\d+$/.test(k) && Number(k) >= 1 && Number(k) <= TG_MAX);
      if (tgs.length > 0) link.tgid_acl = `PERMIT:${tgs.join(",")}`;
    }
    builder.push("openbridge", link, `from ${where}`);
    report.mapped(where, `openbridge["${name}"]`, "OpenBridge v1 (HMAC-SHA1), no bridge control");
  });

  if (root.talkgroups !== undefined) report.noEquivalent("talkgroups", "talkgroup names are not configured by the import (alias data)");
  for (const key of Object.keys(root)) {
    if (!["global", "blacklist", "repeater_configurations", "outbound_connections", "openbridge_connections", "dashboard", "timeout", "connection_type_detection", "talkgroups"].includes(key)) {
      report.noEquivalent(key, "unknown top-level key, ignored");
    }
  }
  builder.set("routing", "user_activation", false, "(HBlink4 repeaters hear their configured talkgroups only)");
  builder.set("dial", "enabled", false, "(HBlink4 has no dial-a-TG)");
  report.changed(
    "(HBlink4 routing)",
    "routing.user_activation, dial.enabled",
    "HBlink4 has no user-activated talkgroups and no dial-a-TG: written off to keep its behaviour; repeaters may still change their talkgroups with options (TS1=/TS2=), within their ACL unless trusted",
  );
  return { ok: true, result: { config: builder.build(), builder, report } };
}

/** One access rule per id / id range / callsign of a match object (HBlink4 ORs them). */
function addMatchRules(builder: ConfigBuilder, report: MappingReport, where: string, name: string, match: Json | undefined, settings: TomlTable): number {
  if (!isObject(match)) {
    report.noEquivalent(where, "has no match; ignored");
    return 0;
  }
  const rules: TomlTable[] = [];
  const ids = Array.isArray(match.ids) ? match.ids : [];
  for (const id of ids) {
    if (typeof id === "number" && Number.isInteger(id) && id >= 0 && id <= ID32_MAX) rules.push({ repeater_id: id });
    else report.noEquivalent(`${where}.match.ids`, `${String(id)} is not a repeater id; left out`);
  }
  const ranges = Array.isArray(match.id_ranges) ? match.id_ranges : [];
  for (const range of ranges) {
    if (Array.isArray(range) && range.length === 2 && typeof range[0] === "number" && typeof range[1] === "number" && range[0] <= range[1] && range[0] >= 0 && range[1] <= ID32_MAX) {
      rules.push({ repeater_id_range: [range[0], range[1]] });
    } else report.noEquivalent(`${where}.match.id_ranges`, `${JSON.stringify(range)} is not [lo, hi]; left out`);
  }
  const callsigns = Array.isArray(match.callsigns) ? match.callsigns : [];
  for (const callsign of callsigns) {
    if (typeof callsign === "string" && /^[A-Za-z0-9/*?-]{1,16}$/.test(callsign)) rules.push({ callsign });
    else report.noEquivalent(`${where}.match.callsigns`, `"${String(callsign)}" is not a callsign pattern freedmr accepts (letters, digits, / - * ?); left out`);
  }
  rules.forEach((matcher, i) => {
    const ruleName = rules.length === 1 ? name : `${name} #${i + 1}`;
    builder.push("hbp.access_rules", { name: ruleName.slice(0, 64), ...matcher, ...settings }, i === 0 ? `from ${where} ("${name}")` : undefined);
  });
  if (rules.length > 1) report.note(where, `one match with ${rules.length} entries becomes ${rules.length} access rules with the same settings (freedmr rules match one id, range or callsign each)`);
  return rules.length;
}

/** A pattern's config (or the default) → access rule settings. */
function ruleSettings(config: JsonObject, where: string, report: MappingReport): TomlTable {
  const out: TomlTable = {};
  if (config.enabled === false) {
    out.action = "deny";
    report.changed(`${where}.enabled`, "action", "a disabled pattern refuses its repeaters");
    return out;
  }
  if (typeof config.passphrase === "string" && config.passphrase !== "") out.passphrase = config.passphrase;
  const trusted = config.trust === true;
  const both = config.talkgroups;
  const lists: [Json | undefined, "ts1" | "ts2"][] = [
    [config.slot1_talkgroups !== undefined ? config.slot1_talkgroups : both, "ts1"],
    [config.slot2_talkgroups !== undefined ? config.slot2_talkgroups : both, "ts2"],
  ];
  for (const [list, slot] of lists) {
    if (list === undefined || list === null) continue; // every talkgroup: freedmr's default ACL
    if (!Array.isArray(list)) {
      report.noEquivalent(`${where}.${slot === "ts1" ? "slot1" : "slot2"}_talkgroups`, "not a list; every talkgroup allowed");
      continue;
    }
    const tgs = list.filter((tg): tg is number => typeof tg === "number" && Number.isInteger(tg) && tg >= 1 && tg <= TG_MAX);
    if (tgs.length !== list.length) report.noEquivalent(`${where}.${slot}_talkgroups`, "entries that are not talkgroups were left out");
    const statics = tgs.filter((tg) => !(tg === 9 || tg === 4000 || tg === 5000 || (tg >= 9990 && tg <= 9999) || tg === TG_MAX));
    if (statics.length !== tgs.length) report.changed(`${where}.${slot}_talkgroups`, `${slot}_static`, "9, 4000, 5000 and 9990–9999 are handled by freedmr itself; left out of the static list");
    if (statics.length > 0) out[`${slot}_static`] = statics.slice(0, 256);
    if (!trusted) out[`tgid_${slot}_acl`] = tgs.length === 0 ? "DENY:ALL" : `PERMIT:${tgs.join(",")}`;
  }
  if (trusted) report.mapped(`${where}.trust`, "tgid ACLs left open", "a trusted repeater may ask for any talkgroup with its options");
  if (config.default_unit_calls !== undefined) report.changed(`${where}.default_unit_calls`, "", "freedmr delivers private calls to every hotspot where the radio was last heard");
  for (const key of Object.keys(config)) {
    if (!["enabled", "passphrase", "talkgroups", "slot1_talkgroups", "slot2_talkgroups", "trust", "default_unit_calls", "timeout", "description"].includes(key)) {
      report.noEquivalent(`${where}.${key}`, "unknown key, ignored");
    }
  }
  return out;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * FreeDMR (`freedmr.cfg` / `hblink.cfg` of FreeDMR 1.3) and HBlink3 (`hblink.cfg`) → freedmr.
 * Both are configparser INI files with the same section model (freedmr-reference.md §4): GLOBAL,
 * REPORTS, LOGGER, ALIASES, ALLSTAR, PROXY, and every other section a "system" with a MODE:
 * MASTER (HBlink3 v3: SERVER), PEER (OUTBOUND), XLXPEER or OPENBRIDGE.
 *
 * freedmr has one HBP master on one port for every hotspot, so MASTER systems (FreeDMR runs one
 * per GENERATOR port behind its proxy) fold into `[hbp]` + `[routing]`, and each becomes an access
 * rule of the same name when it carries static talkgroups, a default reflector, ACLs, or is named
 * by a bridge. PEER/XLXPEER systems become `[[upstream]]`, OPENBRIDGE systems `[[openbridge]]`.
 * @module
 */
import { ConfigBuilder } from "./config_builder.ts";
import { iniBoolean, iniValue, type IniDocument, type IniSection } from "./ini.ts";
import { MappingReport } from "./report.ts";
import { bindAddress, convertAcl, decimal, fixedWidth, ID32_MAX, integer, isAddressLiteral, logLevel, talkgroupList } from "./shared.ts";
import type { TomlTable } from "./toml_writer.ts";

export type IniDialect = "freedmr" | "hblink3";

/** A system section's kind, from its MODE. */
type SystemMode = "master" | "peer" | "xlxpeer" | "openbridge";

const NON_SYSTEM_SECTIONS = new Set(["GLOBAL", "REPORTS", "LOGGER", "ALIASES", "ALLSTAR", "PROXY", "MYSQL"]);

/** What an importer knows about the systems it created (for rules.py's SYSTEM names). */
export interface ImportedSystems {
  /** Section name → what it became ("access rule", "openbridge", "upstream") or why it was skipped. */
  readonly systems: Map<string, { kind: "rule" | "openbridge" | "upstream" | "skipped"; why?: string }>;
  /** MASTER sections (FreeDMR adds each to every bridge). */
  readonly masters: string[];
  /** Access rule table per MASTER section, created on demand (a bridge may need one). */
  readonly ensureMasterRule: (section: string) => boolean;
}

export interface IniImport {
  readonly builder: ConfigBuilder;
  readonly report: MappingReport;
  readonly systems: ImportedSystems;
  /** Access rule per MASTER section; written by finishIni when `needed`. */
  readonly masterRules: Map<string, { rule: TomlTable; needed: boolean }>;
}

export function importIni(document: IniDocument, dialect: IniDialect): IniImport {
  const report = new MappingReport();
  const builder = new ConfigBuilder();
  const label = dialect === "freedmr" ? "FreeDMR" : "HBlink3";
  const section = (name: string): IniSection | undefined => document.sections.find((s) => s.name.toUpperCase() === name);
  const value = (s: IniSection, key: string): string | undefined => iniValue(document, s, key);
  const bool = (s: IniSection, key: string, fallback: boolean): boolean => {
    const text = value(s, key);
    if (text === undefined || text.trim() === "") return fallback;
    const parsed = iniBoolean(text);
    if (parsed === undefined) {
      report.noEquivalent(`[${s.name}] ${key}`, `"${text}" is not a boolean (True/False); taken as ${fallback ? "True" : "False"}`);
      return fallback;
    }
    return parsed;
  };
  /** Every key of a section not in `handled` is reported (so nothing is dropped silently). */
  const reportUnhandled = (s: IniSection, handled: Set<string>, why: string): void => {
    for (const key of s.values.keys()) {
      if (!handled.has(key)) report.noEquivalent(`[${s.name}] ${key.toUpperCase()}`, why);
    }
  };

  // ---- GLOBAL
  const global = section("GLOBAL");
  let globalUseAcl = true;
  if (global !== undefined) {
    const handled = new Set<string>();
    const take = (key: string): string | undefined => {
      handled.add(key.toLowerCase());
      return value(global, key);
    };
    const serverId = integer(take("SERVER_ID"), "[GLOBAL] SERVER_ID", 0, ID32_MAX, report);
    if (serverId !== undefined && serverId !== 0) {
      builder.set("server", "server_id", serverId, "[GLOBAL] SERVER_ID");
      report.mapped("[GLOBAL] SERVER_ID", "server.server_id");
    }
    const ping = integer(take("PING_TIME"), "[GLOBAL] PING_TIME", 1, 3600, report);
    const missed = integer(take("MAX_MISSED"), "[GLOBAL] MAX_MISSED", 1, 1000, report);
    if (ping !== undefined || missed !== undefined) {
      const seconds = Math.min(3600, Math.max(5, (ping ?? 5) * (missed ?? 3)));
      builder.set("hbp", "peer_timeout_seconds", seconds, "[GLOBAL] PING_TIME x MAX_MISSED");
      report.mapped("[GLOBAL] PING_TIME, MAX_MISSED", "hbp.peer_timeout_seconds", `a hotspot silent for PING_TIME x MAX_MISSED = ${seconds} s is dropped`);
    }
    globalUseAcl = bool(global, "USE_ACL", true);
    handled.add("use_acl");
    const regAcl = take("REG_ACL");
    if (regAcl !== undefined) {
      const acl = convertAcl(regAcl, "[GLOBAL] REG_ACL", "hbp.registration_acl", report);
      if (acl !== undefined) builder.set("hbp", "registration_acl", acl, "[GLOBAL] REG_ACL");
    }
    const aclKeys: [string, string][] = [
      ["SUB_ACL", "subscriber_acl"],
      ["TGID_TS1_ACL", "tgid_ts1_acl"],
      ["TGID_TS2_ACL", "tgid_ts2_acl"],
    ];
    for (const [key, target] of aclKeys) {
      const text = take(key);
      if (text === undefined) continue;
      if (!globalUseAcl) {
        report.changed(`[GLOBAL] ${key}`, `routing.${target}`, "USE_ACL is False, so this ACL was not in use: left at PERMIT:ALL");
        continue;
      }
      const acl = convertAcl(text, `[GLOBAL] ${key}`, `routing.${target}`, report);
      if (acl !== undefined) builder.set("routing", target, acl, `[GLOBAL] ${key}`);
    }
    if (take("PATH") !== undefined) report.noEquivalent("[GLOBAL] PATH", "freedmr keeps no working directory of files (state lives in its state directory)");
    if (take("ANNOUNCEMENT_LANGUAGES") !== undefined) report.noEquivalent("[GLOBAL] ANNOUNCEMENT_LANGUAGES", "voice announcements are not configured by the import");
    if (take("GEN_STAT_BRIDGES") !== undefined) report.note("[GLOBAL] GEN_STAT_BRIDGES", "not needed: freedmr routes static talkgroups itself, without generated bridges");
    if (take("ALLOW_NULL_PASSPHRASE") !== undefined) report.noEquivalent("[GLOBAL] ALLOW_NULL_PASSPHRASE", "freedmr always needs a passphrase");
    for (const key of ["DATA_GATEWAY", "VALIDATE_SERVER_IDS", "DEBUG_BRIDGES", "ENABLE_API", "TOPO", "KEYS_FILE"]) {
      if (take(key) !== undefined) report.noEquivalent(`[GLOBAL] ${key}`, "no such feature in freedmr");
    }
    reportUnhandled(global, handled, "unknown GLOBAL key, ignored");
  }

  // ---- REPORTS, LOGGER, ALIASES, ALLSTAR, MYSQL
  const reports = section("REPORTS");
  if (reports !== undefined) {
    for (const key of reports.values.keys()) {
      report.noEquivalent(`[REPORTS] ${key.toUpperCase()}`, "the monitor report socket is not configured by the import; freedmr's own dashboard and status API are in [http]");
    }
  }
  const logger = section("LOGGER");
  if (logger !== undefined) {
    const level = value(logger, "LOG_LEVEL");
    if (level !== undefined) {
      const mapped = logLevel(level);
      if (mapped !== undefined) {
        builder.set("log", "level", mapped, "[LOGGER] LOG_LEVEL");
        report.mapped("[LOGGER] LOG_LEVEL", "log.level");
      } else report.noEquivalent("[LOGGER] LOG_LEVEL", `"${level}" is not a log level`);
    }
    for (const key of logger.values.keys()) {
      if (key === "log_level") continue;
      report.changed(`[LOGGER] ${key.toUpperCase()}`, "", "freedmr logs to standard output (the systemd journal): no log file, handlers or logger name");
    }
  }
  const aliases = section("ALIASES");
  if (aliases !== undefined) {
    for (const key of aliases.values.keys()) report.noEquivalent(`[ALIASES] ${key.toUpperCase()}`, "alias downloads are not configured by the import");
  }
  const allstar = section("ALLSTAR");
  if (allstar !== undefined) {
    if (bool(allstar, "ENABLED", false)) report.noEquivalent("[ALLSTAR]", "AllStar control is not supported by freedmr");
    else report.note("[ALLSTAR]", "disabled there; freedmr has no AllStar support");
  }
  if (section("MYSQL") !== undefined) report.noEquivalent("[MYSQL]", "freedmr reads no MySQL database (FreeDMR ignores it too)");

  // ---- PROXY (FreeDMR's hotspot proxy: where hotspots really connect)
  let proxyPort: number | undefined;
  const proxy = section("PROXY");
  if (proxy !== undefined) {
    const handled = new Set(["listenport", "listenip", "blacklist", "ipblacklist"]);
    proxyPort = integer(value(proxy, "ListenPort"), "[PROXY] ListenPort", 1, 65535, report);
    if (proxyPort !== undefined) {
      builder.set("hbp", "port", proxyPort, "[PROXY] ListenPort");
      report.mapped("[PROXY] ListenPort", "hbp.port", "hotspots keep connecting to the same port; freedmr needs no proxy in front");
    }
    const listenIp = value(proxy, "ListenIP");
    if (listenIp !== undefined && listenIp.trim() !== "" && listenIp.trim() !== "''") {
      builder.set("hbp", "bind_addresses", [bindAddress(listenIp.replace(/'/g, ""))], "[PROXY] ListenIP");
      report.mapped("[PROXY] ListenIP", "hbp.bind_addresses");
    }
    const blackList = value(proxy, "BlackList");
    if (blackList !== undefined && blackList.trim() !== "") {
      let ids: unknown;
      try {
        ids = JSON.parse(blackList);
      } catch {
        ids = undefined;
      }
      if (Array.isArray(ids) && ids.every((id) => Number.isInteger(id) && id >= 0 && id <= ID32_MAX)) {
        for (const id of ids as number[]) {
          builder.push("hbp.access_rules", { name: `blacklist ${id}`, repeater_id: id, action: "deny" }, "[PROXY] BlackList");
        }
        report.mapped("[PROXY] BlackList", "hbp.access_rules (deny)", `${ids.length} id(s) refused at login`);
      } else report.noEquivalent("[PROXY] BlackList", `"${blackList}" is not a JSON list of ids`);
    }
    const ipBlackList = value(proxy, "IPBlackList");
    if (ipBlackList !== undefined && ipBlackList.trim() !== "" && ipBlackList.trim() !== "{}") {
      report.noEquivalent("[PROXY] IPBlackList", "freedmr blocks by repeater id; block addresses in the firewall");
    }
    for (const key of proxy.values.keys()) {
      if (!handled.has(key)) report.note(`[PROXY] ${key}`, "proxy plumbing; not needed by freedmr");
    }
  }

  // ---- systems
  const systems = new Map<string, { kind: "rule" | "openbridge" | "upstream" | "skipped"; why?: string }>();
  const masters: string[] = [];
  const masterSettings = new Map<string, { rule: TomlTable; needed: boolean }>();
  let firstMaster: string | undefined;
  let maxPeers = 0;

  for (const s of document.sections) {
    if (NON_SYSTEM_SECTIONS.has(s.name.toUpperCase())) continue;
    const source = (key: string): string => `[${s.name}] ${key}`;
    const modeText = (value(s, "MODE") ?? "").trim().toUpperCase();
    const mode: SystemMode | undefined =
      modeText === "MASTER" || modeText === "SERVER"
        ? "master"
        : modeText === "PEER" || modeText === "OUTBOUND"
          ? "peer"
          : modeText === "XLXPEER"
            ? "xlxpeer"
            : modeText === "OPENBRIDGE"
              ? "openbridge"
              : undefined;
    if (mode === undefined) {
      report.noEquivalent(`[${s.name}]`, modeText === "" ? "a section without MODE is not a system; ignored" : `MODE ${modeText} is not known; ignored`);
      systems.set(s.name, { kind: "skipped", why: "unknown MODE" });
      continue;
    }
    const enabled = bool(s, "ENABLED", true);
    const handled = new Set(["mode", "enabled"]);
    const take = (key: string): string | undefined => {
      handled.add(key.toLowerCase());
      return value(s, key);
    };
    const useAcl = (): boolean => {
      handled.add("use_acl");
      return bool(s, "USE_ACL", dialect === "hblink3");
    };

    if (mode === "master") {
      if (!enabled) {
        report.note(`[${s.name}]`, "disabled MASTER; not imported");
        systems.set(s.name, { kind: "skipped", why: "disabled" });
        continue;
      }
      masters.push(s.name);
      systems.set(s.name, { kind: "rule" });
      const first = firstMaster === undefined;
      if (first) firstMaster = s.name;
      const rule: TomlTable = { name: s.name, repeater_id_range: [0, ID32_MAX] };
      let needed = false;
      const port = integer(take("PORT"), source("PORT"), 0, 65535, report);
      if (first && proxyPort === undefined && port !== undefined) {
        builder.set("hbp", "port", port, source("PORT"));
        report.mapped(source("PORT"), "hbp.port");
      } else if (port !== undefined) {
        report.note(source("PORT"), proxyPort !== undefined ? "a port behind FreeDMR's proxy; hotspots use hbp.port" : "freedmr serves every hotspot on one port (hbp.port)");
      }
      const ip = take("IP");
      if (first && ip !== undefined && ip.trim() !== "" && builder.get("hbp", "bind_addresses") === undefined) {
        builder.set("hbp", "bind_addresses", [bindAddress(ip)], source("IP"));
        report.mapped(source("IP"), "hbp.bind_addresses");
      }
      const peers = integer(take("MAX_PEERS"), source("MAX_PEERS"), 1, 1000000, report) ?? 1;
      const generator = dialect === "freedmr" ? (integer(take("GENERATOR"), source("GENERATOR"), 1, 100000, report) ?? 1) : 1;
      maxPeers += peers * generator;
      const passphrase = take("PASSPHRASE");
      if (passphrase !== undefined) {
        if (passphrase.trim() === "") report.noEquivalent(source("PASSPHRASE"), "empty passphrase: freedmr always needs one; the default is kept (change it)");
        else if (first) {
          builder.set("hbp", "passphrase", passphrase, source("PASSPHRASE"));
          report.mapped(source("PASSPHRASE"), "hbp.passphrase");
        } else if (passphrase !== builder.get("hbp", "passphrase")) {
          report.changed(source("PASSPHRASE"), "", `a second passphrase: freedmr cannot tell the MASTER systems apart (one port), so only [${firstMaster}]'s applies; give hotspots their own with hbp.access_rules`);
        }
      }
      const hang = decimal(take("GROUP_HANGTIME"), source("GROUP_HANGTIME"), 0, 600, report);
      if (hang !== undefined && first) {
        builder.set("routing", "group_hang_time_seconds", hang, source("GROUP_HANGTIME"));
        report.mapped(source("GROUP_HANGTIME"), "routing.group_hang_time_seconds");
      }
      if (take("REPEAT") !== undefined && !bool(s, "REPEAT", true)) report.noEquivalent(source("REPEAT"), "a master that does not repeat has no equivalent; freedmr always routes");
      const regAcl = take("REG_ACL");
      const withAcl = useAcl();
      if (regAcl !== undefined && regAcl.trim() !== "" && withAcl) {
        const current = builder.get("hbp", "registration_acl");
        if (current === undefined || current === "PERMIT:ALL") {
          const acl = convertAcl(regAcl, source("REG_ACL"), "hbp.registration_acl", report);
          if (acl !== undefined) builder.set("hbp", "registration_acl", acl, source("REG_ACL"));
        } else report.changed(source("REG_ACL"), "hbp.registration_acl", "freedmr has one registration ACL; the GLOBAL one is kept");
      }
      for (const [key, target] of [
        ["SUB_ACL", "sub_acl"],
        ["TGID_TS1_ACL", "tgid_ts1_acl"],
        ["TGID_TS2_ACL", "tgid_ts2_acl"],
      ] as const) {
        const text = take(key);
        if (text === undefined || text.trim() === "") continue;
        if (!withAcl) {
          report.note(source(key), "USE_ACL is False there, so this ACL was not in use; not imported");
          continue;
        }
        const acl = convertAcl(text, source(key), `hbp.access_rules["${s.name}"].${target}`, report);
        if (acl !== undefined && acl !== "PERMIT:ALL") {
          rule[target] = acl;
          needed = true;
        }
      }
      if (dialect === "freedmr") {
        const ua = integer(take("DEFAULT_UA_TIMER"), source("DEFAULT_UA_TIMER"), 0, 525600, report);
        if (ua !== undefined) {
          if (first) {
            builder.set("routing", "ua_timer_minutes", ua, source("DEFAULT_UA_TIMER"));
            report.mapped(source("DEFAULT_UA_TIMER"), "routing.ua_timer_minutes");
          } else {
            rule.ua_timer_minutes = ua;
            needed = true;
            report.mapped(source("DEFAULT_UA_TIMER"), `hbp.access_rules["${s.name}"].ua_timer_minutes`);
          }
        }
        const single = take("SINGLE_MODE");
        if (single !== undefined && single.trim() !== "") {
          const on = bool(s, "SINGLE_MODE", true);
          if (first) {
            builder.set("routing", "single_mode", on, source("SINGLE_MODE"));
            report.mapped(source("SINGLE_MODE"), "routing.single_mode");
          } else {
            rule.single_mode = on ? "on" : "off";
            needed = true;
          }
        }
        for (const [key, target] of [
          ["TS1_STATIC", "ts1_static"],
          ["TS2_STATIC", "ts2_static"],
        ] as const) {
          const text = take(key);
          if (text === undefined || text.trim() === "") continue;
          const list = talkgroupList(text, source(key), report);
          if (list.length > 0) {
            rule[target] = list;
            needed = true;
            report.mapped(source(key), `hbp.access_rules["${s.name}"].${target}`, "static talkgroups for every hotspot this rule admits (their own TS1=/TS2= options still replace them)");
          }
        }
        const reflector = integer(take("DEFAULT_REFLECTOR"), source("DEFAULT_REFLECTOR"), 0, 999999, report);
        if (reflector !== undefined && reflector !== 0) {
          rule.default_reflector = reflector;
          needed = true;
          report.mapped(source("DEFAULT_REFLECTOR"), `hbp.access_rules["${s.name}"].default_reflector`);
        }
        for (const key of ["VOICE_IDENT", "ANNOUNCEMENT_LANGUAGE", "OVERRIDE_IDENT_TG"]) {
          if (take(key) !== undefined) report.noEquivalent(source(key), "voice announcements and idents are not configured by the import");
        }
        for (const key of ["ALLOW_UNREG_ID", "PROXY_CONTROL"]) {
          if (take(key) !== undefined) report.noEquivalent(source(key), "no such feature in freedmr");
        }
        if (generator > 1) report.note(source("GENERATOR"), `FreeDMR's ${generator} generated masters are one HBP master in freedmr (max_peers counts them all)`);
      }
      if (take("EXPORT_AMBE") !== undefined) report.noEquivalent(source("EXPORT_AMBE"), "no AMBE export in freedmr");
      reportUnhandled(s, handled, "unknown MASTER key, ignored");
      if (!first) {
        report.changed(`[${s.name}]`, `hbp.access_rules["${s.name}"]`, `freedmr has one HBP port, so a second MASTER cannot be told apart; hotspots all match the first MASTER's rule ("${firstMaster}") — use repeater_id ranges to split them`);
      }
      masterSettings.set(s.name, { rule, needed });
      continue;
    }

    if (mode === "peer" || mode === "xlxpeer") {
      const upstream: TomlTable = { name: s.name };
      if (!enabled) upstream.enabled = false;
      const masterIp = (take("MASTER_IP") ?? "").trim();
      if (dialect === "freedmr" && (s.name.toUpperCase() === "ECHO" || take("MASTER_PORT") === "54915") && (masterIp === "127.0.0.1" || masterIp === "localhost" || masterIp === "::1")) {
        report.mapped(`[${s.name}]`, "parrot.enabled", "FreeDMR's echo/playback peer: freedmr has a built-in parrot on TG 9990 ([parrot])");
        builder.set("parrot", "enabled", true, `[${s.name}] (FreeDMR echo peer)`);
        systems.set(s.name, { kind: "skipped", why: "built-in parrot" });
        continue;
      }
      systems.set(s.name, { kind: "upstream" });
      if (isAddressLiteral(masterIp)) {
        upstream.address = masterIp;
        report.mapped(source("MASTER_IP"), `upstream["${s.name}"].address`);
      } else {
        upstream.address = "";
        upstream.enabled = false;
        report.changed(source("MASTER_IP"), `upstream["${s.name}"].address`, `"${masterIp}" is not an IP address: freedmr links take IP literals only; the link is written disabled — fill in the master's address`);
      }
      const masterPort = integer(take("MASTER_PORT"), source("MASTER_PORT"), 1, 65535, report);
      if (masterPort !== undefined) upstream.port = masterPort;
      const passphrase = take("PASSPHRASE") ?? "";
      if (passphrase !== "") upstream.passphrase = passphrase;
      else {
        upstream.enabled = false;
        report.changed(source("PASSPHRASE"), `upstream["${s.name}"].passphrase`, "empty: the link is written disabled");
      }
      const radioId = integer(take("RADIO_ID"), source("RADIO_ID"), 1, ID32_MAX, report);
      if (radioId !== undefined) upstream.repeater_id = radioId;
      else {
        upstream.enabled = false;
        report.changed(source("RADIO_ID"), `upstream["${s.name}"].repeater_id`, "missing: the link is written disabled");
      }
      const ip = take("IP");
      if (ip !== undefined && ip.trim() !== "") upstream.bind_address = bindAddress(ip);
      if (take("PORT") !== undefined) report.changed(source("PORT"), `upstream["${s.name}"]`, "freedmr picks the local port of an upstream link itself (a new one after each reconnect)");
      const text = (key: string, target: string, width: number): void => {
        const v = take(key);
        if (v !== undefined && v !== "") upstream[target] = fixedWidth(v, width, source(key), report);
      };
      text("CALLSIGN", "callsign", 8);
      text("LOCATION", "location", 20);
      text("DESCRIPTION", "description", 19);
      text("URL", "url", 124);
      text("SOFTWARE_ID", "software_id", 40);
      text("PACKAGE_ID", "package_id", 40);
      const num = (key: string, target: string, min: number, max: number, isInteger = true): void => {
        const v = isInteger ? integer(take(key), source(key), min, max, report) : decimal(take(key), source(key), min, max, report);
        if (v !== undefined) upstream[target] = v;
      };
      num("RX_FREQ", "rx_freq", 0, 999999999);
      num("TX_FREQ", "tx_freq", 0, 999999999);
      num("TX_POWER", "tx_power", 0, 99);
      num("COLORCODE", "color_code", 0, 15);
      num("LATITUDE", "latitude", -90, 90, false);
      num("LONGITUDE", "longitude", -180, 180, false);
      num("HEIGHT", "height", 0, 999);
      const slots = (take("SLOTS") ?? "").trim();
      if (["1", "2", "3", "4"].includes(slots)) upstream.slots = slots;
      else if (slots !== "") report.noEquivalent(source("SLOTS"), `"${slots}" is not 1, 2, 3 or 4`);
      const options = take("OPTIONS");
      if (options !== undefined && options.trim() !== "" && mode === "peer") upstream.options = options.trim().replace(/^['"]|['"]$/g, "");
      if (mode === "xlxpeer") {
        const module = take("XLXMODULE");
        report.noEquivalent(source("XLXMODULE"), `XLX module ${module ?? "?"} selection: freedmr logs in as a plain HBP peer; select the module on the XLX side or with the link's options`);
        if (options !== undefined && options.trim() !== "") report.note(source("OPTIONS"), "ignored for XLXPEER there too");
      }
      const withAcl = useAcl();
      const subAcl = take("SUB_ACL");
      if (subAcl !== undefined && subAcl.trim() !== "" && withAcl) {
        const acl = convertAcl(subAcl, source("SUB_ACL"), `upstream["${s.name}"].sub_acl`, report);
        if (acl !== undefined) upstream.sub_acl = acl;
      }
      for (const key of ["TGID_TS1_ACL", "TGID_TS2_ACL"]) {
        const t = take(key);
        if (t !== undefined && t.trim() !== "" && t.trim().toUpperCase() !== "PERMIT:ALL" && withAcl) {
          report.changed(source(key), `upstream["${s.name}"].talkgroup_map`, "an upstream link has no talkgroup ACL: list the talkgroups to carry in talkgroup_map with pass_all_talkgroups = false");
        }
      }
      if (take("LOOSE") !== undefined) report.note(source("LOOSE"), "freedmr's upstream client is always lenient with the master's replies");
      if (take("GROUP_HANGTIME") !== undefined) report.note(source("GROUP_HANGTIME"), "routing.group_hang_time_seconds applies to every slot");
      for (const key of ["EXPORT_AMBE", "ANNOUNCEMENT_LANGUAGE"]) if (take(key) !== undefined) report.noEquivalent(source(key), "no such setting on an upstream link");
      reportUnhandled(s, handled, "unknown PEER key, ignored");
      builder.push("upstream", upstream, `from [${s.name}] (MODE: ${modeText})`);
      report.mapped(`[${s.name}]`, `upstream["${s.name}"]`);
      continue;
    }

    // OPENBRIDGE
    const link: TomlTable = { name: s.name };
    if (!enabled) link.enabled = false;
    systems.set(s.name, { kind: "openbridge" });
    const ip = take("IP");
    link.bind_address = bindAddress(ip);
    const port = integer(take("PORT"), source("PORT"), 1, 65535, report);
    if (port !== undefined) link.port = port;
    const networkId = integer(take("NETWORK_ID"), source("NETWORK_ID"), 1, ID32_MAX, report);
    if (networkId !== undefined) link.network_id = networkId;
    else {
      link.enabled = false;
      report.changed(source("NETWORK_ID"), `openbridge["${s.name}"].network_id`, "missing: the link is written disabled");
    }
    const passphrase = take("PASSPHRASE") ?? "";
    if (passphrase !== "") link.passphrase = passphrase;
    else {
      link.enabled = false;
      report.changed(source("PASSPHRASE"), `openbridge["${s.name}"].passphrase`, "empty: the link is written disabled");
    }
    const targetIp = (take("TARGET_IP") ?? "").trim();
    if (isAddressLiteral(targetIp)) link.target_address = targetIp;
    else {
      link.target_address = "";
      const relaxed = bool(s, "RELAX_CHECKS", dialect === "freedmr");
      if (!relaxed || dialect === "hblink3") link.enabled = false;
      report.changed(
        source("TARGET_IP"),
        `openbridge["${s.name}"].target_address`,
        `"${targetIp}" is not an IP address: freedmr takes IP literals only; ${link.enabled === false ? "the link is written disabled — fill in the address" : "the peer's address is learnt from its keepalives until you fill it in"}`,
      );
    }
    const targetPort = integer(take("TARGET_PORT"), source("TARGET_PORT"), 1, 65535, report);
    if (targetPort !== undefined) link.target_port = targetPort;
    if (dialect === "freedmr") {
      const version = integer(take("PROTO_VER"), source("PROTO_VER"), 0, 255, report) ?? 5;
      if (version === 1 || version === 4 || version === 5) link.protocol = version;
      else {
        link.protocol = 5;
        report.changed(source("PROTO_VER"), `openbridge["${s.name}"].protocol`, `version ${version} is not spoken by freedmr (1, 4 and 5 are); written as 5`);
      }
      const enhancedText = take("ENHANCED_OBP");
      link.enhanced = enhancedText === undefined || enhancedText.trim() === "" ? true : bool(s, "ENHANCED_OBP", true);
      const relaxedText = take("RELAX_CHECKS");
      link.relaxed_checks = relaxedText === undefined || relaxedText.trim() === "" ? true : bool(s, "RELAX_CHECKS", true);
      report.mapped(`[${s.name}] PROTO_VER, ENHANCED_OBP, RELAX_CHECKS`, `openbridge["${s.name}"].protocol, enhanced, relaxed_checks`);
    } else {
      link.protocol = 1;
      link.enhanced = false;
      link.relaxed_checks = false;
      report.mapped(`[${s.name}]`, `openbridge["${s.name}"]`, "HBlink3 OpenBridge: protocol 1, no bridge control, packets only from TARGET_IP:TARGET_PORT");
      const bothSlots = take("BOTH_SLOTS");
      if (bothSlots !== undefined && bool(s, "BOTH_SLOTS", false)) {
        link.unit_calls = true;
        report.changed(source("BOTH_SLOTS"), `openbridge["${s.name}"].unit_calls`, "unit (private) calls cross the link; freedmr carries them on TS1 like every OpenBridge frame");
      }
    }
    const withAcl = useAcl();
    for (const [key, target] of [
      ["SUB_ACL", "sub_acl"],
      ["TGID_ACL", "tgid_acl"],
    ] as const) {
      const text = take(key);
      if (text === undefined || text.trim() === "") continue;
      if (!withAcl) {
        report.note(source(key), "USE_ACL is False there, so this ACL was not in use; not imported");
        continue;
      }
      const acl = convertAcl(text, source(key), `openbridge["${s.name}"].${target}`, report);
      if (acl !== undefined) link[target] = acl;
    }
    reportUnhandled(s, handled, "unknown OPENBRIDGE key, ignored");
    builder.push("openbridge", link, `from [${s.name}] (MODE: OPENBRIDGE)`);
    report.mapped(`[${s.name}]`, `openbridge["${s.name}"]`);
  }

  if (maxPeers > 0) {
    const peers = Math.min(1000000, maxPeers);
    builder.set("hbp", "max_peers", peers, masters.length > 1 || dialect === "freedmr" ? "MAX_PEERS x GENERATOR of every MASTER" : `[${masters[0]}] MAX_PEERS`);
    report.mapped("MAX_PEERS", "hbp.max_peers", `${peers} hotspots at once`);
  }
  if (masters.length === 0) report.changed("(no MASTER system)", "hbp.enabled", "hotspots can still log in to freedmr's HBP master on its default port; set hbp.enabled = false if they should not");

  if (dialect === "hblink3") {
    builder.set("routing", "user_activation", false, "(HBlink3 routes only through rules.py bridges)");
    builder.set("dial", "enabled", false, "(HBlink3 has no dial-a-TG)");
    report.changed("(HBlink3 routing)", "routing.user_activation, dial.enabled", "HBlink3 routes only through rules.py bridges: keying a talkgroup subscribes nothing and there is no dial-a-TG; both are written off to keep that — switch them on to offer them");
    report.note("(parrot)", "freedmr answers TG 9990 with a parrot ([parrot]); HBlink3 had none");
  }

  const ensureMasterRule = (name: string): boolean => {
    const settings = masterSettings.get(name);
    if (settings === undefined) return false;
    settings.needed = true;
    return true;
  };
  // access rules are written after bridges decide which masters need one (finishIni)
  return { builder, report, systems: { systems, masters, ensureMasterRule }, masterRules: masterSettings };
}

/** Writes the MASTER access rules that are needed (after bridges named theirs) and returns the config. */
export function finishIni(ini: IniImport): TomlTable {
  for (const [name, { rule, needed }] of ini.masterRules) {
    if (needed) ini.builder.push("hbp.access_rules", rule, `from MASTER [${name}]: every hotspot (the id range covers all ids)`);
  }
  ini.masterRules.clear();
  return ini.builder.build();
}

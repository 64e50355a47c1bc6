/**
 * The three importers on configs written in each project's documented format (fixtures/): the
 * TOML they write validates with freedmr's own loader, the values land on the right keys, and the
 * report says what did not map. The rules.py reader is also checked against Python's own
 * ast.literal_eval where python3 is installed.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { convertConfig, type SourceFormat } from "../../../src/config/import/index.ts";
import { readRulesFile, type PyValue } from "../../../src/config/import/python_literal.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";

const fixtures = join(import.meta.dir, "fixtures");
const read = (name: string): string => readFileSync(join(fixtures, name), "utf8");

function convert(from: SourceFormat, config: string, rules?: string) {
  const result = convertConfig({ from, configText: read(config), configName: config, ...(rules !== undefined ? { rulesText: read(rules), rulesName: rules } : {}) }, "test");
  if (!result.ok) throw new Error(result.error);
  const loaded = parseConfigText(result.toml, "toml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return { config: loaded.config as Config, toml: result.toml, report: result.report, text: result.report.render() };
}

describe("import --from freedmr", () => {
  const { config, report, text, toml } = convert("freedmr", "freedmr.cfg", "freedmr_rules.py");

  test("GLOBAL, LOGGER, PROXY and the MASTER fold into [server], [log], [hbp], [routing]", () => {
    expect(config.server.server_id).toBe(23450);
    expect(config.log.level).toBe("warn"); // LOG_LEVEL: WARNING
    expect(config.hbp.port).toBe(62031); // the proxy's ListenPort, not the generator's 54000
    expect(config.hbp.passphrase).toBe("club-secret-2026");
    expect(config.hbp.peer_timeout_seconds).toBe(30); // PING_TIME 10 x MAX_MISSED 3
    expect(config.hbp.max_peers).toBe(100); // MAX_PEERS 1 x GENERATOR 100
    expect(config.hbp.registration_acl).toBe("DENY:1");
    expect(config.routing.subscriber_acl).toBe("DENY:1");
    expect(config.routing.group_hang_time_seconds).toBe(5);
    expect(config.routing.ua_timer_minutes).toBe(15);
    expect(config.routing.single_mode).toBe(true);
    expect(config.parrot.enabled).toBe(true); // the [ECHO] peer became the built-in parrot
  });

  test("the proxy's BlackList refuses ids first; the MASTER's statics apply to every other hotspot", () => {
    const rules = config.hbp.access_rules;
    expect(rules.slice(0, 2).map((r) => [r.repeater_id, r.action])).toEqual([
      [1234567, "deny"],
      [2345678, "deny"],
    ]);
    const master = rules[2]!;
    expect(master.name).toBe("SYSTEM");
    expect(master.repeater_id_range).toEqual([0, 4294967295]);
    expect(master.ts1_static).toEqual([2350, 91]);
    expect(master.ts2_static).toEqual([235]);
    expect(master.sub_acl).toBe("DENY:1");
  });

  test("OPENBRIDGE systems become links; a host name disables its link and says why", () => {
    expect(config.openbridge.map((l) => l.name)).toEqual(["OBP-REGION", "OBP-BM"]);
    const [region, bm] = config.openbridge;
    expect(region).toMatchObject({ port: 62044, network_id: 23500, passphrase: "region-link-key", target_address: "203.0.113.7", target_port: 62044, protocol: 5, enhanced: true, relaxed_checks: true, bind_address: "::" });
    expect(bm).toMatchObject({ enabled: false, protocol: 1, enhanced: false, relaxed_checks: false, target_address: "", sub_acl: "PERMIT:ALL" });
    expect(text).toContain('[OBP-BM] TARGET_IP -> openbridge["OBP-BM"].target_address: "bm.example.net" is not an IP address');
    expect(text).toContain("[OBP-BM] SUB_ACL: USE_ACL is False there");
  });

  test("a PEER becomes an upstream link with its RPTC fields cut to their widths and its OPTIONS kept", () => {
    expect(config.upstream.length).toBe(1);
    expect(config.upstream[0]).toMatchObject({
      name: "UPLINK",
      address: "198.51.100.20",
      port: 62031,
      passphrase: "upstream-pass",
      repeater_id: 234500199,
      callsign: "G0ABCDEF",
      latitude: 51.5,
      longitude: -0.12,
      slots: "1",
      options: "TS1=91;TS2=2350;DIAL=0;VOICE=1;LANG=en_GB;SINGLE=0;TIMER=10",
    });
    expect(text).toContain('[UPLINK] CALLSIGN: cut to 8 characters ("G0ABCDEF")');
  });

  test("rules.py: two-member bridges are written, one-member and '#' (dial) bridges are explained", () => {
    expect(config.bridges.map((b) => b.name)).toEqual(["REGIONAL"]);
    expect(config.bridges[0]!.members.map((m) => [m.system, m.slot, m.talkgroup, m.active])).toEqual([
      ["OBP-REGION", 1, 2350, true],
      ["OBP-BM", 1, 2350, true],
    ]);
    expect(text).toMatch(/BRIDGES\['NATIONAL'\]: 1 usable member\(s\): FreeDMR adds every MASTER/);
    expect(text).toContain("BRIDGES['#91']: a dial-a-TG reflector bridge");
  });

  test("nothing is dropped silently: every FreeDMR-only key is in the report", () => {
    for (const key of ["[REPORTS] REPORT_PORT", "[ALIASES] SUBSCRIBER_FILE", "[SYSTEM] VOICE_IDENT", "[SYSTEM] ANNOUNCEMENT_LANGUAGE", "[GLOBAL] VALIDATE_SERVER_IDS", "[LOGGER] LOG_FILE", "[PROXY] destportstart"]) {
      expect(text).toContain(key);
    }
    expect(report.count("mapped")).toBeGreaterThan(20);
    // comments name the source of each key
    expect(toml).toMatch(/port = 62031 +# from \[PROXY\] ListenPort/);
  });
});

describe("import --from hblink3", () => {
  const { config, text } = convert("hblink3", "hblink.cfg", "hblink3_rules.py");

  test("SERVER/OUTBOUND (v3 names) and OPENBRIDGE map; the link's NETWORK_ID becomes our server id", () => {
    expect(config.hbp.port).toBe(54000);
    expect(config.hbp.passphrase).toBe("s3cr37w0rd");
    expect(config.hbp.max_peers).toBe(10);
    expect(config.server.server_id).toBe(3129100);
    expect(config.openbridge[0]).toMatchObject({ name: "OBP-1", network_id: 3129100, protocol: 1, enhanced: false, relaxed_checks: false, unit_calls: true });
    expect(config.upstream.map((u) => [u.name, u.enabled])).toEqual([
      ["REPEATER-1", true],
      ["XLX-1", false],
    ]);
    expect(config.hbp.access_rules[0]).toMatchObject({ name: "MASTER-1", sub_acl: "DENY:1", tgid_ts2_acl: "DENY:9" });
  });

  test("routing stays bridge-only: no user activation, no dial-a-TG; bridges keep their triggers and timers", () => {
    expect(config.routing.user_activation).toBe(false);
    expect(config.dial.enabled).toBe(false);
    const english = config.bridges.find((b) => b.name === "ENGLISH")!;
    expect(english.members[0]).toMatchObject({ system: "MASTER-1", slot: 2, talkgroup: 13, active: false, timeout_type: "off", timeout_minutes: 10, on: [13], off: [4000], reset: [13] });
    expect(config.bridges.find((b) => b.name === "WORLDWIDE")!.members.map((m) => m.system)).toEqual(["MASTER-1", "REPEATER-1", "OBP-1"]);
    expect(text).toContain("rules.py UNIT: [MASTER-1, OBP-1]: freedmr routes private calls");
    expect(text).toContain("[XLX-1] XLXMODULE: XLX module 4004");
  });
});

describe("import --from hblink4", () => {
  const { config, text } = convert("hblink4", "hblink4.json");

  test("blacklist first, then each pattern's ids / ranges / callsigns in file order, then the default", () => {
    const rules = config.hbp.access_rules;
    expect(rules.map((r) => [r.name, r.repeater_id ?? r.repeater_id_range ?? r.callsign, r.action])).toEqual([
      ["Blocked IDs #1", 1, "deny"],
      ["Blocked IDs #2", 2, "deny"],
      ["Blocked callsigns", "BADACTOR*", "deny"],
      ["KS-DMR Network #1", 312500, "allow"],
      ["KS-DMR Network #2", [312000, 312099], "allow"],
      ["Trusted hub", "WA0EDA*", "allow"],
      ["Receive only", 312777, "allow"],
      ["default", [0, 4294967295], "allow"],
    ]);
  });

  test("talkgroup lists are statics and ACLs; trusted repeaters keep open ACLs; [] denies the slot", () => {
    const byName = new Map(config.hbp.access_rules.map((r) => [r.name, r]));
    expect(byName.get("KS-DMR Network #2")).toMatchObject({ passphrase: "ks-dmr-network-key", ts1_static: [3120, 3121], tgid_ts1_acl: "PERMIT:3120,3121", ts2_static: [3122], tgid_ts2_acl: "PERMIT:9,3122" });
    expect(byName.get("Trusted hub")).toMatchObject({ ts1_static: [31201], tgid_ts1_acl: "PERMIT:ALL", tgid_ts2_acl: "PERMIT:ALL" });
    expect(byName.get("Receive only")).toMatchObject({ tgid_ts1_acl: "DENY:ALL", ts2_static: [8] });
    expect(config.hbp.passphrase).toBe("passw0rd-default");
    expect(text).toContain("9, 4000, 5000 and 9990–9999 are handled by freedmr itself");
  });

  test("one dual-stack socket, links, dashboard, and HBlink4's routing model", () => {
    expect(config.hbp.bind_addresses).toEqual(["::"]);
    expect(config.hbp.port).toBe(62031);
    expect(config.hbp.peer_timeout_seconds).toBe(90);
    expect(config.server.server_id).toBe(3129100);
    expect(config.openbridge[0]).toMatchObject({ name: "OBP-BM", protocol: 1, enhanced: false, network_id: 3129100, target_address: "192.0.2.44", tgid_acl: "PERMIT:91,3120" });
    expect(config.upstream[0]).toMatchObject({ name: "BM-uplink", passphrase: "bm-pass", repeater_id: 312123401, options: "TS1=3120;TS2=91", unit_calls: false, latitude: 39.1 });
    expect(config.http).toMatchObject({ enabled: true, port: 8765 });
    expect(config.routing.user_activation).toBe(false);
    expect(text).toContain("preserve_source_peer");
  });

  test("a pattern-less config refuses unmatched repeaters, as HBlink4 does", () => {
    const result = convertConfig({ from: "hblink4", configText: JSON.stringify({ repeater_configurations: { patterns: [{ name: "only", match: { ids: [5] }, config: { passphrase: "x" } }] } }), configName: "c.json" }, "t");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const loaded = parseConfigText(result.toml, "toml");
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config.hbp.access_rules.at(-1)).toMatchObject({ name: "no default", action: "deny", repeater_id_range: [0, 4294967295] });
  });
});

describe("bad input", () => {
  test("INI and JSON syntax errors and non-literal rules are refused with their position", () => {
    const ini = convertConfig({ from: "freedmr", configText: "[GLOBAL]\nbroken line\n", configName: "x.cfg" }, "t");
    expect(ini.ok).toBe(false);
    if (!ini.ok) expect(ini.error).toBe('x.cfg, line 2: expected "KEY: value" or "KEY = value", found "broken line"');
    const json = convertConfig({ from: "hblink4", configText: "{ nope", configName: "c.json" }, "t");
    expect(json.ok).toBe(false);
    if (!json.ok) expect(json.error).toMatch(/^c\.json: not valid JSON/);
    const rules = convertConfig({ from: "hblink3", configText: read("hblink.cfg"), configName: "hblink.cfg", rulesText: "BRIDGES = {'A': TG_LIST}", rulesName: "rules.py" }, "t");
    expect(rules.ok).toBe(false);
    if (!rules.ok) expect(rules.error).toMatch(/^rules\.py: line 1, column 17: "TG_LIST" is a name, not a literal/);
  });

  test("a bridge member naming an unknown or skipped system is left out and reported", () => {
    const rulesText = "BRIDGES = {'X': [{'SYSTEM': 'MASTER-1', 'TS': 1, 'TGID': 5}, {'SYSTEM': 'NOPE', 'TS': 1, 'TGID': 5}, {'SYSTEM': 'OBP-1', 'TS': 3, 'TGID': 5}]}";
    const result = convertConfig({ from: "hblink3", configText: read("hblink.cfg"), configName: "hblink.cfg", rulesText, rulesName: "rules.py" }, "t");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const text = result.report.render();
    expect(text).toContain("SYSTEM 'NOPE' is not a section of the config");
    expect(text).toContain("TS 3 is not 1 or 2");
    expect(text).toContain("BRIDGES['X']: 1 usable member(s)");
  });
});

describe("the rules.py reader agrees with Python's ast.literal_eval", () => {
  const python = Bun.which("python3");
  const skip = python === null && process.env.CI !== "true";
  test.skipIf(skip)("both fixtures' BRIDGES and UNIT read the same as Python reads them", () => {
    if (python === null) throw new Error("python3 is required under CI=true (apt-get install python3)");
    for (const name of ["freedmr_rules.py", "hblink3_rules.py"]) {
      const script = "import ast,json,sys\ntree=ast.parse(open(sys.argv[1]).read())\nout={}\nfor n in tree.body:\n  if isinstance(n,ast.Assign) and isinstance(n.targets[0],ast.Name) and n.targets[0].id in ('BRIDGES','UNIT'):\n    out[n.targets[0].id]=ast.literal_eval(n.value)\nprint(json.dumps(out,sort_keys=True))";
      const run = Bun.spawnSync([python, "-c", script, join(fixtures, name)]);
      expect(run.exitCode).toBe(0);
      const ours = readRulesFile(read(name), ["BRIDGES", "UNIT"]);
      expect(ours.ok).toBe(true);
      if (!ours.ok) continue;
      const plain: Record<string, unknown> = {};
      for (const [key, value] of ours.rules.assignments) plain[key] = toPlain(value);
      expect(plain).toEqual(JSON.parse(run.stdout.toString()));
    }
  });
  if (skip) test("python3 check skipped: python3 is not installed (install it to compare with ast.literal_eval)", () => {});
});

function toPlain(value: PyValue): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

/**
 * rules.py `BRIDGES` (and HBlink3's `UNIT`) → freedmr `[[bridges]]` (freedmr-reference.md §1.8):
 *
 *   BRIDGES = { 'NAME': [ {'SYSTEM': 'MASTER-1', 'TS': 1, 'TGID': 3100, 'ACTIVE': True,
 *                          'TIMEOUT': 2, 'TO_TYPE': 'ON', 'ON': [..], 'OFF': [..], 'RESET': [..]}, ... ] }
 *
 * TIMEOUT is in minutes there and here. Members naming a system that was not imported are left
 * out (reported); a bridge left with fewer than two members is reported, not written.
 * @module
 */
import type { ImportedSystems } from "./from_ini.ts";
import type { PyDict, PyValue } from "./python_literal.ts";
import type { ConfigBuilder } from "./config_builder.ts";
import type { MappingReport } from "./report.ts";
import type { TomlTable } from "./toml_writer.ts";

const TG_MAX = 16777215;

export function importBridges(bridges: PyValue, unit: PyValue | undefined, systems: ImportedSystems, builder: ConfigBuilder, report: MappingReport, dialect: "freedmr" | "hblink3"): void {
  if (!(bridges instanceof Map)) {
    report.noEquivalent("rules.py BRIDGES", "is not a dict of bridges; nothing imported");
    return;
  }
  for (const [rawName, members] of bridges) {
    const name = String(rawName);
    const where = `rules.py BRIDGES['${name}']`;
    if (name.startsWith("#")) {
      report.note(where, "a dial-a-TG reflector bridge: freedmr's dial-a-TG makes these itself");
      continue;
    }
    if (!Array.isArray(members)) {
      report.noEquivalent(where, "is not a list of members; left out");
      continue;
    }
    const written: TomlTable[] = [];
    members.forEach((member, index) => {
      const at = `${where}[${index}]`;
      if (!(member instanceof Map)) {
        report.noEquivalent(at, "is not a dict; left out");
        return;
      }
      const converted = convertMember(member, at, systems, report);
      if (converted !== undefined) written.push(converted);
    });
    if (written.length < 2) {
      const onlyLinks = written.every((m) => systems.systems.get(String(m.system))?.kind === "openbridge" || systems.systems.get(String(m.system))?.kind === "upstream");
      const why =
        dialect === "freedmr" && onlyLinks
          ? "FreeDMR adds every MASTER to each bridge; freedmr does the same for every hotspot (user-activated and static talkgroups), and talkgroups cross links unless a link's ACL or talkgroup_map says otherwise — nothing to write"
          : "a bridge needs at least two members here; left out";
      report.changed(where, "", `${written.length} usable member(s): ${why}`);
      continue;
    }
    builder.push("bridges", { name: name.slice(0, 64), members: written }, `from ${where}`);
    report.mapped(where, `bridges["${name}"]`, `${written.length} members`);
  }
  if (unit !== undefined) {
    const list = Array.isArray(unit) ? unit.map(String) : [];
    report.changed(
      "rules.py UNIT",
      "",
      `${list.length > 0 ? `[${list.join(", ")}]: ` : ""}freedmr routes private calls and data to wherever the radio was last heard (any hotspot or link) without a list of systems to flood`,
    );
  }
}

function convertMember(member: PyDict, at: string, systems: ImportedSystems, report: MappingReport): TomlTable | undefined {
  const get = (key: string): PyValue | undefined => {
    for (const [k, v] of member) if (String(k).toUpperCase() === key) return v;
    return undefined;
  };
  const system = get("SYSTEM");
  if (typeof system !== "string" || system === "") {
    report.noEquivalent(at, "has no SYSTEM; left out");
    return undefined;
  }
  const known = systems.systems.get(system);
  if (known === undefined) {
    report.noEquivalent(at, `SYSTEM '${system}' is not a section of the config; member left out`);
    return undefined;
  }
  if (known.kind === "skipped") {
    report.noEquivalent(at, `SYSTEM '${system}' was not imported (${known.why ?? "skipped"}); member left out`);
    return undefined;
  }
  if (known.kind === "rule") systems.ensureMasterRule(system);
  const slot = toInteger(get("TS"));
  if (slot !== 1 && slot !== 2) {
    report.noEquivalent(at, `TS ${String(get("TS"))} is not 1 or 2; member left out`);
    return undefined;
  }
  const talkgroup = toInteger(get("TGID"));
  if (talkgroup === undefined || talkgroup < 1 || talkgroup > TG_MAX) {
    report.noEquivalent(at, `TGID ${String(get("TGID"))} is not a talkgroup; member left out`);
    return undefined;
  }
  const out: TomlTable = { system, slot, talkgroup };
  const active = get("ACTIVE");
  out.active = active === true || active === 1;
  const toType = String(get("TO_TYPE") ?? "NONE").toLowerCase();
  const timeout = toNumber(get("TIMEOUT")) ?? 0;
  if (toType === "on" || toType === "off") {
    if (timeout > 0) {
      out.timeout_type = toType;
      out.timeout_minutes = Math.max(1, Math.round(timeout));
      if (!Number.isInteger(timeout)) report.changed(at, "timeout_minutes", `TIMEOUT ${timeout} rounded to ${out.timeout_minutes} minutes`);
    } else report.changed(at, "timeout_type", `TO_TYPE '${toType.toUpperCase()}' with TIMEOUT 0 never fires there; written without a timer`);
  } else if (toType !== "none") report.noEquivalent(at, `TO_TYPE '${String(get("TO_TYPE"))}' is not ON, OFF or NONE; no timer`);
  for (const key of ["ON", "OFF", "RESET"] as const) {
    const list = get(key);
    if (list === undefined || list === null) continue;
    const items = Array.isArray(list) ? list : [list];
    const tgs: number[] = [];
    for (const item of items) {
      const tg = toInteger(item);
      if (tg === undefined || tg < 1 || tg > TG_MAX) report.noEquivalent(`${at} ${key}`, `${String(item)} is not a talkgroup; left out`);
      else if (!tgs.includes(tg)) tgs.push(tg);
    }
    if (tgs.length > 0) out[key.toLowerCase()] = tgs;
  }
  return out;
}

function toInteger(value: PyValue | undefined): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toNumber(value: PyValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

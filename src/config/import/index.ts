/**
 * `freedmr import`: a FreeDMR, HBlink3 or HBlink4 config (+ rules.py) → a freedmr TOML config and
 * a mapping report. Pure: text in, text out; the CLI reads and writes the files.
 *
 *   FreeDMR / HBlink3: configparser INI (from_ini.ts) + optional rules.py (python_literal.ts,
 *                      bridges.ts) — read without running Python.
 *   HBlink4:           config.json (from_hblink4.ts).
 *
 * The TOML written is checked with freedmr's own loader before it is handed back, so a config
 * that imports is a config that starts.
 * @module
 */
import { parseConfigText } from "../load.ts";
import { formatConfigError } from "../errors.ts";
import { importBridges } from "./bridges.ts";
import { finishIni, importIni } from "./from_ini.ts";
import { importHblink4 } from "./from_hblink4.ts";
import { parseIni } from "./ini.ts";
import { readRulesFile } from "./python_literal.ts";
import type { MappingReport } from "./report.ts";
import type { SourceFormat } from "./shared.ts";
import { writeToml, type TomlComments, type TomlTable } from "./toml_writer.ts";

export type { SourceFormat } from "./shared.ts";
export const SOURCE_FORMATS: readonly SourceFormat[] = ["freedmr", "hblink3", "hblink4"];

export interface ImportInput {
  readonly from: SourceFormat;
  /** The main config file's text and name (for messages). */
  readonly configText: string;
  readonly configName: string;
  readonly rulesText?: string;
  readonly rulesName?: string;
}

export type ImportConversion =
  | { readonly ok: true; readonly toml: string; readonly report: MappingReport }
  | { readonly ok: false; readonly error: string; readonly report?: MappingReport };

export function convertConfig(input: ImportInput, version: string): ImportConversion {
  let config: TomlTable;
  let comments: TomlComments;
  let report: MappingReport;
  if (input.from === "hblink4") {
    if (input.rulesText !== undefined) return { ok: false, error: "HBlink4 has no rules.py: give only its config.json" };
    const read = importHblink4(input.configText);
    if (!read.ok) return { ok: false, error: `${input.configName}: ${read.error}` };
    ({ config, report } = read.result);
    comments = read.result.builder.comments;
  } else {
    const ini = parseIni(input.configText);
    if (!ini.ok) return { ok: false, error: `${input.configName}, line ${ini.line}: ${ini.error}` };
    const imported = importIni(ini.document, input.from);
    report = imported.report;
    if (input.rulesText !== undefined) {
      const rules = readRulesFile(input.rulesText, ["BRIDGES", "UNIT"]);
      if (!rules.ok) return { ok: false, error: `${input.rulesName ?? "rules.py"}: ${rules.error}`, report };
      for (const line of rules.rules.skipped) report.note(`${input.rulesName ?? "rules.py"} ${line}`, "not read (only the BRIDGES and UNIT literals are)");
      const bridges = rules.rules.assignments.get("BRIDGES");
      if (bridges === undefined) report.note(input.rulesName ?? "rules.py", "has no BRIDGES");
      else importBridges(bridges, rules.rules.assignments.get("UNIT"), imported.systems, imported.builder, report, input.from);
    }
    config = finishIni(imported);
    comments = imported.builder.comments;
  }
  settleServerId(config, input.from, report);
  const header = [
    `freedmr config imported from ${input.from === "freedmr" ? "FreeDMR" : input.from === "hblink3" ? "HBlink3" : "HBlink4"}: ${input.configName}${input.rulesName !== undefined ? ` + ${input.rulesName}` : ""}`,
    `by freedmr ${version}. Keys not written here keep their defaults: \`freedmr --print-default-config\``,
    "lists them all. Check the mapping report printed with it, then `freedmr --check-config FILE`.",
  ];
  const toml = writeToml(config, comments, header);
  const check = parseConfigText(toml, "toml");
  if (!check.ok) {
    const problems = check.errors.map((e) => `  ${formatConfigError(e)}`).join("\n");
    return { ok: false, error: `the imported config does not validate:\n${problems}`, report };
  }
  return { ok: true, toml, report };
}

/**
 * Who we are on OpenBridge links. FreeDMR sends its GLOBAL SERVER_ID and checks the peer's against
 * the link's NETWORK_ID — freedmr's model exactly. HBlink3 and HBlink4 send the link's NETWORK_ID
 * and expect the same back (one shared id per link), so there server.server_id becomes that id.
 * freedmr has one server id for every link: links that need another one are reported, and links
 * that would run with no id at all are written disabled.
 */
function settleServerId(config: TomlTable, from: SourceFormat, report: MappingReport): void {
  const links = (Array.isArray(config.openbridge) ? config.openbridge : []) as TomlTable[];
  const enabled = links.filter((link) => link.enabled !== false);
  const server = (config.server ?? {}) as TomlTable;
  if (from !== "freedmr" && server.server_id === undefined && enabled.length > 0) {
    const id = enabled[0]!.network_id;
    if (typeof id === "number") {
      const reordered: TomlTable = { server: { ...server, server_id: id } };
      for (const [key, value] of Object.entries(config)) if (key !== "server") reordered[key] = value;
      for (const key of Object.keys(config)) delete config[key];
      Object.assign(config, reordered);
      report.mapped(`NETWORK_ID of ${String(enabled[0]!.name)}`, "server.server_id", "HBlink sends the link's NETWORK_ID as its own id; freedmr sends server.server_id on every link");
      for (const link of enabled.slice(1)) {
        if (link.network_id !== id) {
          report.changed(
            `NETWORK_ID of ${String(link.name)}`,
            "server.server_id",
            `freedmr sends one id (${id}) on every link, but this link's other end expects ${String(link.network_id)}: ask its sysop to accept ${id}, or set server.server_id and the peers' ids to match`,
          );
        }
      }
    }
    return;
  }
  if (server.server_id === undefined && enabled.length > 0) {
    for (const link of enabled) link.enabled = false;
    report.changed("[GLOBAL] SERVER_ID", "server.server_id", `not set: OpenBridge/FBP links need this server's id, so ${enabled.length} link(s) are written disabled — set server.server_id and enable them`);
  }
}

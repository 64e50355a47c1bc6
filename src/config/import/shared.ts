/**
 * Pieces every importer uses: the result shape, ACL conversion, talkgroup lists, fixed-width
 * text the way FreeDMR/HBlink pad and cut it, and number parsing with a report entry on failure.
 * @module
 */
import { isIP } from "node:net";
import { parseAcl } from "../../core/acl.ts";
import type { MappingReport } from "./report.ts";
import type { TomlComments, TomlTable } from "./toml_writer.ts";

export type SourceFormat = "freedmr" | "hblink3" | "hblink4";

export interface ImportResult {
  readonly config: TomlTable;
  readonly comments: TomlComments;
  readonly report: MappingReport;
}

export type ImportOutcome = { readonly ok: true; readonly result: ImportResult } | { readonly ok: false; readonly error: string };

export const ID32_MAX = 4294967295;
const TG_MAX = 16777215;

/**
 * A FreeDMR/HBlink ACL as freedmr reads it: the same syntax, except that an action other than
 * PERMIT means DENY there (freedmr insists on the word) and an empty list is an error here.
 * Returns the ACL text, or undefined (reported) when it cannot be expressed.
 */
export function convertAcl(text: string, source: string, target: string, report: MappingReport): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") {
    report.changed(source, target, 'empty ACL: FreeDMR/HBlink build an invalid list from it (and crash with USE_ACL); freedmr uses "PERMIT:ALL"');
    return "PERMIT:ALL";
  }
  let candidate = trimmed;
  const colon = trimmed.indexOf(":");
  if (colon > 0) {
    const action = trimmed.slice(0, colon).trim().toUpperCase();
    if (action !== "PERMIT" && action !== "DENY") {
      candidate = `DENY:${trimmed.slice(colon + 1)}`;
      report.changed(source, target, `action "${trimmed.slice(0, colon)}" is DENY there (anything but PERMIT); written as DENY`);
    }
  }
  const parsed = parseAcl(candidate);
  if (!parsed.ok) {
    report.noEquivalent(source, `ACL "${text}" is not valid (${parsed.error}); left at the default`);
    return undefined;
  }
  report.mapped(source, target);
  return parsed.acl.text;
}

/** "3100, 91,2350" → [3100, 91, 2350]; bad entries are reported and left out. */
export function talkgroupList(text: string, source: string, report: MappingReport): number[] {
  const out: number[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const tg = Number(item);
    if (!/^\d+$/.test(item) || tg < 1 || tg > TG_MAX) {
      report.noEquivalent(source, `"${item}" is not a talkgroup (1–${TG_MAX}); left out`);
      continue;
    }
    if (!out.includes(tg)) out.push(tg);
  }
  return out;
}

/** An integer within [min, max], or undefined (reported). */
export function integer(text: string | undefined, source: string, min: number, max: number, report: MappingReport): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    if (trimmed !== "") report.noEquivalent(source, `"${text}" is not a whole number; left at the default`);
    return undefined;
  }
  const value = Number(trimmed);
  if (value < min || value > max) {
    report.noEquivalent(source, `${value} is outside ${min}–${max}; left at the default`);
    return undefined;
  }
  return value;
}

/** A decimal number within [min, max], or undefined (reported). */
export function decimal(text: string | undefined, source: string, min: number, max: number, report: MappingReport): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text.trim());
  if (!Number.isFinite(value) || value < min || value > max) {
    report.noEquivalent(source, `"${text}" is not a number from ${min} to ${max}; left at the default`);
    return undefined;
  }
  return value;
}

/** Text cut to `width` characters, as FreeDMR/HBlink cut RPTC fields (reported when cut). */
export function fixedWidth(text: string, width: number, source: string, report: MappingReport): string {
  if (text.length <= width) return text;
  report.changed(source, "", `cut to ${width} characters ("${text.slice(0, width)}"), as the HBP configuration packet carries no more`);
  return text.slice(0, width);
}

/** True for an IPv4/IPv6 literal (freedmr links take no host names). */
export function isAddressLiteral(text: string): boolean {
  return isIP(text) !== 0;
}

/** freedmr's bind address for an empty/"0.0.0.0" FreeDMR IP: "::" (every IPv4 and IPv6 address). */
export function bindAddress(text: string | undefined): string {
  const trimmed = (text ?? "").trim();
  if (trimmed === "" || trimmed === "0.0.0.0" || trimmed === "::") return "::";
  return trimmed;
}

/** Python logging level names → freedmr's log.level. */
export function logLevel(text: string): string | undefined {
  switch (text.trim().toUpperCase()) {
    case "TRACE":
      return "trace";
    case "DEBUG":
      return "debug";
    case "INFO":
      return "info";
    case "WARN":
    case "WARNING":
      return "warn";
    case "ERROR":
      return "error";
    case "CRITICAL":
    case "FATAL":
      return "fatal";
    default:
      return undefined;
  }
}

/**
 * A reader for the INI dialect of Python's configparser, as FreeDMR and HBlink3 read their config
 * (`hblink.cfg`, `freedmr.cfg`): `[SECTION]` headers, `key: value` or `key = value`, whole-line `#`
 * and `;` comments, keys case-insensitive, indented lines continuing the previous value, and the
 * `[DEFAULT]` section whose keys every other section inherits. Nothing here evaluates anything.
 * Problems are values with a line number, never exceptions.
 * @module
 */

export interface IniSection {
  /** As written in the file (configparser keeps section names' case). */
  readonly name: string;
  /** The line of the `[name]` header (1-based). */
  readonly line: number;
  /** Lower-cased key → value (stripped; continuation lines joined with "\n"). */
  readonly values: Map<string, string>;
  /** Lower-cased key → the line it was set on. */
  readonly lines: Map<string, number>;
}

export interface IniDocument {
  readonly sections: IniSection[];
  /** The `[DEFAULT]` section's values (inherited by every section). */
  readonly defaults: Map<string, string>;
}

export type IniRead = { readonly ok: true; readonly document: IniDocument } | { readonly ok: false; readonly line: number; readonly error: string };

export function parseIni(text: string): IniRead {
  const sections: IniSection[] = [];
  const defaults = new Map<string, string>();
  const defaultLines = new Map<string, number>();
  const seen = new Set<string>();
  let current: { values: Map<string, string>; lines: Map<string, number> } | null = null;
  let lastKey: string | null = null;
  let lastIndent = 0;
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    if (trimmed === "") continue;
    if (trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    // configparser: a line indented deeper than its key continues the value
    if (indent > lastIndent && lastKey !== null && current !== null) {
      const previous = current.values.get(lastKey) ?? "";
      current.values.set(lastKey, previous === "" ? trimmed : `${previous}\n${trimmed}`);
      continue;
    }
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header !== null) {
      const name = header[1]!.trim();
      if (name === "DEFAULT") {
        current = { values: defaults, lines: defaultLines };
      } else {
        if (seen.has(name)) return { ok: false, line: lineNumber, error: `section [${name}] appears twice (configparser refuses this too)` };
        seen.add(name);
        const section: IniSection = { name, line: lineNumber, values: new Map(), lines: new Map() };
        sections.push(section);
        current = section;
      }
      lastKey = null;
      continue;
    }
    if (current === null) return { ok: false, line: lineNumber, error: `"${clip(trimmed)}" comes before the first [SECTION] header` };
    const separator = firstSeparator(trimmed);
    if (separator <= 0) return { ok: false, line: lineNumber, error: `expected "KEY: value" or "KEY = value", found "${clip(trimmed)}"` };
    const key = trimmed.slice(0, separator).trim().toLowerCase();
    const value = trimmed.slice(separator + 1).trim();
    if (current.lines.has(key) && current.values !== defaults) {
      return { ok: false, line: lineNumber, error: `key ${key.toUpperCase()} is set twice in this section (first on line ${current.lines.get(key)})` };
    }
    current.values.set(key, value);
    current.lines.set(key, lineNumber);
    lastKey = key;
    lastIndent = indent;
  }
  return { ok: true, document: { sections, defaults } };
}

function firstSeparator(line: string): number {
  const colon = line.indexOf(":");
  const equals = line.indexOf("=");
  if (colon < 0) return equals;
  if (equals < 0) return colon;
  return Math.min(colon, equals);
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A section's value for `key` (case-insensitive), falling back to [DEFAULT]; undefined when unset. */
export function iniValue(document: IniDocument, section: IniSection, key: string): string | undefined {
  const k = key.toLowerCase();
  return section.values.get(k) ?? document.defaults.get(k);
}

/** configparser's getboolean: 1/yes/true/on and 0/no/false/off, any case; undefined otherwise. */
export function iniBoolean(text: string): boolean | undefined {
  switch (text.trim().toLowerCase()) {
    case "1":
    case "yes":
    case "true":
    case "on":
      return true;
    case "0":
    case "no":
    case "false":
    case "off":
      return false;
    default:
      return undefined;
  }
}

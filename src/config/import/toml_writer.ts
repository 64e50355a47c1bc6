/**
 * Writes an imported config as TOML: `[section]` tables with their keys, `[[array]]` tables for
 * lists of tables (access rules, links, bridges and their members), an optional comment after any
 * key (where it came from), and nothing the schema does not know. Values are strings, numbers,
 * booleans and arrays of those; strings use TOML basic strings (JSON escapes are valid there).
 * @module
 */

export type TomlScalar = string | number | boolean;
export type TomlValue = TomlScalar | TomlScalar[] | TomlTable | TomlTable[];
export interface TomlTable {
  [key: string]: TomlValue | undefined;
}

/** Key path ("hbp.port", "openbridge[0].passphrase") → a comment written after the key. */
export type TomlComments = Map<string, string>;

export function writeToml(document: TomlTable, comments: TomlComments, header: readonly string[] = []): string {
  const out: string[] = header.map((line) => (line === "" ? "#" : `# ${line}`));
  if (out.length > 0) out.push("");
  // top-level scalars first (TOML: they must precede the first table)
  writeScalars(out, document, "", comments);
  for (const [key, value] of Object.entries(document)) {
    if (value === undefined) continue;
    if (isTable(value)) writeTable(out, key, key, value, comments);
    else if (isTableArray(value)) value.forEach((table, i) => writeArrayTable(out, key, `${key}[${i}]`, table, comments));
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trim()}\n`;
}

function writeTable(out: string[], header: string, path: string, table: TomlTable, comments: TomlComments): void {
  const scalars = Object.entries(table).filter(([, v]) => v !== undefined && !isTable(v) && !isTableArray(v));
  if (scalars.length > 0 || Object.keys(table).length === 0) {
    out.push("", `[${header}]`);
    writeScalars(out, table, path, comments);
  }
  for (const [key, value] of Object.entries(table)) {
    if (value === undefined) continue;
    if (isTable(value)) writeTable(out, `${header}.${key}`, `${path}.${key}`, value, comments);
    else if (isTableArray(value)) value.forEach((sub, i) => writeArrayTable(out, `${header}.${key}`, `${path}.${key}[${i}]`, sub, comments));
  }
}

function writeArrayTable(out: string[], header: string, path: string, table: TomlTable, comments: TomlComments): void {
  const before = comments.get(`${path}#`);
  out.push("");
  if (before !== undefined) for (const line of before.split("\n")) out.push(`# ${line}`);
  out.push(`[[${header}]]`);
  writeScalars(out, table, path, comments);
  for (const [key, value] of Object.entries(table)) {
    if (value === undefined) continue;
    if (isTable(value)) writeTable(out, `${header}.${key}`, `${path}.${key}`, value, comments);
    else if (isTableArray(value)) value.forEach((sub, i) => writeArrayTable(out, `${header}.${key}`, `${path}.${key}[${i}]`, sub, comments));
  }
}

function writeScalars(out: string[], table: TomlTable, path: string, comments: TomlComments): void {
  for (const [key, value] of Object.entries(table)) {
    if (value === undefined || isTable(value) || isTableArray(value)) continue;
    const keyPath = path === "" ? key : `${path}.${key}`;
    const comment = comments.get(keyPath);
    const line = `${bareKey(key)} = ${formatValue(value)}`;
    out.push(comment !== undefined ? `${line.padEnd(40)} # ${comment.replace(/\n/g, " ")}` : line);
  }
}

function bareKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

export function formatValue(value: TomlScalar | TomlScalar[]): string {
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v)).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to TOML`);
  return String(value);
}

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTableArray(value: TomlValue): value is TomlTable[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "object" && v !== null && !Array.isArray(v));
}

/**
 * Loading a config file: TOML (Bun.TOML) or JSON text → defaults filled in → schema check → semantic
 * checks (ours, then the routing and federation section validators). Every problem found is
 * returned, each naming the key path, the value given and what was expected; nothing throws.
 *
 * Defaults only fill keys that are absent: a key present with the wrong type is an error, never
 * replaced by its default.
 * @module
 */
import { isIP } from "node:net";
import { statSync } from "node:fs";
import { totalmem } from "node:os";
import type { TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { parseAcl } from "../core/acl.ts";
import { describeSchema, editDistance } from "./describe.ts";
import { describeValue, HIDDEN_VALUE, joinKeyPath, type ConfigError } from "./errors.ts";
import { memoryErrors } from "./memory_estimate.ts";
import { passphraseSourceErrors } from "./passphrase_file.ts";
import { ConfigSchema, type Config } from "./schema.ts";
import * as federation from "./sections/federation.ts";
import * as routing from "./sections/routing.ts";

export type ConfigFormat = "toml" | "json" | "auto";

export type ConfigLoad = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly errors: ConfigError[] };

/**
 * Contract for section files: any exported function whose name starts with `validate` (e.g.
 * `validateRoutingConfig(config): ConfigError[]`) is a semantic validator, run after the schema
 * check passes. Found by enumeration, so a section without one needs no stub export.
 */
type SectionValidator = (config: Config) => ConfigError[];

const sectionValidators: readonly SectionValidator[] = [routing, federation].flatMap((section) =>
  Object.entries(section as Record<string, unknown>)
    .filter(([name, value]) => name.startsWith("validate") && typeof value === "function")
    .map(([, value]) => value as SectionValidator),
);

export type DocumentRead =
  | { readonly ok: true; readonly document: Record<string, unknown> }
  | { readonly ok: false; readonly errors: ConfigError[] };

/** Read and validate a config file. JSON when the name ends in .json, TOML when .toml, else sniffed. */
export async function loadConfigFile(path: string): Promise<ConfigLoad> {
  const read = await readConfigDocument(path);
  return read.ok ? validateConfig(read.document) : read;
}

/** Parse and validate config text. `auto` treats text starting with `{` as JSON, anything else as TOML. */
export function parseConfigText(text: string, format: ConfigFormat = "auto"): ConfigLoad {
  const parsed = parseConfigDocument(text, format);
  return parsed.ok ? validateConfig(parsed.document) : parsed;
}

/** Read a config file into its raw document (not yet validated, no defaults), e.g. to apply CLI overrides. */
export async function readConfigDocument(path: string): Promise<DocumentRead> {
  const problem = (message: string): DocumentRead => ({ ok: false, errors: [{ path: "", value: undefined, expected: message, message }] });
  let text: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return problem(`cannot read the config file ${path}: it is a directory`);
    // a regular file, or a pipe (`--config <(generate-config)`); not a device like /dev/zero
    if (!stat.isFile() && !stat.isFIFO()) return problem(`cannot read the config file ${path}: not a regular file`);
    if (stat.size > MAX_CONFIG_BYTES) return problem(`cannot read the config file ${path}: ${stat.size} bytes, more than a config file can be (${MAX_CONFIG_BYTES})`);
    const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
    try {
      // UTF-8 only (a UTF-8 byte-order mark is skipped); other encodings are told, not guessed
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return problem(`cannot read the config file ${path}: it is not UTF-8 text (save it as UTF-8)`);
    }
  } catch (error) {
    return problem(`cannot read the config file ${path}: ${fileErrorText(error)}`);
  }
  const lower = path.toLowerCase();
  const format: ConfigFormat = lower.endsWith(".json") ? "json" : lower.endsWith(".toml") ? "toml" : "auto";
  return parseConfigDocument(text, format);
}

/** Config files are small (the full default config is ~20 KB); anything this large is the wrong file. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** An fs error in plain words: "no such file", "permission denied", … (the code in parentheses). */
function fileErrorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const words: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "it is a directory",
    ENOTDIR: "a part of the path is not a directory",
    ELOOP: "too many symbolic links",
    ENAMETOOLONG: "the path is too long",
    EIO: "input/output error",
  };
  if (typeof code === "string") return `${words[code] ?? (error instanceof Error ? error.message : String(error))} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

/** Parse config text into its raw document (not yet validated, no defaults). */
export function parseConfigDocument(text: string, format: ConfigFormat = "auto"): DocumentRead {
  const resolved = format === "auto" ? (text.trimStart().startsWith("{") ? "json" : "toml") : format;
  let raw: unknown;
  if (resolved === "json") {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).replace(/^JSON Parse error:\s*/, "");
      const message = `JSON syntax error: ${reason}`;
      return { ok: false, errors: [{ path: "", value: undefined, expected: message, message }] };
    }
  } else {
    try {
      raw = Bun.TOML.parse(text);
    } catch (error) {
      const message = tomlErrorText(text, error);
      return { ok: false, errors: [{ path: "", value: undefined, expected: message, message }] };
    }
  }
  if (!isRecord(raw)) {
    return { ok: false, errors: [{ path: "", value: raw, expected: "a table of sections ([server], [log], [hbp], ...)" }] };
  }
  return { ok: true, document: raw };
}

export interface ValidateOptions {
  /** The machine's memory, for the memory-estimate check (default: os.totalmem()). */
  readonly totalMemoryBytes?: number;
}

/** Validate an already-parsed value (a TOML/JSON document) and fill in defaults. */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): ConfigLoad {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: "", value: raw, expected: "a table of sections ([server], [log], [hbp], ...)" }] };
  }
  const document = structuredClone(raw) as Record<string, unknown>;
  // A JSON config may name its schema for editors ("$schema": "./freedmr.schema.json").
  if (typeof document["$schema"] === "string") delete document["$schema"];
  const candidate = Value.Default(ConfigSchema, document) as Record<string, unknown>;
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  const add = (error: ConfigError): void => {
    if (seen.has(error.path)) return;
    seen.add(error.path);
    // Never echo a passphrase back, even under a misspelt key (error output ends up in logs and forums).
    const secret = /(?:pas|phrase|secret|pwd)[^.\]]*$/i.test(error.path) && typeof error.value === "string";
    errors.push(secret ? { ...error, value: HIDDEN_VALUE } : error);
  };
  for (const error of Value.Errors(ConfigSchema, candidate)) {
    const parts = pointerParts(error.path);
    const path = joinKeyPath(parts);
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      add({ path, value: error.value, expected: unknownKeyText(parts), unknownKey: true });
    } else if (error.type === ValueErrorType.ObjectRequiredProperty) {
      add({ path, value: undefined, expected: `a value here (required): ${describeSchema(error.schema)}` });
    } else {
      add({ path, value: error.value, expected: describeSchema(error.schema) });
    }
  }
  const schemaValid = errors.length === 0;
  for (const error of semanticErrors(candidate)) add(error);
  for (const error of passphraseSourceErrors(raw)) add(error);
  if (schemaValid) {
    for (const validator of sectionValidators) {
      for (const error of validator(candidate as Config)) add(error);
    }
    // limits whose tables would not fit the machine (src/config/memory_estimate.ts)
    for (const error of memoryErrors(candidate as Config, options.totalMemoryBytes ?? totalmem())) add(error);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: candidate as Config };
}

/** Checks the schema cannot express. Written defensively: runs even when the schema check failed. */
function semanticErrors(config: Record<string, unknown>): ConfigError[] {
  const errors: ConfigError[] = [];
  const hbp = config["hbp"];
  if (!isRecord(hbp)) return errors;

  const acl = hbp["registration_acl"];
  if (typeof acl === "string") {
    const parsed = parseAcl(acl);
    if (!parsed.ok) {
      errors.push({ path: "hbp.registration_acl", value: acl, expected: `an ACL like "PERMIT:ALL" or "DENY:1,2000-2999" (${parsed.error})` });
    }
  }

  const addresses = hbp["bind_addresses"];
  if (Array.isArray(addresses)) {
    const seen = new Set<string>();
    let wildcardV6 = false;
    let wildcardV4 = false;
    let ipv4Count = 0;
    addresses.forEach((address, index) => {
      if (typeof address !== "string") return;
      const path = `hbp.bind_addresses[${index}]`;
      const family = isIP(address);
      if (family === 0) {
        errors.push({ path, value: address, expected: 'a literal IPv4 or IPv6 address such as "::", "0.0.0.0" or "192.0.2.10" (no host names)' });
        return;
      }
      if (seen.has(address)) errors.push({ path, value: address, expected: "each address listed only once" });
      seen.add(address);
      if (address === "::") wildcardV6 = true;
      if (address === "0.0.0.0") wildcardV4 = true;
      if (family === 4) ipv4Count++;
    });
    if (wildcardV6 && ipv4Count > 0) {
      errors.push({
        path: "hbp.bind_addresses",
        value: addresses,
        expected: 'no IPv4 address next to "::" ("::" is dual-stack and already receives IPv4 on the same port)',
      });
    } else if (wildcardV4 && ipv4Count > 1) {
      errors.push({ path: "hbp.bind_addresses", value: addresses, expected: 'no other IPv4 address next to "0.0.0.0" (it already covers them)' });
    }
  }

  const rules = hbp["access_rules"];
  if (Array.isArray(rules)) {
    rules.forEach((rule, index) => {
      if (!isRecord(rule)) return;
      const base = `hbp.access_rules[${index}]`;
      const matchers = ["repeater_id", "repeater_id_range", "callsign"].filter((key) => rule[key] !== undefined);
      if (matchers.length !== 1) {
        errors.push({
          path: base,
          value: matchers.length === 0 ? undefined : rule,
          expected:
            matchers.length === 0
              ? "exactly one of repeater_id, repeater_id_range or callsign in this rule (it has none)"
              : `exactly one of repeater_id, repeater_id_range or callsign (this rule has ${matchers.join(" and ")})`,
        });
      }
      const range = rule["repeater_id_range"];
      if (Array.isArray(range) && range.length === 2 && typeof range[0] === "number" && typeof range[1] === "number" && range[0] > range[1]) {
        errors.push({ path: `${base}.repeater_id_range`, value: range, expected: "[lo, hi] with lo <= hi" });
      }
      if (rule["action"] === "deny" && rule["passphrase"] !== undefined) {
        errors.push({ path: `${base}.passphrase`, value: rule["passphrase"], expected: 'no passphrase on a "deny" rule (it would never be used)' });
      }
    });
  }
  return errors;
}

function unknownKeyText(parts: readonly (string | number)[]): string {
  const key = String(parts[parts.length - 1]);
  const parent = schemaAt(parts.slice(0, -1));
  const known = parent?.properties === undefined ? [] : Object.keys(parent.properties);
  const where = parts.length > 1 ? `under ${joinKeyPath(parts.slice(0, -1))}` : "at the top level";
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) {
    return `did you mean "${best}"?`;
  }
  return `the keys ${where} are: ${known.join(", ")}`;
}

interface WalkSchema {
  properties?: Record<string, TSchema>;
  items?: TSchema;
}

function schemaAt(parts: readonly (string | number)[]): WalkSchema | undefined {
  let current: WalkSchema | undefined = ConfigSchema as WalkSchema;
  for (const part of parts) {
    if (current === undefined) return undefined;
    current = (typeof part === "number" ? current.items : current.properties?.[part]) as WalkSchema | undefined;
  }
  return current;
}

/** JSON pointer `/hbp/access_rules/0/name` → `["hbp", "access_rules", 0, "name"]`. */
function pointerParts(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => {
      const key = segment.replaceAll("~1", "/").replaceAll("~0", "~");
      return /^\d+$/.test(key) ? Number(key) : key;
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A TOML syntax error with its line and column. Bun.TOML.parse reports no position, so find it: the
 * line is the first whose text so far reproduces the same error (for an unterminated value, the
 * line after the last one that parses), the column the first point on that line where it does
 * (or where the token the message quotes starts). Shown with the line and a caret:
 *
 *   TOML syntax error at line 4, column 5: expected '=' after a key but found 'b'
 *       foo bar
 *           ^
 */
function tomlErrorText(text: string, error: unknown): string {
  const message = tomlMessage(error);
  const lines = text.split("\n");
  const failsWith = (candidate: string): boolean => {
    try {
      Bun.TOML.parse(candidate);
      return false;
    } catch (e) {
      return tomlMessage(e) === message;
    }
  };
  let lineIndex = -1;
  for (let count = 1; count <= lines.length; count++) {
    const upTo = lines.slice(0, count).join("\n");
    // with and without the line's own line break (some errors are found only at the break)
    if (failsWith(upTo) || (count < lines.length && failsWith(`${upTo}\n`))) {
      lineIndex = count - 1;
      break;
    }
  }
  if (lineIndex < 0) {
    // the error needs what follows (e.g. an unterminated array): after the longest prefix that parses
    let good = 0;
    for (let count = lines.length - 1; count > 0; count--) {
      try {
        Bun.TOML.parse(lines.slice(0, count).join("\n"));
        good = count;
        break;
      } catch {
        // keep shrinking
      }
    }
    lineIndex = Math.min(good, lines.length - 1);
  }
  const line = (lines[lineIndex] ?? "").replace(/\r$/, "");
  const before = lines.slice(0, lineIndex).join("\n") + (lineIndex > 0 ? "\n" : "");
  let column = -1;
  for (let c = 1; c <= line.length; c++) {
    if (failsWith(before + line.slice(0, c))) {
      column = c;
      break;
    }
  }
  if (column < 0 && failsWith(`${before}${line}\n`)) column = line.length + 1; // at the end of the line
  // a message quoting the offending token ("found 'b'", "must be quoted: \"tru\"") points at its start
  const quoted = /(?:'([^']+)'|"([^"]+)")\s*$/.exec(message);
  const token = quoted?.[1] ?? quoted?.[2];
  if (token !== undefined) {
    const at = line.lastIndexOf(token, column < 0 ? line.length : column - 1);
    if (at >= 0) column = at + 1;
  }
  const where = column > 0 ? `line ${lineIndex + 1}, column ${column}` : `line ${lineIndex + 1}`;
  const shown = line.length > 120 ? `${line.slice(0, 117)}...` : line;
  const caret = column > 0 && column <= shown.length + 1 ? `\n    ${" ".repeat(column - 1)}^` : "";
  return `TOML syntax error at ${where}: ${message}\n    ${shown}${caret}`;
}

/** Bun's TOML error text without its prefix, first letter lower-cased to read on after a colon. */
function tomlMessage(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/^TOML Parse error:\s*/, "").replace("(0x0A)", "the end of the line");
  return text.charAt(0).toLowerCase() + text.slice(1);
}

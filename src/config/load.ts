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
import type { TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { parseAcl } from "../core/acl.ts";
import { describeSchema, editDistance } from "./describe.ts";
import { describeValue, HIDDEN_VALUE, joinKeyPath, type ConfigError } from "./errors.ts";
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
  let text: string;
  try {
    text = await Bun.file(path).text();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ path: "", value: undefined, expected: `a readable config file at ${path} (${reason})` }] };
  }
  const lower = path.toLowerCase();
  const format: ConfigFormat = lower.endsWith(".json") ? "json" : lower.endsWith(".toml") ? "toml" : "auto";
  return parseConfigDocument(text, format);
}

/** Parse config text into its raw document (not yet validated, no defaults). */
export function parseConfigDocument(text: string, format: ConfigFormat = "auto"): DocumentRead {
  const resolved = format === "auto" ? (text.trimStart().startsWith("{") ? "json" : "toml") : format;
  let raw: unknown;
  if (resolved === "json") {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, errors: [{ path: "", value: undefined, expected: `valid JSON (${reason})` }] };
    }
  } else {
    try {
      raw = Bun.TOML.parse(text);
    } catch (error) {
      return { ok: false, errors: [{ path: "", value: undefined, expected: tomlErrorText(text, error) }] };
    }
  }
  if (!isRecord(raw)) {
    return { ok: false, errors: [{ path: "", value: raw, expected: "a table of sections ([server], [log], [hbp], ...)" }] };
  }
  return { ok: true, document: raw };
}

/** Validate an already-parsed value (a TOML/JSON document) and fill in defaults. */
export function validateConfig(raw: unknown): ConfigLoad {
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
 * Bun.TOML.parse reports no position, so find it: the error lies after the longest prefix of whole
 * lines that still parses (for an error inside a multi-line array this is the line the array starts on).
 */
function tomlErrorText(text: string, error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/^TOML Parse error:\s*/, "");
  const lines = text.split("\n");
  let goodPrefix = 0;
  for (let count = lines.length - 1; count > 0; count--) {
    try {
      Bun.TOML.parse(lines.slice(0, count).join("\n"));
      goodPrefix = count;
      break;
    } catch {
      // keep shrinking
    }
  }
  const lineNumber = Math.min(goodPrefix + 1, lines.length);
  const lineText = (lines[lineNumber - 1] ?? "").trim();
  return `valid TOML; syntax error near line ${lineNumber} (${describeValue(lineText)}): ${message}`;
}

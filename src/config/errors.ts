/**
 * One problem found in a config file. Every loader and every section validator reports problems in
 * this shape so the CLI can print them all at once: which key (`hbp.port`,
 * `hbp.access_rules[2].callsign`), the value given (absent keys are `undefined`) and what was
 * expected, in words a sysop understands.
 *
 * Section files (src/config/sections/*.ts) may export a semantic validator
 * `validateRoutingConfig(config)` / `validateFederationConfig(config)` returning `ConfigError[]`;
 * src/config/load.ts runs them after the schema check passes.
 * @module
 */

export interface ConfigError {
  /** Dotted key path with list indexes: `hbp.access_rules[0].repeater_id_range`; "" for the whole file. */
  readonly path: string;
  /** The value found at `path` (`undefined` when the key is missing or the file is unreadable). */
  readonly value: unknown;
  /** What was expected, e.g. `an integer from 0 to 65535`. */
  readonly expected: string;
  /** The key itself is not in the schema (a typo, or a key from another program's config). */
  readonly unknownKey?: boolean;
  /**
   * A problem with the file as a whole (unreadable, not TOML/JSON), told as a sentence: printed as
   * it is instead of "key: got …, expected …".
   */
  readonly message?: string;
}

/**
 * `hbp.port: got "x", expected an integer from 0 to 65535`, or for an unknown key
 * `hbp.prot: unknown key (set to 1); did you mean "port"?`.
 */
export function formatConfigError(error: ConfigError): string {
  if (error.message !== undefined) return error.message;
  const where = error.path === "" ? "config" : error.path;
  if (error.unknownKey === true) return `${where}: unknown key (set to ${describeValue(error.value)}); ${error.expected}`;
  if (error.value === undefined) return `${where}: ${error.expected}`;
  return `${where}: got ${describeValue(error.value)}, expected ${error.expected}`;
}

/** Stands in for a secret value (a passphrase) in an error: secrets are never echoed back. */
export const HIDDEN_VALUE: unique symbol = Symbol("hidden");

/** A short, single-line rendering of a config value for error messages. */
export function describeValue(value: unknown): string {
  if (value === HIDDEN_VALUE) return "(hidden)";
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) {
    const text = safeJson(value);
    return text.length > 80 ? `a list of ${value.length} items` : text;
  }
  if (typeof value === "object") {
    const text = safeJson(value);
    return text.length > 80 ? "a table" : `a table ${text}`;
  }
  return typeof value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `["hbp", "access_rules", 0, "callsign"]` → `hbp.access_rules[0].callsign`. */
export function joinKeyPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/**
 * `hbp.passphrase_file`: the hotspot passphrase kept in its own file rather than in the config, so
 * an SD-card image can ship one config and every card still gets its own secret (created at first
 * boot by `freedmr --first-boot`, src/cli/first_boot.ts, in the state directory).
 *
 * - Set either `hbp.passphrase` or `hbp.passphrase_file`, never both (checked on the raw document:
 *   `passphrase` has a default, so after defaults it is always present).
 * - When serving, the file is read once at start and its one line replaces `hbp.passphrase` in the
 *   config the server gets (which no longer has `passphrase_file`). A missing, unreadable or malformed file is a config error naming the
 *   key and the path (exit 2); the secret itself is never echoed back.
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { ConfigError } from "./errors.ts";
import type { Config } from "./schema.ts";

export const PASSPHRASE_FILE_KEY = "hbp.passphrase_file";

/** Same limits as `hbp.passphrase` (src/config/schema.ts). */
const MAX_PASSPHRASE_CHARACTERS = 256;

/** `hbp.passphrase` and `hbp.passphrase_file` both given in the raw (not yet defaulted) document. */
export function passphraseSourceErrors(raw: unknown): ConfigError[] {
  const hbp = isRecord(raw) ? raw["hbp"] : undefined;
  if (!isRecord(hbp) || hbp["passphrase"] === undefined || hbp["passphrase_file"] === undefined) return [];
  return [
    {
      path: PASSPHRASE_FILE_KEY,
      value: undefined,
      expected: "either hbp.passphrase or hbp.passphrase_file, not both (remove one of them from [hbp])",
    },
  ];
}

/** Where `hbp.passphrase_file` points, resolved against the config file's directory; undefined when not set. */
export function passphraseFilePath(config: Config, configPath: string | undefined): string | undefined {
  const file = config.hbp.passphrase_file;
  if (file === undefined) return undefined;
  if (isAbsolute(file) || configPath === undefined) return resolve(file);
  return resolve(dirname(configPath), file);
}

export type PassphraseRead =
  | { readonly ok: true; readonly passphrase: string }
  | { readonly ok: false; readonly missing: boolean; readonly error: ConfigError };

/** Read a passphrase file: one line (a final newline is allowed), 1 to 256 characters. */
export function readPassphraseFile(path: string): PassphraseRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const missing = code === "ENOENT";
    const reason = missing
      ? "it does not exist; freedmr --first-boot CONFIG creates it with a random passphrase"
      : code === "EACCES"
        ? "permission denied: it must be readable by the user freedmr runs as"
        : error instanceof Error
          ? error.message
          : String(error);
    return { ok: false, missing, error: { path: PASSPHRASE_FILE_KEY, value: path, expected: `a readable file holding the passphrase (${reason})` } };
  }
  const line = text.replace(/\r?\n$/, "");
  const length = Array.from(line).length;
  let problem: string | undefined;
  if (length === 0) problem = "it is empty";
  else if (/[\r\n]/.test(line)) problem = "it has more than one line";
  else if (length > MAX_PASSPHRASE_CHARACTERS) problem = `it has ${length} characters`;
  if (problem !== undefined) {
    return {
      ok: false,
      missing: false,
      error: { path: PASSPHRASE_FILE_KEY, value: path, expected: `a file holding the passphrase on one line, 1 to ${MAX_PASSPHRASE_CHARACTERS} characters (${problem})` },
    };
  }
  return { ok: true, passphrase: line };
}

export type PassphraseResolution =
  | { readonly ok: true; readonly config: Config; readonly file: string | undefined }
  | { readonly ok: false; readonly error: ConfigError };

/** The config the server runs with: `hbp.passphrase` taken from `hbp.passphrase_file` when that is set. */
export function resolvePassphraseFile(config: Config, configPath: string | undefined): PassphraseResolution {
  const file = passphraseFilePath(config, configPath);
  if (file === undefined) return { ok: true, config, file: undefined };
  const read = readPassphraseFile(file);
  if (!read.ok) return { ok: false, error: read.error };
  // The key is consumed: a config that still has it was never resolved, and the server refuses it
  // (src/shell/server.ts) rather than fall back to the default passphrase.
  const hbp = { ...config.hbp, passphrase: read.passphrase };
  delete hbp.passphrase_file;
  return { ok: true, config: { ...config, hbp }, file };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

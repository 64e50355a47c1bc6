/**
 * `[voice] talker_alias_users_file`: a local RadioID-format user list read once at start-up, for
 * talker-alias insertion (callsign + first name per radio id). Parsed by the alias-data parsers
 * (src/services/aliases/parse.ts: users.json or user.csv) into the same compact table; without
 * this key the names come from `[aliases] users`, loaded and refreshed by the services Worker
 * (src/shell/alias_directory.ts).
 * @module
 */
import { readFileSync } from "node:fs";
import type { AliasLookup } from "../dmr/talker_alias_inserter.ts";
import type { AliasTable } from "../services/aliases/alias_table.ts";
import { parseAliasData } from "../services/aliases/parse.ts";

export type UsersLoad = { readonly ok: true; readonly users: AliasTable; readonly skipped: number } | { readonly ok: false; readonly reason: string };

/** Parse a user list (JSON or CSV, sniffed from the first character). */
export function parseRadioIdUsers(text: string): UsersLoad {
  const parsed = parseAliasData("users", text);
  return parsed.ok ? { ok: true, users: parsed.table, skipped: parsed.skipped } : parsed;
}

export function loadRadioIdUsers(path: string): UsersLoad {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { ok: false, reason: `cannot read ${path}: ${(error as Error).message}` };
  }
  return parseRadioIdUsers(text);
}

/** The lookup the router uses (once per stream start, never per packet). */
export function aliasLookup(users: AliasTable): AliasLookup {
  return (sourceId) => {
    const user = users.get(sourceId);
    return user === null ? undefined : { callsign: user.callsign, firstName: user.firstName };
  };
}

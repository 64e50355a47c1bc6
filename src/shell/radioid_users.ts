/**
 * A minimal loader for a local RadioID-format user list, the names behind talker-alias insertion
 * (callsign + first name per radio id). Two formats, as RadioID publishes them:
 *
 *   JSON  {"users":[{"radio_id":2345678,"callsign":"N0CALL","fname":"Ada", …}, …]}
 *   CSV   header naming RADIO_ID, CALLSIGN and FIRST_NAME (any order, any other columns), then rows
 *
 * Kept small and on its own so the alias-data service (issue 10) can replace it: the core only
 * sees an AliasLookup (src/dmr/talker_alias_inserter.ts). Read once at start-up.
 * @module
 */
import { readFileSync } from "node:fs";
import type { AliasLookup, AliasNames } from "../dmr/talker_alias_inserter.ts";

export type UsersLoad = { readonly ok: true; readonly users: Map<number, AliasNames>; readonly skipped: number } | { readonly ok: false; readonly reason: string };

const ID_MAX = 16777215;

/** Parse a user list (JSON or CSV, sniffed from the first character). */
export function parseRadioIdUsers(text: string): UsersLoad {
  const trimmed = text.trimStart();
  return trimmed.startsWith("{") || trimmed.startsWith("[") ? parseJson(trimmed) : parseCsv(text);
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

/** The lookup the router uses (a Map get: no allocation per call). */
export function aliasLookup(users: ReadonlyMap<number, AliasNames>): AliasLookup {
  return (sourceId) => users.get(sourceId);
}

function add(users: Map<number, AliasNames>, id: unknown, callsign: unknown, firstName: unknown): boolean {
  const n = typeof id === "number" ? id : Number(String(id ?? "").trim());
  const call = String(callsign ?? "").trim();
  if (!Number.isInteger(n) || n <= 0 || n > ID_MAX || call === "") return false;
  users.set(n, { callsign: call, firstName: String(firstName ?? "").trim() });
  return true;
}

function parseJson(text: string): UsersLoad {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${(error as Error).message}` };
  }
  const list = Array.isArray(doc) ? doc : (doc as { users?: unknown }).users;
  if (!Array.isArray(list)) return { ok: false, reason: 'expected {"users":[…]} (RadioID users.json)' };
  const users = new Map<number, AliasNames>();
  let skipped = 0;
  for (const u of list) {
    const r = (u ?? {}) as Record<string, unknown>;
    if (!add(users, r["radio_id"] ?? r["id"], r["callsign"], r["fname"] ?? r["first_name"] ?? r["name"])) skipped++;
  }
  return { ok: true, users, skipped };
}

/** One CSV line into fields (double quotes, "" inside quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  out.push(field);
  return out;
}

function parseCsv(text: string): UsersLoad {
  const lines = text.split(/\r?\n/);
  const header = csvFields(lines[0] ?? "").map((h) => h.trim().toUpperCase());
  const id = header.indexOf("RADIO_ID");
  const call = header.indexOf("CALLSIGN");
  const first = header.findIndex((h) => h === "FIRST_NAME" || h === "FNAME");
  if (id < 0 || call < 0) return { ok: false, reason: "CSV header must name RADIO_ID and CALLSIGN (and FIRST_NAME)" };
  const users = new Map<number, AliasNames>();
  let skipped = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === "") continue;
    const f = csvFields(lines[i]!);
    if (!add(users, f[id], f[call], first >= 0 ? f[first] : "")) skipped++;
  }
  return { ok: true, users, skipped };
}

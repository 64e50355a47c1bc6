/**
 * Parsers for the data RadioID publishes (and FreeDMR/HBlink sysops mirror), into AliasTables:
 *
 *   users      JSON {"users":[{"radio_id"|"id", "callsign", "fname", "surname", "city", "state", "country"}]}
 *              CSV  header naming RADIO_ID, CALLSIGN, FIRST_NAME, LAST_NAME, CITY, STATE, COUNTRY (any
 *                   order, other columns ignored; the header decides)
 *   repeaters  JSON {"rptrs":[{"id"|"repeater_id", "callsign", "city", "state", "country", …}]}
 *   talkgroups JSON {"91": "Worldwide", …} or [{"id", "name"|"callsign"}, …] (or {"talkgroups":[…]});
 *              CSV  "id,name" rows (an optional header naming ID/TGID and NAME)
 *
 * The format is sniffed from the first character ({ or [ = JSON). Bad rows are skipped and counted;
 * a document of the wrong shape is an error with a reason.
 * @module
 */
import { AliasTableBuilder, type AliasTable } from "./alias_table.ts";

export type AliasKind = "users" | "repeaters" | "talkgroups";

export type ParseResult = { ok: true; table: AliasTable; skipped: number } | { ok: false; reason: string };

export function parseAliasData(kind: AliasKind, text: string): ParseResult {
  const trimmed = text.trimStart();
  const json = trimmed.startsWith("{") || trimmed.startsWith("[");
  if (kind === "users") return json ? parseUsersJson(trimmed) : parseUsersCsv(text);
  if (kind === "repeaters") return json ? parseRepeatersJson(trimmed) : { ok: false, reason: 'expected JSON {"rptrs":[…]} (RadioID rptrs.json)' };
  return json ? parseTalkgroupsJson(trimmed) : parseTalkgroupsCsv(text);
}

function parseJson(text: string): { ok: true; doc: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, doc: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${(error as Error).message}` };
  }
}

function done(builder: AliasTableBuilder): ParseResult {
  return { ok: true, table: builder.build(), skipped: builder.skipped };
}

export function parseUsersJson(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const list = Array.isArray(parsed.doc) ? parsed.doc : (parsed.doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) return { ok: false, reason: 'expected {"users":[…]} (RadioID users.json)' };
  const b = new AliasTableBuilder();
  for (const u of list) {
    const r = (u ?? {}) as Record<string, unknown>;
    b.add(r["radio_id"] ?? r["id"], {
      callsign: r["callsign"],
      firstName: r["fname"] ?? r["first_name"] ?? r["name"],
      surname: r["surname"] ?? r["last_name"],
      city: r["city"],
      state: r["state"],
      country: r["country"],
    });
  }
  return done(b);
}

export function parseRepeatersJson(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const doc = parsed.doc as { rptrs?: unknown; repeaters?: unknown } | null;
  const list = Array.isArray(doc) ? doc : (doc?.rptrs ?? doc?.repeaters);
  if (!Array.isArray(list)) return { ok: false, reason: 'expected {"rptrs":[…]} (RadioID rptrs.json)' };
  const b = new AliasTableBuilder();
  for (const item of list) {
    const r = (item ?? {}) as Record<string, unknown>;
    b.add(r["id"] ?? r["repeater_id"] ?? r["locator"], { callsign: r["callsign"], city: r["city"], state: r["state"], country: r["country"], firstName: r["trustee"] });
  }
  return done(b);
}

export function parseTalkgroupsJson(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const b = new AliasTableBuilder();
  let doc = parsed.doc;
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc) && Array.isArray((doc as { talkgroups?: unknown }).talkgroups)) doc = (doc as { talkgroups: unknown[] }).talkgroups;
  if (Array.isArray(doc)) {
    for (const item of doc) {
      const r = (item ?? {}) as Record<string, unknown>;
      b.add(r["id"] ?? r["tgid"] ?? r["talkgroup"], { callsign: r["name"] ?? r["callsign"], country: r["country"] });
    }
  } else if (doc !== null && typeof doc === "object") {
    for (const [id, name] of Object.entries(doc)) b.add(id, { callsign: typeof name === "object" && name !== null ? (name as { name?: unknown }).name : name });
  } else return { ok: false, reason: 'expected {"<id>": "<name>", …} or [{"id", "name"}, …]' };
  return done(b);
}

/** One CSV line into fields (double quotes, "" inside quotes). */
export function csvFields(line: string): string[] {
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

/** Lines of a CSV text without building one array of all of them at once. */
function* lines(text: string): Generator<string> {
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(at, end - 1) : text.slice(at, end);
    at = end + 1;
    if (line.trim() !== "") yield line;
  }
}

export function parseUsersCsv(text: string): ParseResult {
  const it = lines(text);
  const first = it.next();
  if (first.done === true) return { ok: false, reason: "empty CSV" };
  const header = csvFields(first.value).map((h) => h.trim().toUpperCase().replace(/^\uFEFF/, ""));
  const col = (...names: string[]): number => header.findIndex((h) => names.includes(h));
  const id = col("RADIO_ID", "ID", "DMRID");
  const call = col("CALLSIGN");
  if (id < 0 || call < 0) return { ok: false, reason: "the CSV header must name RADIO_ID and CALLSIGN (RadioID user.csv)" };
  const fname = col("FIRST_NAME", "FNAME", "NAME");
  const lname = col("LAST_NAME", "SURNAME");
  const city = col("CITY");
  const state = col("STATE");
  const country = col("COUNTRY");
  const pick = (f: string[], i: number): string => (i >= 0 ? (f[i] ?? "") : "");
  const b = new AliasTableBuilder();
  for (const line of it) {
    const f = csvFields(line);
    b.add(f[id], { callsign: f[call], firstName: pick(f, fname), surname: pick(f, lname), city: pick(f, city), state: pick(f, state), country: pick(f, country) });
  }
  return done(b);
}

export function parseTalkgroupsCsv(text: string): ParseResult {
  const b = new AliasTableBuilder();
  let idCol = 0;
  let nameCol = 1;
  let firstLine = true;
  for (const line of lines(text)) {
    const f = csvFields(line);
    if (firstLine) {
      firstLine = false;
      const header = f.map((h) => h.trim().toUpperCase());
      const id = header.findIndex((h) => h === "ID" || h === "TGID" || h === "TALKGROUP");
      if (id >= 0) {
        idCol = id;
        nameCol = header.findIndex((h) => h === "NAME" || h === "CALLSIGN");
        if (nameCol < 0) return { ok: false, reason: "the CSV header must name ID and NAME" };
        continue;
      }
    }
    b.add(f[idCol], { callsign: f[nameCol] });
  }
  return done(b);
}

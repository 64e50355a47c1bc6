/**
 * Alias data at RadioID scale: a generated users.json with 250,000 users (~30 MB, seeded), parsed
 * into the compact table. Prints the file size, parse time, the table's bytes (what stays in the
 * Worker and what is posted to the packet thread), the heap with the text and after the parse once the text is gone,
 * and the cost of a lookup. Figures are taken on a loaded machine.
 *
 *   bun bench/aliases.bench.ts [--users 250000]
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import { parseAliasData } from "../src/services/aliases/parse.ts";
import { Prng } from "../src/lib/prng.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const count = Number(arg("users", "250000"));
const seed = 20261204;
const prng = new Prng(seed);
const countries = ["United States", "Germany", "United Kingdom", "Italy", "Spain", "Japan", "Brazil", "Canada", "France", "Australia"];
const names = ["John", "Maria", "Hans", "Yuki", "Pedro", "Anne", "Luca", "Olga", "Chen", "Sara", "Ahmed", "Eva"];
const users: unknown[] = [];
for (let i = 0; i < count; i++) {
  const r = prng.nextUint32();
  users.push({
    id: 1000000 + i * 7,
    radio_id: 1000000 + i * 7,
    callsign: `K${(r % 10).toString()}${String.fromCharCode(65 + (r % 26), 65 + ((r >>> 5) % 26), 65 + ((r >>> 10) % 26))}${i % 100}`,
    fname: names[r % names.length],
    surname: `Surname${r % 20000}`,
    city: `City ${r % 5000}`,
    state: `State ${r % 60}`,
    country: countries[(r >>> 8) % countries.length],
    remarks: "DMR",
  });
}
let text: string | null = JSON.stringify({ count, users });
const fileBytes = text.length;
users.length = 0;
gcAndSweep();
const heapBefore = heapStats().heapSize;
const t0 = performance.now();
const result = parseAliasData("users", text);
const parseMs = performance.now() - t0;
text = null;
if (!result.ok) throw new Error(result.reason);
gcAndSweep();
const heapAfter = heapStats().heapSize;
const table = result.table;
const t1 = performance.now();
let found = 0;
for (let i = 0; i < 100_000; i++) if (table.field(1000000 + ((i * 7919) % count) * 7, "callsign") !== null) found++;
const lookupUs = ((performance.now() - t1) * 1000) / 100_000;
console.log(
  JSON.stringify(
    {
      seed,
      users: table.size,
      fileMB: +(fileBytes / 1e6).toFixed(1),
      parseMs: Math.round(parseMs),
      tableMB: +(table.bytes / 1e6).toFixed(1),
      heapAfterParseMB: +(heapAfter / 1e6).toFixed(1),
      heapWithTextMB: +(heapBefore / 1e6).toFixed(1),
      lookupMicroseconds: +lookupUs.toFixed(2),
      found,
    },
    null,
    1,
  ),
);

/**
 * Names for ids, compact: one sorted Uint32Array of ids, one Uint32Array of string numbers per
 * field (FIELDS per id), and one deduplicated string table stored as UTF-8 bytes + offsets. 250,000
 * RadioID users take ~10 MB here (bench/aliases.bench.ts) instead of hundreds of thousands of JS objects, and the
 * four buffers are transferable: the services Worker builds a table and posts a copy to the packet
 * thread after each load (never per packet). Lookups are a binary search and a decode of the few
 * strings asked for (API answers, the login check, talker-alias insertion at a stream's start).
 * @module
 */

/** Columns of every table; talkgroups use `callsign` for the talkgroup's name. */
export const FIELDS = ["callsign", "firstName", "surname", "city", "state", "country"] as const;
export type AliasField = (typeof FIELDS)[number];
export type AliasRecord = { readonly [K in AliasField]: string };

const F = FIELDS.length;
const ID_MAX = 0xffffffff;

/** The plain buffers of a table (what crosses postMessage). */
export interface AliasTableData {
  ids: Uint32Array;
  fields: Uint32Array;
  stringBytes: Uint8Array;
  stringOffsets: Uint32Array;
}

const decoder = new TextDecoder();

export class AliasTable {
  readonly size: number;
  constructor(readonly data: AliasTableData) {
    this.size = data.ids.length;
  }

  static empty(): AliasTable {
    return new AliasTable({ ids: new Uint32Array(0), fields: new Uint32Array(0), stringBytes: new Uint8Array(0), stringOffsets: new Uint32Array(1) });
  }

  /** Row of `id`, or -1. */
  indexOf(id: number): number {
    const ids = this.data.ids;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  has(id: number): boolean {
    return this.indexOf(id) >= 0;
  }

  /** One field of `id` ("" when empty), or null when the id is unknown. */
  field(id: number, field: AliasField): string | null {
    const row = this.indexOf(id);
    return row < 0 ? null : this.#string(this.data.fields[row * F + FIELDS.indexOf(field)]!);
  }

  get(id: number): AliasRecord | null {
    const row = this.indexOf(id);
    if (row < 0) return null;
    const base = row * F;
    const f = this.data.fields;
    return {
      callsign: this.#string(f[base]!),
      firstName: this.#string(f[base + 1]!),
      surname: this.#string(f[base + 2]!),
      city: this.#string(f[base + 3]!),
      state: this.#string(f[base + 4]!),
      country: this.#string(f[base + 5]!),
    };
  }

  /** Bytes held (the figure for logs and the bench). */
  get bytes(): number {
    const d = this.data;
    return d.ids.byteLength + d.fields.byteLength + d.stringBytes.byteLength + d.stringOffsets.byteLength;
  }

  /** Copies of the buffers, for postMessage with a transfer list. */
  copyData(): AliasTableData {
    const d = this.data;
    return { ids: d.ids.slice(), fields: d.fields.slice(), stringBytes: d.stringBytes.slice(), stringOffsets: d.stringOffsets.slice() };
  }

  #string(index: number): string {
    if (index === 0) return "";
    const o = this.data.stringOffsets;
    return decoder.decode(this.data.stringBytes.subarray(o[index]!, o[index + 1]!));
  }
}

/** Collects rows (any order, later duplicates win), then builds the sorted compact table. */
export class AliasTableBuilder {
  readonly #strings = new Map<string, number>([["", 0]]);
  readonly #stringList: string[] = [""];
  readonly #rows = new Map<number, Uint32Array>();
  skipped = 0;

  /** False (and counted as skipped) when the id is not a positive integer ≤ 2^32−1 or the row has no callsign/name. */
  add(id: unknown, values: Partial<Record<AliasField, unknown>>): boolean {
    const n = typeof id === "number" ? id : Number(String(id ?? "").trim());
    const callsign = clean(values.callsign);
    if (!Number.isInteger(n) || n <= 0 || n > ID_MAX || callsign === "") {
      this.skipped++;
      return false;
    }
    const row = new Uint32Array(F);
    row[0] = this.#intern(callsign);
    for (let i = 1; i < F; i++) row[i] = this.#intern(clean(values[FIELDS[i]!]));
    this.#rows.set(n, row);
    return true;
  }

  get count(): number {
    return this.#rows.size;
  }

  build(): AliasTable {
    const ids = Uint32Array.from(this.#rows.keys()).sort();
    const fields = new Uint32Array(ids.length * F);
    for (let i = 0; i < ids.length; i++) fields.set(this.#rows.get(ids[i]!)!, i * F);
    const encoder = new TextEncoder();
    const encoded = this.#stringList.map((s) => encoder.encode(s));
    const offsets = new Uint32Array(encoded.length + 1);
    let total = 0;
    for (let i = 0; i < encoded.length; i++) {
      offsets[i] = total;
      total += encoded[i]!.length;
    }
    offsets[encoded.length] = total;
    const bytes = new Uint8Array(total);
    for (let i = 0; i < encoded.length; i++) bytes.set(encoded[i]!, offsets[i]!);
    return new AliasTable({ ids, fields, stringBytes: bytes, stringOffsets: offsets });
  }

  #intern(text: string): number {
    let index = this.#strings.get(text);
    if (index === undefined) {
      index = this.#stringList.length;
      this.#stringList.push(text);
      this.#strings.set(text, index);
    }
    return index;
  }
}

/** Trimmed text, at most 64 characters (a hostile file cannot make one field huge). */
function clean(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = String(value).trim();
  return text.length > 64 ? text.slice(0, 64) : text;
}

/**
 * Collects the freedmr config an importer produces, section by section in the order the schema
 * lists them, with a comment per key saying where it came from.
 * @module
 */
import type { TomlComments, TomlTable, TomlValue } from "./toml_writer.ts";

const SECTION_ORDER = ["server", "log", "hbp", "routing", "dial", "parrot", "bridges", "federation", "openbridge", "upstream", "http"] as const;
export type SectionName = (typeof SECTION_ORDER)[number];

export class ConfigBuilder {
  readonly #sections = new Map<string, TomlTable>();
  readonly #lists = new Map<string, TomlTable[]>();
  readonly comments: TomlComments = new Map();

  /** Sets `[section] key = value` with a comment naming the source. */
  set(section: "server" | "log" | "hbp" | "routing" | "dial" | "parrot" | "federation" | "http", key: string, value: TomlValue, source?: string): void {
    let table = this.#sections.get(section);
    if (table === undefined) {
      table = {};
      this.#sections.set(section, table);
    }
    table[key] = value;
    // "(…)" is an explanation rather than a source key
    if (source !== undefined) this.comments.set(`${section}.${key}`, source.startsWith("(") ? source.slice(1, -1) : `from ${source}`);
  }

  get(section: string, key: string): TomlValue | undefined {
    return this.#sections.get(section)?.[key];
  }

  /** Appends a table to a list ("hbp.access_rules", "bridges", "openbridge", "upstream"); returns its index. */
  push(list: "hbp.access_rules" | "bridges" | "openbridge" | "upstream", table: TomlTable, heading?: string): number {
    let tables = this.#lists.get(list);
    if (tables === undefined) {
      tables = [];
      this.#lists.set(list, tables);
    }
    tables.push(table);
    const index = tables.length - 1;
    if (heading !== undefined) this.comments.set(`${list}[${index}]#`, heading);
    return index;
  }

  list(list: "hbp.access_rules" | "bridges" | "openbridge" | "upstream"): readonly TomlTable[] {
    return this.#lists.get(list) ?? [];
  }

  comment(path: string, text: string): void {
    this.comments.set(path, text);
  }

  build(): TomlTable {
    const out: TomlTable = {};
    for (const name of SECTION_ORDER) {
      const table = this.#sections.get(name);
      if (name === "hbp") {
        const rules = this.#lists.get("hbp.access_rules");
        if (table !== undefined || rules !== undefined) out.hbp = { ...(table ?? {}), ...(rules !== undefined ? { access_rules: rules } : {}) };
        continue;
      }
      if (name === "bridges" || name === "openbridge" || name === "upstream") {
        const tables = this.#lists.get(name);
        if (tables !== undefined && tables.length > 0) out[name] = tables;
        continue;
      }
      if (table !== undefined) out[name] = table;
    }
    return out;
  }
}

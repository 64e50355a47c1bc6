/**
 * The mapping report of `freedmr import`: what mapped onto which freedmr key, what has no
 * equivalent (left out), and what maps but means something different here. Printed for the
 * sysop after the conversion; the TOML carries the same notes as comments where a key was written.
 * @module
 */

export type ReportKind = "mapped" | "no-equivalent" | "changed" | "note";

export interface ReportEntry {
  readonly kind: ReportKind;
  /** Where it came from, e.g. "[GLOBAL] SERVER_ID" or "rules.py BRIDGES['NATIONAL']". */
  readonly source: string;
  /** The freedmr key it became ("" when none). */
  readonly target: string;
  readonly detail: string;
}

export class MappingReport {
  readonly entries: ReportEntry[] = [];

  mapped(source: string, target: string, detail = ""): void {
    this.entries.push({ kind: "mapped", source, target, detail });
  }

  noEquivalent(source: string, detail: string): void {
    this.entries.push({ kind: "no-equivalent", source, target: "", detail });
  }

  changed(source: string, target: string, detail: string): void {
    this.entries.push({ kind: "changed", source, target, detail });
  }

  note(source: string, detail: string): void {
    this.entries.push({ kind: "note", source, target: "", detail });
  }

  count(kind: ReportKind): number {
    return this.entries.filter((e) => e.kind === kind).length;
  }

  render(): string {
    const heading: Record<ReportKind, string> = {
      mapped: "Mapped",
      changed: "Changed meaning (check these)",
      "no-equivalent": "No equivalent in freedmr (left out)",
      note: "Notes",
    };
    const out: string[] = [];
    for (const kind of ["changed", "no-equivalent", "note", "mapped"] as const) {
      const entries = this.entries.filter((e) => e.kind === kind);
      if (entries.length === 0) continue;
      out.push(`${heading[kind]} (${entries.length}):`);
      for (const e of entries) {
        const arrow = e.target !== "" ? ` -> ${e.target}` : "";
        out.push(`  ${e.source}${arrow}${e.detail !== "" ? `: ${e.detail}` : ""}`);
      }
      out.push("");
    }
    out.push(`${this.count("mapped")} mapped, ${this.count("changed")} changed meaning, ${this.count("no-equivalent")} without equivalent.`);
    return `${out.join("\n")}\n`;
  }
}

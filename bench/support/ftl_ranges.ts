/**
 * Which operation of the optimizing JIT's code an address belongs to, from JSC's FTL disassembly
 * (`BUN_JSC_dumpFTLDisassembly=1` on stderr; bench/support/ftl_pcs.ts turns perf samples into it).
 * Function-level profiles (perf_jit.ts, `--cpu-prof`) say which function is hot; this says which of
 * its operations: each machine-code range of the dump is listed under the Air instruction, the B3
 * value and the DFG node it was made from, and a DFG node names its operation and its object's
 * shape (e.g. `CheckStructure` on a Stream: the first touch of a record that is out of the cache).
 * @module
 */

/** One machine-code range of an FTL compilation and what it was made from. */
export interface FtlRange {
  readonly start: number;
  /** first address after the range */
  readonly end: number;
  /** the compiled function (`name#hash`) */
  readonly fn: string;
  /** the DFG node the range belongs to ("" before the first one of its function) */
  readonly dfg: string;
  /** the B3 value it belongs to ("" before the first one) */
  readonly b3: string;
}

const FUNCTION_PREFIX = "Generated FTL code for ";
const RANGE = /range (0x[0-9a-f]+)\.\.\.(0x[0-9a-f]+)/;
/** Node texts run to hundreds of characters (a structure's whole property list): kept this long. */
const NODE_TEXT = 300;

/** Every code range of every FTL compilation in `dump`, sorted by address. */
export function parseFtlDisassembly(dump: string): FtlRange[] {
  const ranges: FtlRange[] = [];
  let fn = "";
  let dfg = "";
  let b3 = "";
  for (const line of dump.split("\n")) {
    if (line.startsWith(FUNCTION_PREFIX)) {
      const end = line.indexOf(":[");
      fn = line.slice(FUNCTION_PREFIX.length, end < 0 ? undefined : end);
      dfg = "";
      b3 = "";
    } else if (line.startsWith("DFG ")) {
      dfg = line.slice(4).trim().replace(/\s+/g, " ").slice(0, NODE_TEXT);
    } else if (line.startsWith("b3 ")) {
      b3 = line.slice(3).trim().replace(/\s+/g, " ").slice(0, NODE_TEXT);
    } else if (fn !== "") {
      const m = RANGE.exec(line);
      if (m !== null) ranges.push({ start: Number.parseInt(m[1]!, 16), end: Number.parseInt(m[2]!, 16), fn, dfg, b3 });
    }
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** The range holding `address`, or null (not FTL code). */
export function ftlRangeAt(ranges: readonly FtlRange[], address: number): FtlRange | null {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (address < r.start) hi = mid - 1;
    else if (address >= r.end) lo = mid + 1;
    else return r;
  }
  return null;
}

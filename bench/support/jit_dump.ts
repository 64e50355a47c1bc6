/**
 * Name the JavaScript in a `perf` profile of a server (issue 14: "profile before changing
 * anything"). JSC's own sampler (`--cpu-prof-md`) charges the time the loop sleeps to the function
 * that ran last, so small functions on the packet path cannot be compared with it. `perf record`
 * samples on the CPU only; JSC writes the code it compiles, with names, to a jitdump file
 * (BUN_JSC_useJITDump=1, BUN_JSC_jitDumpDirectory=DIR), and this module reads that file and
 * attributes `perf script` samples: each to where it was (kernel, runtime, libc, compiled
 * JavaScript) and to the first JavaScript function on its stack — so the runtime's and the
 * kernel's time is charged to the JavaScript that called them, e.g. sendmmsg to the drain.
 *
 * The jitdump format is perf's (tools/perf/Documentation/jitdump-specification.txt): a header
 * (magic "JiTD" 0x4A695444, version, header size, …), then records, each with id, size and
 * timestamp; a code load record (id 0) holds pid, tid, vma, code address, code size, code index
 * and the function's name. Only little-endian files (x86-64, arm64) are read.
 * The command: bench/support/perf_jit.ts.
 * @module
 */

/** jitdump header magic as read little-endian ("JiTD"). */
export const JITDUMP_MAGIC = 0x4a695444;
/** Record id of a code load (JIT_CODE_LOAD). */
const JIT_CODE_LOAD = 0;
/** Record prefix: id u32, total size u32, timestamp u64. */
const RECORD_PREFIX_BYTES = 16;
/** A code load's fields after the prefix: pid, tid (u32), vma, code address, code size, code index (u64). */
const CODE_LOAD_FIELDS_BYTES = 40;

export interface CodeRange {
  readonly start: number;
  readonly size: number;
  readonly name: string;
}

/** The compiled code a jitdump file describes, sorted by address. Throws on a file that is not a little-endian jitdump. */
export function readJitDump(bytes: Uint8Array): CodeRange[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || view.getUint32(0, true) !== JITDUMP_MAGIC) throw new Error("not a little-endian jitdump file (magic JiTD)");
  const ranges: CodeRange[] = [];
  const decoder = new TextDecoder();
  let at = view.getUint32(8, true);
  while (at + RECORD_PREFIX_BYTES <= bytes.byteLength) {
    const id = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size < RECORD_PREFIX_BYTES || at + size > bytes.byteLength) break; // a record the writer had not finished
    if (id === JIT_CODE_LOAD && size >= RECORD_PREFIX_BYTES + CODE_LOAD_FIELDS_BYTES) {
      const fields = at + RECORD_PREFIX_BYTES;
      const start = Number(view.getBigUint64(fields + 16, true));
      const codeSize = Number(view.getBigUint64(fields + 24, true));
      const nameAt = fields + CODE_LOAD_FIELDS_BYTES;
      let end = nameAt;
      while (end < at + size && bytes[end] !== 0) end++;
      ranges.push({ start, size: codeSize, name: decoder.decode(bytes.subarray(nameAt, end)) });
    }
    at += size;
  }
  ranges.sort((a, b) => a.start - b.start);
  return ranges;
}

/** The range holding `address` (ranges sorted by start), or null. */
export function codeAt(ranges: readonly CodeRange[], address: number): CodeRange | null {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (ranges[mid]!.start <= address) low = mid + 1;
    else high = mid - 1;
  }
  const range = high >= 0 ? ranges[high]! : null;
  return range !== null && address < range.start + range.size ? range : null;
}

/** Where a sample's leaf frame is. */
export type Place = "kernel" | "runtime" | "libc" | "javascript" | "other";

/** JSC's name for compiled code ("JSC-FTL: deliver#ES1Kxa") without the tier prefix and the code hash. */
export function functionName(jitName: string): string {
  const name = jitName.replace(/^JSC-[A-Za-z]+: /, "");
  const hash = name.lastIndexOf("#");
  return hash > 0 ? name.slice(0, hash) : name;
}

function placeOf(frame: string, runtime: string): Place {
  if (frame.includes("[kernel")) return "kernel";
  if (frame.includes("/perf-") || frame.includes("[JIT]")) return "javascript";
  if (frame.includes(runtime)) return "runtime";
  if (frame.includes("libc.so")) return "libc";
  return "other";
}

export interface Attribution {
  /** Samples of the thread asked for. */
  samples: number;
  /** By leaf place, then the first JavaScript function on the stack ("(no JavaScript)" when none): samples. */
  readonly rows: Map<string, number>;
}

/**
 * Attribute `perf script -F comm,ip,dso` output (one block per sample: a "comm" line, then frames
 * "address (dso)" leaf first) of the thread named `comm`, JavaScript addresses named from `ranges`.
 * `runtime` is a piece of the runtime binary's path ("bun").
 */
export function attribute(perfScript: string, ranges: readonly CodeRange[], comm: string, runtime: string): Attribution {
  const result: Attribution = { samples: 0, rows: new Map() };
  for (const block of perfScript.split(/\n\s*\n/)) {
    const lines = block.split("\n").map((line) => line.trim()).filter((line) => line !== "");
    if (lines.length < 2 || lines[0]!.split(/\s+/)[0] !== comm) continue;
    result.samples++;
    const frames = lines.slice(1);
    let caller = "(no JavaScript)";
    for (const frame of frames) {
      if (placeOf(frame, runtime) !== "javascript") continue;
      const range = codeAt(ranges, Number.parseInt(frame.split(/\s+/)[0]!, 16));
      caller = range === null ? "(unnamed compiled code)" : functionName(range.name);
      break;
    }
    const key = `${placeOf(frames[0]!, runtime)}\t${caller}`;
    result.rows.set(key, (result.rows.get(key) ?? 0) + 1);
  }
  return result;
}

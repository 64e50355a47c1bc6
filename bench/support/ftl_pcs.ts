/**
 * Where the optimizing JIT's code spends a server's CPU, by operation (bench/support/ftl_ranges.ts):
 *
 *   bun bench/support/ftl_pcs.ts STDERR_LOG PERF_DATA [--comm bun.exe] [--top 40]
 *
 * Record it with the server writing its FTL disassembly to a file and perf sampling it, e.g. the
 * streams shape (its warm-up is over ~45 s in):
 *
 *   BENCH_SERVER_STDERR=/tmp/dis BENCH_SERVER_ENV=BUN_JSC_dumpFTLDisassembly=1 bun bench/latency.bench.ts --listeners 2 --rounds 3 --prewarm 30 --servers freedmr &
 *   sleep 50; perf record -k 1 -e cpu-clock -F 4000 -p $(pgrep -f freedmr_entry.ts) -o /tmp/dis/f.data -- sleep 15
 *   bun bench/support/ftl_pcs.ts /tmp/dis/freedmr.*.stderr.log /tmp/dis/f.data
 *
 * Prints the samples per FTL-compiled function, then per operation (function | DFG node || B3
 * value), most first. On 2026-12-06 (200 calls × 2 listeners) the top rows were `CheckStructure`
 * of objects touched once per frame — a Stream record, a SourceLc and its embedded-LC assembler, the
 * target and source sessions, a PortState — and the load of a target's port from the target arena:
 * first touches of data out of the cache since the call's previous frame 60 ms before. Moving the
 * per-frame fields of Stream and SourceLc into their first cache lines measured the same (two runs,
 * both builds in the same windows): the cost is reaching the object, not how many of its lines.
 * @module
 */
import { readFileSync } from "node:fs";
import { ftlRangeAt, parseFtlDisassembly } from "./ftl_ranges.ts";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const [logPath, perfData] = argv;
if (logPath === undefined || perfData === undefined) {
  console.error("usage: bun bench/support/ftl_pcs.ts STDERR_LOG PERF_DATA [--comm bun.exe] [--top 40]");
  process.exit(2);
}
const comm = flag("comm") ?? "bun.exe";
const top = Number(flag("top") ?? "40");
const ranges = parseFtlDisassembly(readFileSync(logPath, "utf8"));
const script = Bun.spawnSync(["perf", "script", "-i", perfData, "-F", "comm,ip"], { stdout: "pipe", stderr: "pipe" });
if (script.exitCode !== 0) {
  console.error(`perf script failed: ${script.stderr.toString().trim()}`);
  process.exit(1);
}
const byFunction = new Map<string, number>();
const byOperation = new Map<string, number>();
let samples = 0;
let inFtl = 0;
for (const line of script.stdout.toString().split("\n")) {
  const [name, ip] = line.trim().split(/\s+/);
  if (name !== comm || ip === undefined) continue;
  samples++;
  const range = ftlRangeAt(ranges, Number.parseInt(ip, 16));
  if (range === null) continue;
  inFtl++;
  byFunction.set(range.fn, (byFunction.get(range.fn) ?? 0) + 1);
  const key = `${range.fn} | ${range.dfg} || ${range.b3}`;
  byOperation.set(key, (byOperation.get(key) ?? 0) + 1);
}
console.log(`${perfData}: thread ${comm}, ${samples} samples, ${inFtl} in FTL code (${ranges.length} ranges in ${logPath})`);
for (const [fn, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(n).padStart(6)}  ${fn}`);
console.log("by operation (function | DFG node || B3 value):");
for (const [key, n] of [...byOperation].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(n).padStart(6)}  ${key}`);

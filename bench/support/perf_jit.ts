/**
 * Where a server's CPU goes, by JavaScript function, from a `perf` profile (bench/support/jit_dump.ts):
 *
 *   bun bench/support/perf_jit.ts PERF_DATA JIT_DUMP [--comm NAME] [--top 30]
 *
 * Record it with the servers writing their compiled code's names and perf sampling one of them,
 * e.g. during the fan-out bench's measured windows (its warm-up is over ~70 s in):
 *
 *   BENCH_SERVER_ENV=BUN_JSC_useJITDump=1,BUN_JSC_jitDumpDirectory=/tmp/jd bun bench/fanout.bench.ts --rates 500 --seconds 10 &
 *   sleep 72; perf record -k 1 -e cpu-clock -F 4000 -g -p $(pgrep -f freedmr_entry.ts) -o /tmp/jd/f.data -- sleep 10
 *   bun bench/support/perf_jit.ts /tmp/jd/f.data /tmp/jd/jit-*-PID.dump
 *
 * (`-k 1`: the monotonic clock the dump is stamped with; cpu-clock: this VM has no hardware
 * counters.) Prints each place's share (kernel, runtime, libc, compiled JavaScript) and the rows
 * place × first JavaScript function on the stack, most samples first, for the thread `--comm`
 * (default: the one with most samples — the packet thread).
 * @module
 */
import { readFileSync } from "node:fs";
import { attribute, readJitDump } from "./jit_dump.ts";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const [perfData, dumpPath] = argv;
if (perfData === undefined || dumpPath === undefined) {
  console.error("usage: bun bench/support/perf_jit.ts PERF_DATA JIT_DUMP [--comm NAME] [--top 30]");
  process.exit(2);
}
const top = Number(flag("top") ?? "30");
const script = Bun.spawnSync(["perf", "script", "-i", perfData, "-F", "comm,ip,dso"], { stdout: "pipe", stderr: "pipe" });
if (script.exitCode !== 0) {
  console.error(`perf script failed: ${script.stderr.toString().trim()}`);
  process.exit(1);
}
const text = script.stdout.toString();
let comm = flag("comm");
if (comm === undefined) {
  const counts = new Map<string, number>();
  for (const block of text.split(/\n\s*\n/)) {
    const name = block.trim().split(/\s+/)[0];
    if (name !== undefined && name !== "") counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  comm = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
}
const ranges = readJitDump(readFileSync(dumpPath));
const result = attribute(text, ranges, comm, "bun");
const byPlace = new Map<string, number>();
for (const [key, samples] of result.rows) {
  const place = key.split("\t")[0]!;
  byPlace.set(place, (byPlace.get(place) ?? 0) + samples);
}
const share = (samples: number): string => `${((100 * samples) / Math.max(1, result.samples)).toFixed(1).padStart(5)} %`;
console.log(`${perfData}: thread ${comm}, ${result.samples} samples; ${ranges.length} compiled functions in ${dumpPath}`);
for (const [place, samples] of [...byPlace].sort((a, b) => b[1] - a[1])) console.log(`  ${place.padEnd(10)} ${String(samples).padStart(7)} ${share(samples)}`);
console.log("  where the sample was × first JavaScript function on its stack:");
for (const [key, samples] of [...result.rows].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const [place, caller] = key.split("\t");
  console.log(`  ${place!.padEnd(10)} ${String(samples).padStart(7)} ${share(samples)}  ${caller}`);
}

/**
 * `npm run bench [-- name-filter ...]`: run every bench/*.bench.ts in turn, each in its own
 * `bun <file>` process (so one benchmark's heap, JIT state and sockets never skew the next), with a
 * header before each and a summary at the end. Extra arguments select benchmarks whose file name
 * contains any of them: `npm run bench -- login fanout`.
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const benchDir = import.meta.dir;
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmarks match ${filters.join(", ")} in ${benchDir}`);
  process.exit(2);
}

const results: { name: string; exitCode: number; seconds: number }[] = [];
for (const name of files) {
  const rule = "=".repeat(Math.max(8, 96 - name.length - 4));
  console.log(`\n== ${name} ${rule}`);
  const started = performance.now();
  const child = Bun.spawn([process.execPath, join(benchDir, name)], { cwd: join(benchDir, ".."), stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  const exitCode = await child.exited;
  const seconds = (performance.now() - started) / 1000;
  results.push({ name, exitCode, seconds });
  console.log(`-- ${name}: ${exitCode === 0 ? "done" : `FAILED (exit ${exitCode})`} in ${seconds.toFixed(1)} s`);
}

console.log("\n== summary");
for (const { name, exitCode, seconds } of results) {
  console.log(`  ${exitCode === 0 ? "ok    " : "FAILED"} ${name.padEnd(40)} ${seconds.toFixed(1).padStart(7)} s`);
}
if (results.some((result) => result.exitCode !== 0)) process.exitCode = 1;

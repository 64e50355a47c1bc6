/**
 * Streams CPU (issue 14), in the shape the goal names: 200 calls × 2 listeners at real pacing,
 * freedmr's server CPU against the bare relay's in the same run. It is bench/latency.bench.ts
 * with `--listeners 2 --rounds 4` (that benchmark's own default is 5 listeners, for its latency
 * goal), so `npm run bench` prints this ratio too; its last lines are the verdict:
 *
 *   server CPU freedmr / bare relay: 1.18× (per round …; 200 calls × 2 listeners; goal ≤ 1.1× with 2 listeners, issue 14)
 *
 *   npx bun bench/streams_cpu.bench.ts [any latency.bench.ts flag, e.g. --rounds 8]
 * Goal: ≤ 1.1× the relay. Single rounds spread ±15 % on a shared 2-core machine; the figure over
 * all rounds is the one to quote.
 * @module
 */
import { join } from "node:path";

// latency.bench.ts reads the first occurrence of a flag: the caller's own come first and win
const args = [...process.argv.slice(2), "--listeners", "2", "--rounds", "4"];
const child = Bun.spawn([process.execPath, join(import.meta.dir, "latency.bench.ts"), ...args], { stdin: "ignore", stdout: "inherit", stderr: "inherit" });
process.exitCode = await child.exited;

/**
 * Memory per table entry, measured, against the per-entry costs src/config/memory_estimate.ts uses
 * to refuse limits that would hurt the machine.
 *
 *   npm run bench -- config_memory
 *
 * Each figure comes from two probe processes (bench/support/memory_probe.ts) that differ only in the
 * table size: (memory at the large size − memory at the small size) / (entries added), for both
 * live heap + array buffers (after a full GC) and RSS. Tables allocated at start are measured by
 * starting the whole server (startFreedmr, sockets on 127.0.0.1:0) with the key set; tables that
 * grow are filled through the core (hotspots logged in with RPTL/RPTK/RPTC datagrams, static
 * subscriptions, radio ids learnt). The estimate must not be below the larger measured figure by
 * more than a quarter, nor above it by more than half: the benchmark exits 1 otherwise.
 * Figures are taken on a shared, loaded machine; RSS in particular moves with GC timing.
 * @module
 */
import { join } from "node:path";
import {
  estimateMemory,
  FEDERATION_SLOT_BYTES,
  FINISHED_STREAM_BYTES,
  formatBytes,
  HOTSPOT_BYTES,
  PORT_SLOT_BYTES,
  STREAM_BYTES,
  SUBSCRIBER_BYTES,
  SUBSCRIPTION_BYTES,
} from "../src/config/memory_estimate.ts";
import { defaultConfig } from "../src/config/schema.ts";

const probe = join(import.meta.dir, "support", "memory_probe.ts");

interface Sample {
  heap: number;
  rss: number;
}

function run(args: string[]): Sample {
  const result = Bun.spawnSync([process.execPath, probe, ...args], { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`probe ${args.join(" ")} failed:\n${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString().trim().split("\n").at(-1)!) as Sample;
}

const link = 'openbridge=[{"name":"a","target_address":"127.0.0.1","passphrase":"x","network_id":2,"port":0}]';
const defaults = defaultConfig();
const parrotFrames = Math.ceil((defaults.parrot.max_seconds * 1000) / 60) + 2;

const cases: { name: string; estimate: number; small: string[]; large: string[]; entries: number }[] = [
  { name: "routing.max_streams (stream record)", estimate: STREAM_BYTES, small: ["start", "routing.max_streams=2048"], large: ["start", "routing.max_streams=52048"], entries: 50_000 },
  {
    name: "routing.max_finished_streams (slot)",
    estimate: FINISHED_STREAM_BYTES,
    small: ["start", "routing.max_finished_streams=16384"],
    large: ["start", "routing.max_finished_streams=1000000"],
    entries: 1_000_000 - 16_384,
  },
  { name: "hbp.max_peers (per-port tables at start)", estimate: PORT_SLOT_BYTES, small: ["start", "hbp.max_peers=20000"], large: ["start", "hbp.max_peers=1000000"], entries: 980_000 },
  {
    name: "federation.stream_capacity (slot, 1 link)",
    estimate: FEDERATION_SLOT_BYTES + 8,
    small: ["start", "server.server_id=1", link, "federation.stream_capacity=65536"],
    large: ["start", "server.server_id=1", link, "federation.stream_capacity=1048576"],
    entries: 1_048_576 - 65_536,
  },
  {
    name: `parrot.max_concurrent (recording of ${defaults.parrot.max_seconds} s)`,
    estimate: parrotFrames * 55 + STREAM_BYTES,
    small: ["start", "parrot.max_concurrent=16"],
    large: ["start", "parrot.max_concurrent=528"],
    entries: 512,
  },
  { name: "hbp.max_peers (logged-in hotspot)", estimate: HOTSPOT_BYTES, small: ["peers", "2000"], large: ["peers", "22000"], entries: 20_000 },
  { name: "routing.max_subscriptions (subscription)", estimate: SUBSCRIPTION_BYTES, small: ["subscriptions", "10000"], large: ["subscriptions", "110000"], entries: 100_000 },
  { name: "routing.max_subscribers (radio id)", estimate: SUBSCRIBER_BYTES, small: ["subscribers", "10000"], large: ["subscribers", "210000"], entries: 200_000 },
];

console.log(`${"table entry".padEnd(46)} ${"heap/entry".padStart(11)} ${"RSS/entry".padStart(11)} ${"estimate".padStart(10)}  verdict`);
let failed = false;
for (const c of cases) {
  const small = run(c.small);
  const large = run(c.large);
  const heap = (large.heap - small.heap) / c.entries;
  const rss = (large.rss - small.rss) / c.entries;
  const measured = Math.max(heap, rss);
  const ok = c.estimate >= measured * 0.75 && c.estimate <= measured * 1.5;
  if (!ok) failed = true;
  console.log(`${c.name.padEnd(46)} ${heap.toFixed(1).padStart(11)} ${rss.toFixed(1).padStart(11)} ${String(c.estimate).padStart(10)}  ${ok ? "ok" : "OFF (update src/config/memory_estimate.ts)"}`);
}

const estimate = estimateMemory(defaults);
const whole = run(["start"]);
console.log(
  `\ndefault config: estimated ${formatBytes(estimate.startBytes)} at start; measured ${formatBytes(whole.heap)} heap, ${formatBytes(whole.rss)} RSS added by starting the server (sockets and services included)`,
);
console.log(`default config with every table full: estimated ${formatBytes(estimate.fullBytes)} (runtime included)`);
if (failed) process.exitCode = 1;

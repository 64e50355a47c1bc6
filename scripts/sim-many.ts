/**
 * Run the routing simulation for many seeds (TigerBeetle VOPR style).
 *
 *   bun scripts/sim-many.ts --seeds 500 [--start <seed>] [--sessions 60] [--duration 90000]
 *   bun scripts/sim-many.ts --seed 1234          replay one seed with its failure report
 *       [--trace-repeater <id>] [--trace-radio <id>] [--log-lines <n>]   log deliveries to / frames from one party
 *
 * Prints one line per failing seed and a summary; exit code 1 if any seed failed.
 */
import { formatFailure, runSimulation } from "../test/sim/run.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sessions = Number(arg("sessions") ?? 60);
const durationMs = Number(arg("duration") ?? 90_000);
const single = arg("seed");
const traceRepeaterId = arg("trace-repeater") !== undefined ? Number(arg("trace-repeater")) : undefined;
const traceRadioId = arg("trace-radio") !== undefined ? Number(arg("trace-radio")) : undefined;
const logLines = arg("log-lines") !== undefined ? Number(arg("log-lines")) : undefined;
const count = single !== undefined ? 1 : Number(arg("seeds") ?? 100);
const start = single !== undefined ? Number(single) >>> 0 : Number(arg("start") ?? (Date.now() ^ (process.pid << 16))) >>> 0;

console.log(`sim-many: ${count} seeds from ${start}, ${sessions} sessions, ${durationMs} ms each`);
const t0 = performance.now();
let failed = 0;
let deliveries = 0;
let liveness = 0;
const kinds = new Map<string, number>();
for (let i = 0; i < count; i++) {
  const seed = (start + i) >>> 0;
  const r = runSimulation({ seed, sessions, durationMs, traceRepeaterId, traceRadioId, logLines });
  deliveries += r.auditor.deliveries;
  liveness += r.auditor.livenessChecked;
  if (!r.ok) {
    failed++;
    for (const [k, v] of r.auditor.counts) kinds.set(k, (kinds.get(k) ?? 0) + v);
    if (single !== undefined || failed <= 3) console.log(formatFailure(r));
    else console.log(`SEED=${seed} FAILED: ${r.summary}`);
  } else if (single !== undefined) {
    console.log(`SEED=${seed} ok: ${r.summary}\nworld: ${r.world}`);
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${count - failed}/${count} seeds passed in ${seconds.toFixed(1)} s; ${deliveries} deliveries audited, ${liveness} liveness checks` +
    (failed > 0 ? `; violations by kind: ${[...kinds.entries()].map(([k, v]) => `${k}=${v}`).join(", ")}` : ""),
);
process.exit(failed > 0 ? 1 : 0);

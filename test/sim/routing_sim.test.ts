/**
 * The routing simulation (test/sim/run.ts) on every `bun test`: a few fixed seeds (reproducible)
 * plus one fresh seed per run (exploration; it prints its SEED); many more with
 * `bun scripts/sim-many.ts --seeds 500`. A failing seed prints SEED=…, the world, the violations
 * and the tail of the event log; `SEED=n bun test test/sim` replays it exactly (the fixed seeds
 * are skipped then).
 */
import { describe, expect, test } from "bun:test";
import { testSeed } from "../support/seed.ts";
import { formatFailure, runSimulation } from "./run.ts";

const FIXED_SEEDS = [1, 2, 3];

function check(seed: number): void {
  const result = runSimulation({ seed, sessions: 40, durationMs: 60_000 });
  if (!result.ok) console.log(formatFailure(result));
  expect(result.summary).not.toContain("CRASH");
  expect(result.auditor.violationCount).toBe(0);
  // The workload really ran and the router really delivered (a router that drops everything
  // would pass every safety invariant) …
  expect(result.auditor.ingress).toBeGreaterThan(5_000);
  expect(result.auditor.deliveries).toBeGreaterThan(result.auditor.ingress / 4);
  // … and the probe phase really required deliveries of it.
  expect(result.auditor.probesChecked).toBeGreaterThan(10);
  expect(result.auditor.probeTargets).toBeGreaterThan(20);
  expect(result.ok).toBe(true);
}

describe("routing simulation", () => {
  const fromEnv = process.env.SEED !== undefined && process.env.SEED !== "";
  const fresh = testSeed("routing simulation, fresh seed");
  if (!fromEnv) {
    console.log(`SEED=${FIXED_SEEDS.join(",")} (routing simulation, fixed; replay one with SEED=n)`);
    for (const seed of FIXED_SEEDS) {
      test(`seed ${seed}: every delivery justified, no echo/duplicate/contention/hang violations, clean calls and probes delivered`, () => check(seed));
    }
  }
  test(`seed ${fresh} (${fromEnv ? "from SEED" : "fresh"}): the same invariants`, () => check(fresh));

  test("the same seed replays exactly", () => {
    const a = runSimulation({ seed: fresh, sessions: 12, durationMs: 20_000 });
    const b = runSimulation({ seed: fresh, sessions: 12, durationMs: 20_000 });
    expect(b.summary).toBe(a.summary);
    expect(b.log).toEqual(a.log);
    expect(b.routerStats).toEqual(a.routerStats);
  });
});

/**
 * A few seeds of the routing simulation (test/sim/run.ts) on every `bun test`; many more with
 * `bun scripts/sim-many.ts --seeds 500`. A failing seed prints SEED=…, the world, the violations
 * and the tail of the event log; `SEED=n bun test test/sim` replays it exactly.
 */
import { describe, expect, test } from "bun:test";
import { testSeed } from "../support/seed.ts";
import { formatFailure, runSimulation } from "./run.ts";

describe("routing simulation", () => {
  // Fixed seeds by default (so `bun test` is reproducible); SEED=n replays or explores any seed,
  // and scripts/sim-many.ts explores many random ones.
  const fromEnv = process.env.SEED !== undefined && process.env.SEED !== "";
  const base = fromEnv ? testSeed("routing simulation") : 1;
  const seeds = fromEnv ? [base] : [1, 2, 3];
  if (!fromEnv) console.log(`SEED=${seeds.join(",")} (routing simulation, fixed; replay one with SEED=n)`);
  for (const seed of seeds) {
    test(`seed ${seed}: every delivery justified, no echo/duplicate/contention/hang violations, clean calls delivered`, () => {
      const result = runSimulation({ seed, sessions: 40, durationMs: 60_000 });
      if (!result.ok) console.log(formatFailure(result));
      expect(result.summary).not.toContain("CRASH");
      expect(result.auditor.violationCount).toBe(0);
      // The workload really ran and the router really delivered (a router that drops everything
      // would pass every safety invariant).
      expect(result.auditor.ingress).toBeGreaterThan(5_000);
      expect(result.auditor.deliveries).toBeGreaterThan(result.auditor.ingress / 4);
      expect(result.ok).toBe(true);
    });
  }

  test("the same seed replays exactly", () => {
    const a = runSimulation({ seed: base, sessions: 12, durationMs: 20_000 });
    const b = runSimulation({ seed: base, sessions: 12, durationMs: 20_000 });
    expect(b.summary).toBe(a.summary);
    expect(b.log).toEqual(a.log);
    expect(b.routerStats).toEqual(a.routerStats);
  });
});

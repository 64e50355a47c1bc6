import { describe, expect, test } from "bun:test";
import { ADMIT_SUPPRESS, ADMIT_WRITE, OVERFLOW_KEY, ReasonLimiter } from "../../src/lib/reason_limiter.ts";
import { Prng } from "../../src/lib/prng.ts";
import { testSeed } from "../support/seed.ts";

/** Feed `times` (ms) for one key; returns the times at which a line (or a summary) was written and the summary counts. */
function run(limiter: ReasonLimiter, key: string, times: number[]): { lines: number[]; summaries: number[] } {
  const lines: number[] = [];
  const summaries: number[] = [];
  for (const t of times) {
    const verdict = limiter.admit(key, t);
    if (verdict > 0) {
      summaries.push(verdict);
      lines.push(t);
    }
    if (verdict >= 0) lines.push(t);
  }
  return { lines, summaries };
}

/** Largest number of entries of `times` inside any window [t, t + 1000). */
function maxPerSecond(times: number[]): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe("ReasonLimiter", () => {
  test("a quiet key writes its burst at once, then one line per 1/rate", () => {
    const limiter = new ReasonLimiter({ ratePerSecond: 10, burst: 10 });
    for (let i = 0; i < 10; i++) expect(limiter.admit("k", 0)).toBe(ADMIT_WRITE);
    expect(limiter.admit("k", 0)).toBe(ADMIT_SUPPRESS);
    expect(limiter.admit("k", 50)).toBe(ADMIT_SUPPRESS); // half a token
    expect(limiter.pending("k")).toBe(2);
    // a summary and its line cost two tokens: 200 ms at 10/s
    expect(limiter.admit("k", 150)).toBe(ADMIT_SUPPRESS);
    expect(limiter.admit("k", 200)).toBe(3);
    expect(limiter.summarySinceMs).toBe(0);
    expect(limiter.pending("k")).toBe(0);
    expect(limiter.admit("k", 300)).toBe(ADMIT_WRITE);
    expect(limiter.totals).toEqual({ written: 12, suppressed: 3, summaries: 1 });
  });

  test("keys are independent", () => {
    const limiter = new ReasonLimiter({ ratePerSecond: 1, burst: 2 });
    expect([limiter.admit("a", 0), limiter.admit("a", 0), limiter.admit("a", 0)]).toEqual([0, 0, -1]);
    expect([limiter.admit("b", 0), limiter.admit("b", 0)]).toEqual([0, 0]);
  });

  test("a flood of 10,000 lines/s for 10 s: ≤ 20 lines (summaries included) in any second, every line accounted for", () => {
    const limiter = new ReasonLimiter({ ratePerSecond: 10, burst: 10 });
    const times: number[] = [];
    for (let i = 0; i < 100_000; i++) times.push(i / 10); // 10 per ms
    const { lines, summaries } = run(limiter, "flood", times);
    expect(maxPerSecond(lines)).toBeLessThanOrEqual(20);
    // sustained ~10/s: about 100 lines in 10 s, a summary with about every other one
    expect(lines.length).toBeGreaterThan(90);
    expect(lines.length).toBeLessThanOrEqual(10 + 100);
    const tail = limiter.drain(1_000_000);
    const summarised = summaries.reduce((a, b) => a + b, 0) + tail.reduce((a, s) => a + s.suppressed, 0);
    const written = lines.length - summaries.length;
    expect(written + summarised).toBe(times.length);
    expect(limiter.totals.written + limiter.totals.suppressed).toBe(times.length);
  });

  test("seeded random bursts: the 20-lines-per-second bound holds for any arrival pattern", () => {
    const seed = testSeed("reason limiter random arrivals");
    const prng = new Prng(seed);
    for (let round = 0; round < 20; round++) {
      const limiter = new ReasonLimiter({ ratePerSecond: 10, burst: 10 });
      const times: number[] = [];
      let t = 0;
      for (let i = 0; i < 5_000; i++) {
        // mixes of silence, trickles and floods
        t += prng.nextUint32() % 4 === 0 ? prng.nextUint32() % 3000 : prng.nextUint32() % 20;
        times.push(t);
      }
      const { lines, summaries } = run(limiter, "k", times);
      expect(maxPerSecond(lines)).toBeLessThanOrEqual(20);
      const tail = limiter.drain(t + 10_000);
      expect(lines.length - summaries.length + summaries.reduce((a, b) => a + b, 0) + tail.reduce((a, s) => a + s.suppressed, 0)).toBe(times.length);
    }
  });

  test("drain sums up a key that went quiet, once, when it has a token", () => {
    const limiter = new ReasonLimiter({ ratePerSecond: 10, burst: 2 });
    run(limiter, "k", [0, 0, 0, 0, 0]);
    expect(limiter.drain(0)).toEqual([]); // no token yet
    expect(limiter.drain(100)).toEqual([{ key: "k", suppressed: 3, sinceMs: 0 }]);
    expect(limiter.drain(5_000)).toEqual([]);
    expect(limiter.totals.summaries).toBe(1);
  });

  test("a clock that goes back accrues nothing (and does not throw)", () => {
    const limiter = new ReasonLimiter({ ratePerSecond: 10, burst: 2 });
    expect(run(limiter, "k", [1000, 1000, 500, 400]).lines).toEqual([1000, 1000]);
  });

  test("keys beyond maxKeys share one overflow bucket", () => {
    const limiter = new ReasonLimiter({ ratePerSecond: 1, burst: 2, maxKeys: 2 });
    limiter.admit("a", 0);
    limiter.admit("b", 0);
    expect([limiter.admit("c", 0), limiter.admit("d", 0), limiter.admit("e", 0)]).toEqual([0, 0, -1]);
    expect(limiter.pending(OVERFLOW_KEY)).toBe(1);
    expect(limiter.keyCount).toBe(3);
  });

  test("settings are checked", () => {
    expect(() => new ReasonLimiter({ ratePerSecond: 0, burst: 10 })).toThrow(/ratePerSecond/);
    expect(() => new ReasonLimiter({ ratePerSecond: 1, burst: 1 })).toThrow(/burst/);
  });
});

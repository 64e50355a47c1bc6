import { describe, expect, test } from "bun:test";
import { Prng } from "../../src/lib/prng.ts";

describe("Prng", () => {
  test("same seed, same sequence", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 1000; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });
  test("different seeds differ", () => {
    expect(new Prng(1).nextUint32()).not.toBe(new Prng(2).nextUint32());
  });
  test("nextInt stays in range and covers it", () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const v = p.nextInt(10);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });
  test("fork gives independent streams", () => {
    const base1 = new Prng(5);
    const base2 = new Prng(5);
    const f1 = base1.fork("net");
    const f2 = base2.fork("workload");
    expect(f1.nextUint32()).not.toBe(f2.nextUint32());
  });
});

import { describe, expect, test } from "bun:test";
import { NumberMap } from "../../src/lib/number_map.ts";
import { Prng } from "../../src/lib/prng.ts";
import { testSeed } from "../support/seed.ts";

interface Box {
  n: number;
}

describe("NumberMap", () => {
  test("set, get, replace, delete, size", () => {
    const map = new NumberMap<Box>();
    const a = { n: 1 };
    const b = { n: 2 };
    expect(map.get(7)).toBeUndefined();
    map.set(7, a).set(2 ** 53 - 1, b).set(0, a);
    expect(map.size).toBe(3);
    expect(map.get(7)).toBe(a);
    expect(map.get(2 ** 53 - 1)).toBe(b);
    expect(map.get(0)).toBe(a);
    expect(map.has(8)).toBe(false);
    map.set(7, b);
    expect(map.size).toBe(3);
    expect(map.get(7)).toBe(b);
    expect(map.delete(7)).toBe(true);
    expect(map.delete(7)).toBe(false);
    expect(map.get(7)).toBeUndefined();
    expect(map.size).toBe(2);
    expect([...map.values()].map((v) => v.n).sort()).toEqual([1, 2]);
  });

  test("keys that differ only in their high word, or only by 2^32, stay apart", () => {
    const map = new NumberMap<Box>();
    const keys = [5, 5 + 2 ** 32, 5 + 2 ** 40, 5 + 2 ** 48, 2 ** 52 + 5];
    keys.forEach((key, i) => map.set(key, { n: i }));
    keys.forEach((key, i) => expect(map.get(key)?.n).toBe(i));
  });

  test("seeded: the same answers as a Map through growth, deletes and rehashes", () => {
    const seed = testSeed("number map");
    const prng = new Prng(seed);
    const map = new NumberMap<Box>();
    const oracle = new Map<number, Box>();
    for (let step = 0; step < 60_000; step++) {
      // a key space small enough to hit existing keys often, some keys above 2^32
      const key = (prng.nextUint32() % 5_000) * (prng.nextUint32() % 4 === 0 ? 2 ** 33 + 1 : 1);
      const op = prng.nextUint32() % 10;
      if (op < 5) {
        const box = { n: step };
        map.set(key, box);
        oracle.set(key, box);
      } else if (op < 8) {
        expect(map.delete(key)).toBe(oracle.delete(key));
      } else {
        expect(map.get(key)).toBe(oracle.get(key));
      }
      expect(map.size).toBe(oracle.size);
    }
    for (const [key, box] of oracle) expect(map.get(key)).toBe(box);
    expect(new Set(map.values())).toEqual(new Set(oracle.values()));
    // stays at most half full after its last growth (plus the inserts since)
    expect(map.capacity).toBeLessThanOrEqual(4 * Math.max(16, oracle.size * 2));
  });

  test("deleting while iterating visits every entry once", () => {
    const map = new NumberMap<Box>();
    for (let i = 0; i < 1000; i++) map.set(1_000_000 + i * 7919, { n: i });
    const seen: number[] = [];
    for (const box of map.values()) {
      seen.push(box.n);
      if (box.n % 2 === 0) map.delete(1_000_000 + box.n * 7919);
    }
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(map.size).toBe(500);
  });

  test("slots and at() give the values() sequence, with undefined for deleted entries, also when deleting while looping", () => {
    const map = new NumberMap<Box>();
    for (let i = 0; i < 1000; i++) map.set(5_000_000 + i * 104_729, { n: i });
    for (let i = 0; i < 1000; i += 3) map.delete(5_000_000 + i * 104_729);
    const bySlot: Box[] = [];
    for (let slot = 0; slot < map.slots; slot++) {
      const box = map.at(slot);
      if (box !== undefined) bySlot.push(box);
    }
    expect(bySlot).toEqual([...map.values()]);
    expect(map.slots).toBeGreaterThan(map.size);
    // delete every even one while looping: each live entry is visited once, the rest stay
    const seen: number[] = [];
    for (let slot = 0; slot < map.slots; slot++) {
      const box = map.at(slot);
      if (box === undefined) continue;
      seen.push(box.n);
      if (box.n % 2 === 0) map.delete(5_000_000 + box.n * 104_729);
    }
    expect(seen).toEqual(bySlot.map((b) => b.n));
    expect([...map.values()].map((b) => b.n)).toEqual(bySlot.map((b) => b.n).filter((n) => n % 2 !== 0));
  });

  test("iterates in insertion order, across growth and after deletes (like a Map)", () => {
    const map = new NumberMap<Box>();
    const oracle = new Map<number, Box>();
    for (let i = 0; i < 3000; i++) {
      const key = (i * 2_654_435_761) % 2 ** 40;
      const box = { n: i };
      map.set(key, box);
      oracle.set(key, box);
      if (i % 3 === 0) {
        const old = ((i / 2) | 0) * 2_654_435_761 % 2 ** 40;
        map.delete(old);
        oracle.delete(old);
      }
    }
    expect([...map.values()]).toEqual([...oracle.values()]);
  });

  test("10,000 entries take a table of at most 1.25 × as many (not the next power of two)", () => {
    const map = new NumberMap<Box>();
    for (let i = 0; i < 10_000; i++) map.set(3_100_000 + i, { n: i });
    expect(map.capacity).toBeGreaterThanOrEqual(10_000);
    expect(map.capacity).toBeLessThanOrEqual(12_500 + 64);
    for (let i = 0; i < 10_000; i++) expect(map.get(3_100_000 + i)?.n).toBe(i);
  });

  test("oldest() is the first entry still there, as a Map's first value, through deletes, moves to the end and rebuilds", () => {
    const map = new NumberMap<Box>();
    const oracle = new Map<number, Box>();
    expect(map.oldest()).toBeUndefined();
    for (let i = 0; i < 5_000; i++) {
      const box = { n: i };
      map.set(i, box);
      oracle.set(i, box);
      if (i % 7 === 3) {
        // evict the oldest (FIFO), as a bounded table does
        const first = oracle.keys().next().value!;
        expect(map.oldest()).toBe(oracle.get(first)!);
        map.delete(first);
        oracle.delete(first);
      }
      if (i % 5 === 1) {
        // most recently seen last: delete and insert again
        const k = i - 1;
        const v = oracle.get(k);
        if (v !== undefined) {
          map.delete(k);
          oracle.delete(k);
          map.set(k, v);
          oracle.set(k, v);
        }
      }
      expect(map.oldest()).toBe(oracle.values().next().value);
    }
    for (const k of [...oracle.keys()]) {
      map.delete(k);
      oracle.delete(k);
      expect(map.oldest()).toBe(oracle.values().next().value);
    }
    expect(map.oldest()).toBeUndefined();
  });
});

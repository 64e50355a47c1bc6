import { describe, expect, test } from "bun:test";
import { FederationStreams, NOT_FOUND, ORIGIN_LOCAL } from "../../../src/core/federation/stream_table.ts";
import { leadingDigits, lowLevelFilter, FilterVerdict } from "../../../src/core/federation/low_level_filter.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { testSeed } from "../../support/seed.ts";

describe("FederationStreams", () => {
  test("matches a Map model under random inserts, touches and expiry (seeded)", () => {
    const prng = new Prng(testSeed("stream table model"));
    const table = new FederationStreams(256, 10_000, 40);
    const model = new Map<number, { origin: number; lastSeenMs: number }>();
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      now += prng.nextInt(50);
      // small id space so collisions and probe chains are common; ids that count up, like some sources
      const id = prng.chance(1, 2) ? prng.nextInt(400) : (prng.nextUint32() & 0xff) << 24;
      const slot = table.find(id);
      const m = model.get(id);
      expect(slot === NOT_FOUND).toBe(m === undefined);
      if (m !== undefined) {
        expect(table.origin(slot)).toBe(m.origin);
        if (prng.chance(1, 3)) {
          table.touch(slot, now);
          m.lastSeenMs = now;
        }
      } else {
        const origin = prng.nextInt(41) - 1;
        const s = table.insert(now, id, origin, 2, 2341, 7);
        if (s !== NOT_FOUND) model.set(id, { origin, lastSeenMs: now });
      }
      if (prng.chance(1, 200)) {
        now += 1000; // sweeps run at most once a second
        table.sweep(now);
        for (const [k, v] of model) if (v.lastSeenMs < now - 10_000) model.delete(k);
        expect(table.size).toBe(model.size);
        for (const [k, v] of model) expect(table.origin(table.find(k))).toBe(v.origin);
      }
    }
    expect(table.stats.expired).toBeGreaterThan(0);
  });

  test("refuses new streams when 7/8 full and counts it; forgetOrigin removes only that origin", () => {
    const table = new FederationStreams(8, 1000, 2);
    for (let i = 0; i < 7; i++) expect(table.insert(0, 100 + i, i % 2, 1, 0, 0)).not.toBe(NOT_FOUND);
    expect(table.insert(0, 999, 0, 1, 0, 0)).toBe(NOT_FOUND);
    expect(table.stats.full).toBe(1);
    table.forgetOrigin(1);
    expect(table.size).toBe(4);
    for (let i = 0; i < 7; i++) expect(table.find(100 + i) === NOT_FOUND).toBe(i % 2 === 1);
  });

  test("quench bits are per port and per stream", () => {
    const table = new FederationStreams(64, 1000, 40);
    const a = table.insert(0, 1, ORIGIN_LOCAL, 1, 0, 0);
    const b = table.insert(0, 2, 3, 1, 0, 0);
    expect(table.markQuenchSent(a, 35)).toBe(true);
    expect(table.markQuenchSent(a, 35)).toBe(false);
    expect(table.markQuenchSent(b, 35)).toBe(true);
    table.markQuenchedBy(a, 39);
    expect(table.isQuenchedBy(a, 39)).toBe(true);
    expect(table.isQuenchedBy(a, 38)).toBe(false);
    expect(table.isQuenchedBy(b, 39)).toBe(false);
    expect(table.isQuenchedBy(a, ORIGIN_LOCAL)).toBe(false);
  });
});

describe("low-level talkgroup filter (freedmr-reference §2.5 item 7)", () => {
  test("verdicts", () => {
    const us = 2341;
    expect(lowLevelFilter(79, 5, 3100, us)).toBe(FilterVerdict.Local);
    expect(lowLevelFilter(9990, 5, 3100, us)).toBe(FilterVerdict.Local);
    expect(lowLevelFilter(900999, 1, 3100, us)).toBe(FilterVerdict.Local);
    expect(lowLevelFilter(150, 1, us, us)).toBe(FilterVerdict.Regional);
    expect(lowLevelFilter(150, 5, 234199, us)).toBe(FilterVerdict.Pass); // same first 4 digits
    expect(lowLevelFilter(150, 5, 3100, us)).toBe(FilterVerdict.Regional);
    expect(lowLevelFilter(85, 5, 2349, us)).toBe(FilterVerdict.Pass); // same MCC 234
    expect(lowLevelFilter(850, 5, 3100, us)).toBe(FilterVerdict.National);
    expect(lowLevelFilter(85, 1, 3100, us)).toBe(FilterVerdict.Pass); // v1 has no national rule
    expect(lowLevelFilter(91, 1, 3100, us)).toBe(FilterVerdict.Pass);
    expect(lowLevelFilter(3100, 5, 3100, us)).toBe(FilterVerdict.Pass);
    expect(leadingDigits(2341999, 4)).toBe(2341);
    expect(leadingDigits(23, 4)).toBe(23);
  });
});

import { expect, test } from "bun:test";
import { GC_PACE_MS, GcPacer, anonymousRss, schedulePacedCollections } from "../../../src/shell/memory/gc_pacer.ts";

const MB = 1024 * 1024;

test("a collection is due once the anonymous RSS has grown by the step since the last one, counted from the lowest read", () => {
  const pacer = new GcPacer(10 * MB, 2 * MB);
  expect(pacer.check(11 * MB)).toBe(false);
  expect(pacer.check(12 * MB)).toBe(true); // +2 MB
  // right after: not again until it grows by the step from there …
  expect(pacer.check(13 * MB)).toBe(false);
  // … or from the lowest read once the collection has freed memory
  expect(pacer.check(9 * MB)).toBe(false);
  expect(pacer.check(10.5 * MB)).toBe(false);
  expect(pacer.check(11 * MB)).toBe(true);
  expect(pacer.collections).toBe(2);
  // a collection that frees nothing does not bring another one at the next read
  expect(pacer.check(11.5 * MB)).toBe(false);
  expect(pacer.check(12.9 * MB)).toBe(false);
  expect(pacer.check(13 * MB)).toBe(true);
  expect(pacer.collections).toBe(3);
});

test("an unreadable RSS (−1) never asks for a collection", () => {
  const pacer = new GcPacer(-1, 2 * MB);
  expect(pacer.check(-1)).toBe(false);
  expect(pacer.check(50 * MB)).toBe(false); // the first real read is the level
  expect(pacer.check(52 * MB)).toBe(true);
});

test("scheduled: collects when the reads grow, stops when told", async () => {
  let rss = 10 * MB;
  let collections = 0;
  const stop = schedulePacedCollections({ readAnonRss: () => rss, collect: () => collections++, periodMs: 10, growthBytes: 2 * MB });
  await Bun.sleep(40);
  expect(collections).toBe(0);
  rss = 13 * MB;
  await Bun.sleep(60);
  expect(collections).toBe(1);
  stop();
  rss = 30 * MB;
  await Bun.sleep(40);
  expect(collections).toBe(1);
});

test("defaults: a check every couple of seconds; the RSS is readable here on Linux", () => {
  expect(GC_PACE_MS).toBeGreaterThanOrEqual(1_000);
  if (process.platform === "linux") expect(anonymousRss()).toBeGreaterThan(0);
});

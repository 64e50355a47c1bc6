import { expect, test } from "bun:test";
import { GC_PACE_MS, schedulePacedCollections } from "../../src/shell/gc_pacer.ts";

test("paced collections: asked for every period until stopped, never after", async () => {
  let collections = 0;
  const stop = schedulePacedCollections(() => collections++, 20);
  await Bun.sleep(130);
  const seen = collections;
  // 130 ms at a 20-ms pace: timers may run late on a busy machine, never early
  expect(seen).toBeGreaterThanOrEqual(2);
  expect(seen).toBeLessThanOrEqual(7);
  stop();
  await Bun.sleep(80);
  expect(collections).toBe(seen);
});

test("the default pace is seconds, not a busy loop", () => {
  expect(GC_PACE_MS).toBeGreaterThanOrEqual(1_000);
  expect(() => schedulePacedCollections(() => {}, 0)).toThrow();
});

import { describe, expect, test } from "bun:test";
import { scheduleSettleAfterLogins } from "../../src/shell/settle_after_logins.ts";

describe("scheduleSettleAfterLogins", () => {
  test("settles once after a burst has gone quiet, never while logins go on or below the threshold", async () => {
    let logins = 0;
    const settled: number[] = [];
    const stop = scheduleSettleAfterLogins(() => logins, () => settled.push(logins), { quietMs: 20, minLogins: 10 });
    try {
      // a trickle below the threshold
      logins = 5;
      await Bun.sleep(120);
      expect(settled).toEqual([]);
      // a burst (a busy machine may pause it long enough for a settle in between: then each
      // settle still follows at least minLogins new logins)
      for (let i = 0; i < 10; i++) {
        logins += 3;
        await Bun.sleep(10);
      }
      // quiet: the last settle is at the count the burst ended with, and there is no other after it
      const deadline = Date.now() + 5_000;
      while (settled.at(-1) !== 35 && Date.now() < deadline) await Bun.sleep(20);
      expect(settled.at(-1)).toBe(35);
      settled.forEach((count, i) => expect(count - (i === 0 ? 0 : settled[i - 1]!)).toBeGreaterThanOrEqual(10));
      const count = settled.length;
      await Bun.sleep(120);
      expect(settled.length).toBe(count);
    } finally {
      stop();
    }
  });
});

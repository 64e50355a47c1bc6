/**
 * The services Worker gives memory back after a burst of logins (src/services/worker/
 * settle_after_logins.ts): once per burst, after it has gone quiet, never below the threshold.
 */
import { describe, expect, test } from "bun:test";
import { scheduleWorkerSettle } from "../../src/services/worker/settle_after_logins.ts";

describe("scheduleWorkerSettle", () => {
  test("settles once after a burst has gone quiet; a trickle below the threshold never does", async () => {
    let logins = 0;
    const settled: number[] = [];
    const stop = scheduleWorkerSettle(() => logins, () => settled.push(logins), { quietMs: 20, minLogins: 10 });
    try {
      logins = 5;
      await Bun.sleep(120);
      expect(settled).toEqual([]);
      for (let i = 0; i < 10; i++) {
        logins += 3;
        await Bun.sleep(10);
      }
      const deadline = Date.now() + 5_000;
      while (settled.at(-1) !== 35 && Date.now() < deadline) await Bun.sleep(20);
      expect(settled.at(-1)).toBe(35);
      settled.forEach((n, i) => expect(n - (i === 0 ? 0 : settled[i - 1]!)).toBeGreaterThanOrEqual(10));
      const after = settled.length;
      await Bun.sleep(120);
      expect(settled.length).toBe(after);
    } finally {
      stop();
    }
  });
});

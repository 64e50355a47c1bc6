import { describe, expect, test } from "bun:test";
import { LoginBurstWatch, MIN_LOGINS, scheduleSettleAfterLogins } from "../../src/shell/settle_after_logins.ts";

describe("LoginBurstWatch", () => {
  test("settles once after a burst, at the first check with no new login", () => {
    const watch = new LoginBurstWatch(10, 100);
    expect(watch.check(10)).toBe(false); // nothing happened
    expect(watch.check(60)).toBe(false); // logging in
    expect(watch.check(150)).toBe(false); // still logging in
    expect(watch.check(150)).toBe(true); // quiet after 140 new ones
    expect(watch.check(150)).toBe(false); // once per burst
  });

  test("a trickle of logins below the threshold never settles; it adds up until it does", () => {
    const watch = new LoginBurstWatch(0, 100);
    expect(watch.check(40)).toBe(false);
    expect(watch.check(40)).toBe(false); // quiet, but only 40 since the last settle
    expect(watch.check(90)).toBe(false);
    expect(watch.check(90)).toBe(false);
    expect(watch.check(120)).toBe(false);
    expect(watch.check(120)).toBe(true);
  });

  test("a counter that went back (a new master) starts over from there", () => {
    const watch = new LoginBurstWatch(1000, 100);
    expect(watch.check(5)).toBe(false);
    expect(watch.check(5)).toBe(false);
    expect(watch.check(200)).toBe(false);
    expect(watch.check(200)).toBe(true);
  });

  test("the default threshold", () => {
    const watch = new LoginBurstWatch(0);
    expect(watch.minLogins).toBe(MIN_LOGINS);
    expect(watch.check(MIN_LOGINS - 1)).toBe(false);
    expect(watch.check(MIN_LOGINS - 1)).toBe(false);
    expect(watch.check(MIN_LOGINS)).toBe(false);
    expect(watch.check(MIN_LOGINS)).toBe(true);
  });
});

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

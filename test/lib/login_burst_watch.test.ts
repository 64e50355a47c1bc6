import { describe, expect, test } from "bun:test";
import { COLLECT_EVERY_LOGINS, InBurstCollect, LoginBurstWatch, MIN_LOGINS } from "../../src/lib/login_burst_watch.ts";

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

describe("InBurstCollect", () => {
  test("due once per `every` logins while they come in, counting from the last collection", () => {
    const pacer = new InBurstCollect(10, 100);
    expect(pacer.due(10)).toBe(false);
    expect(pacer.due(109)).toBe(false);
    expect(pacer.due(110)).toBe(true);
    expect(pacer.due(110)).toBe(false); // nothing new
    expect(pacer.due(250)).toBe(true); // 140 more (one collection, not one per hundred)
    expect(pacer.due(349)).toBe(false);
    expect(pacer.due(350)).toBe(true);
  });

  test("a counter that went back (a new master) counts again from there", () => {
    const pacer = new InBurstCollect(5_000, 100);
    expect(pacer.due(3)).toBe(false);
    expect(pacer.due(102)).toBe(false);
    expect(pacer.due(103)).toBe(true);
  });

  test("the default pace is COLLECT_EVERY_LOGINS", () => {
    const pacer = new InBurstCollect(0);
    expect(pacer.every).toBe(COLLECT_EVERY_LOGINS);
    expect(pacer.due(COLLECT_EVERY_LOGINS - 1)).toBe(false);
    expect(pacer.due(COLLECT_EVERY_LOGINS)).toBe(true);
  });
});

/**
 * What every "settle after a burst of logins" scheduler promises (src/lib/login_burst_watch.ts is
 * their shared watch): the packet thread's (src/shell/memory/settle_after_logins.ts) and the services
 * Worker's (src/services/worker/settle_after_logins.ts) are both held to it.
 * @module
 */
import { expect } from "bun:test";

/** A scheduler as both take it: the login count, what to do on settling, test tuning; returns stop. */
export type SettleScheduler = (logins: () => number, onSettled: () => void, tuning: { quietMs: number; minLogins: number }) => () => void;

/** Settles once after a burst has gone quiet, never while logins go on or below the threshold. */
export async function expectSettlesOncePerBurst(schedule: SettleScheduler): Promise<void> {
  let logins = 0;
  const settled: number[] = [];
  const stop = schedule(() => logins, () => settled.push(logins), { quietMs: 20, minLogins: 10 });
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
}

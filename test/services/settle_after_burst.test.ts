import { describe, expect, test } from "bun:test";
import { EventBurstWatch } from "../../src/services/worker/settle_after_burst.ts";

describe("services Worker: a collection after a burst of events (EventBurstWatch)", () => {
  test("a burst is settled once, at the first quiet check after it", () => {
    const watch = new EventBurstWatch(2_000, 200);
    expect(watch.check(0)).toBe(false);
    expect(watch.check(5_000)).toBe(false); // logging in
    expect(watch.check(40_000)).toBe(false); // still
    expect(watch.check(40_050)).toBe(true); // quiet: collect
    expect(watch.check(40_100)).toBe(false); // quiet, no new burst since
    expect(watch.check(40_150)).toBe(false);
  });

  test("steady traffic is never a burst, however long it lasts; a small burst is not worth a collection", () => {
    const watch = new EventBurstWatch(2_000, 200);
    let events = 0;
    for (let i = 0; i < 1_000; i++) expect(watch.check((events += 150))).toBe(false);
    expect(watch.check((events += 1_500))).toBe(false);
    expect(watch.check((events += 10))).toBe(false); // 1,500 < 2,000
    for (let i = 0; i < 100; i++) expect(watch.check((events += 300))).toBe(false); // busy all along: no quiet check
    expect(watch.check((events += 10))).toBe(true);
  });
});

/**
 * The services Worker gives memory back after a burst of logins (src/services/worker/
 * settle_after_logins.ts): once per burst, after it has gone quiet, never below the threshold; and
 * while the burst comes in, a collection every so many logins.
 */
import { describe, expect, test } from "bun:test";
import { scheduleWorkerSettle, workerBurstCollector } from "../../src/services/worker/settle_after_logins.ts";
import { expectSettlesOncePerBurst } from "../support/settle_after_burst.ts";

describe("scheduleWorkerSettle", () => {
  test("settles once after a burst has gone quiet; a trickle below the threshold never does", async () => {
    await expectSettlesOncePerBurst((logins, onSettled, tuning) => scheduleWorkerSettle(logins, onSettled, tuning));
  });
});

describe("workerBurstCollector", () => {
  test("collects each time another `every` logins have been seen, once per message at most", () => {
    let collected = 0;
    const afterMessage = workerBurstCollector(() => collected++, 100);
    afterMessage(40);
    afterMessage(99);
    expect(collected).toBe(0);
    afterMessage(100);
    expect(collected).toBe(1);
    afterMessage(100); // a message with no login (a talkgroup change, a call)
    expect(collected).toBe(1);
    afterMessage(350); // a roster chunk of 250
    expect(collected).toBe(2);
    afterMessage(449);
    expect(collected).toBe(2);
    afterMessage(450);
    expect(collected).toBe(3);
  });
});

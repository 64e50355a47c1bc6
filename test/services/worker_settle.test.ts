/**
 * The services Worker gives memory back after a burst of logins (src/services/worker/
 * settle_after_logins.ts): once per burst, after it has gone quiet, never below the threshold.
 */
import { describe, test } from "bun:test";
import { scheduleWorkerSettle } from "../../src/services/worker/settle_after_logins.ts";
import { expectSettlesOncePerBurst } from "../support/settle_after_burst.ts";

describe("scheduleWorkerSettle", () => {
  test("settles once after a burst has gone quiet; a trickle below the threshold never does", async () => {
    await expectSettlesOncePerBurst((logins, onSettled, tuning) => scheduleWorkerSettle(logins, onSettled, tuning));
  });
});

import { describe, test } from "bun:test";
import { scheduleSettleAfterLogins } from "../../src/shell/settle_after_logins.ts";
import { expectSettlesOncePerBurst } from "../support/settle_after_burst.ts";

describe("scheduleSettleAfterLogins", () => {
  test("settles once after a burst has gone quiet, never while logins go on or below the threshold", async () => {
    await expectSettlesOncePerBurst((logins, onSettled, tuning) => scheduleSettleAfterLogins(logins, onSettled, tuning));
  });
});

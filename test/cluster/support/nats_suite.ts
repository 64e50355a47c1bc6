/**
 * The `describe` for tests that need nats-server: the real one when it is installed; otherwise a
 * skip with a message, and under CI=true one failing test naming what is missing.
 */
import { describe, test } from "bun:test";
import { natsServerMissing } from "./nats_server.ts";

export function describeWithNats(): typeof describe | typeof describe.skip {
  const missing = natsServerMissing();
  if (missing === null) return describe;
  if (process.env["CI"] === "true") {
    test("nats-server is required under CI", () => {
      throw new Error(missing);
    });
  } else {
    console.warn(`test/cluster: skipped: ${missing}`);
  }
  return describe.skip;
}

/**
 * The `stats` event the shell publishes for the status API: one at start, then periodically; plain
 * data copied off the core's live counter objects (a later change in the core must not show up in
 * a snapshot a service already holds).
 */
import { afterEach, expect, test } from "bun:test";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import type { StatsSnapshot } from "../../src/core/events.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

test("stats snapshots arrive periodically as detached copies of the core's counters", async () => {
  const snapshots: StatsSnapshot[] = [];
  server = await startTestServer({
    router: (deps) => createRouter(routingOptions({}), deps),
    options: { statsIntervalMs: 20 },
  });
  server.server.bus.register("snapshot-keeper", (event) => {
    if (event.type === "stats") snapshots.push(event.snapshot);
  });
  expect(await server.until(() => snapshots.length >= 1)).toBe(true);
  const first = snapshots[0]!;
  expect(first.hbp!.connected).toBe(0);
  expect(first.routing).not.toBeNull();
  const framesBefore = first.routing!["framesIn"];
  expect(JSON.parse(JSON.stringify(first))).toEqual(first); // plain data

  const client = await HbpClient.open({ serverPort: server.port, repeaterId: 310_000_777 });
  await client.login();
  client.sendFrame({ sourceId: 3_100_777, destinationId: 91, slot: 2, streamId: 5 });
  expect(await server.until(() => snapshots.some((s) => s.hbp!.connected === 1 && (s.routing!["framesIn"] ?? 0) > 0))).toBe(true);
  // the snapshot taken before the login still says what it said
  expect(first.hbp!.connected).toBe(0);
  expect(first.routing!["framesIn"]).toBe(framesBefore);
  expect(snapshots.at(-1)!.bus.subscribers.map((s) => s.name)).toContain("snapshot-keeper");
  expect(snapshots.at(-1)!.uptimeMs).toBeGreaterThan(first.uptimeMs);
  await client.close();
});

/**
 * The cluster node in the in-process server (the real startServer): its counters reach the
 * periodic stats snapshot (and from there the metrics), connected or not. Needs nats-server.
 */
import { afterAll, expect, test } from "bun:test";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import type { StatsSnapshot } from "../../src/core/events.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";
import { startNatsServer, stopAllNats } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";

const maybe = describeWithNats();
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  await stopAllNats();
});

maybe("cluster counters in the stats snapshot", () => {
  test("connected: the snapshot names the node and carries its counters; the node is reachable from the running server", async () => {
    const nats = await startNatsServer();
    const snapshots: StatsSnapshot[] = [];
    const server = await startTestServer({
      router: (deps) => createRouter(routingOptions({}), deps),
      config: { cluster: { enabled: true, node_name: "stats-1", servers: [nats.url] } },
      options: { statsIntervalMs: 20 },
    });
    servers.push(server);
    server.server.bus.register("snapshot-keeper", (event) => {
      if (event.type === "stats") snapshots.push(event.snapshot);
    });
    expect(await server.until(() => snapshots.some((s) => s.cluster?.connected === true), 10_000)).toBe(true);
    const last = snapshots[snapshots.length - 1]!;
    expect(last.cluster!.node).toBe("stats-1");
    expect(typeof last.cluster!.counters["published"]).toBe("number");
    expect(typeof last.cluster!.counters["droppedDisconnected"]).toBe("number");
    // the shared sessions' counters, by the names metrics.ts reads
    for (const key of ["sessionsMirrored", "sessionsAdopted", "sessionsRefusedEndpoint", "sessionsRefusedOwnerAlive", "sessionsRefusedStale", "sessionsMalformed", "sessionsMirrorFull"]) {
      expect(typeof last.cluster!.counters[key]).toBe("number");
    }
    expect(server.server.cluster()?.stats().connected).toBe(true);
    // NATS gone: the snapshot says so
    await nats.stop();
    expect(await server.until(() => snapshots[snapshots.length - 1]!.cluster?.connected === false, 10_000)).toBe(true);
  }, 30_000);
});

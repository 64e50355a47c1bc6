/**
 * Talkgroup subscriptions on NATS follow the node's interest with a linger: a talkgroup a hotspot
 * needs is subscribed at once; when the last hotspot needing it leaves, the subscription stays for
 * `interest_linger_seconds` (no churn), then goes. In-process servers (the real startServer) and a
 * real nats-server. Needs nats-server.
 */
import { afterAll, expect, test } from "bun:test";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startNatsServer, stopAllNats } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";

const maybe = describeWithNats();
const servers: TestServer[] = [];
const clients: HbpClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const s of servers) await s.stop();
  await stopAllNats();
});

async function node(natsUrl: string, name: string, lingerSeconds: number): Promise<TestServer> {
  const server = await startTestServer({
    router: (deps) => createRouter(routingOptions({}), deps),
    config: { cluster: { enabled: true, node_name: name, servers: [natsUrl], interest_linger_seconds: lingerSeconds } },
  });
  servers.push(server);
  expect(await server.until(() => server.server.cluster()?.stats().connected === true, 10_000)).toBe(true);
  return server;
}

maybe("interest and linger", () => {
  test("subscribed while needed; after the last hotspot leaves: kept during the linger, gone after it", async () => {
    const nats = await startNatsServer();
    const lingering = await node(nats.url, "linger-long", 3600);
    const prompt = await node(nats.url, "linger-none", 0);
    for (const server of [lingering, prompt]) {
      const cluster = server.server.cluster()!;
      const client = await HbpClient.open({ serverPort: server.port, repeaterId: 312_390_001 + servers.indexOf(server), slots: "3", rxFrequencyHz: 438_000_000, txFrequencyHz: 430_000_000 });
      clients.push(client);
      await client.login({ options: "TS1=3901;TS2=3902;" });
      expect(await server.until(() => cluster.subscribedTalkgroups().join() === "3901,3902", 5000)).toBe(true);
      await client.close(); // RPTCL: the session goes, its talkgroups with it
    }
    expect(await prompt.until(() => prompt.server.cluster()!.subscribedTalkgroups().length === 0, 5000)).toBe(true);
    // the other node keeps them for its linger (an hour)
    await HbpClient.settle(1000);
    expect(lingering.server.cluster()!.subscribedTalkgroups()).toEqual([3901, 3902]);
  }, 30_000);
});

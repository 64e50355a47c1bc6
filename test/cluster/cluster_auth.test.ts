/**
 * NATS credentials from `[cluster]` with a real nats-server that requires them: user/password and
 * token. A node with the right credentials joins; a node with wrong ones serves its own hotspots,
 * says why, and keeps trying. Needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, expect, test } from "bun:test";
import { HbpClient } from "../support/hbp_client.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn, nextStreamId, sendVoice, startNode, waitFrames, framesOf } from "./support/cluster_net.ts";

const maybe = describeWithNats();
afterAll(cleanUpCluster);

maybe("NATS credentials", () => {
  test("user/password: right ones join the cluster; wrong ones are refused, the node serves its own hotspots and says why", async () => {
    const nats = await startNatsServer({ args: ["--user", "freedmr", "--pass", "s3cret-pass"] });
    const good = 'user = "freedmr"\npassword = "s3cret-pass"';
    const a = await startNode({ name: "pa", servers: [nats.url], clusterExtra: good });
    const b = await startNode({ name: "pb", servers: [nats.url], clusterExtra: good });
    const wrong = await startNode({ name: "pw", servers: [nats.url], clusterExtra: 'user = "freedmr"\npassword = "wrong"' }, false);
    const onA = await hotspotOn(a.hbpPort, "TS2=3950;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3950;");
    expect(await callCrosses(onA, [onB], 3950, 2)).toBe(true);
    const refused = await wrong.proc.waitForLog((l) => l["msg"] === "cluster: could not connect to NATS; this node serves its own hotspots alone and keeps trying", 10_000);
    expect(refused).not.toBeNull();
    expect(JSON.stringify(refused).toLowerCase()).toContain("authorization");
    // the refused node still serves its own hotspots, and nobody else hears them
    const t1 = await hotspotOn(wrong.hbpPort, "TS2=3950;");
    const t2 = await hotspotOn(wrong.hbpPort, "TS2=3950;");
    const streamId = nextStreamId();
    const n = await sendVoice(t1, { sourceId: 3120950, destinationId: 3950, slot: 2, streamId, superframes: 1 });
    expect((await waitFrames(t2, streamId, n)).length).toBe(n);
    await HbpClient.settle(300);
    expect(framesOf(onA, streamId).length + framesOf(onB, streamId).length).toBe(0);
    expect(wrong.proc.lines.some((l) => l["msg"] === "cluster: connected to NATS")).toBe(false);
  }, 45_000);

  test("token", async () => {
    const nats = await startNatsServer({ args: ["--auth", "a-long-token-1234"] });
    const a = await startNode({ name: "ta", servers: [nats.url], clusterExtra: 'token = "a-long-token-1234"' });
    const b = await startNode({ name: "tb", servers: [nats.url], clusterExtra: 'token = "a-long-token-1234"' });
    const onA = await hotspotOn(a.hbpPort, "TS2=3951;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3951;");
    expect(await callCrosses(onA, [onB], 3951, 2)).toBe(true);
  }, 45_000);
});

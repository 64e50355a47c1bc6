/**
 * The cluster in the compiled binary (dist/freedmr-linux-x64, `bun build --compile`): two binary
 * nodes and a real nats-server; the NATS client is bundled and loads lazily. A group call crosses
 * nodes; the shared state (JetStream KV) carries a radio heard on node B to node A for a private
 * call. Needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { CallType } from "../../src/wire/dmrd.ts";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn, nextStreamId, sendVoice, startNode } from "./support/cluster_net.ts";

const maybe = process.arch === "x64" ? describeWithNats() : describe.skip;

afterAll(cleanUpCluster);

maybe("cluster in the compiled binary", () => {
  test("two binary nodes: a group call crosses; a private call reaches a radio heard on the other node", async () => {
    const binary = await ensureBinary("x64");
    const nats = await startNatsServer();
    const a = await startNode({ name: "ba", servers: [nats.url], command: [binary] });
    const b = await startNode({ name: "bb", servers: [nats.url], command: [binary] });
    for (const n of [a, b]) expect(await n.proc.waitForLog((l) => l["msg"] === "cluster: shared state in JetStream KV ready", 10_000)).not.toBeNull();
    // shared HBP sessions load in the binary too (the KV client is bundled)
    for (const n of [a, b]) expect(await n.proc.waitForLog((l) => l["msg"] === "cluster: HBP sessions shared (hotspots move between nodes without a new login)", 10_000)).not.toBeNull();
    const onA = await hotspotOn(a.hbpPort, "TS2=3600;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3600;");
    expect(await callCrosses(onA, [onB], 3600, 2)).toBe(true);
    await sendVoice(onB, { sourceId: 3120888, destinationId: 3601, slot: 1, streamId: nextStreamId(), superframes: 1 });
    expect(await callCrosses(onA, [onB], 3120888, 2, 10_000, CallType.Unit)).toBe(true);
  }, 240_000);
});

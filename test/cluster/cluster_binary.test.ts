/**
 * The cluster in the compiled binary (dist/freedmr-linux-x64, `bun build --compile`): two binary
 * nodes and a real nats-server; the NATS client is bundled and loads lazily. A group call crosses
 * nodes; the shared state (JetStream KV) carries a radio heard on node B to node A for a private
 * call; a configured bridge keyed ON on node A carries calls to node B's member; a seed file that
 * does not exist stops the binary with exit 2 naming the key. Needs nats-server (skips without it;
 * fails under CI=true).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { CallType } from "../../src/wire/dmrd.ts";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, clusterToml, framesOf, hotspotOn, nextStreamId, sendVoice, startNode } from "./support/cluster_net.ts";
import { bridgeCall, bridgeToml, H1, H2, keyTrigger } from "./support/bridge_config.ts";
import { authFile, removeAuthFiles } from "./support/nats_auth.ts";

const maybe = process.arch === "x64" ? describeWithNats() : describe.skip;

afterAll(async () => {
  await cleanUpCluster();
  removeAuthFiles();
});

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

  test("bridges cross binary nodes (ON on node A, a call reaches node B's member); a missing NKey seed file exits 2 naming the key", async () => {
    const binary = await ensureBinary("x64");
    const nats = await startNatsServer();
    const a = await startNode({ name: "bba", servers: [nats.url], command: [binary], extra: bridgeToml() });
    const b = await startNode({ name: "bbb", servers: [nats.url], command: [binary], extra: bridgeToml() });
    const h1 = await hotspotOn(a.hbpPort, "", H1);
    const h2 = await hotspotOn(b.hbpPort, "", H2);
    expect(await keyTrigger(h1, a.proc, 4091, true)).toBe(true);
    const crossed = await bridgeCall(h1, h2, 91, 2, 8);
    expect(crossed).not.toBeNull();
    expect(framesOf(h2, crossed!.streamId).every((f) => f.slot === 1 && f.destinationId === 3100)).toBe(true);
    const config = authFile("binary-bad-seed.toml", clusterToml({ name: "bbx", servers: [nats.url], clusterExtra: 'nkey_seed_file = "/nonexistent/freedmr/seed.nk"' }, 0));
    const proc = Bun.spawn([binary, "--config", config], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr as ReadableStream).text()]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("cluster.nkey_seed_file");
  }, 240_000);
});

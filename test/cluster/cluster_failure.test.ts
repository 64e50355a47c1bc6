/**
 * The cluster when NATS fails, with real nats-servers and freedmr processes: NATS unreachable at
 * start → each node serves its own hotspots and joins once NATS is there (no restart); NATS
 * restarted in the middle of a call → the node's own listeners hear every frame and the cluster
 * resumes; a three-server NATS cluster loses the server a node is connected to → the voice plane
 * stays up. Needs nats-server (skips without it; fails under CI=true).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { HbpClient } from "../support/hbp_client.ts";
import { freeTcpPort, startNatsCluster, startNatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn, nextStreamId, sendVoice, startNode, waitFrames, framesOf } from "./support/cluster_net.ts";

const maybe = describeWithNats();

afterAll(cleanUpCluster);

maybe("cluster failure handling", () => {
  test("NATS unreachable at start: each node serves its own hotspots; once NATS is up they join without a restart", async () => {
    const natsPort = await freeTcpPort();
    const url = `nats://127.0.0.1:${natsPort}`;
    const a = await startNode({ name: "fa", servers: [url] }, false);
    const b = await startNode({ name: "fb", servers: [url] }, false);
    const talker = await hotspotOn(a.hbpPort, "TS2=3300;");
    const local = await hotspotOn(a.hbpPort, "TS2=3300;");
    const remote = await hotspotOn(b.hbpPort, "TS2=3300;");
    // local service without NATS
    const streamId = nextStreamId();
    const n = await sendVoice(talker, { sourceId: 3120301, destinationId: 3300, slot: 2, streamId, superframes: 2 });
    expect((await waitFrames(local, streamId, n)).length).toBe(n);
    await HbpClient.settle(300);
    expect(framesOf(remote, streamId).length).toBe(0);
    // NATS comes up on the configured address: both nodes join on their own
    await startNatsServer({ port: natsPort });
    expect(await a.proc.waitForLog((l) => l["msg"] === "cluster: connected to NATS", 15_000)).not.toBeNull();
    expect(await b.proc.waitForLog((l) => l["msg"] === "cluster: connected to NATS", 15_000)).not.toBeNull();
    expect(await callCrosses(talker, [local, remote], 3300, 2, 15_000)).toBe(true);
    expect([a, b].every((x) => x.proc.process.exitCode === null)).toBe(true);
  }, 60_000);

  test("NATS restarted in the middle of a call: the node's own listener hears every frame; the cluster resumes", async () => {
    const nats = await startNatsServer();
    const a = await startNode({ name: "ra", servers: [nats.url] });
    const b = await startNode({ name: "rb", servers: [nats.url] });
    const talker = await hotspotOn(a.hbpPort, "TS1=3301;");
    const local = await hotspotOn(a.hbpPort, "TS1=3301;");
    const remote = await hotspotOn(b.hbpPort, "TS1=3301;");
    expect(await callCrosses(talker, [local, remote], 3301, 1)).toBe(true);

    const streamId = nextStreamId();
    const call = sendVoice(talker, { sourceId: 3120302, destinationId: 3301, slot: 1, streamId, superframes: 38, frameMs: 15 });
    await Bun.sleep(400);
    await nats.stop();
    await Bun.sleep(300);
    await nats.restart();
    const n = await call;
    expect(n).toBe(230);
    const heard = await waitFrames(local, streamId, n);
    expect(heard.length).toBe(n); // local delivery never stopped
    expect(new Set(heard.map((f) => f.sequence)).size).toBe(n);
    // the remote listener heard the start of the call (before NATS went away) and, once the nodes
    // were back, the rest of the same call up to its terminator; never a frame twice
    const remoteSeqs = framesOf(remote, streamId).map((f) => f.sequence);
    expect(remoteSeqs.length).toBeGreaterThan(0);
    expect(remoteSeqs.length).toBeLessThan(n); // the outage cost frames
    expect(remoteSeqs[0]).toBe(0);
    expect(remoteSeqs.includes(n - 1)).toBe(true);
    expect(new Set(remoteSeqs).size).toBe(remoteSeqs.length);
    // the nodes noticed and came back by themselves
    expect(await a.proc.waitForLog((l) => l["msg"] === "cluster: reconnected to NATS; rejoined the cluster", 15_000)).not.toBeNull();
    expect(await b.proc.waitForLog((l) => l["msg"] === "cluster: reconnected to NATS; rejoined the cluster", 15_000)).not.toBeNull();
    expect(await callCrosses(talker, [local, remote], 3301, 1, 15_000)).toBe(true);
  }, 60_000);

  test("a three-server NATS cluster: the server a node is connected to dies, the voice plane stays up", async () => {
    const servers = await startNatsCluster(3);
    const urls = servers.map((s) => s.url);
    // each node prefers its own NATS server (listed first), knows the others
    const rotate = (i: number): string[] => [...urls.slice(i), ...urls.slice(0, i)];
    const a = await startNode({ name: "ka", servers: rotate(0), clusterExtra: "" });
    const b = await startNode({ name: "kb", servers: rotate(1) });
    const c = await startNode({ name: "kc", servers: rotate(2) });
    const talker = await hotspotOn(a.hbpPort, "TS2=3302;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3302;");
    const onC = await hotspotOn(c.hbpPort, "TS2=3302;");
    expect(await callCrosses(talker, [onB, onC], 3302, 2, 20_000)).toBe(true);
    // kill the NATS server node B is connected to
    const bServer = String((b.proc.lines.find((l) => l["msg"] === "cluster: connected to NATS") ?? {})["server"] ?? "");
    const victim = servers.find((s) => bServer.endsWith(`:${s.port}`)) ?? servers[1]!;
    await victim.stop();
    expect(await callCrosses(talker, [onB, onC], 3302, 2, 20_000)).toBe(true);
    expect(await callCrosses(onB, [talker, onC], 3302, 2, 20_000)).toBe(true);
  }, 90_000);
});

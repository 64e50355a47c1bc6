/**
 * The cluster's shared state (JetStream KV) with a real nats-server and freedmr processes: a
 * private call reaches a radio last heard on another node; node B killed → its hotspot logs in to
 * node C and finds its user-activated talkgroup and dial link there; a second login of one
 * repeater id on another node closes the older session. Needs nats-server (skips without it;
 * fails under CI=true).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CallType, DataType, FrameType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { natsServerMissing, startNatsServer, type NatsServer } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, startCluster, framesOf, hotspotOn, inspect, nextStreamId, sendVoice, startNode, waitFrames, type ClusterNodeProcess } from "./support/cluster_net.ts";

const maybe = describeWithNats();
const missing = natsServerMissing();

let nats: NatsServer;
let nodes: ClusterNodeProcess[] = [];

beforeAll(async () => {
  if (missing !== null) return;
  ({ nats, nodes } = await startCluster(["sa", "sb", "sc"]));
});

afterAll(cleanUpCluster);

maybe("cluster shared state (JetStream KV)", () => {
  test("a private call from node A reaches a radio last heard on node B", async () => {
    const [a, b] = nodes;
    const caller = await hotspotOn(a!.hbpPort, "");
    const home = await hotspotOn(b!.hbpPort, "");
    // radio 3120777 is heard on B (a group call nobody else listens to)
    await sendVoice(home, { sourceId: 3120777, destinationId: 3500, slot: 1, streamId: nextStreamId(), superframes: 1 });
    expect(await callCrosses(caller, [home], 3120777, 2, 10_000, CallType.Unit)).toBe(true);
    const streamId = nextStreamId();
    const n = await sendVoice(caller, { sourceId: 3120778, destinationId: 3120777, slot: 2, streamId, superframes: 2, callType: CallType.Unit });
    const frames = await waitFrames(home, streamId, n);
    expect(frames.length).toBe(n);
    expect(frames.every((f) => f.callType === CallType.Unit && f.destinationId === 3120777 && f.sourceId === 3120778)).toBe(true);
    const seen = inspect(frames);
    expect(seen.headers.map((h) => [h.valid, h.destinationId, h.sourceId])).toEqual([[true, 3120777, 3120778]]);
    // nobody else heard it
    expect(framesOf(caller, streamId).length).toBe(0);
  }, 30_000);

  test("node B killed: its hotspot logs in to node C and keeps its user-activated talkgroup and dial link", async () => {
    const [a, b, c] = nodes;
    const talker = await hotspotOn(a!.hbpPort, "");
    const repeaterId = 312_077_701;
    const first = await hotspotOn(b!.hbpPort, "", repeaterId);
    // user-activate TG 3401 on TS1 by keying up on it, and dial reflector 92 (private call on TS2)
    await sendVoice(first, { sourceId: 3120701, destinationId: 3401, slot: 1, streamId: nextStreamId(), superframes: 1 });
    await sendVoice(first, { sourceId: 3120701, destinationId: 92, slot: 2, streamId: nextStreamId(), superframes: 1, callType: CallType.Unit });
    expect(await callCrosses(talker, [first], 3401, 1)).toBe(true); // both are in force on B
    expect(await callCrosses(talker, [first], 92, 2)).toBe(true);
    await HbpClient.settle(600); // the state is written (debounced 250 ms)
    await b!.proc.kill("SIGKILL");
    await first.close({ rptcl: false }).catch(() => {});

    const moved = await hotspotOn(c!.hbpPort, "", repeaterId);
    expect(await c!.proc.waitForLog((l) => l["msg"] === "cluster: hotspot state restored from the cluster" && l["repeaterId"] === repeaterId, 5000)).not.toBeNull();
    expect(await callCrosses(talker, [moved], 3401, 1)).toBe(true);
    const streamId = nextStreamId();
    const n = await sendVoice(talker, { sourceId: 3120702, destinationId: 92, slot: 1, streamId, superframes: 1 });
    const frames = await waitFrames(moved, streamId, n);
    expect(frames.length).toBe(n);
    expect(frames.every((f) => f.destinationId === 9 && f.slot === 2)).toBe(true); // the dial link: heard as TG 9
    const terminator = frames.find((f) => f.frameType === FrameType.DataSync && f.dataType === DataType.TerminatorWithLc);
    expect(terminator).toBeDefined();
  }, 45_000);

  test("a second login of the same repeater id on another node closes the older session", async () => {
    const [a, , c] = nodes;
    const talker = await hotspotOn(a!.hbpPort, "TS2=3402;");
    const repeaterId = 312_077_702;
    const older = await hotspotOn(a!.hbpPort, "TS2=3402;", repeaterId);
    expect(await callCrosses(talker, [older], 3402, 2)).toBe(true);
    const newer = await hotspotOn(c!.hbpPort, "TS2=3402;", repeaterId);
    expect(
      await a!.proc.waitForLog((l) => l["msg"] === "cluster: repeater logged in on another node; its older session here is closed" && l["repeaterId"] === repeaterId, 5000),
    ).not.toBeNull();
    // calls now reach the newer login (on C), not the older one (on A)
    expect(await callCrosses(talker, [newer], 3402, 2)).toBe(true);
    older.clear();
    const streamId = nextStreamId();
    const n = await sendVoice(talker, { sourceId: 3120703, destinationId: 3402, slot: 2, streamId, superframes: 1 });
    expect((await waitFrames(newer, streamId, n)).length).toBe(n);
    expect(framesOf(older, streamId).length).toBe(0);
  }, 30_000);

  test("hand-over: a node stopping (SIGTERM) while others are alive sends its hotspots no MSTCL; a lone node says goodbye", async () => {
    const leaving = await startNode({ name: "sd", servers: [nats.url] });
    await leaving.proc.waitForLog((l) => l["msg"] === "cluster: shared state in JetStream KV ready", 10_000);
    const h = await hotspotOn(leaving.hbpPort, "TS2=3403;");
    await leaving.proc.kill("SIGTERM");
    expect(leaving.proc.lines.some((l) => l["msg"] === "cluster: other nodes are alive; handing the hotspots over without MSTCL")).toBe(true);
    await HbpClient.settle(300);
    expect(h.received.some((r) => r.tag === "MSTCL")).toBe(false);

    // alone on its own NATS: goodbye as usual
    const ownNats = await startNatsServer();
    const lone = await startNode({ name: "se", servers: [ownNats.url] });
    await lone.proc.waitForLog((l) => l["msg"] === "cluster: shared state in JetStream KV ready", 10_000);
    const h2 = await hotspotOn(lone.hbpPort, "TS2=3403;");
    await lone.proc.kill("SIGTERM");
    expect(await h2.waitFor((r) => r.tag === "MSTCL", 3000)).not.toBeNull();
    expect(lone.proc.lines.some((l) => l["msg"] === "cluster: other nodes are alive; handing the hotspots over without MSTCL")).toBe(false);
  }, 45_000);
});

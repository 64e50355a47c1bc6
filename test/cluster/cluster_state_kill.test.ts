/**
 * A node killed outright (SIGKILL, no goodbye, no last drain) right after a hotspot's state changed
 * there: the change is in the shared KV already, because the state journal hands changes to the KV
 * every `store.journal_interval_ms` (100 ms by default) — so the hotspot logs in to another node and
 * finds its new user-activated talkgroup and dial link there. Needs nats-server (skips without it;
 * fails under CI=true).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { CallType } from "../../src/wire/dmrd.ts";
import { natsServerMissing } from "./support/nats_server.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, hotspotOn, nextStreamId, sendVoice, startCluster, waitFrames, type ClusterNodeProcess } from "./support/cluster_net.ts";

const maybe = describeWithNats();
let nodes: ClusterNodeProcess[] = [];

beforeAll(async () => {
  if (natsServerMissing() !== null) return;
  ({ nodes } = await startCluster(["ka", "kb"]));
});

afterAll(cleanUpCluster);

/** Killed this long after the change was made (the journal interval is 100 ms; the old 1 s journal lost it). */
const KILL_AFTER_MS = 200;

maybe("a node killed right after a change", () => {
  test(`node A SIGKILLed ${KILL_AFTER_MS} ms after a hotspot activated a talkgroup and dialled a reflector: on node B it has both`, async () => {
    const [a, b] = nodes;
    const repeaterId = 312_077_801;
    const listener = await hotspotOn(b!.hbpPort, "");
    const first = await hotspotOn(a!.hbpPort, "", repeaterId);
    // its login restore on A is done (nothing to restore): from now on its changes go to the KV
    expect(await a!.proc.waitForLog((l) => l["msg"] === "hotspot connected" && l["repeaterId"] === repeaterId, 5000)).not.toBeNull();
    await sendVoice(first, { sourceId: 3120801, destinationId: 3411, slot: 1, streamId: nextStreamId(), superframes: 1 });
    await sendVoice(first, { sourceId: 3120801, destinationId: 92, slot: 2, streamId: nextStreamId(), superframes: 1, callType: CallType.Unit });
    const linked = await a!.proc.waitForLog((l) => l["reflector"] === 92 && l["action"] === "link", 5000);
    expect(linked).not.toBeNull();
    const changedAt = performance.now();
    await Bun.sleep(KILL_AFTER_MS);
    await a!.proc.kill("SIGKILL");
    console.log(`node A killed ${Math.round(performance.now() - changedAt)} ms after the dial link was logged`);
    await first.close({ rptcl: false }).catch(() => {});

    const moved = await hotspotOn(b!.hbpPort, "", repeaterId);
    const restored = await b!.proc.waitForLog((l) => l["msg"] === "cluster: hotspot state restored from the cluster" && l["repeaterId"] === repeaterId, 5000);
    expect(restored).not.toBeNull();
    expect([restored!["dynamic"], restored!["dial"]]).toEqual([1, 92]);
    // and in force: TG 3411 on TS1, reflector 92 heard as TG 9 on TS2
    expect(await callCrosses(listener, [moved], 3411, 1)).toBe(true);
    const streamId = nextStreamId();
    const n = await sendVoice(listener, { sourceId: 3120802, destinationId: 92, slot: 1, streamId, superframes: 1 });
    const frames = await waitFrames(moved, streamId, n);
    expect(frames.length).toBe(n);
    expect(frames.every((f) => f.destinationId === 9 && f.slot === 2)).toBe(true);
  }, 45_000);
});

/**
 * Configured bridges (`[[bridges]]`, FreeDMR rules.py semantics) across the nodes of a cluster.
 * A bridge is one conference on every node; each member port keeps its own ON/OFF state and timer
 * on the node it is logged in to (as on one server, where a trigger switches only the keying
 * port's own membership). A stream that joins a bridge on one node is published on the bridge's
 * subject and joins the same bridge on the others, reaching their active members on their own slot
 * and talkgroup; it is never published again. Deterministic (routers piped by hand) and end to end
 * (two nodes + nats-server).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ClusterPort, ClusterReceive, ClusterSubject } from "../../src/core/cluster/cluster_port.ts";
import { bridgeKey, CLUSTER_BRIDGE_LENGTH, ClusterKind, readU32 } from "../../src/core/cluster/cluster_wire.ts";
import type { BridgeMemberOptions } from "../../src/core/routing/options.ts";
import { encodeTalkerAlias, TalkerAliasFormat } from "../../src/dmr/talker_alias.ts";
import type { RouterPort } from "../../src/core/router_port.ts";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { Harness, type FakePort } from "../core/routing/harness.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { startNatsServer } from "./support/nats_server.ts";
import { bridgeCall, bridgeToml, H1, H2, keyTrigger } from "./support/bridge_config.ts";
import { cleanUpCluster, framesOf, hotspotOn, inspect, startNode } from "./support/cluster_net.ts";

afterAll(cleanUpCluster);

function member(system: string, slot: 1 | 2, talkgroupId: number, more: Partial<BridgeMemberOptions> = {}): BridgeMemberOptions {
  return { system, slot, talkgroupId, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [], ...more };
}

interface Node {
  h: Harness;
  cluster: ClusterPort;
}

// H1 (node A): member on TS2 TG 91, off until keyed on with TG 4091 (off: 4090); H2 (node B):
// member on TS1 TG 3100, always on (support/bridge_config.ts, the same in the e2e config)
const H3 = 3_110_003; // on node B: member on TS2 TG 91 like H1, off (nobody keyed it)

function bridges(name = "NET"): { name: string; members: BridgeMemberOptions[] }[] {
  return [
    {
      name,
      members: [
        member(String(H1), 2, 91, { active: false, on: [4091], off: [4090] }),
        member(String(H2), 1, 3100),
        member(String(H3), 2, 91, { active: false, on: [4091], off: [4090] }),
      ],
    },
  ];
}

function node(id: number, bridgeName = "NET"): Node {
  const h = new Harness({ bridges: bridges(bridgeName) });
  const cluster = new ClusterPort({ nodeId: id, portIndex: 500, name: "cluster:test", queueCapacity: 256, bridgeNames: [bridgeName] });
  h.router.onPortUp(h.nowMs, cluster);
  return { h, cluster };
}

/** Would NATS hand node `to` message `i` of `from`'s ring? Only on the subjects `to` subscribes (its interest). */
function subscribed(from: Node, i: number, to: Node): boolean {
  const target = from.cluster.targets[i]!;
  switch (from.cluster.subjectOf(i)) {
    case ClusterSubject.Bridge: {
      const wanted = new Set<number>();
      to.h.router.collectBridgeInterest(wanted);
      return [...wanted].some((index) => to.cluster.bridgeKeys[index] === target);
    }
    case ClusterSubject.Unit:
      return target === to.cluster.nodeId;
    default: {
      const wanted = new Set<number>();
      return to.h.router.collectInterest(wanted) || wanted.has(target);
    }
  }
}

/** Deliver what `from` queued to every other node subscribed to its subject (as NATS would); returns the kinds queued. */
function pipe(from: Node, others: Node[]): number[] {
  const kinds: number[] = [];
  while (from.cluster.count > 0) {
    const i = from.cluster.peekIndex();
    kinds.push(from.cluster.kinds[i]!);
    const bytes = from.cluster.messageAt(i).slice();
    const to = others.filter((o) => subscribed(from, i, o));
    from.cluster.shift();
    for (const o of to) {
      o.cluster.receive(o.h.nowMs, bytes, o.h.router);
      o.h.flush();
    }
  }
  return kinds;
}

/** A call from `port` on node `from`, piped frame by frame to the others; every clock moves together. Returns the kinds queued by `from`. */
/** The four TA LCs' DMRA parts (type, 7 data bytes) of an alias. */
function aliasLcs(text: string): { block: number; data: Uint8Array }[] {
  const lcs = new Uint8Array(36);
  const count = encodeTalkerAlias(text, TalkerAliasFormat.Utf8, lcs);
  const out = [];
  for (let n = 0; n < count; n++) out.push({ block: lcs[9 * n]! - 4, data: lcs.slice(9 * n + 2, 9 * n + 9) });
  return out;
}

function call(from: Node, port: RouterPort, others: Node[], spec: { sourceId: number; destinationId: number; slot: 1 | 2; streamId: number; alias?: string }): number[] {
  const base = { sourceId: spec.sourceId, destinationId: spec.destinationId, slot: spec.slot, streamId: spec.streamId, unit: false, repeaterId: port.repeaterId };
  const kinds: number[] = [];
  const step = (): void => {
    kinds.push(...pipe(from, others));
    for (const o of others) expect(o.cluster.count).toBe(0); // nothing from the cluster goes back to it
    for (const n of [from, ...others]) n.h.advance(60);
  };
  from.h.send(port, { ...base, kind: "header", sequence: 0 });
  step();
  for (let i = 0; i < 6; i++) {
    from.h.send(port, { ...base, kind: "voice", voiceIndex: i, sequence: i + 1 });
    if (i === 2 && spec.alias !== undefined) {
      for (const lc of aliasLcs(spec.alias)) from.h.router.onTalkerAlias?.(from.h.nowMs, port, spec.sourceId, lc.block, lc.data);
    }
    step();
  }
  from.h.send(port, { ...base, kind: "terminator", sequence: 7 });
  step();
  for (const n of [from, ...others]) n.h.advance(6_000); // past the hang time
  return kinds;
}

function heard(port: FakePort, streamId: number): { slot: number; destinationId: number }[] {
  return port.sent.filter((s) => s.streamId === streamId).map((s) => ({ slot: s.slot, destinationId: s.destinationId }));
}

describe("bridges across nodes (core, deterministic)", () => {
  test("keying ON on node A makes the bridge carry A's member to B's members (and back), rewritten to each member's slot and talkgroup; OFF stops it; nothing is republished", () => {
    const a = node(0xa);
    const b = node(0xb);
    const h1 = a.h.hotspot({ repeaterId: H1 });
    const h2 = b.h.hotspot({ repeaterId: H2 });
    const h3 = b.h.hotspot({ repeaterId: H3 });
    // H1's membership is off: its call on TG 91 is a plain call, not the bridge's
    let kinds = call(a, h1, [b], { sourceId: 2_345_001, destinationId: 91, slot: 2, streamId: 101 });
    expect(kinds.includes(ClusterKind.Bridge)).toBe(false);
    expect(heard(h2, 101).length).toBe(0);
    // H1 keys the ON trigger on its member's slot
    call(a, h1, [b], { sourceId: 2_345_001, destinationId: 4091, slot: 2, streamId: 102 });
    expect(a.h.router.bridgeState("NET")!.find((m) => m.system === "HS0")!.active).toBe(true);
    expect(a.h.ofType("bridge.change").map((e) => `${e.bridge}:${e.active}:${e.reason}`)).toEqual(["NET:true:on"]);
    // now A's calls on TS2 TG 91 join the bridge: every frame goes out once more on the bridge's subject
    kinds = call(a, h1, [b], { sourceId: 2_345_001, destinationId: 91, slot: 2, streamId: 103, alias: "Eva OH2XYZ" });
    expect(kinds.filter((k) => k === ClusterKind.Bridge).length).toBe(8);
    // its DMRA alias goes the same way (B hears the call only through the bridge: it has no interest in TG 91)
    const wanted = new Set<number>();
    expect(b.h.router.collectInterest(wanted) || wanted.has(91)).toBe(false);
    expect(b.cluster.counters.aliasesReceived).toBe(aliasLcs("Eva OH2XYZ").length);
    expect(b.h.ofType("stream.end").find((e) => e.streamId === 103)?.talkerAlias).toBe("Eva OH2XYZ");
    expect(a.cluster.counters.bridgeFramesPublished).toBe(8);
    expect(b.cluster.counters.bridgeFramesReceived).toBe(8);
    // B's active member hears it on its own slot and talkgroup (LC rewritten); B's inactive member does not
    expect(heard(h2, 103)).toEqual(Array.from({ length: 8 }, () => ({ slot: 1, destinationId: 3100 })));
    const ins = new StreamInspector();
    for (const s of h2.sent.filter((x) => x.streamId === 103)) ins.push(s.bytes);
    expect(ins.headers[0]!.destinationId).toBe(3100);
    expect(ins.terminators[0]!.destinationId).toBe(3100);
    expect(heard(h3, 103).length).toBe(0);
    const endB = b.h.ofType("stream.end").find((e) => e.streamId === 103);
    expect(endB?.portName).toBe("cluster:test");
    // and back: B's member reaches A's member (now on) through the bridge
    kinds = call(b, h2, [a], { sourceId: 2_345_002, destinationId: 3100, slot: 1, streamId: 104 });
    expect(kinds.filter((k) => k === ClusterKind.Bridge).length).toBe(8);
    expect(heard(h1, 104)).toEqual(Array.from({ length: 8 }, () => ({ slot: 2, destinationId: 91 })));
    // OFF on A: neither way any more
    call(a, h1, [b], { sourceId: 2_345_001, destinationId: 4090, slot: 2, streamId: 105 });
    expect(a.h.router.bridgeState("NET")!.find((m) => m.system === "HS0")!.active).toBe(false);
    kinds = call(a, h1, [b], { sourceId: 2_345_001, destinationId: 91, slot: 2, streamId: 106 });
    expect(kinds.includes(ClusterKind.Bridge)).toBe(false);
    expect(heard(h2, 106).length).toBe(0);
    call(b, h2, [a], { sourceId: 2_345_002, destinationId: 3100, slot: 1, streamId: 107 });
    expect(heard(h1, 107).length).toBe(0);
  });

  test("a bridge frame for a bridge a node does not have is dropped and counted; the wire carries the key of the bridge's name, on the bridge lane (TS2)", () => {
    const a = node(0xa);
    const other = node(0xc, "ELSEWHERE");
    const h1 = a.h.hotspot({ repeaterId: H1 });
    const there = other.h.hotspot({ repeaterId: H2 });
    a.h.router.subscribe(a.h.nowMs, h1, 2, 91, "static"); // irrelevant to the bridge: the plain TG
    call(a, h1, [other], { sourceId: 2_345_001, destinationId: 4091, slot: 2, streamId: 201 });
    // look at one queued bridge message before piping
    a.h.send(h1, { sourceId: 2_345_001, destinationId: 91, slot: 2, streamId: 202, unit: false, repeaterId: H1, kind: "header", sequence: 0 });
    let bridgeMessage: Uint8Array | null = null;
    let at = -1;
    for (let k = 0, i = a.cluster.peekIndex(); k < a.cluster.count; k++, i = (i + 1) % a.cluster.capacity) {
      if (a.cluster.kinds[i] === ClusterKind.Bridge) {
        bridgeMessage = a.cluster.messageAt(i).slice();
        at = i;
      }
    }
    expect(a.cluster.subjectOf(at)).toBe(ClusterSubject.Bridge);
    expect(bridgeMessage).not.toBeNull();
    expect(bridgeMessage!.length).toBe(CLUSTER_BRIDGE_LENGTH);
    expect(readU32(bridgeMessage!, 67)).toBe(bridgeKey("NET"));
    expect(a.cluster.targets.includes(bridgeKey("NET"))).toBe(true);
    expect(bridgeMessage![12 + 15]! & 0x80).toBe(0x80); // TS2 lane
    // NATS would not even hand it over (the other node subscribes its own bridges only) …
    expect(subscribed(a, at, other)).toBe(false);
    pipe(a, [other]);
    expect(other.cluster.counters.bridgeFramesReceived).toBe(0);
    // … and if it arrives anyway, it is dropped and counted
    expect(other.cluster.receive(other.h.nowMs, bridgeMessage!, other.h.router)).toBe(ClusterReceive.UnknownBridge);
    expect(other.cluster.counters.droppedUnknownBridge).toBe(1);
    other.h.flush();
    expect(heard(there, 202).length).toBe(0);
    // a bridge frame whose length does not match its kind is a bad length
    expect(other.cluster.receive(other.h.nowMs, bridgeMessage!.subarray(0, 67), other.h.router)).toBe(ClusterReceive.BadLength);
  });

  test("interest: a node subscribes the bridges that have members on its ports", () => {
    const a = node(0xa);
    const out = new Set<number>();
    a.h.router.collectBridgeInterest(out);
    expect([...out]).toEqual([]);
    const before = a.h.router.interestVersion();
    const h1 = a.h.hotspot({ repeaterId: H1 });
    expect(a.h.router.interestVersion()).not.toBe(before);
    a.h.router.collectBridgeInterest(out);
    expect([...out]).toEqual([0]);
    a.h.router.onPortDown(a.h.nowMs, h1);
    a.h.router.collectBridgeInterest(out);
    expect([...out]).toEqual([]);
  });
});

const maybe = describeWithNats();

maybe("bridges across nodes (two nodes + nats-server)", () => {
  test("a user on node A keys the bridge ON: calls cross per the bridge to node B's member (its slot and TG) and back; OFF stops it", async () => {
    const nats = await startNatsServer();
    const a = await startNode({ name: "br-a", servers: [nats.url], extra: bridgeToml() });
    const b = await startNode({ name: "br-b", servers: [nats.url], extra: bridgeToml() });
    const h1 = await hotspotOn(a.hbpPort, "", H1);
    const h2 = await hotspotOn(b.hbpPort, "", H2);
    // off: H1's call on TS2 TG 91 does not reach H2
    expect(await bridgeCall(h1, h2, 91, 2, 2)).toBeNull();
    expect(await keyTrigger(h1, a.proc, 4091, true)).toBe(true);
    const there = await bridgeCall(h1, h2, 91, 2, 8);
    expect(there).not.toBeNull();
    const frames = framesOf(h2, there!.streamId);
    expect(frames.every((f) => f.slot === 1 && f.destinationId === 3100)).toBe(true);
    expect(inspect(frames).headers[0]?.destinationId).toBe(3100);
    // back: H2 on TS1 TG 3100 reaches H1 on TS2 TG 91
    await HbpClient.settle(400);
    const back = await bridgeCall(h2, h1, 3100, 1, 8);
    expect(back).not.toBeNull();
    expect(framesOf(h1, back!.streamId).every((f) => f.slot === 2 && f.destinationId === 91)).toBe(true);
    // OFF from H1: nothing crosses any more, either way
    await HbpClient.settle(400);
    expect(await keyTrigger(h1, a.proc, 4090, false)).toBe(true);
    expect(await bridgeCall(h1, h2, 91, 2, 2)).toBeNull();
    expect(await bridgeCall(h2, h1, 3100, 1, 2)).toBeNull();
  }, 90_000);
});

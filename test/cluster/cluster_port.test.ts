/**
 * The cluster port and cluster interest in the core, deterministic (no NATS): what the router
 * queues for the cluster (group frames always, unit frames only for radios heard on another node),
 * the bounded ring, the header, the checks on frames from the cluster (never routed back to it), and
 * the talkgroups a node needs (static, user-activated, dialled; every one while a link is up).
 */
import { describe, expect, test } from "bun:test";
import { ClusterPort, ClusterReceive } from "../../src/core/cluster/cluster_port.ts";
import { CLUSTER_HEADER_LENGTH, CLUSTER_MESSAGE_LENGTH, ClusterKind, readU32, writeClusterHeader } from "../../src/core/cluster/cluster_wire.ts";
import { buildDmrd, Harness } from "../core/routing/harness.ts";

const NODE = 0x01020304;

function setup(queueCapacity = 64): { h: Harness; cluster: ClusterPort; pending: { n: number } } {
  const h = new Harness();
  const cluster = new ClusterPort({ nodeId: NODE, portIndex: 500, name: "cluster:test", queueCapacity });
  const pending = { n: 0 };
  cluster.onPending = () => pending.n++;
  h.router.onPortUp(h.nowMs, cluster);
  return { h, cluster, pending };
}

/** Every queued message, oldest first (and empties the ring). */
function drain(cluster: ClusterPort): { kind: number; target: number; bytes: Uint8Array }[] {
  const out = [];
  while (cluster.count > 0) {
    const i = cluster.peekIndex();
    out.push({ kind: cluster.kinds[i]!, target: cluster.targets[i]!, bytes: cluster.messages[i]!.slice() });
    cluster.shift();
  }
  return out;
}

function fromNode(origin: number, dmrd: Uint8Array, hop = 1): Uint8Array {
  const m = new Uint8Array(CLUSTER_MESSAGE_LENGTH);
  writeClusterHeader(m, ClusterKind.Group, origin, 0);
  m[1] = hop;
  m.set(dmrd, CLUSTER_HEADER_LENGTH);
  return m;
}

describe("cluster port", () => {
  test("a local group call is queued for the cluster once per frame, on its talkgroup, with our header; one wake-up per batch", () => {
    const { h, cluster, pending } = setup();
    const a = h.hotspot({ options: "TS2=3100" });
    pending.n = 0;
    h.send(a, { kind: "header", sourceId: 3120001, destinationId: 3100, slot: 2, streamId: 77, sequence: 0, repeaterId: a.repeaterId });
    h.send(a, { kind: "voice", sourceId: 3120001, destinationId: 3100, slot: 2, streamId: 77, sequence: 1, repeaterId: a.repeaterId });
    expect(pending.n).toBe(1); // the ring went from empty to non-empty once
    const out = drain(cluster);
    expect(out.length).toBe(2);
    for (const m of out) {
      expect(m.kind).toBe(ClusterKind.Group);
      expect(m.target).toBe(3100);
      expect(m.bytes[0]).toBe(1);
      expect(m.bytes[1]).toBe(1);
      expect(readU32(m.bytes, 4)).toBe(NODE);
      expect(String.fromCharCode(...m.bytes.subarray(12, 16))).toBe("DMRD");
      expect(readU32(m.bytes, 12 + 11)).toBe(a.repeaterId); // the source hotspot stays in bytes 11–14
    }
    expect(cluster.counters.published).toBe(2);
  });

  test("the ring is bounded: beyond its capacity frames are dropped and counted, nothing else changes", () => {
    const { h, cluster } = setup(16);
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 5 }); // 8 frames
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 6, sequence: 10 });
    h.advance(5000);
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 7, sequence: 20 });
    expect(cluster.count).toBe(16);
    expect(cluster.counters.droppedQueueFull).toBe(8);
    expect(b.sent.length).toBe(24); // local delivery never depends on the cluster
  });

  test("frames from another node reach the local listeners and are never queued back for the cluster", () => {
    const { h, cluster } = setup();
    const b = h.hotspot({ options: "TS2=3100" });
    for (let seq = 0; seq < 3; seq++) {
      const dmrd = buildDmrd({ kind: seq === 0 ? "header" : "voice", sourceId: 3120002, destinationId: 3100, slot: 1, streamId: 88, sequence: seq, repeaterId: 2349999 });
      expect(cluster.receive(h.nowMs, fromNode(9, dmrd), h.router)).toBe(ClusterReceive.Routed);
      h.flush();
    }
    expect(b.sent.length).toBe(3);
    expect(b.sent.every((s) => s.slot === 2 && s.destinationId === 3100)).toBe(true);
    expect(cluster.count).toBe(0);
    expect(cluster.radioNodes.get(3120002)).toBe(9); // learned where the radio is
  });

  test("bad messages are dropped by reason: length, version, hop, our own origin, a bad DMRD", () => {
    const { h, cluster } = setup();
    const b = h.hotspot({ options: "TS1=3100" });
    const dmrd = buildDmrd({ kind: "header", sourceId: 1, destinationId: 3100, slot: 1, streamId: 3, sequence: 0, repeaterId: 1 });
    expect(cluster.receive(h.nowMs, new Uint8Array(10), h.router)).toBe(ClusterReceive.BadLength);
    const v = fromNode(9, dmrd);
    v[0] = 2;
    expect(cluster.receive(h.nowMs, v, h.router)).toBe(ClusterReceive.BadVersion);
    expect(cluster.receive(h.nowMs, fromNode(9, dmrd, 2), h.router)).toBe(ClusterReceive.BadHop);
    expect(cluster.receive(h.nowMs, fromNode(NODE, dmrd), h.router)).toBe(ClusterReceive.OwnOrigin);
    const bad = fromNode(9, dmrd);
    bad[12] = 0;
    expect(cluster.receive(h.nowMs, bad, h.router)).toBe(ClusterReceive.BadFrame);
    const c = cluster.counters;
    expect([c.droppedBadLength, c.droppedBadVersion, c.droppedBadHop, c.droppedOwnOrigin, c.droppedBadFrame, c.received]).toEqual([1, 1, 1, 1, 1, 0]);
    expect(b.sent.length).toBe(0);
  });

  test("unit calls: to the node where the radio was heard (unit subject by node id); unknown radios are not sent", () => {
    const { h, cluster } = setup();
    const a = h.hotspot();
    // radio 3120500 heard through the cluster on node 42 (the shell learns it from the shared subscriber map)
    cluster.learnRadio(3120500, 42);
    h.router.learnSubscriber(h.nowMs, 3120500, cluster, 1);
    h.call(a, { sourceId: 3120001, destinationId: 3120500, slot: 2, streamId: 9, unit: true });
    const out = drain(cluster);
    expect(out.length).toBe(8);
    expect(out.every((m) => m.kind === ClusterKind.Unit && m.target === 42 && m.bytes[2] === ClusterKind.Unit)).toBe(true);
    // a radio the router routes to the cluster but whose node is unknown: dropped, counted
    h.router.learnSubscriber(h.nowMs, 3120501, cluster, 1);
    h.advance(5000);
    h.call(a, { sourceId: 3120001, destinationId: 3120501, slot: 2, streamId: 10, unit: true, sequence: 10 });
    expect(cluster.count).toBe(0);
    expect(cluster.counters.droppedUnitUnknownNode).toBe(8);
  });

  test("learned radios are bounded (oldest out)", () => {
    const cluster = new ClusterPort({ nodeId: 1, portIndex: 0, name: "c", radioCapacity: 3 });
    for (let r = 1; r <= 5; r++) cluster.learnRadio(r, 7);
    expect([...cluster.radioNodes.keys()]).toEqual([3, 4, 5]);
  });
});

describe("cluster interest", () => {
  test("static, user-activated and dialled talkgroups of local hotspots; the version moves only when the set may change", () => {
    const { h } = setup();
    const want = new Set<number>();
    const v0 = h.router.interestVersion();
    const a = h.hotspot({ options: "TS1=3100;TS2=3200" });
    expect(h.router.interestVersion()).not.toBe(v0);
    expect(h.router.collectInterest(want)).toBe(false);
    expect([...want].sort()).toEqual([3100, 3200]);
    const v1 = h.router.interestVersion();
    const b = h.hotspot({ options: "TS1=3100" }); // 3100 already wanted
    expect(h.router.interestVersion()).toBe(v1);
    // user activation by keying up, and a dial link
    h.call(b, { sourceId: 3120001, destinationId: 3300, slot: 1, streamId: 21 });
    h.advance(3000);
    h.call(b, { sourceId: 3120001, destinationId: 91, slot: 2, streamId: 22, unit: true, sequence: 10 });
    h.router.collectInterest(want);
    expect([...want].sort()).toEqual([3100, 3200, 3300, 91].sort());
    h.router.onPortDown(h.nowMs, a);
    h.router.collectInterest(want);
    expect(want.has(3200)).toBe(false);
    expect(want.has(3100)).toBe(true); // b still has it
    expect(h.router.interestVersion()).not.toBe(v1);
  });

  test("a link other than the cluster (OpenBridge, upstream) makes the node want every talkgroup", () => {
    const { h } = setup();
    const want = new Set<number>();
    expect(h.router.collectInterest(want)).toBe(false);
    const link = h.link();
    expect(h.router.collectInterest(want)).toBe(true);
    h.router.onPortDown(h.nowMs, link);
    expect(h.router.collectInterest(want)).toBe(false);
  });

  test("a user-activated talkgroup restored from the cluster keeps the time it had left (router.subscribe with an expiry)", () => {
    const { h } = setup();
    const a = h.hotspot();
    const want = new Set<number>();
    expect(h.router.subscribe(h.nowMs, a, 1, 3350, "dynamic", h.nowMs + 5_000)).toBe(true);
    expect(h.router.subscribe(h.nowMs, a, 1, 3351, "dynamic")).toBe(true); // the UA timer (minutes)
    const expiry = (tg: number): number | null | undefined => h.router.subscriptions(a).find((s) => s.talkgroupId === tg)?.expiresAtMs;
    expect(expiry(3350)).toBe(h.nowMs + 5_000);
    expect(expiry(3351)! - h.nowMs).toBeGreaterThan(60_000);
    h.advance(6_000);
    h.router.collectInterest(want);
    expect(want.has(3350)).toBe(false);
    expect(want.has(3351)).toBe(true);
  });
});

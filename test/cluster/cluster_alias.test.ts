/**
 * Talker aliases from the DMRA side channel (hbp-and-dmr.md §3.1) across the cluster. On one node a
 * DMRA LC joins the stream its radio is sending, so stream.alias / stream.end (last heard) carry the
 * alias (HBP listeners get no DMRA: no master forwards it). Across nodes the node the call enters
 * on publishes each LC on the subject of the stream's frames; the other node joins it to its stream
 * of the same call, so its stream.alias / stream.end carry the alias too; it is never published
 * again. Deterministic (two routers piped by hand) and end to end (two nodes + nats-server).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { ClusterPort, ClusterReceive } from "../../src/core/cluster/cluster_port.ts";
import { CLUSTER_ALIAS_LENGTH, CLUSTER_MESSAGE_LENGTH, ClusterKind, readU32, writeClusterHeader } from "../../src/core/cluster/cluster_wire.ts";
import { encodeTalkerAlias, TalkerAliasFormat } from "../../src/dmr/talker_alias.ts";
import { VoiceStreamBuilder } from "../../src/dmr/voice_stream_builder.ts";
import { CallType } from "../../src/wire/dmrd.ts";
import { Harness } from "../core/routing/harness.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { describeWithNats } from "./support/nats_suite.ts";
import { callCrosses, cleanUpCluster, framesOf, hotspotOn, nextStreamId, startCluster, waitFrames } from "./support/cluster_net.ts";

afterAll(cleanUpCluster);

const NODE_A = 0x0a0a0a0a;
const NODE_B = 0x0b0b0b0b;

/** The four TA LCs (9 bytes each) of an alias. */
function aliasLcs(text: string): Uint8Array[] {
  const lcs = new Uint8Array(36);
  const count = encodeTalkerAlias(text, TalkerAliasFormat.Utf8, lcs);
  const out: Uint8Array[] = [];
  for (let n = 0; n < count; n++) out.push(lcs.slice(9 * n, 9 * n + 9));
  return out;
}

/** 19-byte DMRA (MMDVMHost's layout): 'DMRA' repeater id[4] source[3] type[1] data[7]. */
function dmra(repeaterId: number, sourceId: number, lc: Uint8Array): Uint8Array {
  const b = new Uint8Array(19);
  b.set([0x44, 0x4d, 0x52, 0x41], 0);
  new DataView(b.buffer).setUint32(4, repeaterId);
  b.set([(sourceId >>> 16) & 0xff, (sourceId >>> 8) & 0xff, sourceId & 0xff], 8);
  b[11] = lc[0]! - 4; // FLCO 4..7 → type 0..3
  b.set(lc.subarray(2, 9), 12);
  return b;
}

interface Node {
  h: Harness;
  cluster: ClusterPort;
}

function node(id: number): Node {
  const h = new Harness();
  const cluster = new ClusterPort({ nodeId: id, portIndex: 500, name: "cluster:test", queueCapacity: 256 });
  h.router.onPortUp(h.nowMs, cluster);
  return { h, cluster };
}

/** Everything `from` queued, handed to `to` (as NATS would, every subject subscribed); returns the kinds and lengths. */
function pipe(from: Node, to: Node): { kind: number; length: number; target: number; toNode: boolean }[] {
  const seen = [];
  while (from.cluster.count > 0) {
    const i = from.cluster.peekIndex();
    const bytes = from.cluster.messageAt(i).slice();
    seen.push({ kind: from.cluster.kinds[i]!, length: bytes.length, target: from.cluster.targets[i]!, toNode: from.cluster.toNode(i) });
    from.cluster.shift();
    to.cluster.receive(to.h.nowMs, bytes, to.h.router);
    to.h.flush();
  }
  return seen;
}

describe("DMRA talker alias across nodes (core, deterministic)", () => {
  test("the node the call enters on publishes each LC on the stream's talkgroup; the other node's stream.alias and stream.end carry the alias; nothing goes back", () => {
    const a = node(NODE_A);
    const b = node(NODE_B);
    const talker = a.h.hotspot({ options: "TS2=3100" });
    const listenerA = a.h.hotspot({ options: "TS2=3100" });
    const listenerB = b.h.hotspot({ options: "TS2=3100" });
    const builder = new VoiceStreamBuilder();
    const streamId = 0x7a0001;
    builder.start({ sourceId: 3_120_101, destinationId: 3100, repeaterId: talker.repeaterId, slot: 2, callType: CallType.Group, streamId, colourCode: 1 });
    const frame = new Uint8Array(55);
    const lcs = aliasLcs("Jürgen DL1ABC");
    expect(lcs.length).toBeGreaterThan(1); // a header and blocks
    const kinds: { kind: number; length: number; target: number; toNode: boolean }[] = [];
    const step = (write: (f: Uint8Array) => void): void => {
      write(frame);
      a.h.sendBytes(talker, frame.slice());
      kinds.push(...pipe(a, b));
      expect(b.cluster.count).toBe(0); // a node never publishes what came from the cluster
      a.h.advance(60);
      b.h.advance(60);
    };
    step((f) => builder.writeHeader(f));
    for (let i = 0; i < 12; i++) {
      step((f) => builder.writeVoice(f));
      if (i === 3) {
        for (const lc of lcs) a.h.router.onTalkerAlias?.(a.h.nowMs, talker, 3_120_101, lc[0]! - 4, lc.subarray(2, 9));
        kinds.push(...pipe(a, b));
        expect(b.cluster.count).toBe(0);
      }
    }
    step((f) => builder.writeTerminator(f));
    const aliases = kinds.filter((k) => k.kind === ClusterKind.Alias);
    expect(aliases.length).toBe(lcs.length);
    for (const k of aliases) {
      expect(k.length).toBe(CLUSTER_ALIAS_LENGTH);
      expect(k.target).toBe(3100);
      expect(k.toNode).toBe(false); // the talkgroup's subject
    }
    expect(kinds.filter((k) => k.kind === ClusterKind.Group).every((k) => k.length === CLUSTER_MESSAGE_LENGTH)).toBe(true);
    expect(a.cluster.counters.aliasesPublished).toBe(lcs.length);
    expect(b.cluster.counters.aliasesReceived).toBe(lcs.length);
    expect(b.h.router.stats().trunkSideChannelAliases).toBe(lcs.length);
    const endA = a.h.ofType("stream.end").find((e) => e.streamId === streamId);
    const endB = b.h.ofType("stream.end").find((e) => e.streamId === streamId);
    expect(endA?.talkerAlias).toBe("Jürgen DL1ABC");
    expect(endB?.portName).toBe("cluster:test");
    expect(endB?.talkerAlias).toBe("Jürgen DL1ABC");
    expect(b.h.ofType("stream.alias").find((e) => e.streamId === streamId)?.talkerAlias).toBe("Jürgen DL1ABC");
    // the listeners heard the same frames on both nodes (no DMRA to HBP listeners anywhere)
    expect(listenerA.streams()).toEqual([streamId]);
    expect(listenerB.streams()).toEqual([streamId]);
    expect(listenerB.sent.length).toBe(listenerA.sent.length);
    // the next call without DMRA carries none on either node (nothing leaks from the last one)
    a.h.realCall(talker, { sourceId: 3_120_101, destinationId: 3100, slot: 2, streamId: 0x7a0002, superframes: 1 });
    pipe(a, b);
    b.h.advance(60);
    expect(a.h.ofType("stream.end").find((e) => e.streamId === 0x7a0002)?.talkerAlias).toBe(null);
    expect(b.h.ofType("stream.end").find((e) => e.streamId === 0x7a0002)?.talkerAlias).toBe(null);
  });

  test("a unit call to a radio last heard on the other node: its aliases go to that node's unit subject and join the call there", () => {
    const a = node(NODE_A);
    const b = node(NODE_B);
    const caller = a.h.hotspot({ options: "TS2=3100" });
    const far = b.h.hotspot({ options: "TS2=3100" });
    a.h.hotspot({ options: "TS2=3100" });
    // radio 3_120_202 on node B talks once: node A learns where it is
    b.h.realCall(far, { sourceId: 3_120_202, destinationId: 3100, slot: 2, streamId: 0x7b0001, superframes: 1 });
    pipe(b, a);
    a.h.advance(6_000);
    b.h.advance(6_000);
    const lcs = aliasLcs("Bo SM0AAA");
    const builder = new VoiceStreamBuilder();
    const streamId = 0x7b0002;
    builder.start({ sourceId: 3_120_101, destinationId: 3_120_202, repeaterId: caller.repeaterId, slot: 2, callType: CallType.Unit, streamId, colourCode: 1 });
    const frame = new Uint8Array(55);
    const seen: { kind: number; length: number; target: number; toNode: boolean }[] = [];
    const step = (write: (f: Uint8Array) => void): void => {
      write(frame);
      a.h.sendBytes(caller, frame.slice());
      seen.push(...pipe(a, b));
      a.h.advance(60);
      b.h.advance(60);
    };
    step((f) => builder.writeHeader(f));
    for (let i = 0; i < 6; i++) {
      step((f) => builder.writeVoice(f));
      if (i === 2) {
        for (const lc of lcs) a.h.router.onTalkerAlias?.(a.h.nowMs, caller, 3_120_101, lc[0]! - 4, lc.subarray(2, 9));
        seen.push(...pipe(a, b));
      }
    }
    step((f) => builder.writeTerminator(f));
    const aliases = seen.filter((k) => k.kind === ClusterKind.Alias);
    expect(aliases.length).toBe(lcs.length);
    expect(aliases.every((k) => k.target === NODE_B && k.toNode)).toBe(true); // the node's unit subject
    expect(far.streams()).toEqual([streamId]); // the called radio's hotspot hears the call
    const end = b.h.ofType("stream.end").find((e) => e.streamId === streamId);
    expect(end?.callType).toBe("unit");
    expect(end?.talkerAlias).toBe("Bo SM0AAA");
  });

  test("alias messages are checked: length, hop, own origin, block number, reserved byte; one for no stream is an orphan", () => {
    const b = node(NODE_B);
    const message = (patch: (m: Uint8Array) => void = () => {}, length = CLUSTER_ALIAS_LENGTH): Uint8Array => {
      const m = new Uint8Array(length);
      writeClusterHeader(m, ClusterKind.Alias, NODE_A, 0);
      new DataView(m.buffer).setUint32(12, 0x1234);
      m.set([0x2f, 0x9e, 0x01], 16);
      m[19] = 1;
      patch(m);
      return m;
    };
    const r = (m: Uint8Array): ClusterReceive => b.cluster.receive(b.h.nowMs, m, b.h.router);
    expect(r(message(() => {}, CLUSTER_MESSAGE_LENGTH))).toBe(ClusterReceive.BadLength); // kind 2 in a frame-sized message
    expect(r(message((m) => (m[2] = ClusterKind.Group)))).toBe(ClusterReceive.BadLength); // a frame kind in an alias-sized one
    expect(r(message((m) => (m[1] = 2)))).toBe(ClusterReceive.BadHop);
    expect(r(message((m) => (m[2] = 4)))).toBe(ClusterReceive.BadHop); // no such kind
    expect(r(message((m) => new DataView(m.buffer).setUint32(4, NODE_B)))).toBe(ClusterReceive.OwnOrigin);
    expect(r(message((m) => (m[19] = 4)))).toBe(ClusterReceive.BadAlias);
    expect(r(message((m) => (m[27] = 1)))).toBe(ClusterReceive.BadAlias);
    const orphansBefore = b.h.router.stats().sideChannelAliasOrphan;
    expect(r(message())).toBe(ClusterReceive.Alias);
    expect(b.h.router.stats().sideChannelAliasOrphan).toBe(orphansBefore + 1);
    const c = b.cluster.counters;
    expect([c.droppedBadLength, c.droppedBadHop, c.droppedOwnOrigin, c.droppedBadAlias, c.aliasesReceived]).toEqual([2, 2, 1, 2, 1]);
    expect(b.cluster.count).toBe(0);
    expect(readU32(message(), 4)).toBe(NODE_A);
  });
});

const maybe = describeWithNats();

maybe("DMRA talker alias across nodes (two nodes + nats-server)", () => {
  test("a hotspot on node A sends its alias only by DMRA; node B's stream end (last heard) carries it, as node A's does", async () => {
    const { nodes } = await startCluster(["ta-a", "ta-b"]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const talker = await hotspotOn(a.hbpPort, "TS2=3970;");
    const onA = await hotspotOn(a.hbpPort, "TS2=3970;");
    const onB = await hotspotOn(b.hbpPort, "TS2=3970;");
    expect(await callCrosses(talker, [onA, onB], 3970, 2)).toBe(true);
    const sourceId = 3_120_777;
    const streamId = nextStreamId();
    const builder = new VoiceStreamBuilder();
    builder.start({ sourceId, destinationId: 3970, repeaterId: talker.repeaterId, slot: 2, callType: CallType.Group, streamId, colourCode: 1 });
    const frame = new Uint8Array(55);
    builder.writeHeader(frame);
    talker.sendDmrd(frame);
    let n = 1;
    for (let i = 0; i < 18; i++) {
      await Bun.sleep(5);
      builder.writeVoice(frame);
      talker.sendDmrd(frame);
      n++;
      if (i === 3) for (const lc of aliasLcs("Ana CT1XYZ")) talker.send(dmra(talker.repeaterId, sourceId, lc));
    }
    await Bun.sleep(5);
    builder.writeTerminator(frame);
    talker.sendDmrd(frame);
    n++;
    expect((await waitFrames(onB, streamId, n)).length).toBe(n);
    expect(framesOf(onA, streamId).length).toBe(n);
    const endOf = (l: Record<string, unknown>): boolean => l["msg"] === "stream end" && l["streamId"] === streamId;
    const endA = await a.proc.waitForLog(endOf, 5_000);
    const endB = await b.proc.waitForLog(endOf, 5_000);
    expect(endA?.["talkerAlias"]).toBe("Ana CT1XYZ");
    expect(endB?.["port"]).toBe("cluster:freedmr");
    expect(endB?.["talkerAlias"]).toBe("Ana CT1XYZ");
    await HbpClient.settle(100);
  }, 60_000);
});

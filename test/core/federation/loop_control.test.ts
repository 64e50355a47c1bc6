import { describe, expect, test } from "bun:test";
import { Blake2b } from "../../../src/lib/blake2b.ts";
import { HmacSha1 } from "../../../src/lib/hmac_sha1.ts";
import { DmreStatus, FbpMeta, decodeDmre, encodeDmre } from "../../../src/wire/fbp.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { readUint32 } from "../../../src/wire/dmrd.ts";
import { encodeObpV1, openBridgeKey } from "../../../src/wire/openbridge.ts";
import { testSeed } from "../../support/seed.ts";
import { voiceCall, type HotspotPort } from "./support/fake_net.ts";
import { EPOCH_MS, buildNetwork, link, playCall, type Node } from "./support/topology.ts";

const KEY = openBridgeKey("s3cret-link");

function tagOf(bytes: Uint8Array): string {
  return String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
}

/** Every frame of `frames` received exactly once, in any order (compared by sequence byte). */
function expectExactlyOnce(hotspot: HotspotPort, streamId: number, frames: Uint8Array[]): void {
  const got = hotspot.ofStream(streamId).map((f) => f[4]!).sort((x, y) => x - y);
  expect(got).toEqual(frames.map((f) => f[4]!).sort((x, y) => x - y));
}

for (const protocol of [5, 1] as const) {
  describe(`triangle of three servers, all v${protocol}`, () => {
    test("every hotspot receives every frame of a call exactly once; nothing circulates after the call", () => {
      const seed = testSeed(`triangle v${protocol}`);
      const { net, nodes } = buildNetwork(3, [
        { a: 0, b: 1, protocol },
        { a: 1, b: 2, protocol },
        { a: 2, b: 0, protocol },
      ]);
      net.shuffle = new Prng(seed);
      const hotspots = nodes.map((n, i) => n.server.addHotspot(3120001 + i));
      net.advance(500);
      let streamId = 0x10000;
      for (let round = 0; round < 6; round++) {
        const origin = round % 3;
        const call = voiceCall({ sourceId: 3120100 + origin, destinationId: 3100, streamId: ++streamId, voiceFrames: 18 }, 3120001 + origin);
        playCall(net, nodes[origin]!, hotspots[origin]!, call);
        for (let i = 0; i < 3; i++) {
          if (i === origin) expect(hotspots[i]!.ofStream(streamId).length).toBe(0);
          else expectExactlyOnce(hotspots[i]!, streamId, call);
        }
        // after the call: only keepalives/version packets on the wire, never a frame
        const mark = net.log.length;
        net.advance(net.nowMs + 30_000, 500);
        const later = net.log.slice(mark).map((d) => tagOf(d.bytes));
        expect(later.filter((t) => t === "DMRD" || t === "DMRE")).toEqual([]);
      }
      // each frame crossed each of the six directed links at most once
      const perLink = new Map<string, number>();
      for (const d of net.log) {
        const t = tagOf(d.bytes);
        if (t !== "DMRD" && t !== "DMRE") continue;
        const key = `${d.from}>${d.to}:${readUint32(d.bytes, 16)}:${d.bytes[4]}`;
        perLink.set(key, (perLink.get(key) ?? 0) + 1);
      }
      expect(Math.max(...perLink.values())).toBe(1);
      const loops = nodes.flatMap((n) => n.federation.links.map((l) => l.counters.loop));
      expect(loops.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
      if (protocol === 5) {
        // the losers were quenched: BCSQ went out, and later frames of those streams were not sent
        expect(nodes.flatMap((n) => n.federation.links.map((l) => l.counters.quenchesOut)).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
        expect(nodes.flatMap((n) => n.federation.links.map((l) => l.counters.egressQuenched)).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
      }
    });

    test("two calls at once from different corners are each delivered exactly once everywhere", () => {
      const seed = testSeed(`triangle concurrent v${protocol}`);
      const { net, nodes } = buildNetwork(3, [
        { a: 0, b: 1, protocol },
        { a: 1, b: 2, protocol },
        { a: 2, b: 0, protocol },
      ]);
      net.shuffle = new Prng(seed);
      const hotspots = nodes.map((n, i) => n.server.addHotspot(3120001 + i));
      net.advance(500);
      const c0 = voiceCall({ sourceId: 3120100, destinationId: 3100, streamId: 0x501, voiceFrames: 12 }, 3120001);
      const c1 = voiceCall({ sourceId: 3120101, destinationId: 3200, streamId: 0x502, voiceFrames: 12 }, 3120002);
      for (let i = 0; i < c0.length; i++) {
        playCall(net, nodes[0]!, hotspots[0]!, [c0[i]!], 0);
        playCall(net, nodes[1]!, hotspots[1]!, [c1[i]!], 60);
      }
      expectExactlyOnce(hotspots[1]!, 0x501, c0);
      expectExactlyOnce(hotspots[2]!, 0x501, c0);
      expectExactlyOnce(hotspots[0]!, 0x502, c1);
      expectExactlyOnce(hotspots[2]!, 0x502, c1);
    });
  });
}

/** Node 0 linked to nodes 1 and 2 (which are not linked to each other). */
function star(protocol: 1 | 5): { net: ReturnType<typeof buildNetwork>["net"]; nodes: Node[]; h0: HotspotPort } {
  const { net, nodes } = buildNetwork(3, [
    { a: 0, b: 1, protocol },
    { a: 0, b: 2, protocol },
  ]);
  const h0 = nodes[0]!.server.addHotspot(3120001);
  net.advance(500);
  return { net, nodes, h0 };
}

/** Send a frame to node 0 as if it came over the link from node `from` (1 or 2). */
function inject(net: ReturnType<typeof buildNetwork>["net"], nodes: Node[], from: 1 | 2, frame: Uint8Array): void {
  const wire = new Uint8Array(73);
  encodeObpV1(frame, nodes[from]!.serverId, new HmacSha1(KEY), wire);
  link(nodes[0]!, `to-${from}`).onDatagram(net.nowMs, 0, `10.0.0.${from + 1}`, 50000 + 100 * from, wire);
  net.run();
}

describe("first arrival wins, local wins, late copies are dropped", () => {
  test("the same stream over two v1 links is delivered once, from the first", () => {
    const { net, nodes, h0 } = star(1);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x701 }, 1);
    for (const f of call) {
      inject(net, nodes, 1, f);
      inject(net, nodes, 2, f);
      net.nowMs += 60;
    }
    expectExactlyOnce(h0, 0x701, call);
    expect(link(nodes[0]!, "to-1").counters.framesIn).toBe(call.length);
    expect(link(nodes[0]!, "to-2").counters.loop).toBe(call.length);
  });

  test("on enhanced links the loser gets exactly one BCSQ per stream", () => {
    const { net, nodes, h0 } = star(5);
    const blake = new Blake2b(16, KEY);
    const meta = new FbpMeta();
    const injectDmre = (from: 1 | 2, frame: Uint8Array): void => {
      meta.version = 5;
      meta.timestampMs = EPOCH_MS + net.nowMs;
      meta.sourceServer = 3101;
      meta.sourceRepeater = 310100;
      meta.hops = 2;
      const wire = new Uint8Array(89);
      encodeDmre(frame, nodes[from]!.serverId, meta, blake, wire);
      link(nodes[0]!, `to-${from}`).onDatagram(net.nowMs, 0, `10.0.0.${from + 1}`, 50000 + 100 * from, wire);
      net.run();
    };
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x702 }, 1);
    net.log.length = 0;
    for (const f of call) {
      injectDmre(1, f);
      injectDmre(2, f);
      net.nowMs += 60;
    }
    expectExactlyOnce(h0, 0x702, call);
    const quenches = net.log.filter((d) => tagOf(d.bytes) === "BCSQ" && d.to === "10.0.0.3:50200");
    expect(quenches.length).toBe(1);
    expect(readUint32(quenches[0]!.bytes, 7)).toBe(0x702);
    expect(net.log.filter((d) => tagOf(d.bytes) === "BCSQ" && d.to === "10.0.0.2:50100").length).toBe(0);
    // the relayed copy towards node 2 keeps the origin's source server and adds a hop
    const relayed = net.log.filter((d) => tagOf(d.bytes) === "DMRE" && d.to === "10.0.0.3:50200");
    expect(relayed.length).toBe(call.length);
    const got = new FbpMeta();
    expect(decodeDmre(relayed[0]!.bytes, blake, new Uint8Array(16), got, new Uint8Array(55))).toBe(DmreStatus.Ok);
    expect([got.sourceServer, got.sourceRepeater, got.hops]).toEqual([3101, 310100, 3]);
  });

  test("a stream that is also arriving from a local hotspot is never taken from a link", () => {
    const { net, nodes, h0 } = star(1);
    const h0b = nodes[0]!.server.addHotspot(3120009);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x703 }, 3120001);
    playCall(net, nodes[0]!, h0, call.slice(0, 2));
    for (const f of call) inject(net, nodes, 1, f);
    playCall(net, nodes[0]!, h0, call.slice(2));
    expectExactlyOnce(h0b, 0x703, call);
    expect(link(nodes[0]!, "to-1").counters.loop).toBe(call.length);
  });

  test("late copies of a finished call are dropped while it is remembered, and accepted after", () => {
    const { net, nodes, h0 } = star(1);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x704 }, 1);
    for (const f of call) inject(net, nodes, 1, f);
    expect(h0.ofStream(0x704).length).toBe(call.length);
    net.advance(net.nowMs + 60_000, 1000);
    for (const f of call) inject(net, nodes, 2, f);
    expect(h0.ofStream(0x704).length).toBe(call.length);
    expect(link(nodes[0]!, "to-2").counters.loop).toBe(call.length);
    net.advance(net.nowMs + 181_000, 1000);
    inject(net, nodes, 2, call[0]!);
    expect(h0.ofStream(0x704).length).toBe(call.length + 1);
  });
});

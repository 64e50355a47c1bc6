/**
 * The links driven by the real routing core (createRouter): talkgroup maps, subscriptions, the
 * router's own loop control and onStreamRefused → BCSQ, together with the federation stream table.
 */
import { describe, expect, test } from "bun:test";
import { Prng } from "../../../src/lib/prng.ts";
import { createRouter, routingOptions } from "../../../src/core/routing/index.ts";
import { PERMIT_ALL } from "../../../src/core/acl.ts";
import { testSeed } from "../../support/seed.ts";
import { voiceCall, type HotspotPort } from "./support/fake_net.ts";
import { buildNetwork, link, playCall, type Node } from "./support/topology.ts";

function withRouter(seed: number) {
  let n = 0;
  return (outbox: Parameters<typeof createRouter>[1]["outbox"], events: Parameters<typeof createRouter>[1]["events"]) =>
    createRouter(routingOptions({ serverId: 2341 + n++ }), { outbox, events, prng: new Prng(seed + n) });
}

function subscribe(node: Node, hotspot: HotspotPort, slot: 1 | 2, talkgroupId: number, nowMs = 0): void {
  const router = node.server.router as ReturnType<typeof createRouter>;
  expect(router.subscribe(nowMs, hotspot, slot, talkgroupId, "static")).toBe(true);
}

function expectExactlyOnce(hotspot: HotspotPort, streamId: number, frames: Uint8Array[]): void {
  const got = hotspot.ofStream(streamId).map((f) => f[4]!).sort((x, y) => x - y);
  expect(got).toEqual(frames.map((f) => f[4]!).sort((x, y) => x - y));
}

describe("federation with the real router", () => {
  for (const protocol of [5, 1] as const) {
    test(`v${protocol} triangle: subscribed hotspots hear each frame exactly once; nothing circulates afterwards`, () => {
      const seed = testSeed(`router triangle v${protocol}`);
      const { net, nodes } = buildNetwork(
        3,
        [
          { a: 0, b: 1, protocol },
          { a: 1, b: 2, protocol },
          { a: 2, b: 0, protocol },
        ],
        { makeRouter: withRouter(seed) },
      );
      net.shuffle = new Prng(seed);
      const hotspots = nodes.map((node, i) => {
        const h = node.server.addHotspot(3120001 + i);
        subscribe(node, h, 2, 3100);
        return h;
      });
      const bystander = nodes[2]!.server.addHotspot(3120099); // subscribed to another TG: hears nothing
      subscribe(nodes[2]!, bystander, 1, 3200);
      net.advance(500);
      let streamId = 0x2000;
      for (let round = 0; round < 3; round++) {
        const origin = round % 3;
        const call = voiceCall({ sourceId: 3120100 + origin, destinationId: 3100, streamId: ++streamId, slot: 2, voiceFrames: 18 }, 3120001 + origin);
        playCall(net, nodes[origin]!, hotspots[origin]!, call);
        for (let i = 0; i < 3; i++) {
          if (i === origin) expect(hotspots[i]!.ofStream(streamId).length).toBe(0);
          else {
            expectExactlyOnce(hotspots[i]!, streamId, call);
            expect(hotspots[i]!.ofStream(streamId).every((f) => f[15]! & 0x80)).toBe(true); // delivered on TS2
          }
        }
        const mark = net.log.length;
        net.advance(net.nowMs + 20_000, 500);
        const frames = net.log.slice(mark).filter((d) => d.bytes[0] === 0x44 && d.bytes[1] === 0x4d);
        expect(frames.length).toBe(0);
      }
      expect(bystander.received.length).toBe(0);
    });
  }

  test("the link's talkgroup map renumbers: link TG 2350 ↔ local TG 91", () => {
    const seed = testSeed("router map");
    const map = { ranges: [{ linkSlot: 1 as const, linkFirst: 2350, linkLast: 2350, localFirst: 91 }], localOnlyFilter: true, ingressAcl: PERMIT_ALL, egressAcl: PERMIT_ALL };
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5, optionsB: { talkgroupMap: map } }], { makeRouter: withRouter(seed) });
    const hA = nodes[0]!.server.addHotspot(3120001);
    const hB = nodes[1]!.server.addHotspot(3120002);
    subscribe(nodes[0]!, hA, 1, 2350);
    subscribe(nodes[1]!, hB, 1, 91);
    net.advance(500);
    const call = voiceCall({ sourceId: 3120101, destinationId: 2350, streamId: 0x91, voiceFrames: 6 }, 3120001);
    playCall(net, nodes[0]!, hA, call);
    const got = hB.ofStream(0x91);
    expect(got.length).toBe(call.length);
    expect(got.every((f) => ((f[8]! << 16) | (f[9]! << 8) | f[10]!) === 91)).toBe(true);
    const back = voiceCall({ sourceId: 3120202, destinationId: 91, streamId: 0x92, voiceFrames: 6 }, 3120002);
    playCall(net, nodes[1]!, hB, back);
    expect(hA.ofStream(0x92).length).toBe(back.length);
    expect(hA.ofStream(0x92).every((f) => ((f[8]! << 16) | (f[9]! << 8) | f[10]!) === 2350)).toBe(true);
  });

  test("a wrong passphrase carries nothing; a link that goes silent stops and resumes", () => {
    const seed = testSeed("router silent");
    const { net, nodes } = buildNetwork(3, [
      { a: 0, b: 1, protocol: 5, passphraseB: "wrong" },
      { a: 0, b: 2, protocol: 5 },
    ], { makeRouter: withRouter(seed) });
    const hs = nodes.map((node, i) => {
      const h = node.server.addHotspot(3120001 + i);
      subscribe(node, h, 2, 3100);
      return h;
    });
    net.advance(500);
    playCall(net, nodes[0]!, hs[0]!, voiceCall({ sourceId: 3120100, destinationId: 3100, streamId: 0x301, slot: 2 }, 1));
    expect(hs[1]!.received.length).toBe(0);
    expect(hs[2]!.ofStream(0x301).length).toBeGreaterThan(0);
    expect(link(nodes[0]!, "to-1").up).toBe(false); // never heard a valid keepalive
    net.drop = (d) => d.from.startsWith("10.0.0.3:");
    net.advance(net.nowMs + 61_000, 1000);
    expect(link(nodes[0]!, "to-2").up).toBe(false);
    playCall(net, nodes[0]!, hs[0]!, voiceCall({ sourceId: 3120100, destinationId: 3100, streamId: 0x302, slot: 2 }, 1));
    expect(hs[2]!.ofStream(0x302).length).toBe(0);
    net.drop = () => false;
    net.advance(net.nowMs + 11_000, 1000);
    playCall(net, nodes[0]!, hs[0]!, voiceCall({ sourceId: 3120100, destinationId: 3100, streamId: 0x303, slot: 2 }, 1));
    expect(hs[2]!.ofStream(0x303).length).toBeGreaterThan(0);
  });

  test("unit data to a radio heard on the far server goes there; the subscriber map learns from link traffic", () => {
    const seed = testSeed("router unit");
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5 }], { makeRouter: withRouter(seed) });
    const hA = nodes[0]!.server.addHotspot(3120001);
    const hB = nodes[1]!.server.addHotspot(3120002);
    subscribe(nodes[0]!, hA, 2, 3100);
    subscribe(nodes[1]!, hB, 2, 3100);
    net.advance(500);
    // radio 3120202 talks on B: A learns it is behind the link
    playCall(net, nodes[1]!, hB, voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: 0x401, slot: 2 }, 3120002));
    net.advance(net.nowMs + 15_000, 500);
    const router = nodes[0]!.server.router as ReturnType<typeof createRouter>;
    expect(router.locateSubscriber(net.nowMs, 3120202)?.portName).toBe("to-1");
    // a data header + one block from A to 3120202 (unit) reaches B's hotspot that radio used
    const data = voiceCall({ sourceId: 3120101, destinationId: 3120202, streamId: 0x402, unit: true, slot: 2, voiceFrames: 0 }, 3120001);
    data[0]![15] = (data[0]![15]! & 0xf0) | 6; // data header
    data[1]![15] = (data[1]![15]! & 0xf0) | 7; // rate 1/2 block
    data[0]![20 + 8] = 0x01; // blocks to follow (best effort; the router's parser decides)
    playCall(net, nodes[0]!, hA, data);
    expect(hB.ofStream(0x402).length).toBeGreaterThan(0);
  });
});


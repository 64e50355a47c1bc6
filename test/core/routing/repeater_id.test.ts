/**
 * DMRD bytes 11–14 through the router: the router keeps the source's repeater id and each port
 * stamps its own on its wire. An FBP v5 link therefore carries the local hotspot on as the source
 * repeater (freedmr-reference.md §2.3); it used to send 0 because the router had written the link's
 * own id there.
 */
import { describe, expect, test } from "bun:test";
import { Prng } from "../../../src/lib/prng.ts";
import { Blake2b } from "../../../src/lib/blake2b.ts";
import { createRouter, routingOptions } from "../../../src/core/routing/index.ts";
import { readUint32 } from "../../../src/wire/dmrd.ts";
import { DmreStatus, FbpMeta, decodeDmre } from "../../../src/wire/fbp.ts";
import { openBridgeKey } from "../../../src/wire/openbridge.ts";
import { voiceCall } from "../federation/support/fake_net.ts";
import { buildNetwork, link, playCall } from "../federation/support/topology.ts";
import { Harness } from "./harness.ts";

describe("repeater id (DMRD bytes 11–14)", () => {
  test("FBP v5: a local hotspot's call carries that hotspot as the source repeater; the far hotspot gets it", () => {
    let n = 0;
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5 }], {
      makeRouter: (outbox, events) => createRouter(routingOptions({ serverId: 2341 + n }), { outbox, events, prng: new Prng(7 + n++) }),
    });
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(310012345);
    const hB = b.server.addHotspot(310067890);
    const routerB = b.server.router as ReturnType<typeof createRouter>;
    expect(routerB.subscribe(0, hB, 2, 3100, "static")).toBe(true);
    net.advance(200);
    expect(link(a, "to-1").up).toBe(true);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x6006, slot: 2 }, 310012345);
    playCall(net, a, hA, call);
    const wire = net.log.filter((d) => d.to === "10.0.0.2:50100" && String.fromCharCode(...d.bytes.subarray(0, 4)) === "DMRE").map((d) => d.bytes);
    expect(wire.length).toBe(call.length);
    const meta = new FbpMeta();
    const blake = new Blake2b(16, openBridgeKey("s3cret-link"));
    for (const datagram of wire) {
      expect(decodeDmre(datagram, blake, new Uint8Array(16), meta, new Uint8Array(55))).toBe(DmreStatus.Ok);
      expect([meta.version, meta.sourceServer, meta.sourceRepeater, meta.hops]).toEqual([5, a.serverId, 310012345, 1]);
      expect(readUint32(datagram, 11)).toBe(a.serverId); // the sending server in 11–14 on the link
    }
    expect(hB.ofStream(0x6006).length).toBe(call.length);
  });

  test("the router leaves the source's id in 11–14 for every target (ports stamp their own)", () => {
    const h = new Harness();
    const a = h.hotspot({ repeaterId: 310011111, options: "TS1=91" });
    const b = h.hotspot({ repeaterId: 310022222, options: "TS1=91" });
    const obp = h.link({ networkId: 3102 });
    h.call(a, { sourceId: 1, destinationId: 91, slot: 1, streamId: 1 });
    expect(b.sent.length).toBe(8);
    expect(obp.sent.length).toBe(8);
    expect([...b.sent, ...obp.sent].every((s) => s.repeaterId === 310011111)).toBe(true);
  });
});

import { describe, expect, test } from "bun:test";
import { aclOrThrow, PERMIT_ALL } from "../../../src/core/acl.ts";
import { PortKind } from "../../../src/core/router_port.ts";
import type { LinkTalkgroupMap } from "../../../src/core/routing/options.ts";
import { Harness } from "./harness.ts";

describe("link ports and talkgroup maps", () => {
  test("default map: every TG on TS1 one to one, both directions", () => {
    const h = new Harness();
    const link = h.link();
    const a = h.hotspot({ options: "TS2=3100" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 2, streamId: 1 });
    expect(link.sent.length).toBe(8);
    expect(link.sent.every((s) => s.slot === 1 && s.destinationId === 3100 && s.repeaterId === a.repeaterId)).toBe(true);
    h.call(link, { sourceId: 2, destinationId: 3100, slot: 1, streamId: 2 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 2)).toBe(true);
  });

  test("local-only TGs (≤ 79, 9990–9999, 900999) never cross a link", () => {
    const h = new Harness();
    const link = h.link();
    const a = h.hotspot({ options: "TS1=50" });
    const b = h.hotspot({ options: "TS1=50" });
    h.call(a, { sourceId: 1, destinationId: 50, slot: 1, streamId: 1 });
    expect(b.sent.length).toBe(8); // locally it is an ordinary TG
    expect(link.sent.length).toBe(0);
    b.clear();
    h.advance(11_000);
    h.call(link, { sourceId: 2, destinationId: 50, slot: 1, streamId: 2 });
    h.call(link, { sourceId: 2, destinationId: 9995, slot: 1, streamId: 3, sequence: 20 });
    expect(b.sent.length).toBe(0);
    expect(link.refused.map((r) => r.streamId)).toEqual([2, 3]);
  });

  test("TS2 traffic from a link is not mapped by default and is refused once", () => {
    const h = new Harness();
    const link = h.link();
    const a = h.hotspot({ options: "TS2=3100;TS1=3100" });
    h.call(link, { sourceId: 2, destinationId: 3100, slot: 2, streamId: 7 });
    expect(a.sent.length).toBe(0);
    expect(link.refused).toEqual([{ streamId: 7, talkgroupId: 3100 }]);
  });

  test("a custom map translates link TGs and slots to local conferences and back", () => {
    const h = new Harness();
    const link = h.link({ kind: PortKind.Upstream, name: "BM" });
    const map: LinkTalkgroupMap = {
      ranges: [
        { linkSlot: 1, linkFirst: 235, linkLast: 235, localFirst: 2350 },
        { linkSlot: 2, linkFirst: 91, linkLast: 91, localFirst: 910 },
      ],
      localOnlyFilter: true,
      ingressAcl: PERMIT_ALL,
      egressAcl: PERMIT_ALL,
    };
    h.router.setPortTalkgroupMap(link, map);
    const a = h.hotspot({ options: "TS1=2350;TS2=910,3100" });
    h.call(link, { sourceId: 1, destinationId: 235, slot: 1, streamId: 1 });
    h.call(link, { sourceId: 1, destinationId: 91, slot: 2, streamId: 2, sequence: 20 });
    expect(a.sent.filter((s) => s.streamId === 1).every((s) => s.destinationId === 2350 && s.slot === 1)).toBe(true);
    expect(a.sent.filter((s) => s.streamId === 2).every((s) => s.destinationId === 910 && s.slot === 2)).toBe(true);
    expect(a.sent.length).toBe(16);
    h.advance(11_000);
    h.call(a, { sourceId: 3, destinationId: 910, slot: 2, streamId: 3 });
    h.advance(11_000);
    h.call(a, { sourceId: 3, destinationId: 3100, slot: 2, streamId: 4 }); // not in the map
    expect(link.sent.map((s) => `${s.streamId}:${s.slot}:${s.destinationId}`)).toEqual(Array(8).fill("3:2:91"));
  });

  test("a map set before the port comes up applies; null restores the default", () => {
    const h = new Harness();
    const link = h.link({ up: false });
    h.router.setPortTalkgroupMap(link, { ranges: [{ linkSlot: 2, linkFirst: 1, linkLast: 16777215, localFirst: 1 }], localOnlyFilter: true, ingressAcl: PERMIT_ALL, egressAcl: PERMIT_ALL });
    h.router.onPortUp(h.nowMs, link);
    const a = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    expect(link.sent.every((s) => s.slot === 2)).toBe(true);
    h.router.setPortTalkgroupMap(link, null);
    h.advance(11_000);
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 2 });
    expect(link.sent.filter((s) => s.streamId === 2).every((s) => s.slot === 1)).toBe(true);
  });

  test("link ingress and egress ACLs", () => {
    const h = new Harness();
    const link = h.link();
    h.router.setPortTalkgroupMap(link, { ...defaultMap(), ingressAcl: aclOrThrow("DENY:666"), egressAcl: aclOrThrow("DENY:777") });
    const a = h.hotspot({ options: "TS1=666,777" });
    h.call(link, { sourceId: 1, destinationId: 666, slot: 1, streamId: 1 });
    expect(a.sent.length).toBe(0);
    h.advance(11_000);
    h.call(a, { sourceId: 2, destinationId: 777, slot: 1, streamId: 2 });
    expect(link.sent.length).toBe(0);
  });

  test("an upstream link has real slots: contention applies", () => {
    const h = new Harness();
    const up = h.link({ kind: PortKind.Upstream });
    const a = h.hotspot();
    const b = h.hotspot();
    h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 }).burst();
    h.openCall(b, { sourceId: 2, destinationId: 3200, streamId: 2 }).burst();
    expect(up.streams()).toEqual([1]);
  });
});

function defaultMap(): LinkTalkgroupMap {
  return { ranges: [{ linkSlot: 1, linkFirst: 1, linkLast: 16777215, localFirst: 1 }], localOnlyFilter: true, ingressAcl: PERMIT_ALL, egressAcl: PERMIT_ALL };
}

describe("loop control across ports", () => {
  test("the same stream from a second link while active from the first is refused: first arrival wins; the hook fires once", () => {
    const h = new Harness();
    const l1 = h.link({ name: "L1" });
    const l2 = h.link({ name: "L2" });
    const a = h.hotspot({ options: "TS1=3100" });
    const c1 = h.openCall(l1, { sourceId: 3120001, destinationId: 3100, streamId: 0xfeed });
    const c2 = h.openCall(l2, { sourceId: 3120001, destinationId: 3100, streamId: 0xfeed });
    for (let i = 0; i < 6; i++) {
      c1.burst();
      c2.burst();
      h.advance(60);
    }
    c1.end();
    c2.end();
    expect(a.sent.length).toBe(8);
    expect(l2.refused).toEqual([{ streamId: 0xfeed, talkgroupId: 3100 }]);
    expect(l1.refused).toEqual([]);
    // never back to where it came from; to the other link only until its own copy showed up
    expect(l1.sent.length).toBe(0);
    expect(l2.sent.filter((s) => s.streamId === 0xfeed).length).toBe(1);
    expect(h.ofType("stream.start").length).toBe(1);
    expect(h.ofType("stream.refused").map((e) => e.reason)).toEqual(["duplicate-stream"]);
  });

  test("the same stream on both slots of an upstream link (the master has us on the TG twice) is one call: the first slot keeps it", () => {
    const h = new Harness();
    const up = h.link({ kind: PortKind.Upstream, name: "UP" });
    h.router.setPortTalkgroupMap(up, {
      ranges: [
        { linkSlot: 1, linkFirst: 1, linkLast: 16777215, localFirst: 1 },
        { linkSlot: 2, linkFirst: 1, linkLast: 16777215, localFirst: 1 },
      ],
      localOnlyFilter: true,
      ingressAcl: PERMIT_ALL,
      egressAcl: PERMIT_ALL,
    });
    const a = h.hotspot({ options: "TS1=3100" });
    const b = h.hotspot({ options: "TS2=3100" });
    const ts1 = h.openCall(up, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0xd0b1 });
    const ts2 = h.openCall(up, { sourceId: 3120001, destinationId: 3100, slot: 2, streamId: 0xd0b1 });
    for (let i = 0; i < 6; i++) {
      ts1.burst();
      ts2.burst();
      h.advance(60);
    }
    ts1.end();
    ts2.end();
    expect(a.sent.length).toBe(8);
    expect(b.sent.length).toBe(8);
    expect(h.ofType("stream.start").length).toBe(1);
    expect(h.ofType("stream.refused").map((e) => [e.reason, e.slot])).toEqual([["duplicate-slot", 2]]);
    expect(up.refused).toEqual([{ streamId: 0xd0b1, talkgroupId: 3100 }]);
  });

  test("a stream arriving from a local hotspot is never taken from a link: the link copy yields", () => {
    const h = new Harness();
    const link = h.link({ name: "L1" });
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const viaLink = h.openCall(link, { sourceId: 2345678, destinationId: 3100, streamId: 0xabc });
    viaLink.burst();
    expect(b.sent.length).toBe(2);
    const local = h.openCall(a, { sourceId: 2345678, destinationId: 3100, streamId: 0xabc });
    for (let i = 0; i < 3; i++) {
      viaLink.burst();
      local.burst();
    }
    expect(link.refused).toEqual([{ streamId: 0xabc, talkgroupId: 3100 }]);
    // B got the link copy first, then the local one (late entry, same TG): never both at once
    expect(b.sent.length).toBe(2 + 1 + 3);
  });

  test("a link copy arriving while the local stream is active is refused", () => {
    const h = new Harness();
    const link = h.link();
    const a = h.hotspot();
    const local = h.openCall(a, { sourceId: 2345678, destinationId: 3100, streamId: 0xabc });
    local.burst();
    const echo = h.openCall(link, { sourceId: 2345678, destinationId: 3100, streamId: 0xabc });
    echo.burst();
    echo.burst();
    expect(link.refused.length).toBe(1);
    expect(a.sent.length).toBe(0);
    expect(h.router.stats().droppedLoop).toBe(1);
    expect(h.router.stats().droppedRefused).toBe(2);
  });

  test("finished streams are remembered: a late copy is dropped; after the memory window the id is free", () => {
    const h = new Harness({ finishedStreamMemoryMs: 180_000 });
    const l1 = h.link();
    const l2 = h.link();
    const a = h.hotspot({ options: "TS1=3100" });
    h.call(l1, { sourceId: 3120001, destinationId: 3100, streamId: 0x1234, bursts: 2 });
    h.advance(5000);
    h.call(l2, { sourceId: 3120001, destinationId: 3100, streamId: 0x1234, bursts: 2 });
    expect(a.sent.length).toBe(4);
    expect(l2.refused.length).toBe(1);
    expect(h.ofType("stream.refused")[0]!.reason).toBe("finished-stream");
    h.advance(181_000, 1000);
    h.call(l2, { sourceId: 3120001, destinationId: 3100, streamId: 0x1234, bursts: 2, sequence: 50 });
    expect(a.sent.length).toBe(8);
  });

  test("a timed-out stream may resume from its own port (after a network gap)", () => {
    const h = new Harness();
    const l1 = h.link();
    const a = h.hotspot({ options: "TS1=3100" });
    const call = h.openCall(l1, { sourceId: 1, destinationId: 3100, streamId: 0x55 });
    call.burst();
    h.advance(1000);
    call.burst();
    call.end();
    expect(a.sent.length).toBe(4);
    expect(h.ofType("stream.end").map((e) => e.endedBy)).toEqual(["timeout", "terminator"]);
  });

  test("quench (BCSQ): stop sending one stream to one link, the others still get it", () => {
    const h = new Harness();
    const l1 = h.link();
    const l2 = h.link();
    const a = h.hotspot();
    const call = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 0x99 });
    call.burst();
    expect(h.router.quench(h.nowMs, l1, 3100, 0x99)).toBe(true);
    expect(h.router.quench(h.nowMs, l1, 3100, 0x12345)).toBe(false);
    call.burst();
    call.end();
    expect(l1.sent.length).toBe(2);
    expect(l2.sent.length).toBe(4);
    expect(h.router.stats().deliveriesQuenched).toBe(2);
  });

  test("the subscriber map learns from links (unit calls cross links)", () => {
    const h = new Harness();
    const link = h.link();
    h.call(link, { sourceId: 3120001, destinationId: 3100, streamId: 1, bursts: 1 });
    expect(h.router.locateSubscriber(h.nowMs, 3120001)).toMatchObject({ portIndex: link.portIndex, slot: 1 });
  });

  test("a port going down ends its streams and leaves the others' targets", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const c = h.hotspot({ options: "TS1=3100" });
    const call = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    call.burst();
    h.router.onPortDown(h.nowMs, b);
    call.burst();
    expect(b.sent.length).toBe(2);
    expect(c.sent.length).toBe(3);
    h.router.onPortDown(h.nowMs, a);
    expect(h.ofType("stream.end").map((e) => e.endedBy)).toEqual(["port-down"]);
    expect(h.router.activeStreams()).toEqual([]);
  });
});

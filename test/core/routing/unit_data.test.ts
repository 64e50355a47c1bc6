import { describe, expect, test } from "bun:test";
import { csbkPayload, dataHeaderPayload, Harness, type FakePort } from "./harness.ts";

const HOUR = 3600_000;

/** A hotspot where radio `radioId` keyed up (teaches the subscriber map). */
function heard(h: Harness, port: FakePort, radioId: number, slot: 1 | 2, streamId: number): void {
  h.call(port, { sourceId: radioId, destinationId: 3100, slot, streamId, bursts: 1 });
  h.advance(11_000);
}

describe("private voice via the subscriber map", () => {
  test("goes to the session and slot where the destination was last heard", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    const c = h.hotspot();
    heard(h, b, 2345601, 2, 1);
    expect(h.router.locateSubscriber(h.nowMs, 2345601)).toMatchObject({ portIndex: b.portIndex, slot: 2 });
    h.call(a, { sourceId: 2345678, destinationId: 2345601, slot: 1, unit: true, streamId: 2 });
    expect(b.sent.length).toBe(8);
    expect(b.sent.every((s) => s.slot === 2 && s.unit && s.destinationId === 2345601)).toBe(true);
    expect(c.sent.length).toBe(0);
    expect(a.sent.length).toBe(0);
  });

  test("the reply goes back where the caller was heard, inside the hang time", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    heard(h, b, 2345601, 2, 1);
    h.call(a, { sourceId: 2345678, destinationId: 2345601, slot: 1, unit: true, streamId: 2 });
    h.advance(2000);
    h.call(b, { sourceId: 2345601, destinationId: 2345678, slot: 2, unit: true, streamId: 3 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 1 && s.unit)).toBe(true);
  });

  test("unknown or expired destinations are not routed", () => {
    const h = new Harness({ subscriberTtlMs: HOUR });
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(a, { sourceId: 2345678, destinationId: 2345601, unit: true, streamId: 1 });
    expect(h.router.stats().droppedNoRoute).toBe(1);
    heard(h, b, 2345601, 1, 2);
    h.advance(HOUR + 1000, 60_000);
    expect(h.router.locateSubscriber(h.nowMs, 2345601)).toBeNull();
    h.call(a, { sourceId: 2345678, destinationId: 2345601, unit: true, streamId: 3 });
    expect(b.sent.length).toBe(0);
  });

  test("the map forgets nothing it should not: a session that went away is not a route", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    heard(h, b, 2345601, 1, 1);
    h.router.onPortDown(h.nowMs, b);
    expect(h.router.locateSubscriber(h.nowMs, 2345601)).toBeNull();
    h.call(a, { sourceId: 2345678, destinationId: 2345601, unit: true, streamId: 2 });
    expect(b.sent.length).toBe(0);
  });

  test("the map is bounded (least recently heard evicted)", () => {
    const h = new Harness({ capacities: { maxSubscribers: 3 } });
    const a = h.hotspot();
    for (let i = 0; i < 5; i++) {
      h.call(a, { sourceId: 3000001 + i, destinationId: 3100, streamId: i + 1, bursts: 1 });
      h.advance(1000);
    }
    expect(h.router.locateSubscriber(h.nowMs, 3000001)).toBeNull();
    expect(h.router.locateSubscriber(h.nowMs, 3000002)).toBeNull();
    expect(h.router.locateSubscriber(h.nowMs, 3000005)).not.toBeNull();
  });

  test("unit voice to a radio last heard over a link goes to that link", () => {
    const h = new Harness();
    const link = h.link();
    const a = h.hotspot();
    h.call(link, { sourceId: 3120001, destinationId: 3100, streamId: 1, bursts: 1 });
    h.advance(1000);
    h.call(a, { sourceId: 2345678, destinationId: 3120001, unit: true, streamId: 2 });
    expect(link.sent.filter((s) => s.streamId === 2).length).toBe(8);
  });
});

describe("data calls", () => {
  function sendData(h: Harness, port: FakePort, opts: { src: number; dst: number; group: boolean; slot?: 1 | 2; blocks: number; preambles: number; firstStreamId: number }): number {
    let seq = 0;
    let id = opts.firstStreamId;
    const base = { sourceId: opts.src, destinationId: opts.dst, slot: opts.slot ?? 1, unit: !opts.group };
    for (let i = 0; i < opts.preambles; i++) {
      const payload = csbkPayload({ preamble: true, group: opts.group, blocks: opts.preambles - i - 1 + opts.blocks + 1, destinationId: opts.dst, sourceId: opts.src });
      h.send(port, { ...base, streamId: id++, kind: "csbk", sequence: seq++, payload });
      h.advance(60);
    }
    const header = dataHeaderPayload({ group: opts.group, blocks: opts.blocks, destinationId: opts.dst, sourceId: opts.src });
    const dataStream = id++;
    h.send(port, { ...base, streamId: dataStream, kind: "dataHeader", sequence: seq++, payload: header });
    h.advance(60);
    for (let i = 0; i < opts.blocks; i++) {
      h.send(port, { ...base, streamId: dataStream, kind: "rate12", sequence: seq++, fill: 200 + i });
      h.advance(60);
    }
    return dataStream;
  }

  test("unit data (SMS) goes to the destination's last place; preambles + header + blocks are one call ended by blocks-to-follow", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    heard(h, b, 2345601, 2, 1);
    sendData(h, a, { src: 2345678, dst: 2345601, group: false, blocks: 3, preambles: 4, firstStreamId: 100 });
    expect(b.sent.length).toBe(4 + 1 + 3);
    expect(b.sent.every((s) => s.slot === 2 && s.unit)).toBe(true);
    const end = h.ofType("stream.end").filter((e) => e.kind === "data");
    expect(end.map((e) => [e.endedBy, e.frames, e.callType])).toEqual([["data-complete", 8, "unit"]]);
    expect(h.ofType("stream.start").filter((e) => e.kind === "data").length).toBe(1);
  });

  test("data blocks are passed untouched", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    heard(h, b, 2345601, 1, 1);
    sendData(h, a, { src: 2345678, dst: 2345601, group: false, blocks: 2, preambles: 1, firstStreamId: 100 });
    const blocks = b.sent.filter((s) => s.dataType === 7);
    expect(blocks.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 33; j++) expect(blocks[i]!.bytes[20 + j]).toBe(((200 + i) * 7 + j * 13 + 7) & 0xff);
    }
  });

  test("the slot is free again as soon as the data call completes (the ack can come back)", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    heard(h, a, 2345678, 1, 1);
    heard(h, b, 2345601, 1, 2);
    sendData(h, a, { src: 2345678, dst: 2345601, group: false, blocks: 1, preambles: 1, firstStreamId: 100 });
    // response header back (DPF 1 style: no blocks)
    const ack = dataHeaderPayload({ group: false, blocks: 0, destinationId: 2345678, sourceId: 2345601 });
    h.send(b, { sourceId: 2345601, destinationId: 2345678, unit: true, streamId: 300, kind: "dataHeader", sequence: 0, payload: ack });
    expect(a.sent.filter((s) => s.streamId === 300).length).toBe(1);
    expect(h.router.activeStreams()).toEqual([]);
  });

  test("a stand-alone CSBK (radio check, call alert) is a one-frame call", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    heard(h, b, 2345601, 1, 1);
    const payload = csbkPayload({ preamble: false, group: false, blocks: 0, destinationId: 2345601, sourceId: 2345678, csbko: 0x24 });
    h.send(a, { sourceId: 2345678, destinationId: 2345601, unit: true, streamId: 50, kind: "csbk", sequence: 0, payload });
    expect(b.sent.length).toBe(1);
    expect(h.router.activeStreams()).toEqual([]);
    expect(h.ofType("stream.end").at(-1)!.endedBy).toBe("data-complete");
  });

  test("data without a readable header ends by the data timeout", () => {
    const h = new Harness({ dataTimeoutMs: 3000 });
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 1, kind: "dataHeader", sequence: 0 }); // garbage payload
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 1, kind: "rate34", sequence: 1 });
    expect(b.sent.length).toBe(2);
    h.advance(2000);
    expect(h.router.activeStreams().length).toBe(1);
    h.advance(1500);
    expect(h.router.activeStreams().length).toBe(0);
  });

  test("group data is routed like group voice (to the TG's subscribers)", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS2=3100" });
    const c = h.hotspot();
    sendData(h, a, { src: 2345678, dst: 3100, group: true, blocks: 2, preambles: 2, firstStreamId: 100 });
    expect(b.sent.length).toBe(5);
    expect(b.sent.every((s) => s.slot === 2 && !s.unit && s.destinationId === 3100)).toBe(true);
    expect(c.sent.length).toBe(0);
  });

  test("unit data to a radio nobody heard is offered to FBP links that accept the flood (not to others)", () => {
    const h = new Harness();
    const fbp = h.link({ flood: true });
    const obp = h.link({ flood: false });
    const a = h.hotspot();
    sendData(h, a, { src: 2345678, dst: 3129999, group: false, blocks: 1, preambles: 1, firstStreamId: 100 });
    expect(fbp.sent.length).toBe(3);
    expect(obp.sent.length).toBe(0);
    // unit voice to an unknown radio is not flooded by default
    h.call(a, { sourceId: 2345678, destinationId: 3129998, unit: true, streamId: 200, sequence: 50 });
    expect(fbp.sent.filter((s) => s.streamId === 200).length).toBe(0);
  });

  test("floodUnknownUnitVoice offers unit voice to flood links too", () => {
    const h = new Harness({ floodUnknownUnitVoice: true });
    const fbp = h.link({ flood: true });
    const a = h.hotspot();
    h.call(a, { sourceId: 2345678, destinationId: 3129998, unit: true, streamId: 200 });
    expect(fbp.sent.length).toBe(8);
  });
});

import { describe, expect, test } from "bun:test";
import { Harness } from "./harness.ts";

describe("group calls: static subscriptions, fan-out, no echo", () => {
  test("a static TG from options reaches every subscriber (source repeater id kept in 11–14), never the sender", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100;" });
    const b = h.hotspot({ options: "TS1=3100;" });
    const c = h.hotspot({ options: "TS2=3100;" });
    const d = h.hotspot({ options: "TS1=235;" });
    h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0x1111, bursts: 6 });
    expect(a.sent.length).toBe(0);
    expect(d.sent.length).toBe(0);
    expect(b.sent.length).toBe(8); // header + 6 bursts + terminator
    expect(c.sent.length).toBe(8);
    for (const s of b.sent) {
      expect(s.slot).toBe(1);
      expect(s.repeaterId).toBe(a.repeaterId); // the port stamps its own on its wire
      expect(s.destinationId).toBe(3100);
      expect(s.sourceId).toBe(3120001);
      expect(s.streamId).toBe(0x1111);
      expect(s.bytes.length).toBe(55);
    }
    for (const s of c.sent) {
      expect(s.slot).toBe(2);
      expect(s.repeaterId).toBe(a.repeaterId);
    }
    const start = h.ofType("stream.start");
    const end = h.ofType("stream.end");
    expect(start.length).toBe(1);
    expect(end.length).toBe(1);
    expect(end[0]!.endedBy).toBe("terminator");
    expect(end[0]!.frames).toBe(8);
    expect(h.router.stats().framesOut).toBe(16);
  });

  test("payload bytes are passed through unchanged when nothing needs rewriting", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100" });
    const b = h.hotspot({ options: "TS1=3100" });
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 5, kind: "voice", voiceIndex: 0, sequence: 3, fill: 99 });
    const got = b.sent[0]!.bytes;
    const expected = new Uint8Array(33);
    for (let i = 0; i < 33; i++) expected[i] = (99 * 7 + i * 13 + 0) & 0xff;
    expect([...got.subarray(20, 53)]).toEqual([...expected]);
    expect(got[4]).toBe(3);
  });

  test("53-byte frames are delivered as 55 bytes", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100" });
    const b = h.hotspot({ options: "TS1=3100" });
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 5, kind: "header", sequence: 0, length: 53 });
    expect(b.sent.length).toBe(1);
    expect(b.sent[0]!.bytes.length).toBe(55);
    expect(b.sent[0]!.bytes[53]).toBe(0);
    expect(b.sent[0]!.bytes[54]).toBe(0);
  });

  test("static TGs from the access rule config", () => {
    const h = new Harness({ accessRules: { club: { ts1Static: [2350], ts2Static: [23590] } } });
    const a = h.hotspot({ rule: "club" });
    const b = h.hotspot();
    h.call(b, { sourceId: 1, destinationId: 23590, slot: 1, streamId: 1 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 2)).toBe(true);
    a.clear();
    h.advance(20_000);
    h.call(b, { sourceId: 1, destinationId: 2350, slot: 2, streamId: 2 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 1)).toBe(true);
    const subs = h.router.subscriptions(a).filter((s) => s.kind === "static");
    expect(subs.map((s) => [s.slot, s.talkgroupId])).toEqual([
      [1, 2350],
      [2, 23590],
    ]);
  });

  test("a frame never goes twice to the same (port, slot) even when two conferences reach it", () => {
    const h = new Harness({
      bridges: [
        {
          name: "join",
          members: [
            { system: "HS0", slot: 1, talkgroupId: 3100, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] },
            { system: "HS1", slot: 1, talkgroupId: 3100, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] },
          ],
        },
      ],
    });
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 9 });
    expect(b.sent.length).toBe(8);
  });
});

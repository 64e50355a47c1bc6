import { describe, expect, test } from "bun:test";
import { Harness } from "./harness.ts";
import { routingOptions } from "../../../src/core/routing/options.ts";

function pair(h: Harness, tg = 3100, options = `TS1=${tg}`) {
  return { a: h.hotspot({ options }), b: h.hotspot({ options }) };
}

describe("stream lifecycle", () => {
  test("a stream ends at its terminator", () => {
    const h = new Harness();
    const { a } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7 });
    const end = h.ofType("stream.end");
    expect(end.map((e) => [e.streamId, e.endedBy, e.frames, e.lost])).toEqual([[7, "terminator", 8, 0]]);
    expect(h.router.activeStreams()).toEqual([]);
  });

  test("a stream without terminator ends after the silence timeout (default 360 ms)", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, terminator: false });
    expect(h.router.activeStreams().length).toBe(1);
    expect(h.router.activeStreams()[0]!.targets).toEqual([`${b.portIndex}:1`]);
    h.advance(240); // 300 ms after the last frame
    expect(h.router.activeStreams().length).toBe(1);
    h.advance(100);
    expect(h.router.activeStreams().length).toBe(0);
    expect(h.ofType("stream.end")[0]!.endedBy).toBe("timeout");
  });

  test("ticks that skip the stream scan (nothing can time out yet) still end each stream at its own timeout", () => {
    // stream 7 goes silent first, stream 8 (another talker) 260 ms later; each must end at
    // the first tick more than 360 ms after its last frame, whatever the earlier scans concluded
    const h = new Harness();
    const { a } = pair(h);
    const c = h.hotspot({ options: "TS2=3200" });
    h.hotspot({ options: "TS2=3200" });
    const lastFrame7 = h.nowMs; // a header only
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, bursts: 0, terminator: false });
    h.advance(200);
    const lastFrame8 = h.nowMs;
    h.call(c, { sourceId: 2, destinationId: 3200, slot: 2, streamId: 8, bursts: 0, terminator: false });
    const endedAt = (streamId: number): number | undefined => h.ofType("stream.end").find((e) => e.streamId === streamId)?.atMs;
    h.advance(1000, 5);
    expect(endedAt(7)).toBeGreaterThan(lastFrame7 + 360);
    expect(endedAt(7)).toBeLessThanOrEqual(lastFrame7 + 365);
    expect(endedAt(8)).toBeGreaterThan(lastFrame8 + 360);
    expect(endedAt(8)).toBeLessThanOrEqual(lastFrame8 + 365);
  });

  test("a shorter silence timeout set while streams run applies at the next tick", () => {
    const h = new Harness({ streamTimeoutMs: 5000 });
    const { a } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, terminator: false });
    h.advance(1000);
    expect(h.router.activeStreams().length).toBe(1);
    h.router.updateOptions(routingOptions({ streamTimeoutMs: 360 }));
    h.advance(20);
    expect(h.router.activeStreams().length).toBe(0);
    expect(h.ofType("stream.end")[0]!.endedBy).toBe("timeout");
  });

  test("the silence timeout is configurable", () => {
    const h = new Harness({ streamTimeoutMs: 2000 });
    const { a } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, terminator: false });
    h.advance(1500);
    expect(h.router.activeStreams().length).toBe(1);
    h.advance(600);
    expect(h.router.activeStreams().length).toBe(0);
  });

  test("a stream is cut at the maximum duration and its later frames are dropped", () => {
    const h = new Harness({ maxStreamMs: 3000 });
    const { a, b } = pair(h);
    const call = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 7 });
    for (let i = 0; i < 100; i++) {
      call.burst();
      h.advance(60);
    }
    const end = h.ofType("stream.end");
    expect(end.length).toBe(1);
    expect(end[0]!.endedBy).toBe("max-duration");
    // 3000 ms / 60 ms ≈ 50 frames delivered, nothing after
    expect(b.sent.length).toBeGreaterThan(45);
    expect(b.sent.length).toBeLessThan(55);
    expect(h.router.stats().droppedMaxDuration).toBeGreaterThan(40);
    expect(h.ofType("stream.start").length).toBe(1);
  });

  test("a sender that keeps talking past the maximum duration keeps its slot: nothing slips in (routed or reserved TG)", () => {
    // SEED=129: a reserved-TG transmission was ended at the maximum duration; one burst of another
    // stream reached the sender's slot before its next frame took the slot back
    for (const tg of [3100, 4000]) {
      const h = new Harness({ maxStreamMs: 3000, hangTimeMs: 1000 });
      const a = h.hotspot({ options: "TS1=91" });
      const b = h.hotspot();
      const long = h.openCall(a, { sourceId: 1, destinationId: tg, slot: 1, streamId: 7 });
      // b makes one short call on a's static TG after the other, 1.2 s each
      let other = h.openCall(b, { sourceId: 2, destinationId: 91, slot: 1, streamId: 100 });
      const fromB = () => a.sent.filter((s) => s.sourceId === 2).length;
      for (let i = 1; i <= 250; i++) {
        if (i <= 150) long.burst(); // 9 s, three times the maximum
        if (i === 151) long.end();
        if (i % 20 === 0) {
          other.end();
          other = h.openCall(b, { sourceId: 2, destinationId: 91, slot: 1, streamId: 100 + i });
        } else {
          other.burst();
        }
        h.advance(60, 20);
        if (i === 150) expect(fromB()).toBe(0);
      }
      other.end();
      // after the sender stopped (and its hang time) b's calls get through again
      expect(fromB()).toBeGreaterThan(10);
      expect(h.ofType("stream.start").filter((e) => e.streamId === 7).length).toBe(tg === 3100 ? 1 : 0);
      expect(h.ofType("stream.end").filter((e) => e.streamId === 7).map((e) => e.endedBy)).toEqual(tg === 3100 ? ["max-duration"] : []);
    }
  });

  test("late entry: a stream may start at a voice burst (no header)", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, header: false, bursts: 4 });
    expect(b.sent.length).toBe(5);
    expect(h.ofType("stream.start").length).toBe(1);
  });

  test("a lone terminator or data block does not start a stream", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 7, kind: "terminator", sequence: 0 });
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 8, kind: "rate12", sequence: 1 });
    expect(b.sent.length).toBe(0);
    expect(h.router.stats().droppedOrphan).toBe(2);
  });

  test("a new stream id on the same slot supersedes the previous stream", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, terminator: false, bursts: 2 });
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 8, bursts: 2, sequence: 10 });
    expect(h.ofType("stream.end").map((e) => [e.streamId, e.endedBy])).toEqual([
      [7, "superseded"],
      [8, "terminator"],
    ]);
    expect(b.streams()).toEqual([7, 8]);
  });

  test("sequence gaps are counted as loss", () => {
    const h = new Harness();
    const { a } = pair(h);
    const base = { sourceId: 1, destinationId: 3100, streamId: 7 };
    h.send(a, { ...base, kind: "header", sequence: 0 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 1 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 3, sequence: 4 });
    h.send(a, { ...base, kind: "terminator", sequence: 5 });
    expect(h.ofType("stream.end")[0]!.lost).toBe(2);
    expect(h.router.stats().framesLost).toBe(2);
  });

  test("sequence numbers wrap 255 → 0 without loss", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, sequence: 250, bursts: 12 });
    expect(b.sent.length).toBe(14);
    expect(h.ofType("stream.end")[0]!.lost).toBe(0);
  });
});

describe("duplicates are delivered once", () => {
  test("repeated headers (several per call, or duplicated) are delivered once", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const base = { sourceId: 1, destinationId: 3100, streamId: 7 };
    h.send(a, { ...base, kind: "header", sequence: 0 });
    h.send(a, { ...base, kind: "header", sequence: 1 });
    h.send(a, { ...base, kind: "header", sequence: 2 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 3 });
    h.send(a, { ...base, kind: "header", sequence: 4, fill: 0 });
    h.send(a, { ...base, kind: "terminator", sequence: 5 });
    expect(b.sent.map((s) => s.dataType + s.frameType * 16)).toEqual([0x21, 0x10, 0x22]);
  });

  test("DMR+ headers with a new stream id each are one call", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const base = { sourceId: 1, destinationId: 3100 };
    h.send(a, { ...base, streamId: 100, kind: "header", sequence: 0 });
    h.send(a, { ...base, streamId: 101, kind: "header", sequence: 1 });
    h.send(a, { ...base, streamId: 102, kind: "header", sequence: 2 });
    h.send(a, { ...base, streamId: 102, kind: "voice", voiceIndex: 0, sequence: 3 });
    h.send(a, { ...base, streamId: 102, kind: "terminator", sequence: 4 });
    expect(b.sent.length).toBe(3);
    expect(h.ofType("stream.start").length).toBe(1);
  });

  test("DMR+ headers whose last one (the voice's stream id) was lost are still one call with the voice", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const base = { sourceId: 1, destinationId: 3100 };
    h.send(a, { ...base, streamId: 100, kind: "header", sequence: 0 });
    h.send(a, { ...base, streamId: 101, kind: "header", sequence: 1 });
    // header 102 lost
    h.send(a, { ...base, streamId: 102, kind: "voice", voiceIndex: 0, sequence: 3 });
    h.send(a, { ...base, streamId: 102, kind: "voice", voiceIndex: 1, sequence: 4 });
    h.send(a, { ...base, streamId: 102, kind: "terminator", sequence: 5 });
    expect(b.sent.map((s) => s.dataType + s.frameType * 16)).toEqual([0x21, 0x10, 0x01, 0x22]);
    expect(h.ofType("stream.start").length).toBe(1);
    expect(h.ofType("stream.end").map((e) => e.endedBy)).toEqual(["terminator"]);
    // a new call of the same parties after voice is still a new call
    h.advance(500);
    h.send(a, { ...base, streamId: 103, kind: "voice", voiceIndex: 0, sequence: 6 });
    expect(h.ofType("stream.start").length).toBe(2);
  });

  test("a header reordered behind the first voice burst is an old frame of the call, not a new call (DMR+ ids or stream id 0)", () => {
    // SEED=335: DMR+ header 1 arrived after the voice had joined the call of header 0; it opened a
    // new call and split the parrot recording
    for (const ids of [
      [100, 101, 102],
      [0, 0, 0],
    ]) {
      const h = new Harness();
      const { a, b } = pair(h);
      const base = { sourceId: 1, destinationId: 3100 };
      h.send(a, { ...base, streamId: ids[0]!, kind: "header", sequence: 0 });
      h.send(a, { ...base, streamId: ids[2]!, kind: "voice", voiceIndex: 0, sequence: 3 });
      h.send(a, { ...base, streamId: ids[1]!, kind: "header", sequence: 1 }); // late
      h.send(a, { ...base, streamId: ids[2]!, kind: "voice", voiceIndex: 1, sequence: 4 });
      h.send(a, { ...base, streamId: ids[2]!, kind: "terminator", sequence: 5 });
      expect(h.ofType("stream.start").length).toBe(1);
      expect(h.ofType("stream.end").map((e) => e.endedBy)).toEqual(["terminator"]);
      expect(b.sent.map((s) => s.dataType + s.frameType * 16)).toEqual([0x21, 0x10, 0x01, 0x22]);
    }
  });

  test("duplicated terminators and late frames after the end are dropped", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const seq = h.call(a, { sourceId: 1, destinationId: 3100, streamId: 7, bursts: 2 });
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 7, kind: "terminator", sequence: seq - 1 });
    h.send(a, { sourceId: 1, destinationId: 3100, streamId: 7, kind: "voice", voiceIndex: 2, sequence: seq - 2 });
    expect(b.sent.length).toBe(4);
    expect(h.ofType("stream.start").length).toBe(1);
  });

  test("repeated sequence numbers and identical packets are delivered once", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const base = { sourceId: 1, destinationId: 3100, streamId: 7 };
    h.send(a, { ...base, kind: "header", sequence: 0 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 1 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 1 }); // identical
    h.send(a, { ...base, kind: "voice", voiceIndex: 1, sequence: 1, fill: 55 }); // same seq, other content
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 2, fill: 1 }); // identical content, next seq
    h.send(a, { ...base, kind: "voice", voiceIndex: 1, sequence: 3 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 2, sequence: 2 }); // older
    expect(b.sent.map((s) => s.sequence)).toEqual([0, 1, 3]);
    const st = h.router.stats();
    expect(st.droppedDuplicate).toBe(3);
    expect(st.droppedStale).toBe(1);
  });

  test("only a whole identical tail is a duplicate: the same flags with other content go through; the next call is checked against its own frames", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const base = { sourceId: 1, destinationId: 3100, streamId: 7 };
    h.send(a, { ...base, kind: "header", sequence: 0 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 1, fill: 10 });
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 2, fill: 11 }); // same flags, other payload
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 3, fill: 11 }); // identical to the last
    h.send(a, { ...base, kind: "voice", voiceIndex: 0, sequence: 4, fill: 10 }); // identical to the one before the last
    expect(b.sent.map((s) => s.sequence)).toEqual([0, 1, 2, 4]);
    expect(h.router.stats().droppedDuplicate).toBe(1);
    // the next call (a stream record from the pool again): its own repeated frame is caught
    const other = { sourceId: 2, destinationId: 3100, streamId: 8 };
    h.send(a, { ...base, kind: "terminator", sequence: 5 });
    h.send(a, { ...other, kind: "header", sequence: 6 });
    h.send(a, { ...other, kind: "voice", voiceIndex: 0, sequence: 7, fill: 10 });
    h.send(a, { ...other, kind: "voice", voiceIndex: 0, sequence: 8, fill: 10 });
    expect(b.sent.map((s) => s.sequence)).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(h.router.stats().droppedDuplicate).toBe(2);
  });

  test("stream id 0 is tolerated (BrandMeister): calls are told apart by header and parties", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 0, bursts: 2 });
    h.advance(100);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 0, bursts: 2, sequence: 20 });
    h.advance(100);
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 0, bursts: 2, sequence: 40, terminator: false });
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 0, bursts: 2, sequence: 60 });
    expect(b.sent.length).toBe(4 + 4 + 3 + 4);
    expect(h.ofType("stream.start").length).toBe(4);
  });
});

describe("simplex / DMO hotspots", () => {
  test("deliver on TS2, accept from either slot", () => {
    const h = new Harness();
    const s = h.hotspot({ simplex: true, options: "TS1=3100" });
    const d = h.hotspot({ options: "TS1=3100;TS2=3101" });
    h.call(d, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    expect(s.sent.length).toBe(8);
    expect(s.sent.every((x) => x.slot === 2)).toBe(true);
    s.clear();
    h.advance(11_000);
    h.call(s, { sourceId: 2, destinationId: 3101, slot: 1, streamId: 2 });
    expect(d.sent.length).toBe(8);
    expect(d.sent.every((x) => x.slot === 2)).toBe(true);
    expect(h.router.subscriptions(s).map((x) => `${x.slot}:${x.talkgroupId}`)).toEqual(["2:3100", "2:3101"]);
  });
});

describe("events", () => {
  test("stream.start/end carry source, destination, slot, call type, kind, duration, frames, loss", () => {
    const h = new Harness();
    const { a } = pair(h);
    h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 42, bursts: 6 });
    const start = h.ofType("stream.start")[0]!;
    expect(start).toMatchObject({ streamId: 42, portIndex: a.portIndex, portName: a.name, sourceId: 3120001, destinationId: 3100, slot: 1, callType: "group", kind: "voice" });
    const end = h.ofType("stream.end")[0]!;
    expect(end).toMatchObject({ streamId: 42, sourceId: 3120001, destinationId: 3100, frames: 8, lost: 0, endedBy: "terminator", talkerAlias: null });
    expect(end.durationMs).toBe(7 * 60);
  });

  test("each call's start and end name its own port, also when the next call reuses the stream record", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 42, bursts: 2 });
    h.call(b, { sourceId: 3120002, destinationId: 3100, slot: 1, streamId: 43, bursts: 2 });
    h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 44, bursts: 2 });
    expect(h.ofType("stream.start").map((e) => e.portName)).toEqual([a.name, b.name, a.name]);
    expect(h.ofType("stream.end").map((e) => e.portName)).toEqual([a.name, b.name, a.name]);
    expect(a.name).not.toBe(b.name);
  });

  test("the talker alias sent inside the stream is reported at its end and passes through untouched", () => {
    const h = new Harness();
    const { a, b } = pair(h);
    const c = h.hotspot();
    h.router.dial(h.nowMs, c, 3100);
    h.realCall(a, { sourceId: 2345678, destinationId: 3100, slot: 1, streamId: 42, superframes: 4, talkerAlias: "N0CALL Probe" });
    expect(h.ofType("stream.end")[0]!.talkerAlias).toBe("N0CALL Probe");
    // published once while the call was on air, as soon as the alias was complete
    expect(h.ofType("stream.alias").map((e) => e.talkerAlias)).toEqual(["N0CALL Probe"]);
    // unrewritten target: burst bytes identical to what was sent
    const { StreamInspector } = require("../../../src/dmr/stream_inspector.ts") as typeof import("../../../src/dmr/stream_inspector.ts");
    const insB = new StreamInspector();
    for (const s of b.sent) insB.push(s.bytes);
    expect(insB.talkerAliases).toEqual(["N0CALL Probe"]);
    // rewritten target (TG 9): the alias still arrives intact
    const insC = new StreamInspector();
    for (const s of c.sent) insC.push(s.bytes);
    expect(insC.talkerAliases).toEqual(["N0CALL Probe"]);
    expect(insC.headers[0]!.destinationId).toBe(9);
  });
});

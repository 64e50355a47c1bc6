import { describe, expect, test } from "bun:test";
import { Harness } from "./harness.ts";

/** routingOptions' default stream timeout (HBlink/FreeDMR STREAM_TO). */
const STREAM_TIMEOUT_MS = 360;

describe("contention: one stream per (port, slot)", () => {
  test("first come, first served; the later stream is not delivered while the slot is busy", () => {
    const h = new Harness();
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100,3200" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3200, streamId: 2 });
    for (let i = 0; i < 5; i++) {
      callA.burst();
      callC.burst();
      h.advance(60);
    }
    expect(b.streams()).toEqual([1]);
    expect(h.router.stats().deliveriesBusy).toBe(6);
    expect(h.router.activeStreams().find((s) => s.streamId === 2)!.pending).toEqual([`${b.portIndex}:1`]);
  });

  test("the other slot is independent", () => {
    const h = new Harness();
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100;TS2=3200" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3200, streamId: 2, slot: 2 });
    callA.burst();
    callC.burst();
    expect(b.streams()).toEqual([1, 2]);
  });

  // 3 bursts, and 100 (6 s): the wait runs from the call's last frame, not from when it took the
  // slot (the slot's last delivery is written when the call lets it go, slot_table.ts)
  test.each([3, 100])("a refused stream's tail waits for the stream timeout after the call it was refused for (never glued to its end): %d bursts", (bursts) => {
    const h = new Harness();
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3100, streamId: 2 });
    for (let i = 0; i < bursts; i++) {
      callA.burst();
      callC.burst();
      h.advance(60);
    }
    callA.end();
    for (let i = 0; i < 12; i++) {
      callC.burst();
      h.advance(60);
    }
    expect(b.streams()).toEqual([1, 2]);
    // STREAM_TO (360 ms) after A's terminator: nothing of C within it, C's tail after it (late entry)
    const lastA = Math.max(...b.sent.filter((s) => s.streamId === 1).map((s) => s.atMs));
    const gotC = b.sent.filter((s) => s.streamId === 2);
    expect(gotC[0]!.atMs - lastA).toBe(STREAM_TIMEOUT_MS);
    expect(gotC.length).toBe(12 - STREAM_TIMEOUT_MS / 60);
  });

  test("a new call (not refused here) on the same TG takes the slot at once after the previous one ends", () => {
    const h = new Harness();
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    for (let i = 0; i < 3; i++) {
      callA.burst();
      h.advance(60);
    }
    callA.end();
    h.advance(60);
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3100, streamId: 2 });
    callC.burst();
    expect(b.sent.filter((s) => s.streamId === 2).length).toBe(2); // header + burst
  });

  test("late entry after the hang time for a different TG", () => {
    const h = new Harness({ hangTimeMs: 1000 });
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100,3200" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3200, streamId: 2 });
    callA.burst();
    callC.burst();
    callA.end();
    for (let i = 0; i < 30; i++) {
      callC.burst();
      h.advance(60);
    }
    const got = b.sent.filter((s) => s.streamId === 2);
    // blocked for the hang time (1 s ≈ 16 bursts), delivered after
    expect(got.length).toBeGreaterThan(10);
    expect(got.length).toBeLessThan(20);
  });

  test("a session transmitting on its own slot wins over traffic being sent to it", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const d = h.hotspot({ options: "TS1=3300" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    callA.burst();
    h.advance(60);
    expect(b.sent.length).toBe(2);
    const callB = h.openCall(b, { sourceId: 2, destinationId: 3300, streamId: 2 });
    for (let i = 0; i < 3; i++) {
      callA.burst();
      callB.burst();
      h.advance(60);
    }
    expect(b.sent.length).toBe(2); // A's stream no longer goes to B
    expect(d.streams()).toEqual([2]); // B's own call is routed
    callB.end();
    // after B's call on 3300 the hang time keeps A's 3100 off B's slot
    callA.burst();
    expect(b.sent.length).toBe(2);
  });

  test("group hang time: only the same TG or the same radio may take the slot until it expires", () => {
    const h = new Harness({ hangTimeMs: 10_000 });
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100,3200,3300" });
    const c = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 1, bursts: 2 });
    h.advance(1000);
    h.call(c, { sourceId: 2, destinationId: 3200, streamId: 2, bursts: 2 }); // other TG, other radio: blocked
    h.advance(1000);
    h.call(c, { sourceId: 3, destinationId: 3100, streamId: 3, bursts: 2 }); // same TG: ok
    h.advance(1000);
    h.call(c, { sourceId: 3, destinationId: 3300, streamId: 4, bursts: 2 }); // same radio as last call: ok
    h.advance(11_000);
    h.call(c, { sourceId: 4, destinationId: 3200, streamId: 5, bursts: 2 }); // hang expired
    expect(b.streams()).toEqual([1, 3, 4, 5]);
  });

  test("the hang runs from a long call's last frame, at its listeners' slots and at its own (written when the call lets them go)", () => {
    // 12 s of call, 10 s of hang: a hang counted from the first frame (when the call took the
    // slots) would be over before the call ended
    const h = new Harness({ hangTimeMs: 10_000 });
    const a = h.hotspot({ options: "TS1=3200" });
    const b = h.hotspot({ options: "TS1=3100,3200" });
    const c = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, streamId: 1, bursts: 200 });
    const lastA = Math.max(...b.sent.filter((s) => s.streamId === 1).map((s) => s.atMs));
    expect(h.nowMs - lastA).toBeLessThan(60);
    h.advance(9_000);
    h.call(c, { sourceId: 2, destinationId: 3200, streamId: 2, bursts: 2 }); // other TG, other radio, inside the hang
    expect(b.streams()).toEqual([1]);
    expect(a.streams()).toEqual([]); // a's own slot hangs on 3100 after its own call
    h.advance(1_000);
    h.call(c, { sourceId: 2, destinationId: 3200, streamId: 3, bursts: 2 }); // hang over
    expect(b.streams()).toEqual([1, 3]);
    expect(a.streams()).toEqual([3]);
  });

  test("OpenBridge links carry many streams at once (no slot contention)", () => {
    const h = new Harness();
    const link = h.link();
    const a = h.hotspot();
    const c = h.hotspot();
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3200, streamId: 2 });
    callA.burst();
    callC.burst();
    expect(link.streams()).toEqual([1, 2]);
    expect(link.sent.every((s) => s.slot === 1)).toBe(true);
  });

  test("events and streams: a refused/blocked delivery never disturbs the sender", () => {
    const h = new Harness();
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100,3200" });
    h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 }).burst();
    const callC = h.openCall(c, { sourceId: 2, destinationId: 3200, streamId: 2 });
    callC.burst();
    callC.end();
    expect(h.ofType("stream.end").map((e) => [e.streamId, e.frames])).toEqual([[2, 3]]);
    expect(b.streams()).toEqual([1]);
  });
});

describe("contention: repeated headers keep the session's own transmission alive", () => {
  test("a session sending repeated headers longer than the stream timeout keeps its slot (seed 3805903997)", () => {
    // Repeated headers (new sequence numbers, same LC) are dropped as duplicates, but they are the
    // sender still on air: they must keep its stream from ending by silence, so traffic to its
    // slot (here a call on the same TG, retried for late entry on every frame) stays off it.
    const h = new Harness({ hangTimeMs: 10_000, streamTimeoutMs: 360 });
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const callA = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 1 });
    callA.burst();
    h.advance(60);
    expect(b.sent.length).toBe(2);
    const base = { sourceId: 2, destinationId: 3100, slot: 1 as const, streamId: 2, repeaterId: b.repeaterId };
    // B keys up: first header, then repeated headers every 60 ms for 720 ms (twice the timeout);
    // each of A's bursts comes first, so a B stream ended by silence would let A's call in
    h.send(b, { ...base, kind: "header", sequence: 0, fill: 0 });
    h.advance(60);
    for (let seq = 1; seq < 13; seq++) {
      callA.burst();
      h.send(b, { ...base, kind: "header", sequence: seq, fill: 0 });
      h.advance(60);
    }
    expect(b.sent.length).toBe(2); // A's stream never went back to B while B transmitted
    expect(h.router.activeStreams().some((s) => s.streamId === 2)).toBe(true);
    // B goes silent: its stream ends by timeout, and A's call then reaches B by late entry
    for (let i = 0; i < 10; i++) {
      callA.burst();
      h.advance(60);
    }
    expect(h.router.activeStreams().some((s) => s.streamId === 2)).toBe(false);
    expect(b.sent.length).toBeGreaterThan(2);
  });
});

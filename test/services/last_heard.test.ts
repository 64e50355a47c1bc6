import { describe, expect, test } from "bun:test";
import { BoundedRing, LastHeard } from "../../src/services/last_heard.ts";
import { end } from "./fixtures.ts";

describe("BoundedRing", () => {
  test("keeps the newest `capacity` entries, newest first, counting what it overwrote", () => {
    const ring = new BoundedRing<number>(3);
    expect(ring.newestFirst()).toEqual([]);
    ring.push(1);
    ring.push(2);
    expect(ring.newestFirst()).toEqual([2, 1]);
    for (const n of [3, 4, 5]) ring.push(n);
    expect(ring.size).toBe(3);
    expect(ring.newestFirst()).toEqual([5, 4, 3]);
    expect(ring.newestFirst(2)).toEqual([5, 4]);
    expect(ring.newestFirst(99)).toEqual([5, 4, 3]);
    expect(ring.newestFirst(0)).toEqual([]);
    expect(ring.pushed).toBe(5);
    expect(ring.overwritten).toBe(2);
    ring.clear();
    expect(ring.newestFirst()).toEqual([]);
  });

  test("wraps around many times without losing order", () => {
    const ring = new BoundedRing<number>(7);
    for (let i = 0; i < 1000; i++) ring.push(i);
    expect(ring.newestFirst()).toEqual([999, 998, 997, 996, 995, 994, 993]);
  });

  test("a capacity that is not a positive integer is a bug", () => {
    expect(() => new BoundedRing(0)).toThrow(RangeError);
    expect(() => new BoundedRing(1.5)).toThrow(RangeError);
  });
});

describe("LastHeard", () => {
  test("one entry per finished call: who, to whom, where from, how long, how much was lost", () => {
    const heard = new LastHeard(2);
    const wall = Date.UTC(2025, 5, 1, 12, 0, 0);
    const entry = heard.record(end(5000, 0x1234, 3), wall);
    expect(entry).toEqual({
      time: "2025-06-01T12:00:00.000Z",
      timeMs: wall,
      sourceId: 2_345_001,
      destinationId: 91,
      slot: 2,
      callType: "group",
      kind: "voice",
      talkerAlias: "G4ABC Ann",
      durationMs: 1234,
      frames: 90,
      lost: 10,
      lossPercent: 10,
      port: "G4ABC/3",
      portIndex: 3,
      streamId: 0x1234,
      endedBy: "terminator",
    });
  });

  test("is bounded: the oldest call goes first", () => {
    const heard = new LastHeard(2);
    for (const id of [1, 2, 3]) heard.record(end(id, id, 0, { sourceId: 1000 + id }), id);
    expect(heard.size).toBe(2);
    expect(heard.capacity).toBe(2);
    expect(heard.list(10).map((e) => e.sourceId)).toEqual([1003, 1002]);
  });

  test("a call with no frames has 0 % loss, not NaN", () => {
    const heard = new LastHeard(1);
    expect(heard.record(end(1, 1, 0, { frames: 0, lost: 0 }), 0).lossPercent).toBe(0);
    expect(heard.record(end(1, 1, 0, { frames: 2, lost: 1 }), 0).lossPercent).toBe(33.3);
  });
});

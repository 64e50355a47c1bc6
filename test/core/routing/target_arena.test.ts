/**
 * The router-wide store of stream targets (streams/target_arena.ts): runs are powers of two rows on
 * four-row boundaries, released runs are handed out again, growing the store keeps every row, and
 * a Stream's targets survive it taking a larger run (Stream.ensureTargetCapacity).
 */
import { describe, expect, test } from "bun:test";
import { MIN_RUN, TargetArena } from "../../../src/core/routing/streams/target_arena.ts";
import { PortState, Stream, TargetOutcome } from "../../../src/core/routing/state.ts";
import { DEFAULT_REWRITER } from "../../../src/core/routing/frames/default_rewriter.ts";
import { CallType } from "../../../src/wire/dmrd.ts";

describe("TargetArena", () => {
  test("runs start on four-row boundaries and do not overlap", () => {
    const arena = new TargetArena(8);
    const runs = [4, 8, 4, 16, 4].map((run) => ({ run, first: arena.allocate(run) }));
    for (const { first } of runs) expect(first % MIN_RUN).toBe(0);
    const covered = new Set<number>();
    for (const { run, first } of runs) {
      for (let r = first; r < first + run; r++) {
        expect(covered.has(r)).toBe(false);
        covered.add(r);
      }
    }
    expect(arena.rows).toBeGreaterThanOrEqual(36);
  });

  test("a released run is handed out again before the store grows", () => {
    const arena = new TargetArena(16);
    const a = arena.allocate(8);
    arena.allocate(8);
    const rows = arena.rows;
    arena.release(a, 8);
    expect(arena.allocate(8)).toBe(a);
    expect(arena.rows).toBe(rows);
  });

  test("growing keeps every row's bytes and port", () => {
    const arena = new TargetArena(4);
    const ps = new PortState(7);
    const first = arena.allocate(4);
    arena.i32[first * 4] = 12345;
    arena.u8[first * 16 + 4] = 2;
    arena.ports[first] = ps;
    arena.allocate(64); // grows the store
    expect(arena.rows).toBeGreaterThanOrEqual(68);
    expect(arena.i32[first * 4]).toBe(12345);
    expect(arena.u8[first * 16 + 4]).toBe(2);
    expect(arena.ports[first]).toBe(ps);
  });

  test("runs must be powers of two of at least four rows", () => {
    const arena = new TargetArena();
    expect(() => arena.allocate(6)).toThrow();
    expect(() => arena.allocate(2)).toThrow();
  });
});

describe("Stream targets in the arena", () => {
  test("targets keep their columns when the stream takes larger runs, and the old runs are reused", () => {
    const arena = new TargetArena(8);
    const stream = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
    const other = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
    const ports = Array.from({ length: 40 }, (_, i) => new PortState(i));
    for (let t = 0; t < 40; t++) {
      stream.ensureTargetCapacity(t + 1);
      stream.setTarget(t, ports[t]!, ((t % 2) + 1) as 1 | 2, 91_000 + t, t % 3 === 0 ? CallType.Unit : CallType.Group);
      if (t % 5 === 0) stream.setTargetRewrite(t, t % 8);
      if (t % 7 === 0) stream.quenchTarget(t);
      stream.targetCount = t + 1;
    }
    expect(stream.targetCapacity).toBe(64);
    for (let t = 0; t < 40; t++) {
      expect(stream.targetPort(t)).toBe(ports[t]!);
      expect(stream.targetSlot(t)).toBe(((t % 2) + 1) as 1 | 2);
      expect(stream.targetDestination(t)).toBe(91_000 + t);
      expect(stream.targetCallType(t)).toBe(t % 3 === 0 ? CallType.Unit : CallType.Group);
      expect(stream.targetRewrite(t)).toBe(t % 5 === 0 ? t % 8 : -1);
      expect(stream.targetQuenched(t)).toBe(t % 7 === 0);
      expect(stream.targetOutcome(t)).toBe(TargetOutcome.None);
    }
    // the other stream's run was never touched
    expect(other.targetCount).toBe(0);
    expect(arena.ports[other.targetRow]).toBeNull();
    // moving and clearing keeps the list dense and forgets the ports
    stream.moveTarget(39, 0);
    expect(stream.targetPort(0)).toBe(ports[39]!);
    expect(stream.targetDestination(0)).toBe(91_039);
    stream.clearTargets();
    expect(stream.targetCount).toBe(0);
    for (let t = 0; t < 40; t++) expect(stream.targetPort(t)).toBeNull();
    // the runs it gave up (4, 8, 16, 32 rows) serve the next streams without growing the store
    const rows = arena.rows;
    const third = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
    third.ensureTargetCapacity(20);
    expect(arena.rows).toBe(rows);
  });
});

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
import type { RouterPort } from "../../../src/core/router_port.ts";

/** PortStates 0 … n−1 as the router keeps them (by index), each up with a stand-in port. */
function portStates(n: number): PortState[] {
  return Array.from({ length: n }, (_, i) => {
    const ps = new PortState(i);
    ps.port = { portIndex: i } as unknown as RouterPort;
    ps.trunk = i % 4 === 3;
    return ps;
  });
}

describe("TargetArena", () => {
  test("runs start on four-row boundaries and do not overlap", () => {
    const arena = new TargetArena([], 8);
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
    const arena = new TargetArena([], 16);
    const a = arena.allocate(8);
    arena.allocate(8);
    const rows = arena.rows;
    arena.release(a, 8);
    expect(arena.allocate(8)).toBe(a);
    expect(arena.rows).toBe(rows);
  });

  test("growing keeps every row's bytes and port", () => {
    const arena = new TargetArena([], 4);
    const port = portStates(1)[0]!.port!;
    const first = arena.allocate(4);
    arena.i32[first * 4] = 12345;
    arena.u8[first * 16 + 4] = 2;
    arena.ports[first] = port;
    arena.allocate(64); // grows the store
    expect(arena.rows).toBeGreaterThanOrEqual(68);
    expect(arena.i32[first * 4]).toBe(12345);
    expect(arena.u8[first * 16 + 4]).toBe(2);
    expect(arena.ports[first]).toBe(port);
  });

  test("runs must be powers of two of at least four rows", () => {
    const arena = new TargetArena([]);
    expect(() => arena.allocate(6)).toThrow();
    expect(() => arena.allocate(2)).toThrow();
  });
});

describe("Stream targets in the arena", () => {
  test("targets keep their columns when the stream takes larger runs, and the old runs are reused", () => {
    const ports = portStates(40);
    const arena = new TargetArena(ports, 8);
    const stream = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
    const other = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
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
      // delivery reads the port and the trunk flag from the row, not from the PortState
      expect(arena.ports[stream.targetRow + t]).toBe(ports[t]!.port);
      expect(arena.u8[(stream.targetRow + t) * 16 + 10]).toBe(t % 4 === 3 ? 1 : 0);
      expect(arena.i32[(stream.targetRow + t) * 4 + 3]).toBe(t);
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
    for (let t = 0; t < 40; t++) {
      expect(stream.targetPort(t)).toBeNull();
      expect(arena.ports[stream.targetRow + t]).toBeNull();
    }
    // the runs it gave up (4, 8, 16, 32 rows) serve the next streams without growing the store
    const rows = arena.rows;
    const third = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
    third.ensureTargetCapacity(20);
    expect(arena.rows).toBe(rows);
  });
});

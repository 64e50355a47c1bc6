/**
 * The router's per (port, slot) contention columns (slot_table.ts): all-zero bytes are a reset slot,
 * every field of a slot is independent of the other fields and of every other slot, streams are
 * named by their record number, and a slot's last delivery reads −∞ until there was one.
 */
import { describe, expect, test } from "bun:test";
import { SlotTable, StreamRegistry, slotKey } from "../../../src/core/routing/slot_table.ts";
import { Stream } from "../../../src/core/routing/state.ts";
import { TargetArena } from "../../../src/core/routing/streams/target_arena.ts";
import { CallType } from "../../../src/wire/dmrd.ts";
import { DEFAULT_REWRITER } from "../../../src/core/routing/frames/default_rewriter.ts";
import { canTake, tailMayTake } from "../../../src/core/routing/frames/contention.ts";

function streams(n: number): { registry: StreamRegistry; list: Stream[] } {
  const registry = new StreamRegistry();
  const list: Stream[] = [];
  const arena = new TargetArena([]);
  for (let i = 0; i < n; i++) {
    const s = new Stream(DEFAULT_REWRITER.sourceLc(), arena);
    registry.add(s);
    list.push(s);
  }
  return { registry, list };
}

describe("SlotTable", () => {
  test("a fresh slot is free: no streams, no hang, never delivered to", () => {
    const { registry } = streams(1);
    const slots = new SlotTable(1000, registry);
    expect(slots.capacity).toBe(0);
    slots.ensurePorts(100);
    expect(slots.capacity).toBe(2 * 256); // grows by at least 256 ports
    for (const k of [0, 1, 57, 199, 511]) {
      expect([slots.rx(k), slots.tx(k), slots.hangUntilMs(k), slots.hangDestinationId(k), slots.hangSourceId(k), slots.hangCallType(k)]).toEqual([null, null, 0, 0, 0, CallType.Group]);
      expect(slots.lastTxAtMs(k)).toBe(Number.NEGATIVE_INFINITY);
      expect(canTake(0, slots, k, 1, 2, CallType.Group)).toBe(true);
      expect(tailMayTake(0, slots, k, 360)).toBe(true);
      expect([slots.targetStamp(k), slots.playbackStamp(k)]).toEqual([0, 0]);
    }
  });

  test("grows by an eighth beyond 2,048 ports, never past maxPorts, keeping every record", () => {
    const { registry, list } = streams(1);
    const slots = new SlotTable(3000, registry);
    slots.ensurePorts(2048);
    expect(slots.capacity).toBe(2 * 2048);
    slots.setRx(4095, list[0]!);
    slots.setTx(4093, list[0]!);
    slots.setHang(4094, 77, 9, CallType.Group, 3120001);
    slots.setTargetStamp(17, 5);
    slots.setLastTxAtMs(4092, 66);
    slots.ensurePorts(2049);
    expect(slots.capacity).toBe(2 * (2048 + 256));
    slots.ensurePorts(2048 + 257);
    expect(slots.capacity).toBe(2 * (2304 + 288));
    slots.ensurePorts(2999); // more than an eighth at once: as asked
    expect(slots.capacity).toBe(2 * 2999);
    slots.ensurePorts(5000); // maxPorts is the bound
    expect(slots.capacity).toBe(2 * 3000);
    expect([slots.rx(4095), slots.tx(4093), slots.hangUntilMs(4094), slots.hangSourceId(4094), slots.targetStamp(17)]).toEqual([list[0]!, list[0]!, 77, 3120001, 5]);
    expect([slots.tx(4095), slots.rx(4093)]).toEqual([null, null]);
    expect([slots.lastTxAtMs(4092), slots.lastTxAtMs(4091)]).toEqual([66, Number.NEGATIVE_INFINITY]); // 'delivered' kept too
  });

  test("keys: port index · 2 + slot − 1", () => {
    expect([slotKey(0, 1), slotKey(0, 2), slotKey(7, 1), slotKey(7, 2)]).toEqual([0, 1, 14, 15]);
  });

  test("fields are independent across slots; streams come back by record; reset clears one slot only", () => {
    const { registry, list } = streams(3);
    const slots = new SlotTable(4, registry);
    slots.ensurePorts(4);
    slots.setRx(2, list[1]!);
    slots.setTx(3, list[2]!);
    slots.setTx(2, list[0]!);
    slots.setHang(3, 1234.5, 3100, CallType.Unit, 3120001);
    slots.setLastTxAtMs(3, 1000.25);
    slots.setLastTxAtMs(4, 0); // a delivery at time 0 is not "never"
    expect([slots.rx(2), slots.tx(2), slots.rx(3), slots.tx(3)]).toEqual([list[1]!, list[0]!, null, list[2]!]);
    expect([slots.hangUntilMs(3), slots.hangDestinationId(3), slots.hangCallType(3), slots.hangSourceId(3), slots.lastTxAtMs(3)]).toEqual([1234.5, 3100, CallType.Unit, 3120001, 1000.25]);
    expect(slots.lastTxAtMs(4)).toBe(0);
    expect([slots.hangUntilMs(2), slots.lastTxAtMs(2), slots.hangUntilMs(4)]).toEqual([0, Number.NEGATIVE_INFINITY, 0]);
    expect(canTake(1000, slots, 3, 1, 2, CallType.Group)).toBe(false); // a stream is delivered to it
    slots.setTx(3, null);
    expect(canTake(1000, slots, 3, 1, 2, CallType.Group)).toBe(false); // hang: other destination
    expect(canTake(1000, slots, 3, 3120001, 2, CallType.Group)).toBe(true); // hang: the same radio
    expect(canTake(1234.5, slots, 3, 1, 2, CallType.Group)).toBe(true); // hang over
    expect(tailMayTake(1000.25 + 359, slots, 3, 360)).toBe(false);
    expect(tailMayTake(1000.25 + 360, slots, 3, 360)).toBe(true);
    slots.setTargetStamp(3, 42);
    slots.setPlaybackStamp(3, 7);
    slots.reset(3);
    expect([slots.tx(3), slots.hangUntilMs(3), slots.hangDestinationId(3), slots.hangSourceId(3), slots.lastTxAtMs(3)]).toEqual([null, 0, 0, 0, Number.NEGATIVE_INFINITY]);
    expect([slots.targetStamp(3), slots.playbackStamp(3)]).toEqual([42, 7]); // stamps name streams and ticks: they stay
    expect([slots.rx(2), slots.tx(2), slots.lastTxAtMs(4)]).toEqual([list[1]!, list[0]!, 0]);
  });

  test("deliveredIfHeld notes a delivery only while the slot carries that stream", () => {
    const { registry, list } = streams(2);
    const slots = new SlotTable(4, registry);
    slots.ensurePorts(4);
    expect(slots.deliveredIfHeld(5, list[0]!, 100, 2100, 91, CallType.Group, 3120001)).toBe(false);
    expect([slots.hangUntilMs(5), slots.lastTxAtMs(5)]).toEqual([0, Number.NEGATIVE_INFINITY]);
    slots.setTx(5, list[1]!);
    expect(slots.deliveredIfHeld(5, list[0]!, 100, 2100, 91, CallType.Group, 3120001)).toBe(false);
    expect(slots.hangUntilMs(5)).toBe(0);
    expect(slots.deliveredIfHeld(5, list[1]!, 100, 2100, 91, CallType.Unit, 3120001)).toBe(true);
    expect([slots.lastTxAtMs(5), slots.hangUntilMs(5), slots.hangDestinationId(5), slots.hangCallType(5), slots.hangSourceId(5)]).toEqual([100, 2100, 91, CallType.Unit, 3120001]);
    expect([slots.hangUntilMs(4), slots.hangUntilMs(6), slots.lastTxAtMs(4)]).toEqual([0, 0, Number.NEGATIVE_INFINITY]);
  });

  test("hang source and call type share a word, 'delivered' sits apart: each is written without disturbing the others, at the edges of a 24-bit id", () => {
    const { registry, list } = streams(1);
    const slots = new SlotTable(2, registry);
    slots.ensurePorts(2);
    const k = slotKey(1, 2);
    slots.setLastTxAtMs(k, 500);
    slots.setHang(k, 900, 0xffffff, CallType.Unit, 0xffffff); // the largest DMR ids
    expect([slots.hangSourceId(k), slots.hangCallType(k), slots.hangDestinationId(k), slots.lastTxAtMs(k)]).toEqual([0xffffff, CallType.Unit, 0xffffff, 500]);
    slots.setHang(k, 950, 91, CallType.Group, 0);
    expect([slots.hangSourceId(k), slots.hangCallType(k), slots.lastTxAtMs(k)]).toEqual([0, CallType.Group, 500]); // still delivered
    slots.setTx(k, list[0]!);
    expect(slots.deliveredIfHeld(k, list[0]!, 1000, 4000, 3100, CallType.Unit, 3_120_001)).toBe(true);
    expect([slots.hangUntilMs(k), slots.hangDestinationId(k), slots.hangCallType(k), slots.hangSourceId(k), slots.lastTxAtMs(k)]).toEqual([4000, 3100, CallType.Unit, 3_120_001, 1000]);
    slots.reset(k);
    expect([slots.hangSourceId(k), slots.hangCallType(k), slots.lastTxAtMs(k)]).toEqual([0, CallType.Group, Number.NEGATIVE_INFINITY]);
    // the neighbouring slot's record never moved
    expect([slots.hangSourceId(k - 1), slots.lastTxAtMs(k - 1), slots.hangUntilMs(k - 1)]).toEqual([0, Number.NEGATIVE_INFINITY, 0]);
  });

  test("a stream record is numbered once", () => {
    const { registry, list } = streams(2);
    expect(list.map((s) => s.recordNumber)).toEqual([0, 1]);
    expect(() => registry.add(list[0]!)).toThrow();
  });
});

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
  test("a fresh slot is free: no streams, no hang, never delivered to; every port index is covered from the start", () => {
    const { registry } = streams(1);
    const slots = new SlotTable(1000, registry);
    expect(slots.capacity).toBe(2 * 1000);
    for (const k of [0, 1, 57, 199, 511, 1999]) {
      expect([slots.rx(k), slots.tx(k), slots.hangUntilMs(k), slots.hangDestinationId(k), slots.hangSourceId(k), slots.hangCallType(k)]).toEqual([null, null, 0, 0, 0, CallType.Group]);
      expect(slots.lastTxAtMs(k)).toBe(Number.NEGATIVE_INFINITY);
      expect(canTake(0, slots, k, 1, 2, CallType.Group)).toBe(true);
      expect(tailMayTake(0, slots, k, 360)).toBe(true);
      expect([slots.targetStamp(k), slots.playbackStamp(k)]).toEqual([0, 0]);
    }
  });

  test("reset clears every field it owns, whichever were written, and leaves the stamps", () => {
    const { registry, list } = streams(2);
    const slots = new SlotTable(8, registry);
    // each field written alone on its own slot, then all of them on one
    slots.setRx(0, list[0]!);
    slots.setTx(1, list[1]!);
    slots.setHang(2, 77, 9, CallType.Unit, 3120001);
    slots.setLastTxAtMs(3, 66);
    slots.setRx(4, list[1]!);
    slots.setHang(4, 88, 10, CallType.Unit, 3120002);
    slots.take(4, list[0]!, 90, 95, 11, CallType.Group, 3120003);
    slots.setTargetStamp(4, 5);
    slots.setPlaybackStamp(4, 6);
    for (const k of [0, 1, 2, 3, 4, 5]) {
      slots.reset(k);
      expect([slots.rx(k), slots.tx(k), slots.hangUntilMs(k), slots.hangDestinationId(k), slots.hangSourceId(k), slots.hangCallType(k), slots.lastTxAtMs(k)]).toEqual([null, null, 0, 0, 0, CallType.Group, Number.NEGATIVE_INFINITY]);
    }
    expect([slots.targetStamp(4), slots.playbackStamp(4)]).toEqual([5, 6]);
  });

  test("keys: port index · 2 + slot − 1", () => {
    expect([slotKey(0, 1), slotKey(0, 2), slotKey(7, 1), slotKey(7, 2)]).toEqual([0, 1, 14, 15]);
  });

  test("fields are independent across slots; streams come back by record; reset clears one slot only", () => {
    const { registry, list } = streams(3);
    const slots = new SlotTable(4, registry);
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

  test("take writes the delivery and the hang at once; while held nothing is written; holds names the stream", () => {
    const { registry, list } = streams(2);
    const slots = new SlotTable(4, registry);
    expect(slots.holds(5, list[0]!)).toBe(false);
    slots.take(5, list[1]!, 100, 2100, 91, CallType.Unit, 3120001);
    expect([slots.holds(5, list[1]!), slots.holds(5, list[0]!), slots.tx(5)]).toEqual([true, false, list[1]!]);
    expect([slots.lastTxAtMs(5), slots.hangUntilMs(5), slots.hangDestinationId(5), slots.hangCallType(5), slots.hangSourceId(5)]).toEqual([100, 2100, 91, CallType.Unit, 3120001]);
    expect([slots.hangUntilMs(4), slots.hangUntilMs(6), slots.lastTxAtMs(4)]).toEqual([0, 0, Number.NEGATIVE_INFINITY]);
  });

  test("a routed stream that lets a target slot go leaves its last routed frame as the last delivery and the hang from it", () => {
    const { registry, list } = streams(2);
    const slots = new SlotTable(4, registry);
    const s = list[0]!;
    s.routedAtMs = 100;
    s.routedHangUntilMs = 10_100;
    slots.take(5, s, 100, 10_100, 91, CallType.Group, 3120001);
    // later frames: the stream's record moves on, the slot's is not written
    s.routedAtMs = 160;
    s.routedHangUntilMs = 10_160;
    expect([slots.lastTxAtMs(5), slots.hangUntilMs(5)]).toEqual([100, 10_100]);
    slots.setTx(5, s); // the same stream again: nothing let go
    expect([slots.lastTxAtMs(5), slots.hangUntilMs(5)]).toEqual([100, 10_100]);
    slots.setTx(5, null);
    expect([slots.lastTxAtMs(5), slots.hangUntilMs(5), slots.hangDestinationId(5), slots.hangSourceId(5), slots.hangCallType(5)]).toEqual([160, 10_160, 91, 3120001, CallType.Group]);
    expect(canTake(10_159, slots, 5, 1, 92, CallType.Group)).toBe(false); // another TG within the hang
    expect(canTake(10_159, slots, 5, 1, 91, CallType.Group)).toBe(true); // its own TG
    expect(canTake(10_160, slots, 5, 1, 92, CallType.Group)).toBe(true);
    expect(tailMayTake(160 + 359, slots, 5, 360)).toBe(false);
    expect(tailMayTake(160 + 360, slots, 5, 360)).toBe(true);
  });

  test("a stream never routed (an announcement, a playback, a refused call) lets a slot go without writing", () => {
    const { registry, list } = streams(2);
    const slots = new SlotTable(4, registry);
    const announcement = list[0]!;
    expect(announcement.routedAtMs).toBe(Number.NEGATIVE_INFINITY);
    slots.setTx(3, announcement);
    slots.setHang(3, 700, 9, CallType.Group, 3120009); // what the announcement writes itself
    slots.setLastTxAtMs(3, 650);
    slots.setTx(3, null);
    expect([slots.lastTxAtMs(3), slots.hangUntilMs(3), slots.hangDestinationId(3)]).toEqual([650, 700, 9]);
    slots.setRx(2, announcement);
    slots.setRx(2, null);
    expect(slots.hangUntilMs(2)).toBe(0);
  });

  test("a routed stream that stops being its slot's own transmission leaves the group hang from its last routed frame", () => {
    const { registry, list } = streams(2);
    const slots = new SlotTable(4, registry);
    const s = list[1]!;
    s.hangDestinationId = 9;
    s.hangCallType = CallType.Group;
    s.sourceId = 3120042;
    slots.setRx(6, s);
    s.routedAtMs = 500;
    s.routedHangUntilMs = 10_500;
    expect(slots.hangUntilMs(6)).toBe(0); // nothing while it transmits
    slots.setRx(6, s);
    expect(slots.hangUntilMs(6)).toBe(0);
    slots.setRx(6, null);
    expect([slots.hangUntilMs(6), slots.hangDestinationId(6), slots.hangCallType(6), slots.hangSourceId(6), slots.lastTxAtMs(6)]).toEqual([10_500, 9, CallType.Group, 3120042, Number.NEGATIVE_INFINITY]);
    // the port's next transmission replacing it directly settles the same way
    const t = list[0]!;
    slots.setRx(7, s);
    slots.setRx(7, t);
    expect([slots.hangUntilMs(7), slots.rx(7)]).toEqual([10_500, t]);
  });

  test("hang source and call type share a word, 'delivered' sits apart: each is written without disturbing the others, at the edges of a 24-bit id", () => {
    const { registry, list } = streams(1);
    const slots = new SlotTable(2, registry);
    const k = slotKey(1, 2);
    slots.setLastTxAtMs(k, 500);
    slots.setHang(k, 900, 0xffffff, CallType.Unit, 0xffffff); // the largest DMR ids
    expect([slots.hangSourceId(k), slots.hangCallType(k), slots.hangDestinationId(k), slots.lastTxAtMs(k)]).toEqual([0xffffff, CallType.Unit, 0xffffff, 500]);
    slots.setHang(k, 950, 91, CallType.Group, 0);
    expect([slots.hangSourceId(k), slots.hangCallType(k), slots.lastTxAtMs(k)]).toEqual([0, CallType.Group, 500]); // still delivered
    slots.take(k, list[0]!, 1000, 4000, 3100, CallType.Unit, 3_120_001);
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

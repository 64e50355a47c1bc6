/**
 * Late copies of a call with stream id 0 (zero_id_stragglers.ts): a burst duplicated or reordered
 * on the way and arriving just after the terminator is not a new call (found by the routing
 * simulation, seeds 403437139 and 1233: listeners and the parrot got a frame twice); a new call of
 * the same radio right after, without a header, still is.
 */
import { describe, expect, test } from "bun:test";
import { Harness } from "./harness.ts";
import { SEQUENCE_WINDOW, STRAGGLER_WINDOW_MS, ZeroIdStragglers } from "../../../src/core/routing/streams/zero_id_stragglers.ts";
import type { DmrdFrame } from "../../../src/wire/dmrd.ts";

const frame = (sourceId: number, destinationId: number, sequence: number) => ({ sourceId, destinationId, sequence }) as DmrdFrame;

describe("ZeroIdStragglers", () => {
  test("a frame of the same parties not newer than the call's last, within the window, is a straggler", () => {
    const z = new ZeroIdStragglers();
    z.remember(7, 3120001, 3100, 103, 1000);
    expect(z.isStraggler(7, frame(3120001, 3100, 102), 1040)).toBe(true);
    expect(z.isStraggler(7, frame(3120001, 3100, 103), 1040)).toBe(true); // the same number again
    expect(z.isStraggler(7, frame(3120001, 3100, (103 - SEQUENCE_WINDOW + 1) & 0xff), 1040)).toBe(true);
    expect(z.isStraggler(7, frame(3120001, 3100, (103 - SEQUENCE_WINDOW) & 0xff), 1040)).toBe(false);
    expect(z.isStraggler(7, frame(3120001, 3100, 104), 1040)).toBe(false); // newer: not a copy
    expect(z.isStraggler(7, frame(3120001, 3100, 0), 1040)).toBe(false); // a new call numbers from 0
    expect(z.isStraggler(7, frame(3120002, 3100, 102), 1040)).toBe(false);
    expect(z.isStraggler(7, frame(3120001, 3101, 102), 1040)).toBe(false);
    expect(z.isStraggler(6, frame(3120001, 3100, 102), 1040)).toBe(false);
    expect(z.isStraggler(7, frame(3120001, 3100, 102), 1000 + STRAGGLER_WINDOW_MS + 1)).toBe(false);
  });

  test("wraps around 255; a port's records go with it; one record per (port, slot), reused", () => {
    const z = new ZeroIdStragglers();
    z.remember(4, 1, 2, 2, 0);
    expect(z.isStraggler(4, frame(1, 2, 250), 10)).toBe(true); // 2 − 250 ≡ 8 behind
    z.remember(4, 1, 2, 9, 20);
    expect(z.size).toBe(1);
    z.remember(5, 1, 2, 9, 20);
    z.forgetPort(2);
    expect(z.size).toBe(0);
    expect(z.isStraggler(4, frame(1, 2, 8), 30)).toBe(false);
  });
});

describe("calls with stream id 0 through the router", () => {
  test("a burst arriving after the terminator is dropped, not routed as a new call; the radio's next call is routed", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100;" });
    const b = h.hotspot({ options: "TS1=3100;" });
    const next = h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0, bursts: 6 });
    expect(b.sent.length).toBe(8);
    h.advance(40);
    // a copy of the last burst (sequence 6), late: the call ended at 7
    h.send(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0, repeaterId: a.repeaterId, kind: "voice", voiceIndex: 5, sequence: next - 2 });
    expect(b.sent.length).toBe(8);
    expect(h.ofType("stream.start").length).toBe(1);
    // the same radio keys up again, its header lost: a new call (late entry) from sequence 0
    h.advance(300);
    h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0, bursts: 3, header: false });
    expect(b.sent.length).toBe(12);
    expect(h.ofType("stream.start").length).toBe(2);
  });

  test("calls with a stream id are not affected (their late copies are known by id)", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100;" });
    const b = h.hotspot({ options: "TS1=3100;" });
    const next = h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0x4242, bursts: 6 });
    h.advance(40);
    h.send(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0x4242, repeaterId: a.repeaterId, kind: "voice", voiceIndex: 5, sequence: next - 2 });
    expect(b.sent.length).toBe(8);
    h.advance(300);
    h.call(a, { sourceId: 3120001, destinationId: 3100, slot: 1, streamId: 0x4343, bursts: 3, header: false });
    expect(b.sent.length).toBe(12);
  });
});

/**
 * A call's events (router_events.ts): the port's name is made once per call and carried by the
 * subscription renewal, stream.start and stream.end alike; stream.start lists targets and
 * stream.end lists undelivered targets only when there are any (no key otherwise).
 */
import { describe, expect, test } from "bun:test";
import type { CoreEvent } from "../../../src/core/events.ts";
import { Harness, type FakePort } from "./harness.ts";

/** Count reads of the port's name (a hotspot session makes it from its callsign code on each read). */
function countNameReads(port: FakePort): { reads: number } {
  const counter = { reads: 0 };
  const name = port.name;
  Object.defineProperty(port, "name", {
    get: () => {
      counter.reads++;
      return name;
    },
  });
  return counter;
}

type Of<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

describe("a call's events", () => {
  test("a renewed UA talkgroup, stream.start and stream.end carry one name made once per call", () => {
    const h = new Harness({ uaTimerMinutes: 10 });
    const a = h.hotspot({ name: "M0ABC/3100001" });
    const b = h.hotspot({ options: "TS1=3100" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 }); // user-activated
    h.advance(5_000);
    const reads = countNameReads(a);
    const before = h.events.events.length;
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 2 }); // renewed
    const events = h.events.events.slice(before);
    const renewed = events.filter((e): e is Of<"subscription.change"> => e.type === "subscription.change" && e.reason === "renewed");
    const start = events.find((e): e is Of<"stream.start"> => e.type === "stream.start")!;
    const end = events.find((e): e is Of<"stream.end"> => e.type === "stream.end")!;
    expect(renewed.length).toBe(1);
    expect([renewed[0]!.portName, start.portName, end.portName]).toEqual(["M0ABC/3100001", "M0ABC/3100001", "M0ABC/3100001"]);
    expect(reads.reads).toBe(1);
    // routed to b: the targets are listed (port index, slot << 24 | talkgroup); everything reached b
    expect([...start.targets!]).toEqual([b.portIndex, (1 << 24) | 3100]);
    expect(end.endedBy).toBe("terminator");
    expect("undelivered" in end).toBe(false);
  });

  test("a call that reaches no one has no targets key; one that missed a busy slot lists it", () => {
    const h = new Harness();
    const a = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3999, slot: 1, streamId: 1 });
    const lonely = h.ofType("stream.start").find((e) => e.streamId === 1)!;
    expect("targets" in lonely).toBe(false);
    // b listens on 3100 but is transmitting itself when a's call starts and ends
    const b = h.hotspot({ options: "TS1=3100" });
    const own = h.openCall(b, { sourceId: 2, destinationId: 4000 + 1, streamId: 2 });
    own.burst();
    const call = h.openCall(a, { sourceId: 1, destinationId: 3100, streamId: 3 });
    call.burst();
    own.burst();
    call.end();
    const end = h.ofType("stream.end").find((e) => e.streamId === 3)!;
    expect(end.undelivered).toEqual([{ portIndex: b.portIndex, slot: 1, reason: "slot-busy-own-transmission" }]);
    expect(b.streams()).not.toContain(3);
  });
});

import { describe, expect, test } from "bun:test";
import { RecordingSink } from "../../../src/core/events.ts";
import { LinkRefusal, LinkRefusalReporter } from "../../../src/core/federation/link_refusals.ts";

describe("LinkRefusalReporter", () => {
  test("one event per reason per second, carrying every drop since the last; the tick publishes the rest", () => {
    const sink = new RecordingSink();
    const reporter = new LinkRefusalReporter("bm", 4321, sink);
    for (let t = 0; t < 2500; t++) reporter.report(t, LinkRefusal.WrongNetworkId, "203.0.113.5", 62035, 3_120_001);
    reporter.report(10, LinkRefusal.Malformed, "203.0.113.6", 1);
    let events = sink.ofType("link.refused");
    expect(events.map((e) => [e.atMs, e.reason, e.count])).toEqual([
      [0, "wrong-network-id", 1],
      [1000, "wrong-network-id", 1000],
      [2000, "wrong-network-id", 1000],
      [10, "malformed", 1],
    ]);
    expect(events[0]).toMatchObject({ link: "bm", address: "203.0.113.5", port: 62035, networkId: 3_120_001, expectedNetworkId: 4321 });
    expect(events[3]!.networkId).toBeUndefined();
    reporter.flush(2999); // not yet: the interval has not passed
    expect(sink.ofType("link.refused").length).toBe(4);
    reporter.flush(3000);
    events = sink.ofType("link.refused");
    expect(events.at(-1)).toMatchObject({ atMs: 3000, reason: "wrong-network-id", count: 499 });
    expect(events.filter((e) => e.reason === "wrong-network-id").reduce((n, e) => n + e.count, 0)).toBe(2500);
    reporter.flush(9000);
    expect(sink.ofType("link.refused").length).toBe(5);
  });

  test("details are built only when published: age, hops, source server, protocol", () => {
    const sink = new RecordingSink();
    const reporter = new LinkRefusalReporter("fbp", 1, sink);
    reporter.report(0, LinkRefusal.TooOld, "::1", 1, 7_250);
    reporter.report(0, LinkRefusal.TooManyHops, "::1", 1, 11);
    reporter.report(0, LinkRefusal.BadSourceServer, "::1", 1, 2345);
    reporter.report(0, LinkRefusal.WrongProtocol, "::1", 1, 1);
    reporter.report(0, LinkRefusal.BadMac, "::1", 1);
    expect(sink.ofType("link.refused").map((e) => [e.reason, e.detail])).toEqual([
      ["too-old", "age 7.3 s"],
      ["too-many-hops", "hops 11"],
      ["bad-source-server", "source server 2345"],
      ["wrong-protocol", "OpenBridge v1 (DMRD) received"],
      ["bad-mac", undefined],
    ]);
  });

  test("a sink that throws never breaks the packet path", () => {
    const reporter = new LinkRefusalReporter("x", 1, {
      publish() {
        throw new Error("bus gone");
      },
    });
    expect(() => reporter.report(0, LinkRefusal.Malformed, "a", 1)).not.toThrow();
  });
});

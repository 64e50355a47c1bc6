import { describe, expect, test } from "bun:test";
import { ApiState } from "../../src/services/api_state.ts";
import { down, end, ManualClock, snapshot, start, sub, up } from "./fixtures.ts";

function state(fields: Partial<ConstructorParameters<typeof ApiState>[0]> = {}): { s: ApiState; clock: ManualClock } {
  const clock = new ManualClock();
  return { s: new ApiState({ lastHeardSize: 10, maxHotspots: 100, clock, ...fields }), clock };
}

describe("ApiState: hotspots", () => {
  test("session.up adds, session.down removes; listed by repeater id with wall-clock times", () => {
    const { s, clock } = state();
    s.handle(up(9_000, 2_345_602, 4, "M0XYZ"));
    s.handle(up(9_500, 2_345_601, 3));
    clock.advance(2_000);
    const list = s.hotspots();
    expect(list.map((h) => h.repeaterId)).toEqual([2_345_601, 2_345_602]);
    expect(list[0]).toEqual({
      repeaterId: 2_345_601,
      callsign: "G4ABC",
      address: "192.0.2.7",
      port: 50_003,
      portIndex: 3,
      connectedSince: new Date(clock.wallAtZero + 9_500).toISOString(),
      connectedSeconds: 3,
      talkgroups: { ts1: [], ts2: [] },
      dialedReflector: 0,
    });
    s.handle(down(12_000, 2_345_602, 4));
    expect(s.hotspots().map((h) => h.repeaterId)).toEqual([2_345_601]);
    expect(s.hotspotCount).toBe(1);
  });

  test("talkgroups announced before session.up (static TGs at port up) are kept; cleared at session.down", () => {
    const { s } = state();
    s.handle(sub(1, 5, 2, 3100));
    s.handle(sub(1, 5, 1, 1234));
    s.handle(sub(1, 5, 2, 91));
    s.handle(up(1, 2_345_605, 5));
    s.handle({ type: "dial.link", atMs: 2, portIndex: 5, portName: "p", reflector: 4400, action: "link" });
    s.handle(sub(3, 5, 2, 91, "remove"));
    expect(s.hotspots()[0]!.talkgroups).toEqual({ ts1: [1234], ts2: [3100] });
    expect(s.hotspots()[0]!.dialedReflector).toBe(4400);
    s.handle({ type: "dial.link", atMs: 4, portIndex: 5, portName: "p", reflector: 4400, action: "unlink" });
    expect(s.hotspots()[0]!.dialedReflector).toBe(0);
    s.handle(down(5, 2_345_605, 5));
    // the port index is reused by another hotspot: it starts with nothing
    s.handle(up(6, 2_345_606, 5));
    expect(s.hotspots()[0]!.talkgroups).toEqual({ ts1: [], ts2: [] });
  });

  test("an id logging in again replaces its entry even when the down event was lost", () => {
    const { s } = state();
    s.handle(sub(1, 1, 2, 3100));
    s.handle(up(1, 2_345_601, 1));
    s.handle(up(2, 2_345_601, 2)); // no session.down for port 1 (lost on the bus)
    expect(s.hotspots().map((h) => h.portIndex)).toEqual([2]);
    expect(s.hotspotCount).toBe(1);
    // a late down for the old port index must not remove the new session
    s.handle(down(3, 2_345_601, 1));
    expect(s.hotspotCount).toBe(1);
  });

  test("a down for a port index a newer session holds is ignored", () => {
    const { s } = state();
    s.handle(up(1, 2_345_601, 1));
    s.handle(up(2, 2_345_602, 1)); // index reused (down lost)
    s.handle(down(3, 2_345_601, 1));
    expect(s.hotspots().map((h) => h.repeaterId)).toEqual([2_345_602]);
  });

  test("the hotspot and talkgroup tables are capped; what does not fit is counted", () => {
    const { s } = state({ maxHotspots: 2, maxLinks: 1, maxTalkgroupsPerSlot: 2 });
    for (let i = 0; i < 5; i++) s.handle(up(i, 1000 + i, i));
    expect(s.hotspotCount).toBe(2);
    expect(s.overflow.hotspots).toBe(3);
    for (const tg of [1, 2, 3]) s.handle(sub(1, 0, 1, tg));
    expect(s.hotspots()[0]!.talkgroups.ts1).toEqual([1, 2]);
    for (let port = 1; port < 10; port++) s.handle(sub(1, port, 1, 9));
    expect(s.overflow.talkgroups).toBe(1 + 9 - 2); // the third TG, then ports beyond hotspots + links
  });

  test("paging", () => {
    const { s } = state();
    for (let i = 0; i < 10; i++) s.handle(up(i, 2000 + i, i));
    expect(s.hotspots(3, 2).map((h) => h.repeaterId)).toEqual([2003, 2004]);
    expect(s.hotspots(9, 5).map((h) => h.repeaterId)).toEqual([2009]);
  });
});

describe("ApiState: calls, refusals, links, snapshot", () => {
  test("stream.start/end keep the calls in progress; stream.end feeds last heard", () => {
    const { s } = state();
    s.handle(start(100, 7, 1));
    s.handle(start(100, 8, 2));
    expect(s.activeStreamCount).toBe(2);
    s.handle(end(1500, 7, 1));
    expect(s.activeStreamCount).toBe(1);
    expect(s.activeStreams().map((a) => a.streamId)).toEqual([8]);
    expect(s.lastHeard.list(10).map((e) => e.streamId)).toEqual([7]);
    expect(s.lastHeard.list(1)[0]!.time).toBe(new Date(new ManualClock().wallAtZero + 1500).toISOString());
  });

  test("calls whose end was lost are forgotten after an hour (at the next snapshot)", () => {
    const { s } = state();
    s.handle(start(0, 7, 1));
    s.handle({ type: "stats", atMs: 1000, snapshot: snapshot() });
    expect(s.activeStreamCount).toBe(1);
    s.handle({ type: "stats", atMs: 3_800_000, snapshot: snapshot() });
    expect(s.activeStreamCount).toBe(0);
  });

  test("the calls-in-progress table is capped", () => {
    const { s } = state({ maxActiveStreams: 3 });
    for (let i = 0; i < 5; i++) s.handle(start(0, i, 1));
    expect(s.activeStreamCount).toBe(3);
    expect(s.overflow.streams).toBe(2);
  });

  test("recent refusals, newest first, bounded", () => {
    const { s } = state({ refusalsSize: 2 });
    for (const reason of ["acl", "bad-passphrase", "max-peers"] as const) {
      s.handle({ type: "session.refused", atMs: 1, repeaterId: 7, address: "198.51.100.1", port: 4000, reason });
    }
    expect(s.refusals.newestFirst().map((r) => r.reason)).toEqual(["max-peers", "bad-passphrase"]);
    expect(s.refusals.newestFirst()[0]!.callsign).toBeNull();
  });

  test("links: events give up/down and since; the snapshot gives kind, peer, counters", () => {
    const { s, clock } = state();
    s.handle({ type: "link.up", atMs: 100, link: "FreeDMR-UK", reason: "keepalive" });
    expect(s.links()).toEqual([
      { name: "FreeDMR-UK", kind: null, up: true, state: "up", since: new Date(clock.wallAtZero + 100).toISOString(), reason: "keepalive", peer: null, protocol: null, portIndex: null, counters: {} },
    ]);
    s.handle({ type: "stats", atMs: 200, snapshot: snapshot() });
    s.handle({ type: "link.down", atMs: 300, link: "FreeDMR-UK", reason: "keepalive-timeout" });
    const [link] = s.links();
    expect(link).toMatchObject({ name: "FreeDMR-UK", kind: "openbridge", up: false, state: "down", reason: "keepalive-timeout", peer: "192.0.2.20:62035", protocol: 5, counters: { framesIn: 7, framesOut: 8 } });
    // a snapshot taken after the change is the authority again
    s.handle({ type: "stats", atMs: 400, snapshot: snapshot() });
    expect(s.links()[0]).toMatchObject({ up: true, state: "up" });
  });

  test("keeps the last snapshot with its wall-clock time", () => {
    const { s, clock } = state();
    expect(s.snapshot).toBeNull();
    s.handle({ type: "stats", atMs: 5000, snapshot: snapshot({ uptimeMs: 1 }) });
    s.handle({ type: "stats", atMs: 6000, snapshot: snapshot({ uptimeMs: 2 }) });
    expect(s.snapshot!.snapshot.uptimeMs).toBe(2);
    expect(s.snapshot!.wallMs).toBe(clock.wallAtZero + 6000);
    expect(s.eventsByType.get("stats")).toBe(2);
  });
});

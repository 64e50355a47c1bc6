/**
 * The routing core's dynamic state as plain records (src/core/routing/state_records.ts): export,
 * import after a "restart" (a fresh router on another monotonic clock, the wall clock later), the
 * journal of changes. Deterministic: both clocks are arguments.
 */
import { describe, expect, test } from "bun:test";
import type { StateSnapshot } from "../../../src/core/routing/state_records.ts";
import { Harness, type FakePort } from "./harness.ts";

const MIN = 60_000;
const WALL = Date.UTC(2026, 11, 4, 20, 0, 0);
const RADIO = 3120001;

/** A running server's state: A has KEY'd options, a UA TG on TS2 and a dial link; B has self-care settings; RADIO was heard on A. */
function before(): { h: Harness; a: FakePort; b: FakePort; wallAt: (h: Harness) => number } {
  const h = new Harness();
  const start = h.nowMs;
  const wallAt = (x: Harness): number => WALL + (x.nowMs - start);
  const a = h.hotspot({ repeaterId: 2340001, options: "TS1=3100;TIMER=20;KEY=s3cret" });
  const b = h.hotspot({ repeaterId: 2340002 });
  h.call(a, { sourceId: RADIO, destinationId: 2350, slot: 2, streamId: 11 }); // UA TG 2350 on TS2
  h.advance(1000);
  h.call(a, { sourceId: RADIO, destinationId: 91, slot: 2, unit: true, streamId: 12 }); // dial 91
  h.advance(1000);
  expect(h.router.setHotspotSettings(h.nowMs, 2340002, { ts1Static: [1, 2], ts2Static: null, defaultReflector: null, uaTimerMinutes: 30, singleMode: true, language: null })).toBe(true);
  return { h, a, b, wallAt };
}

describe("state records: export", () => {
  test("a snapshot holds KEY, options, UA talkgroups and dial link with wall-clock expiry, settings, and the subscriber map", () => {
    const { h, wallAt } = before();
    const snap = h.router.exportState(h.nowMs, wallAt(h));
    const a = snap.hotspots.find((x) => x.repeaterId === 2340001)!;
    expect(a.optionKey).toBe("s3cret");
    expect(a.session!.options).toContain("KEY=s3cret");
    expect(a.session!.dynamic).toEqual([{ slot: 2, talkgroupId: 2350, origin: "traffic", expiresAtWallMs: expect.any(Number) }]);
    // the UA timer (TIMER=20) ran from the key-up: 20 minutes after it, on the wall clock
    const keyedAt = WALL; // the call started at the harness's first moment
    expect(a.session!.dynamic[0]!.expiresAtWallMs - keyedAt).toBeGreaterThanOrEqual(20 * MIN);
    expect(a.session!.dynamic[0]!.expiresAtWallMs - keyedAt).toBeLessThan(20 * MIN + 3000);
    expect(a.session!.dial?.reflector).toBe(91);
    expect(a.session!.dial!.expiresAtWallMs).toBeGreaterThan(wallAt(h));
    const b = snap.hotspots.find((x) => x.repeaterId === 2340002)!;
    expect(b.settings).toMatchObject({ ts1Static: [1, 2], uaTimerMinutes: 30, singleMode: true });
    expect(b.optionKey).toBeNull();
    expect(snap.subscribers).toEqual([{ radioId: RADIO, repeaterId: 2340001, slot: 2, heardAtWallMs: expect.any(Number) }]);
    // deterministic: the same moment gives the same records; plain data (JSON round trip is lossless)
    expect(h.router.exportState(h.nowMs, wallAt(h))).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});

describe("state records: import after a restart", () => {
  test("session state waits for the hotspot; at its login UA TG (remaining time), dial link, options and KEY come back; the subscriber map routes a private call", () => {
    const { h, wallAt } = before();
    const wallStop = wallAt(h);
    const snap = JSON.parse(JSON.stringify(h.router.exportState(h.nowMs, wallStop))) as StateSnapshot;
    const expiresWall = snap.hotspots.find((x) => x.repeaterId === 2340001)!.session!.dynamic[0]!.expiresAtWallMs;

    const h2 = new Harness();
    h2.nowMs = 5_000; // another process: another monotonic origin
    const down = 2 * MIN; // the server was down two minutes
    const wall2 = (): number => wallStop + down + (h2.nowMs - 5_000);
    const result = h2.router.importState(snap, h2.nowMs, wall2());
    expect(result).toEqual({ hotspots: 2, pending: 2, subscribers: 1, skipped: 0 });
    // KEY lock and settings hold at once, before any login
    expect(h2.router.optionKeyMatches(2340001, "s3cret")).toBe(true);
    expect(h2.router.hotspotSettings(2340002)).toMatchObject({ ts1Static: [1, 2], singleMode: true });

    const b = h2.hotspot({ repeaterId: 2340002 });
    const a = h2.hotspot({ repeaterId: 2340001 });
    const subs = h2.router.subscriptions(a);
    const ua = subs.find((s) => s.kind === "dynamic")!;
    expect([ua.slot, ua.talkgroupId]).toEqual([2, 2350]);
    // timers ran on in wall-clock time: what is left is the expiry minus the restart moment
    expect(ua.expiresAtMs).toBe(h2.nowMs + (expiresWall - wall2()));
    expect(subs.filter((s) => s.kind === "static").map((s) => [s.slot, s.talkgroupId])).toEqual([[1, 3100]]);
    expect(h2.router.dialedReflector(a)).toBe(91);
    expect(h2.ofType("subscription.change").some((e) => e.talkgroupId === 2350 && e.reason === "restored")).toBe(true);
    // B's self-care statics apply at its login
    expect(h2.router.subscriptions(b).filter((s) => s.kind === "static").map((s) => s.talkgroupId)).toEqual([1, 2]);
    // the restored options are KEY-locked: another key is refused
    h2.router.onOptions(h2.nowMs, a, "TS1=777;KEY=other");
    expect(h2.router.subscriptions(a).some((s) => s.talkgroupId === 777)).toBe(false);

    // a private call from B reaches RADIO on A (heard before the restart)
    h2.advance(3000);
    a.clear();
    h2.call(b, { sourceId: 3120999, destinationId: RADIO, slot: 1, unit: true, streamId: 77 });
    expect(a.sent.length).toBeGreaterThan(0);
    expect(a.sent.every((s) => s.destinationId === RADIO && s.unit && s.slot === 2)).toBe(true);
    expect(h2.router.locateSubscriber(h2.nowMs, RADIO)?.portIndex).toBe(a.portIndex);
  });

  test("what ran out while the server was down does not come back; restored state not claimed in time is forgotten", () => {
    const { h, wallAt } = before();
    const wallStop = wallAt(h);
    const snap = h.router.exportState(h.nowMs, wallStop);
    const h2 = new Harness();
    const wall2 = wallStop + 25 * MIN; // longer than TIMER=20
    h2.router.importState(snap, h2.nowMs, wall2, { holdMs: 10 * MIN });
    const a = h2.hotspot({ repeaterId: 2340001 });
    expect(h2.router.subscriptions(a).some((s) => s.kind === "dynamic")).toBe(false);
    expect(h2.router.dialedReflector(a)).toBe(0);
    expect(h2.router.optionKeyMatches(2340001, "s3cret")).toBe(true);

    const h3 = new Harness();
    h3.router.importState(snap, h3.nowMs, wallStop + MIN, { holdMs: 10 * MIN });
    h3.advance(11 * MIN, 1000);
    h3.router.drainStateChanges(h3.nowMs, wallStop + 12 * MIN);
    const late = h3.hotspot({ repeaterId: 2340001 });
    expect(h3.router.subscriptions(late).some((s) => s.kind === "dynamic")).toBe(false);
    expect(h3.router.dialedReflector(late)).toBe(0);
  });

  test("malformed records are skipped, never thrown on", () => {
    const h = new Harness();
    const bad = {
      hotspots: [
        { repeaterId: -1, optionKey: null, settings: null, session: null },
        { repeaterId: 2340009, optionKey: 5, settings: null, session: { options: 7, dynamic: null, dial: null, relinkAtWallMs: 0 } },
        null,
      ],
      subscribers: [{ radioId: "x", repeaterId: 1, slot: 3, heardAtWallMs: 0 }, null],
    } as unknown as StateSnapshot;
    const result = h.router.importState(bad, h.nowMs, WALL);
    expect(result.skipped).toBe(5);
    expect(h.router.hasOptionKey(2340009)).toBe(false);
  });
});

describe("state records: the journal", () => {
  test("the first drain exports everything after a clear; later drains only what changed; a logout forgets the session, not the KEY", () => {
    const { h, a, wallAt } = before();
    const first = h.router.drainStateChanges(h.nowMs, wallAt(h));
    expect(first[0]).toEqual({ kind: "clear" });
    expect(first.filter((c) => c.kind === "hotspot").length).toBe(2);
    expect(first.filter((c) => c.kind === "subscriber").length).toBe(1);
    h.advance(1000);
    expect(h.router.drainStateChanges(h.nowMs, wallAt(h))).toEqual([]);

    // a key-up renews the UA timer: A is exported again, with the radio heard
    h.call(a, { sourceId: RADIO, destinationId: 2350, slot: 2, streamId: 21 });
    h.advance(1000);
    const renewed = h.router.drainStateChanges(h.nowMs, wallAt(h));
    expect(renewed.map((c) => c.kind).sort()).toEqual(["hotspot", "subscriber"]);
    const rec = renewed.find((c) => c.kind === "hotspot")!;
    expect(rec.kind === "hotspot" && rec.repeaterId).toBe(2340001);

    h.router.onPortDown(h.nowMs, a);
    const gone = h.router.drainStateChanges(h.nowMs, wallAt(h));
    expect(gone).toEqual([{ kind: "hotspot", repeaterId: 2340001, record: { repeaterId: 2340001, optionKey: "s3cret", settings: null, session: null } }]);
    expect(h.router.drainStateChanges(h.nowMs, wallAt(h), true)[0]).toEqual({ kind: "clear" });
  });
});

/**
 * A stream's target list is a cache of the subscriptions in force at its start (and of those made
 * during it): when a subscription ends, its (port, slot) stops receiving the stream in progress at
 * once, and above all never starts receiving it later when its slot frees up (found by the routing
 * simulation: SEED=100 call 59 reached a hotspot 10 s after SINGLE mode had removed the TG).
 */
import { describe, expect, test } from "bun:test";
import type { BridgeMemberOptions } from "../../../src/core/routing/options.ts";
import { Harness } from "./harness.ts";

const MIN = 60_000;

/** Keep a call going for `ms` (a burst every 60 ms, the router ticked in between). */
function talk(h: Harness, qso: { burst(): void }, ms: number): void {
  for (let t = 0; t < ms; t += 60) {
    qso.burst();
    h.advance(60, 60);
  }
}

function member(system: string, slot: 1 | 2, talkgroupId: number, more: Partial<BridgeMemberOptions> = {}): BridgeMemberOptions {
  return { system, slot, talkgroupId, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [], ...more };
}

describe("subscriptions ending during a call", () => {
  test("SINGLE mode: a TG removed while its call waited for the busy slot is never delivered afterwards", () => {
    const h = new Harness({ singleModeDefault: true, hangTimeMs: 3000, uaTimerMinutes: 10 });
    const a = h.hotspot();
    const b = h.hotspot();
    const qso = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 2, streamId: 0x59 });
    qso.burst();
    // b keys up 3100 itself: subscribed during the call, but its own transmission holds the slot
    const own = h.openCall(b, { sourceId: 2, destinationId: 3100, slot: 2, streamId: 0x201 });
    own.burst();
    qso.burst();
    own.end();
    h.advance(20);
    // ... and at once keys 23500: SINGLE removes 3100 (its TS2 is busy with its own call again)
    const other = h.openCall(b, { sourceId: 2, destinationId: 23500, slot: 2, streamId: 0x202 });
    other.burst();
    expect(h.router.subscriptions(b).map((s) => s.talkgroupId)).toEqual([23500]);
    other.end();
    b.clear();
    talk(h, qso, 5000); // b's slot is free and its hang over; a keeps talking on 3100
    qso.end();
    expect(b.sent.length).toBe(0);
    expect(h.router.stats().targetsUnsubscribed).toBeGreaterThan(0);
  });

  test("a static TG removed by new options stops the call in progress at once", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const qso = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 7 });
    qso.burst();
    expect(b.sent.length).toBe(2);
    h.router.onOptions(h.nowMs, b, "TS1=91");
    qso.burst();
    qso.burst();
    qso.end();
    expect(b.sent.length).toBe(2);
    // the slot was released: another call for b's remaining TG gets through at once (same TG as nothing held)
    const c = h.hotspot();
    h.advance(11_000);
    h.call(c, { sourceId: 3, destinationId: 91, slot: 1, streamId: 8 });
    expect(b.sent.filter((s) => s.streamId === 8).length).toBe(8);
  });

  test("a user-activated TG that expires stops the call in progress; renewed by the port's own use", () => {
    const h = new Harness({ uaTimerMinutes: 1, maxStreamMs: 10 * MIN });
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(b, { sourceId: 2, destinationId: 3100, slot: 1, streamId: 1 });
    h.advance(1000);
    const qso = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 2 });
    for (let i = 0; i < 1500; i++) {
      qso.burst(); // a 90 s over
      h.advance(60, 60);
    }
    expect(h.router.subscriptions(b).length).toBe(0);
    const got = b.sent.filter((s) => s.streamId === 2).length;
    // b's subscription (1 min from its own call) ran out about 59 s into a's over
    expect(got).toBeGreaterThan(950);
    expect(got).toBeLessThan(1010);
    qso.end();
    expect(b.sent.filter((s) => s.streamId === 2).length).toBe(got);
    // a's own subscription does not expire while a talks on it (the timer restarts with each use)
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3100]);
  });

  test("unlinking a reflector (API) stops the reflector's call in progress; a static TG of the same number takes over", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS2=91" });
    const b = h.hotspot();
    expect(h.router.dial(h.nowMs, a, 91).ok).toBe(true);
    const qso = h.openCall(b, { sourceId: 2, destinationId: 91, slot: 1, streamId: 5 });
    qso.burst();
    // a's TS2 is claimed once: by the static TG 91 (conference 91) or the dial link (TG 9)
    const before = a.sent.length;
    expect(before).toBe(2);
    const asNine = a.sent[0]!.destinationId === 9;
    h.router.dial(h.nowMs, a, 0);
    qso.burst();
    qso.end();
    const after = a.sent.slice(before);
    expect(after.length).toBe(2);
    expect(after.every((s) => s.destinationId === 91 && s.slot === 2)).toBe(true);
    void asNine;
  });

  test("a dial link unlinked mid-call: the hotspot's TG 9 stops, nothing arrives later", () => {
    const h = new Harness({ hangTimeMs: 1000 });
    const a = h.hotspot();
    const b = h.hotspot();
    h.router.dial(h.nowMs, a, 2350);
    const qso = h.openCall(b, { sourceId: 2, destinationId: 2350, slot: 1, streamId: 5 });
    qso.burst();
    expect(a.sent.length).toBe(2);
    h.router.dial(h.nowMs, a, 0);
    talk(h, qso, 600);
    qso.end();
    expect(a.sent.length).toBe(2);
  });

  test("a bridge member switched OFF mid-call stops receiving; switched ON again it joins late", () => {
    const h = new Harness({
      hangTimeMs: 1000,
      bridges: [{ name: "b", members: [member("HS0", 1, 3100), member("HS1", 1, 3100, { on: [8], off: [7] })] }],
    });
    const a = h.hotspot();
    const b = h.hotspot();
    const qso = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 0x31, sequence: 0 });
    qso.burst();
    expect(b.sent.length).toBe(2);
    // an OFF trigger on b's TS2 is not the member's slot
    const off2 = h.openCall(b, { sourceId: 2, destinationId: 7, slot: 2, streamId: 0x32 });
    off2.burst();
    off2.end();
    expect(h.router.bridgeState("b")!.find((m) => m.system === "HS1")!.active).toBe(true);
    // an OFF trigger on the member's own slot (b interrupts a's delivery: own transmission wins)
    const off1 = h.openCall(b, { sourceId: 2, destinationId: 7, slot: 1, streamId: 0x33 });
    off1.burst();
    off1.end();
    expect(h.router.bridgeState("b")!.find((m) => m.system === "HS1")!.active).toBe(false);
    const n = b.sent.filter((s) => s.streamId === 0x31).length;
    talk(h, qso, 3000); // b's hang time is over: a's call would get through if b were still a member
    expect(b.sent.filter((s) => s.streamId === 0x31).length).toBe(n);
    const on = h.openCall(b, { sourceId: 2, destinationId: 8, slot: 1, streamId: 0x34 }); // ON: joins the call in progress
    on.burst();
    on.end();
    talk(h, qso, 1200);
    qso.end();
    expect(b.sent.filter((s) => s.streamId === 0x31).length).toBeGreaterThan(n + 2);
  });

  test("a bridge member of the SENDING port switched off mid-call: the bridge stops hearing that call", () => {
    const h = new Harness({
      bridges: [{ name: "b", members: [member("HS0", 1, 3100, { timeoutType: "on", timeoutMinutes: 1 }), member("HS1", 2, 31000)] }],
      maxStreamMs: 10 * MIN,
      uaTimerMinutes: 10,
    });
    const a = h.hotspot();
    const b = h.hotspot();
    const qso = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 0x41 });
    for (let i = 0; i < 1500; i++) {
      qso.burst(); // a 90 s over
      h.advance(60, 60);
    }
    qso.end();
    // the member's ON timer (1 min from the call's start) ran out while a talked
    expect(h.router.bridgeState("b")!.find((m) => m.system === "HS0")!.active).toBe(false);
    const got = b.sent.filter((s) => s.streamId === 0x41).length;
    expect(got).toBeGreaterThan(980);
    expect(got).toBeLessThan(1010);
  });

  test("a port index reused by a new login can join a call in progress", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    const qso = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 9 });
    h.router.subscribe(h.nowMs, b, 1, 3100, "static");
    qso.burst();
    expect(b.sent.length).toBe(1);
    h.router.onPortDown(h.nowMs, b);
    h.router.onPortUp(h.nowMs, b);
    h.router.subscribe(h.nowMs, b, 1, 3100, "static");
    qso.burst();
    qso.end();
    expect(b.sent.length).toBe(3);
  });
});

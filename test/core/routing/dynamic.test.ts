import { describe, expect, test } from "bun:test";
import { Harness } from "./harness.ts";

const MIN = 60_000;

describe("user-activated talkgroups", () => {
  test("keying up a TG subscribes that slot for the UA timer; traffic then reaches it", () => {
    const h = new Harness({ uaTimerMinutes: 10 });
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    expect(b.sent.length).toBe(0); // nobody else on 3100
    const subs = h.router.subscriptions(a);
    expect(subs.map((s) => [s.slot, s.talkgroupId, s.kind])).toEqual([[1, 3100, "dynamic"]]);
    expect(subs[0]!.expiresAtMs).toBeGreaterThan(h.nowMs + 9 * MIN);
    h.advance(11_000);
    h.call(b, { sourceId: 2, destinationId: 3100, slot: 2, streamId: 2 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 1 && s.destinationId === 3100)).toBe(true);
    expect(h.ofType("subscription.change").filter((c) => c.reason === "user-activated").length).toBe(2);
  });

  test("the subscription expires after the timer and is renewed by each use", () => {
    const h = new Harness({ uaTimerMinutes: 10 });
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    h.advance(8 * MIN, 1000);
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 2 }); // renews
    h.advance(8 * MIN, 1000);
    expect(h.router.subscriptions(a).length).toBe(1);
    h.call(b, { sourceId: 2, destinationId: 3100, slot: 1, streamId: 3 });
    expect(a.sent.length).toBe(8);
    h.advance(3 * MIN, 1000);
    expect(h.router.subscriptions(a).length).toBe(0);
    const removed = h.ofType("subscription.change").filter((c) => c.action === "remove" && c.portIndex === a.portIndex);
    expect(removed.map((c) => c.reason)).toEqual(["timer"]);
    a.clear();
    h.call(b, { sourceId: 2, destinationId: 3100, slot: 1, streamId: 4 });
    expect(a.sent.length).toBe(0);
  });

  test("TIMER from options and from the access rule override the default", () => {
    const h = new Harness({ uaTimerMinutes: 10, accessRules: { short: { uaTimerMinutes: 2 } } });
    const a = h.hotspot({ rule: "short" });
    const b = h.hotspot({ options: "TIMER=30" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    h.call(b, { sourceId: 2, destinationId: 3101, slot: 1, streamId: 2 });
    h.advance(3 * MIN, 1000);
    expect(h.router.subscriptions(a).length).toBe(0);
    h.advance(20 * MIN, 5000);
    expect(h.router.subscriptions(b).length).toBe(1);
    h.advance(10 * MIN, 5000);
    expect(h.router.subscriptions(b).length).toBe(0);
  });

  test("TIMER=0 never expires", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TIMER=0" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    h.advance(24 * 60 * MIN, 60_000);
    expect(h.router.subscriptions(a).map((s) => s.expiresAtMs)).toEqual([null]);
  });

  test("without SINGLE several dynamic TGs coexist per slot (bounded, oldest replaced)", () => {
    const h = new Harness({ capacities: { maxDynamicPerSlot: 3 } });
    const a = h.hotspot();
    let id = 1;
    for (const tg of [3100, 3101, 3102]) {
      h.call(a, { sourceId: 1, destinationId: tg, slot: 1, streamId: id++ });
      h.advance(1000);
    }
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3100, 3101, 3102]);
    h.call(a, { sourceId: 1, destinationId: 3103, slot: 1, streamId: id++ });
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3101, 3102, 3103]);
  });

  test("SINGLE mode keeps one dynamic TG per slot (statics and the other slot untouched)", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "SINGLE=1;TS1=2350" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    h.call(a, { sourceId: 1, destinationId: 4444, slot: 2, streamId: 2 });
    h.call(a, { sourceId: 1, destinationId: 3101, slot: 1, streamId: 3 });
    expect(h.router.subscriptions(a).map((s) => `${s.slot}:${s.talkgroupId}:${s.kind}`)).toEqual(["1:2350:static", "1:3101:dynamic", "2:4444:dynamic"]);
    expect(h.ofType("subscription.change").some((c) => c.reason === "single-mode" && c.talkgroupId === 3100)).toBe(true);
  });

  test("SINGLE switched on later: keying a TG the slot already has drops the slot's other TGs too", () => {
    // found by the routing simulation (SEED=94): the renewal of an existing TG returned before SINGLE
    const h = new Harness();
    const a = h.hotspot({ options: "SINGLE=0" });
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    h.call(a, { sourceId: 1, destinationId: 3101, slot: 1, streamId: 2 });
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3100, 3101]);
    h.router.onOptions(h.nowMs, a, "SINGLE=1");
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 3 });
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3100]);
  });

  test("a static subscription made during a call joins it (late entry); not twice", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=3100" });
    const call = h.openCall(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 9 });
    call.burst();
    const c = h.hotspot({ options: "TS2=3100" });
    h.router.onOptions(h.nowMs, b, "TS1=3100,235");
    call.burst();
    call.end();
    expect(c.sent.length).toBe(2);
    expect(c.sent.every((s) => s.slot === 2)).toBe(true);
    expect(b.sent.length).toBe(4);
  });

  test("SINGLE default from routing options", () => {
    const h = new Harness({ singleModeDefault: true });
    const a = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    h.call(a, { sourceId: 1, destinationId: 3101, slot: 1, streamId: 2 });
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3101]);
  });

  test("user activation can be switched off", () => {
    const h = new Harness({ userActivation: false });
    const a = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    expect(h.router.subscriptions(a)).toEqual([]);
  });

  test("control plane: subscribe/unsubscribe/resetPort", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=2350" });
    expect(h.router.subscribe(h.nowMs, a, 2, 91, "dynamic")).toBe(true);
    expect(h.router.subscribe(h.nowMs, a, 2, 9990, "static")).toBe(false);
    expect(h.router.subscribe(h.nowMs, a, 1, 3100, "static")).toBe(true);
    expect(h.router.subscriptions(a).map((s) => `${s.slot}:${s.talkgroupId}:${s.kind}`)).toEqual(["1:2350:static", "1:3100:static", "2:91:dynamic"]);
    expect(h.router.unsubscribe(h.nowMs, a, 1, 3100)).toBe(true);
    h.router.resetPort(h.nowMs, a);
    expect(h.router.subscriptions(a).map((s) => `${s.slot}:${s.talkgroupId}:${s.kind}`)).toEqual(["1:2350:static"]);
  });
});

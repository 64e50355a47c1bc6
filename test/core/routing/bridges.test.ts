import { describe, expect, test } from "bun:test";
import { StreamInspector } from "../../../src/dmr/stream_inspector.ts";
import type { BridgeMemberOptions } from "../../../src/core/routing/options.ts";
import { Harness } from "./harness.ts";

const MIN = 60_000;

function member(system: string, slot: 1 | 2, talkgroupId: number, more: Partial<BridgeMemberOptions> = {}): BridgeMemberOptions {
  return { system, slot, talkgroupId, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [], ...more };
}

describe("conference bridges (rules.py)", () => {
  test("active members hear each other, joining different TG numbers and slots (rewritten)", () => {
    const h = new Harness({ bridges: [{ name: "uk", members: [member("club", 1, 3100), member("HS1", 2, 31000)] }] });
    const a = h.hotspot({ rule: "club" });
    const b = h.hotspot();
    const c = h.hotspot({ rule: "club" });
    h.realCall(a, { sourceId: 2345678, destinationId: 3100, slot: 1, streamId: 1, superframes: 1 });
    expect(b.sent.length).toBe(8);
    expect(b.sent.every((s) => s.slot === 2 && s.destinationId === 31000)).toBe(true);
    const ins = new StreamInspector();
    for (const s of b.sent) ins.push(s.bytes);
    expect(ins.headers[0]!.destinationId).toBe(31000);
    expect(ins.terminators[0]!.destinationId).toBe(31000);
    // c is a member through the same access rule
    expect(c.sent.length).toBe(8);
    expect(c.sent.every((s) => s.slot === 1 && s.destinationId === 3100)).toBe(true);
    h.advance(11_000);
    a.clear();
    h.call(b, { sourceId: 1, destinationId: 31000, slot: 2, streamId: 2 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 1 && s.destinationId === 3100)).toBe(true);
    expect(h.router.bridgeState("uk")!.map((m) => `${m.system}:${m.slot}:${m.talkgroupId}:${m.active}`)).toEqual([
      "HS0:1:3100:true",
      "HS1:2:31000:true",
      "HS2:1:3100:true",
    ]);
  });

  test("members match by access rule, port name or repeater id", () => {
    const h = new Harness({ bridges: [{ name: "b", members: [member("2345601", 1, 5555), member("MyLink", 1, 7777)] }] });
    const a = h.hotspot({ repeaterId: 2345601 });
    const link = h.link({ name: "MyLink" });
    h.call(a, { sourceId: 1, destinationId: 5555, slot: 1, streamId: 1 });
    expect(link.sent.filter((s) => s.destinationId === 7777).length).toBe(8);
  });

  test("ON activates, OFF deactivates (triggers from the member's own system and slot)", () => {
    const h = new Harness({
      bridges: [{ name: "b", members: [member("HS0", 1, 3100), member("HS1", 1, 3100, { active: false, on: [8], off: [4000] })] }],
    });
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 1 });
    expect(b.sent.length).toBe(0);
    h.call(b, { sourceId: 2, destinationId: 8, slot: 1, streamId: 2 }); // ON
    h.advance(11_000);
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 3 });
    expect(b.streams()).toEqual([3]);
    h.advance(11_000);
    h.call(b, { sourceId: 2, destinationId: 4000, slot: 1, streamId: 4 }); // OFF
    h.advance(11_000);
    h.call(a, { sourceId: 1, destinationId: 3100, slot: 1, streamId: 5 });
    expect(b.streams()).toEqual([3]);
    expect(h.ofType("bridge.change").map((e) => `${e.system}:${e.active}:${e.reason}`)).toEqual(["HS1:true:on", "HS1:false:off"]);
  });

  test("a trigger from the other slot does nothing", () => {
    const h = new Harness({ bridges: [{ name: "b", members: [member("HS0", 1, 3100), member("HS1", 1, 3100, { active: false, on: [8] })] }] });
    h.hotspot();
    const b = h.hotspot();
    h.call(b, { sourceId: 2, destinationId: 8, slot: 2, streamId: 1 });
    expect(h.router.bridgeState("b")!.find((m) => m.system === "HS1")!.active).toBe(false);
  });

  test("timeout type ON: deactivates after the timeout; traffic and RESET TGs restart the timer", () => {
    const h = new Harness({
      bridges: [{ name: "b", members: [member("HS0", 1, 3100), member("HS1", 1, 3100, { active: false, on: [8], reset: [7], timeoutMinutes: 5, timeoutType: "on" })] }],
    });
    h.hotspot();
    const b = h.hotspot();
    const state = () => h.router.bridgeState("b")!.find((m) => m.system === "HS1")!.active;
    h.call(b, { sourceId: 2, destinationId: 8, slot: 1, streamId: 1 });
    expect(state()).toBe(true);
    h.advance(4 * MIN, 1000);
    h.call(b, { sourceId: 2, destinationId: 7, slot: 1, streamId: 2 }); // RESET
    h.advance(4 * MIN, 1000);
    h.call(b, { sourceId: 2, destinationId: 3100, slot: 1, streamId: 3 }); // using the bridge keeps it
    h.advance(4 * MIN, 1000);
    expect(state()).toBe(true);
    h.advance(2 * MIN, 1000);
    expect(state()).toBe(false);
    expect(h.ofType("bridge.change").at(-1)!.reason).toBe("timer");
  });

  test("timeout type OFF: re-activates after the timeout", () => {
    const h = new Harness({
      bridges: [{ name: "b", members: [member("HS0", 1, 3100), member("HS1", 1, 3100, { off: [4000], timeoutMinutes: 3, timeoutType: "off" })] }],
    });
    h.hotspot();
    const b = h.hotspot();
    const state = () => h.router.bridgeState("b")!.find((m) => m.system === "HS1")!.active;
    h.call(b, { sourceId: 2, destinationId: 4000, slot: 1, streamId: 1 });
    expect(state()).toBe(false);
    h.advance(2 * MIN, 1000);
    expect(state()).toBe(false);
    h.advance(2 * MIN, 1000);
    expect(state()).toBe(true);
  });

  test("a bridge with a link member carries traffic to and from the link", () => {
    const h = new Harness({ bridges: [{ name: "b", members: [member("HS0", 2, 91), member("OBP-X", 1, 1)] }] });
    const a = h.hotspot();
    const link = h.link({ name: "OBP-X" });
    h.call(link, { sourceId: 3120001, destinationId: 1, slot: 1, streamId: 1 }); // TG 1 is local-only on links, but the bridge names it
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 2 && s.destinationId === 91)).toBe(true);
  });
});

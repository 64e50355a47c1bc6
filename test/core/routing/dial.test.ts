import { describe, expect, test } from "bun:test";
import { StreamInspector } from "../../../src/dmr/stream_inspector.ts";
import { Harness, type FakePort } from "./harness.ts";

const MIN = 60_000;

/** A private call to `number` (the dial-a-TG gesture). */
function dial(h: Harness, port: FakePort, number: number, streamId: number, slot: 1 | 2 = 2): void {
  h.call(port, { sourceId: 2345678, destinationId: number, slot, unit: true, streamId, bursts: 2 });
  h.advance(500);
}

function inspect(port: FakePort): StreamInspector {
  const inspector = new StreamInspector();
  for (const s of port.sent) inspector.push(s.bytes);
  return inspector;
}

describe("dial-a-TG", () => {
  test("a private call to N links reflector N as TG 9 on TS2; the call itself is routed nowhere", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    dial(h, a, 91, 1);
    expect(h.router.dialedReflector(a)).toBe(91);
    expect(b.sent.length).toBe(0);
    const links = h.ofType("dial.link");
    expect(links.map((l) => [l.portIndex, l.reflector, l.action])).toEqual([[a.portIndex, 91, "link"]]);
    const sub = h.router.subscriptions(a).find((s) => s.kind === "dial")!;
    expect([sub.slot, sub.talkgroupId, sub.conference]).toEqual([2, 9, "reflector:91"]);
  });

  test("dialling works from a private call on TS1 too (FreeDMR d866231)", () => {
    const h = new Harness();
    const a = h.hotspot();
    dial(h, a, 2350, 1, 1);
    expect(h.router.dialedReflector(a)).toBe(2350);
    expect(h.router.subscriptions(a).find((s) => s.kind === "dial")!.slot).toBe(2);
  });

  test("TG 9 on TS2 reaches everyone on TG N and every other session linked to N, rewritten; and the reverse", () => {
    const h = new Harness();
    const a = h.hotspot();
    const c = h.hotspot();
    const b = h.hotspot({ options: "TS1=91" });
    dial(h, a, 91, 1);
    dial(h, c, 91, 2);
    h.advance(11_000);
    // B talks on TG 91 TS1 → A and C hear TG 9 on TS2, with header/terminator/embedded LC rewritten
    h.realCall(b, { sourceId: 3120001, destinationId: 91, slot: 1, streamId: 0xabc, superframes: 2 });
    for (const p of [a, c]) {
      expect(p.sent.length).toBe(14);
      expect(p.sent.every((s) => s.slot === 2 && s.destinationId === 9 && !s.unit)).toBe(true);
      const ins = inspect(p);
      expect(ins.headers.map((x) => [x.valid, x.destinationId, x.sourceId])).toEqual([[true, 9, 3120001]]);
      expect(ins.terminators.map((x) => [x.valid, x.destinationId])).toEqual([[true, 9]]);
      expect(ins.embedded.length).toBe(2);
      expect(ins.embedded.every((e) => e.valid && e.destinationId === 9)).toBe(true);
    }
    a.clear();
    b.clear();
    c.clear();
    h.advance(11_000);
    // A talks on TG 9 TS2 → B hears TG 91 on TS1, C hears TG 9 on TS2
    h.realCall(a, { sourceId: 2345678, destinationId: 9, slot: 2, streamId: 0xdef, superframes: 2 });
    expect(b.sent.length).toBe(14);
    expect(b.sent.every((s) => s.slot === 1 && s.destinationId === 91)).toBe(true);
    const insB = inspect(b);
    expect(insB.headers[0]!.destinationId).toBe(91);
    expect(insB.terminators[0]!.destinationId).toBe(91);
    expect(insB.embedded.every((e) => e.valid && e.destinationId === 91)).toBe(true);
    expect(c.sent.length).toBe(14);
    expect(c.sent.every((s) => s.slot === 2 && s.destinationId === 9)).toBe(true);
    expect(inspect(c).headers[0]!.destinationId).toBe(9);
  });

  test("the reflector is heard right after dialling (the dial command does not hold the slot's hang time)", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(a, { sourceId: 2345678, destinationId: 91, slot: 2, unit: true, streamId: 1, bursts: 2 });
    h.advance(100);
    h.call(b, { sourceId: 3120001, destinationId: 91, slot: 1, streamId: 2 });
    expect(a.sent.length).toBe(8);
    expect(a.sent.every((s) => s.slot === 2 && s.destinationId === 9)).toBe(true);
  });

  test("dialling a reflector mid-call joins the call in progress (late entry, rewritten)", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    const qso = h.openCall(b, { sourceId: 3120001, destinationId: 91, slot: 1, streamId: 0x42 });
    qso.burst();
    h.router.dial(h.nowMs, a, 91);
    expect(a.sent.length).toBe(0);
    qso.burst();
    qso.burst();
    qso.end();
    expect(a.sent.length).toBe(3);
    expect(a.sent.every((s) => s.slot === 2 && s.destinationId === 9 && s.streamId === 0x42)).toBe(true);
  });

  test("one dial link at a time: dialling another reflector replaces the first", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=91" });
    dial(h, a, 91, 1);
    dial(h, a, 2350, 2);
    expect(h.router.dialedReflector(a)).toBe(2350);
    expect(h.router.subscriptions(a).filter((s) => s.kind === "dial").length).toBe(1);
    expect(h.ofType("dial.link").map((l) => `${l.action}:${l.reflector}`)).toEqual(["link:91", "unlink:91", "link:2350"]);
    h.advance(11_000);
    h.call(b, { sourceId: 1, destinationId: 91, slot: 1, streamId: 3 });
    expect(a.sent.length).toBe(0);
  });

  test("4000 unlinks, 5000 reports the status", () => {
    const h = new Harness();
    const a = h.hotspot();
    dial(h, a, 5000, 1);
    dial(h, a, 91, 2);
    dial(h, a, 5000, 3);
    dial(h, a, 4000, 4);
    dial(h, a, 5000, 5);
    expect(h.router.dialedReflector(a)).toBe(0);
    expect(h.ofType("dial.status").map((s) => s.reflector)).toEqual([0, 91, 0]);
    expect(h.ofType("dial.link").map((l) => `${l.action}:${l.reflector}:${l.reason}`)).toEqual(["link:91:dialled", "unlink:91:unlink"]);
  });

  test("the link expires after the UA timer and is renewed by TG 9 traffic", () => {
    const h = new Harness({ uaTimerMinutes: 10 });
    const a = h.hotspot();
    dial(h, a, 91, 1);
    h.advance(8 * MIN, 1000);
    h.call(a, { sourceId: 1, destinationId: 9, slot: 2, streamId: 2 });
    h.advance(8 * MIN, 1000);
    expect(h.router.dialedReflector(a)).toBe(91);
    h.advance(3 * MIN, 1000);
    expect(h.router.dialedReflector(a)).toBe(0);
    expect(h.ofType("dial.link").at(-1)!.reason).toBe("timer");
  });

  test("numbers that cannot be dialled are rejected (8, 9, 6, 4001–4999, 9990–9999) and leave the link alone", () => {
    const h = new Harness();
    const a = h.hotspot();
    dial(h, a, 91, 1);
    let id = 10;
    for (const n of [8, 9, 6, 4, 4400, 9990, 9995]) dial(h, a, n, id++);
    expect(h.router.dialedReflector(a)).toBe(91);
    expect(h.ofType("dial.rejected").map((r) => r.reflector)).toEqual([8, 9, 6, 4, 4400, 9990, 9995]);
  });

  test("DIAL= sets a default reflector that is linked at once, never expires, and relinks after 4000 + timer", () => {
    const h = new Harness({ uaTimerMinutes: 10 });
    const a = h.hotspot({ options: "DIAL=2350" });
    expect(h.router.dialedReflector(a)).toBe(2350);
    h.advance(60 * MIN, 10_000);
    expect(h.router.dialedReflector(a)).toBe(2350);
    dial(h, a, 4000, 1);
    expect(h.router.dialedReflector(a)).toBe(0);
    h.advance(9 * MIN, 10_000);
    expect(h.router.dialedReflector(a)).toBe(0);
    h.advance(2 * MIN, 10_000);
    expect(h.router.dialedReflector(a)).toBe(2350);
    // another reflector replaces the default until its timer runs out, then the default returns
    dial(h, a, 91, 2);
    expect(h.router.dialedReflector(a)).toBe(91);
    h.advance(11 * MIN, 10_000);
    expect(h.router.dialedReflector(a)).toBe(2350);
    expect(h.ofType("dial.link").filter((l) => l.action === "link").map((l) => `${l.reflector}:${l.reason}`)).toEqual([
      "2350:default",
      "2350:default",
      "91:dialled",
      "2350:default",
    ]);
  });

  test("refusals and status answers name the hotspot's repeater id; a dial number while dial-a-TG is off is refused, not silent", () => {
    const h = new Harness();
    const a = h.hotspot();
    dial(h, a, 5000, 1);
    dial(h, a, 4400, 2);
    expect(h.ofType("dial.status")[0]!.repeaterId).toBe(a.repeaterId);
    expect(h.ofType("dial.rejected")[0]).toMatchObject({ reflector: 4400, reason: "not-dialable", repeaterId: a.repeaterId });

    const off = new Harness({ dial: { enabled: false } });
    const b = off.hotspot();
    dial(off, b, 91, 1);
    dial(off, b, 2_345_002, 2); // a radio id: an ordinary private call, not a dial number
    expect(off.router.dialedReflector(b)).toBe(0);
    expect(off.ofType("dial.rejected").map((r) => [r.reflector, r.reason, r.repeaterId])).toEqual([[91, "dial-disabled", b.repeaterId]]);
  });

  test("a default reflector from the access rule; DIAL=0 in options removes it", () => {
    const h = new Harness({ accessRules: { club: { defaultReflector: 2350 } } });
    const a = h.hotspot({ rule: "club" });
    expect(h.router.dialedReflector(a)).toBe(2350);
    h.router.onOptions(h.nowMs, a, "DIAL=0");
    expect(h.router.dialedReflector(a)).toBe(0);
  });

  test("TG 9 on TS2 with nothing linked stays local; TG 9 on TS1 is never routed", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=9;TS2=9" });
    h.call(a, { sourceId: 1, destinationId: 9, slot: 2, streamId: 1 });
    h.call(a, { sourceId: 1, destinationId: 9, slot: 1, streamId: 2 });
    expect(b.sent.length).toBe(0);
    expect(h.router.subscriptions(b)).toEqual([]); // 9 cannot be static from options
  });

  test("control plane dial()", () => {
    const h = new Harness();
    const a = h.hotspot();
    expect(h.router.dial(h.nowMs, a, 91)).toEqual({ ok: true, reflector: 91 });
    expect(h.router.dial(h.nowMs, a, 9)).toEqual({ ok: false, reason: "not-dialable" });
    expect(h.router.dial(h.nowMs, a, 0)).toEqual({ ok: true, reflector: 0 });
    expect(h.router.dialedReflector(a)).toBe(0);
  });

  test("private calls to radio ids (≥ 1,000,000) are not dial commands", () => {
    const h = new Harness();
    const a = h.hotspot();
    dial(h, a, 2345601, 1);
    expect(h.router.dialedReflector(a)).toBe(0);
    expect(h.ofType("dial.link").length + h.ofType("dial.rejected").length).toBe(0);
  });
});

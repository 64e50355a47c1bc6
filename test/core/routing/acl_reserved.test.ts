import { describe, expect, test } from "bun:test";
import { aclOrThrow } from "../../../src/core/acl.ts";
import { Harness } from "./harness.ts";

describe("ACLs (FreeDMR syntax)", () => {
  test("global subscriber ACL refuses a source radio id for the whole stream", () => {
    const h = new Harness({ subscriberAcl: aclOrThrow("DENY:1234567") });
    const a = h.hotspot({ options: "TS1=3100" });
    const b = h.hotspot({ options: "TS1=3100" });
    h.call(a, { sourceId: 1234567, destinationId: 3100, streamId: 1 });
    expect(b.sent.length).toBe(0);
    expect(h.router.stats().droppedAcl).toBe(1);
    expect(h.router.stats().droppedRefused).toBe(7); // the rest of the refused stream
    expect(h.ofType("stream.refused").map((e) => e.reason)).toEqual(["subscriber-acl"]);
    expect(h.ofType("stream.start").length).toBe(0);
    h.advance(11_000);
    h.call(a, { sourceId: 1234568, destinationId: 3100, streamId: 2 });
    expect(b.sent.length).toBe(8);
  });

  test("per-rule subscriber ACL applies only to that rule's hotspots", () => {
    const h = new Harness({ accessRules: { club: { subscriberAcl: aclOrThrow("PERMIT:2340000-2349999") } } });
    const a = h.hotspot({ rule: "club", options: "TS1=3100" });
    const other = h.hotspot({ options: "TS1=3100" });
    const b = h.hotspot({ options: "TS1=3100" });
    h.call(a, { sourceId: 3120001, destinationId: 3100, streamId: 1 });
    expect(b.sent.length).toBe(0);
    h.call(other, { sourceId: 3120001, destinationId: 3100, streamId: 2 });
    expect(b.sent.length).toBe(8);
  });

  test("talkgroup ACL per slot: global, on ingress and on egress", () => {
    const h = new Harness({ talkgroupTs1Acl: aclOrThrow("DENY:666"), talkgroupTs2Acl: aclOrThrow("PERMIT:91,3100") });
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS1=666,777;TS2=666,777" });
    h.call(a, { sourceId: 1, destinationId: 666, slot: 1, streamId: 1 }); // TS1 666 denied on ingress
    h.advance(11_000);
    h.call(a, { sourceId: 1, destinationId: 666, slot: 2, streamId: 2 }); // TS2 only 91, 3100
    h.advance(11_000);
    expect(b.sent.length).toBe(0);
    expect(h.ofType("stream.refused").map((e) => e.reason)).toEqual(["talkgroup-acl", "talkgroup-acl"]);
    h.call(a, { sourceId: 1, destinationId: 777, slot: 1, streamId: 3 }); // allowed on TS1, not on TS2
    expect(b.sent.map((s) => s.slot)).toEqual(Array(8).fill(1));
    expect(b.streams()).toEqual([3]);
  });

  test("egress TG ACL per rule keeps a TG off a hotspot's slot", () => {
    const h = new Harness({ accessRules: { noworld: { talkgroupTs2Acl: aclOrThrow("DENY:91") } } });
    const a = h.hotspot();
    const b = h.hotspot({ rule: "noworld" });
    h.router.subscribe(h.nowMs, b, 2, 91, "static");
    h.call(a, { sourceId: 1, destinationId: 91, slot: 1, streamId: 1 });
    expect(b.sent.length).toBe(0);
  });
});

describe("reserved numbers", () => {
  test("TGs 0–4, 4000, 5000, 9991–9999 and all-call 16777215 are never routed", () => {
    const h = new Harness();
    const a = h.hotspot();
    const b = h.hotspot();
    let id = 1;
    for (const tg of [0, 1, 4, 4000, 5000, 9991, 9999, 16777215]) {
      h.router.subscribe(h.nowMs, b, 1, tg, "static"); // refused by the control plane as well
      h.call(a, { sourceId: 1, destinationId: tg, slot: 1, streamId: id++ });
      h.advance(500);
    }
    expect(b.sent.length).toBe(0);
    expect(h.router.subscriptions(a)).toEqual([]);
    expect(h.router.subscriptions(b)).toEqual([]);
    expect(h.router.stats().droppedReserved).toBe(8);
  });

  test("TG 5–8 and 10+ are ordinary talkgroups for user activation", () => {
    const h = new Harness();
    const a = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 8, slot: 1, streamId: 1 });
    h.call(a, { sourceId: 1, destinationId: 10, slot: 2, streamId: 2 });
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([8, 10]);
  });

  test("a configured bridge may use a reserved TG", () => {
    const member = (system: string) => ({ system, slot: 1 as const, talkgroupId: 2, active: true, timeoutMinutes: 0, timeoutType: "none" as const, on: [], off: [], reset: [] });
    const h = new Harness({ bridges: [{ name: "cluster", members: [member("HS0"), member("HS1")] }] });
    const a = h.hotspot();
    const b = h.hotspot();
    h.call(a, { sourceId: 1, destinationId: 2, slot: 1, streamId: 1 });
    expect(b.sent.length).toBe(8);
  });
});

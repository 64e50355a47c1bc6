import { describe, expect, test } from "bun:test";
import { parseOptions, sanitizeOptions } from "../../../src/core/routing/hotspots/options_parser.ts";
import { DEFAULT_ROUTING_OPTIONS, inRanges } from "../../../src/core/routing/options.ts";
import { Harness } from "./harness.ts";

const rules = {
  prohibitedTalkgroups: DEFAULT_ROUTING_OPTIONS.optionsProhibitedTalkgroups,
  dialable: (n: number) => n >= 5 && n <= 999999 && !inRanges(DEFAULT_ROUTING_OPTIONS.dial.notDialable, n),
};

describe("options parser (RPTO in every form)", () => {
  test("BrandMeister/FreeDMR style TS1=/TS2=", () => {
    const p = parseOptions("TS1=3100,235;TS2=91;", rules);
    expect(p.ts1).toEqual([3100, 235]);
    expect(p.ts2).toEqual([91]);
    expect(p.rejected).toEqual([]);
  });

  test("TS1_STATIC / TS2_STATIC aliases and lowercase keys", () => {
    const p = parseOptions("ts1_static=2350;TS2_STATIC=23590,91", rules);
    expect(p.ts1).toEqual([2350]);
    expect(p.ts2).toEqual([23590, 91]);
  });

  test("DMR+ form: StartRef, RelinkTime, UserLink, TS1_n", () => {
    const p = parseOptions("StartRef=4400;RelinkTime=60;UserLink=1;TS1_1=262;TS1_2=2621;TS2_1=91", rules);
    expect(p.ts1).toEqual([262, 2621]);
    expect(p.ts2).toEqual([91]);
    expect(p.timerMinutes).toBe(60);
    // 4400 is in the 4000–5000 control range: rejected individually, the rest applies
    expect(p.dial).toBeNull();
    expect(p.rejected.length).toBe(1);
    expect(p.rejected[0]).toContain("StartRef=4400");
  });

  test("FreeDMR keys: DIAL, TIMER, SINGLE, VOICE, LANG, IDENTTG, KEY", () => {
    const p = parseOptions("DIAL=2350;TIMER=15;SINGLE=1;VOICE=0;LANG=en_GB;IDENTTG=9;KEY=s3cret", rules);
    expect(p.dial).toBe(2350);
    expect(p.timerMinutes).toBe(15);
    expect(p.single).toBe(true);
    expect(p.voice).toBe(false);
    expect(p.lang).toBe("en_GB");
    expect(p.identTalkgroup).toBe(9);
    expect(p.key).toBe("s3cret");
    expect(p.rejected).toEqual([]);
  });

  test("NULs, quotes and non-ASCII are stripped before parsing", () => {
    expect(sanitizeOptions("\u0000TS1=\u201c3100\u201d;\u0000")).toBe("TS1=3100;");
    const p = parseOptions("\u0000\u0000TS1='3100';TS2=\"91\"\u00a0;\u0000", rules);
    expect(p.ts1).toEqual([3100]);
    expect(p.ts2).toEqual([91]);
    expect(p.rejected).toEqual([]);
  });

  test("a bad token is rejected with a reason; the others still apply", () => {
    const p = parseOptions("TS1=3100,abc,9990,5;TS2=91;TIMER=x;FOO=1;junk;DIAL=9", rules);
    expect(p.ts1).toEqual([3100]);
    expect(p.ts2).toEqual([91]);
    expect(p.timerMinutes).toBeNull();
    expect(p.dial).toBeNull();
    expect(p.rejected.length).toBe(7);
    expect(p.rejected.some((r) => r.includes('"abc"'))).toBe(true);
    expect(p.rejected.some((r) => r.includes("9990") && r.includes("reserved"))).toBe(true);
    expect(p.rejected.some((r) => r.includes("talkgroup 5"))).toBe(true);
    expect(p.rejected.some((r) => r.startsWith("FOO=1"))).toBe(true);
    expect(p.rejected.some((r) => r.startsWith("junk"))).toBe(true);
    expect(p.rejected.some((r) => r.startsWith("DIAL=9"))).toBe(true);
  });

  test("empty list clears; not mentioned keeps (null)", () => {
    const p = parseOptions("TS1=;", rules);
    expect(p.ts1).toEqual([]);
    expect(p.ts2).toBeNull();
  });
});

describe("options applied by the router", () => {
  test("statics from options subscribe; resent options replace only what they name", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100,235;TS2=91" });
    const tg = () => h.router.subscriptions(a).map((s) => `${s.slot}:${s.talkgroupId}`);
    expect(tg()).toEqual(["1:235", "1:3100", "2:91"]);
    h.router.onOptions(h.nowMs, a, "TS1=3100");
    expect(tg()).toEqual(["1:3100", "2:91"]);
    h.router.onOptions(h.nowMs, a, "TS2=;");
    expect(tg()).toEqual(["1:3100"]);
    const changes = h.ofType("subscription.change");
    expect(changes.filter((c) => c.action === "remove").map((c) => c.talkgroupId).sort()).toEqual([235, 91]);
  });

  test("options publish an event naming every rejected token; counters count them", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100,bad;NOPE=1" });
    const ev = h.ofType("options.applied");
    expect(ev.length).toBe(1);
    expect(ev[0]!.rejected.length).toBe(2);
    expect(h.router.stats().optionsTokensRejected).toBe(2);
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3100]);
  });

  test("KEY: the first options with a key lock them; later options without or with another key are ignored", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1=3100;KEY=abc" });
    h.router.onOptions(h.nowMs, a, "TS1=666666");
    h.router.onOptions(h.nowMs, a, "TS1=777777;KEY=wrong");
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([3100]);
    h.router.onOptions(h.nowMs, a, "TS1=2350;KEY=abc");
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([2350]);
    // the lock survives a new login of the same repeater id
    h.router.onPortDown(h.nowMs, a);
    const again = h.hotspot({ repeaterId: a.repeaterId, options: "TS1=1234" });
    expect(h.router.subscriptions(again).map((s) => s.talkgroupId)).toEqual([]);
    const last = h.ofType("options.applied").at(-1)!;
    expect(last.rejected[0]).toContain("KEY");
  });

  test("the KEY value never leaves the router: options.applied carries KEY=***, rejected tokens name the key only", () => {
    const h = new Harness();
    const secret = "s3cret-Lock";
    const a = h.hotspot({ options: `TS1=3100;KEY=${secret}` });
    h.router.onOptions(h.nowMs, a, "TS1=777777;KEY=wrong-Guess");
    const b = h.hotspot({ options: `TS1=2350;KEY=${"x".repeat(70)}` }); // too long: rejected, not locked
    const events = h.ofType("options.applied");
    expect(events.length).toBe(3);
    expect(events[2]!.repeaterId).toBe(b.repeaterId);
    expect(events[0]!.options).toBe("TS1=3100;KEY=***");
    expect(events[0]!.repeaterId).toBe(a.repeaterId);
    expect(events[1]!.rejected).toEqual(["KEY: does not match; options ignored"]);
    expect(events[2]!.rejected).toContain("KEY: key must be 1–64 characters");
    const text = JSON.stringify(events);
    for (const leaked of [secret, "wrong-Guess", "xxxxxxxxxx"]) expect(text).not.toContain(leaked);
    // and the lock itself still works on the real value
    h.router.onOptions(h.nowMs, a, `TS1=2350;KEY=${secret}`);
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([2350]);
  });

  test("an access rule can forbid options", () => {
    const h = new Harness({ accessRules: { locked: { allowOptions: false, ts1Static: [2350] } } });
    const a = h.hotspot({ rule: "locked", options: "TS1=3100" });
    expect(h.router.subscriptions(a).map((s) => s.talkgroupId)).toEqual([2350]);
  });

  test("options subscriptions route traffic", () => {
    const h = new Harness();
    const a = h.hotspot({ options: "TS1_1=262;TS2_2=2621" });
    const b = h.hotspot();
    h.call(b, { sourceId: 1, destinationId: 2621, slot: 1, streamId: 77 });
    expect(a.sent.length).toBe(8);
    expect(a.sent[0]!.slot).toBe(2);
  });
});

import { describe, expect, test } from "bun:test";
import { PortState, SubOrigin, Subscription } from "../../../src/core/routing/state.ts";

describe("PortState packed fields", () => {
  test("the four flags are independent", () => {
    const ps = new PortState(3);
    expect([ps.up, ps.trunk, ps.link, ps.local]).toEqual([false, false, false, false]);
    const names = ["up", "trunk", "link", "local"] as const;
    for (let mask = 0; mask < 16; mask++) {
      names.forEach((name, bit) => (ps[name] = (mask & (1 << bit)) !== 0));
      expect(names.map((name) => ps[name])).toEqual(names.map((_, bit) => (mask & (1 << bit)) !== 0));
    }
    expect(ps.index).toBe(3);
  });

  test("option values read null until set, and back to null when reset", () => {
    const ps = new PortState(0);
    expect([ps.optionsTimerMinutes, ps.optionsSingle, ps.optionsDial, ps.optionsIdent, ps.optionsLanguage, ps.optionsIdentTalkgroup]).toEqual([null, null, null, null, null, null]);
    ps.optionsTimerMinutes = 0;
    ps.optionsSingle = false;
    ps.optionsDial = 4000;
    ps.optionsIdent = true;
    ps.optionsLanguage = "en_GB";
    ps.optionsIdentTalkgroup = 9;
    expect([ps.optionsTimerMinutes, ps.optionsSingle, ps.optionsDial, ps.optionsIdent, ps.optionsLanguage, ps.optionsIdentTalkgroup]).toEqual([0, false, 4000, true, "en_GB", 9]);
    ps.optionsDial = null;
    ps.optionsLanguage = null;
    expect(ps.optionsDial).toBeNull();
    expect(ps.optionsLanguage).toBeNull();
    expect(ps.optionsTimerMinutes).toBe(0);
  });

  test("link and relink positions default to none", () => {
    const ps = new PortState(0);
    expect([ps.relinkAtMs, ps.relinkPosition, ps.linkPosition]).toEqual([0, -1, -1]);
    ps.linkPosition = 0;
    ps.relinkAtMs = 12_345;
    ps.relinkPosition = 7;
    expect([ps.relinkAtMs, ps.relinkPosition, ps.linkPosition]).toEqual([12_345, 7, 0]);
    ps.linkPosition = -1;
    expect(ps.linkPosition).toBe(-1);
  });
});

describe("Subscription packed fields", () => {
  test("origin and bridge index share one number without disturbing each other", () => {
    const sub = new Subscription();
    expect(sub.origin).toBe(SubOrigin.Config);
    expect(sub.bridgeIndex).toBe(-1);
    for (const bridgeIndex of [-1, 0, 1, 5, 1000, 2 ** 20]) {
      for (const origin of [SubOrigin.Config, SubOrigin.Options, SubOrigin.Api, SubOrigin.Traffic]) {
        sub.bridgeIndex = bridgeIndex;
        sub.origin = origin;
        expect([sub.bridgeIndex, sub.origin]).toEqual([bridgeIndex, origin]);
        sub.bridgeIndex = bridgeIndex;
        expect(sub.origin).toBe(origin);
      }
    }
  });
});

import { describe, expect, test } from "bun:test";
import { PortState, SubKind, SubOrigin, Subscription } from "../../../src/core/routing/state.ts";
import { DEFAULT_LINK_TALKGROUP_MAP } from "../../../src/core/routing/options.ts";

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

  test("the index shares a number with the flags; a link's map lives with the link positions", () => {
    for (const index of [0, 1, 255, 256, 65_535, 1_000_000, 2 ** 27 - 1]) {
      const ps = new PortState(index);
      ps.up = true;
      ps.local = true;
      expect([ps.index, ps.up, ps.trunk, ps.link, ps.local]).toEqual([index, true, false, false, true]);
      ps.up = false;
      ps.link = true;
      expect([ps.index, ps.up, ps.link, ps.local]).toEqual([index, false, true, true]);
    }
    expect(() => new PortState(2 ** 27)).toThrow();
    const ps = new PortState(9);
    expect(ps.linkMap).toBeNull();
    ps.linkMap = DEFAULT_LINK_TALKGROUP_MAP;
    ps.relinkAtMs = 5;
    expect([ps.linkMap, ps.relinkAtMs, ps.linkPosition]).toEqual([DEFAULT_LINK_TALKGROUP_MAP, 5, -1]);
    ps.linkMap = null;
    expect([ps.linkMap, ps.relinkAtMs]).toEqual([null, 5]);
  });
});

describe("Subscription packed fields", () => {
  test("origin and bridge index share one number without disturbing each other", () => {
    const sub = new Subscription();
    expect(sub.origin).toBe(SubOrigin.Config);
    expect(sub.bridgeIndex).toBe(-1);
    for (const bridgeIndex of [-1, 0, 1, 5, 1000, 2 ** 19]) {
      for (const origin of [SubOrigin.Config, SubOrigin.Options, SubOrigin.Api, SubOrigin.Traffic]) {
        sub.bridgeIndex = bridgeIndex;
        sub.origin = origin;
        expect([sub.bridgeIndex, sub.origin]).toEqual([bridgeIndex, origin]);
        sub.bridgeIndex = bridgeIndex;
        expect(sub.origin).toBe(origin);
      }
    }
  });

  test("every packed value reads back what was written last, whatever else is written in between", () => {
    const sub = new Subscription();
    expect([sub.slot, sub.kind, sub.active, sub.origin, sub.bridgeIndex]).toEqual([1, SubKind.Static, true, SubOrigin.Config, -1]);
    expect([sub.talkgroupId, sub.conferenceId, sub.timedPosition, sub.conferencePosition, sub.nextInPort]).toEqual([0, 0, -1, -1, null]);
    let seed = 12_345;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const positions = [-1, 0, 1, 7, 65_535, 9_999_999];
    const want = {
      slot: 1 as 1 | 2,
      kind: SubKind.Static,
      active: true,
      origin: SubOrigin.Config,
      bridgeIndex: -1,
      talkgroupId: 0,
      conferenceId: 0,
      timedPosition: -1,
      conferencePosition: -1,
    };
    const read = (): unknown[] => [sub.slot, sub.kind, sub.active, sub.origin, sub.bridgeIndex, sub.talkgroupId, sub.conferenceId, sub.timedPosition, sub.conferencePosition];
    for (let i = 0; i < 5_000; i++) {
      switch (next(10)) {
        case 0:
          sub.slot = want.slot = next(2) === 0 ? 1 : 2;
          break;
        case 1:
          sub.kind = want.kind = [SubKind.Static, SubKind.Dynamic, SubKind.Dial, SubKind.Bridge][next(4)]!;
          break;
        case 2:
          sub.active = want.active = next(2) === 0;
          break;
        case 3:
          sub.origin = want.origin = [SubOrigin.Config, SubOrigin.Options, SubOrigin.Api, SubOrigin.Traffic][next(4)]!;
          break;
        case 4:
          sub.bridgeIndex = want.bridgeIndex = [-1, 0, 1, 63, 64, 9_999, 2 ** 19][next(7)]!;
          break;
        case 5:
          sub.talkgroupId = want.talkgroupId = [0, 9, 91, 3100, 2_345_678, 16_777_215][next(6)]!;
          break;
        case 6:
          sub.conferenceId = want.conferenceId = [0, 9, 91, 3100, 16_777_215, 0x2000000, 0x2000000 + 9_999][next(7)]!;
          break;
        case 7:
        case 8:
          sub.timedPosition = want.timedPosition = positions[next(positions.length)]!;
          break;
        default:
          sub.conferencePosition = want.conferencePosition = positions[next(positions.length)]!;
      }
      expect(read()).toEqual([want.slot, want.kind, want.active, want.origin, want.bridgeIndex, want.talkgroupId, want.conferenceId, want.timedPosition, want.conferencePosition]);
    }
    sub.conferencePosition = sub.timedPosition = -1;
    expect([sub.conferencePosition, sub.timedPosition]).toEqual([-1, -1]);
    expect(() => (sub.talkgroupId = 2 ** 25)).toThrow();
    expect(() => (sub.conferencePosition = 2 ** 26)).toThrow();
  });
});

/**
 * Self-care settings in the routing core (no sockets): they win over the same RPTO field, apply at
 * once to a connected hotspot, hold across a new login, go back to RPTO when cleared, and never
 * touch another repeater; the options KEY check used to authenticate them; dropping a call.
 */
import { describe, expect, test } from "bun:test";
import { EMPTY_HOTSPOT_SETTINGS, type HotspotSettings } from "../../../src/core/routing/index.ts";
import { Harness } from "./harness.ts";

const settings = (s: Partial<HotspotSettings>): HotspotSettings => ({ ...EMPTY_HOTSPOT_SETTINGS, ...s });

describe("self-care settings (routing core)", () => {
  test("a setting wins over RPTO, applies live, holds across a new login, and goes back to RPTO when cleared", () => {
    const h = new Harness();
    const a = h.hotspot({ repeaterId: 3_100_001, options: "TS1=3100;TS2=91;TIMER=5" });
    const b = h.hotspot({ repeaterId: 3_100_002, options: "TS1=3100" });
    const statics = (port: typeof a) => h.router.subscriptions(port).filter((s) => s.kind === "static").map((s) => `${s.slot}:${s.talkgroupId}`);
    expect(statics(a)).toEqual(["1:3100", "2:91"]);

    expect(h.router.setHotspotSettings(h.nowMs, 3_100_001, settings({ ts1Static: [2350, 235], uaTimerMinutes: 30 }))).toBe(true);
    expect(statics(a)).toEqual(["1:235", "1:2350", "2:91"]); // TS1 from the dashboard, TS2 still from RPTO
    expect(statics(b)).toEqual(["1:3100"]); // another repeater is untouched
    const event = h.ofType("hotspot.settings").at(-1)!;
    expect(event).toMatchObject({ repeaterId: 3_100_001, connected: true, settings: { ts1Static: [2350, 235], uaTimerMinutes: 30 } });

    // RPTO naming TS1 again loses, and says so
    h.router.onOptions(h.nowMs, a, "TS1=3100;TS2=91");
    expect(statics(a)).toEqual(["1:235", "1:2350", "2:91"]);
    expect(h.ofType("options.applied").at(-1)!.rejected.join(" ")).toContain("TS1: set on the dashboard");

    // a new login of the same repeater id: the settings still win, even before any options
    h.router.onPortDown(h.nowMs, a);
    const a2 = h.hotspot({ repeaterId: 3_100_001 });
    expect(statics(a2)).toEqual(["1:235", "1:2350"]);
    h.router.onOptions(h.nowMs, a2, "TS1=3100;TS2=91");
    expect(statics(a2)).toEqual(["1:235", "1:2350", "2:91"]);

    // cleared: TS1 follows RPTO again
    h.router.setHotspotSettings(h.nowMs, 3_100_001, EMPTY_HOTSPOT_SETTINGS);
    expect(statics(a2)).toEqual(["1:3100", "2:91"]);
    expect(h.router.hotspotSettings(3_100_001)).toEqual(EMPTY_HOTSPOT_SETTINGS);
    expect(h.router.hotspotSettingsEntries()).toEqual([]);
  });

  test("settings for a hotspot that is not connected are kept and applied at its login", () => {
    const h = new Harness();
    expect(h.router.setHotspotSettings(h.nowMs, 3_100_009, settings({ ts2Static: [4100] }))).toBe(true);
    expect(h.ofType("hotspot.settings").at(-1)!.connected).toBe(false);
    const a = h.hotspot({ repeaterId: 3_100_009 });
    expect(h.router.subscriptions(a).map((s) => `${s.slot}:${s.talkgroupId}:${s.kind}`)).toEqual(["2:4100:static"]);
    expect(h.router.hotspotSettingsEntries().map(([id]) => id)).toEqual([3_100_009]);
  });

  test("a default reflector from the dashboard is linked, and unlinked when cleared", () => {
    const h = new Harness();
    const a = h.hotspot({ repeaterId: 3_100_003 });
    expect(h.router.dialedReflector(a)).toBe(0);
    h.router.setHotspotSettings(h.nowMs, 3_100_003, settings({ defaultReflector: 2350 }));
    expect(h.router.dialedReflector(a)).toBe(2350);
    h.router.setHotspotSettings(h.nowMs, 3_100_003, EMPTY_HOTSPOT_SETTINGS);
    expect(h.router.dialedReflector(a)).toBe(0);
  });

  test("the options KEY check: only the repeater's own key, never an empty one, never another's", () => {
    const h = new Harness();
    h.hotspot({ repeaterId: 3_100_004, options: "KEY=alpha123" });
    h.hotspot({ repeaterId: 3_100_005, options: "KEY=beta4567" });
    h.hotspot({ repeaterId: 3_100_006 });
    expect(h.router.optionKeyMatches(3_100_004, "alpha123")).toBe(true);
    expect(h.router.optionKeyMatches(3_100_004, "beta4567")).toBe(false);
    expect(h.router.optionKeyMatches(3_100_005, "alpha123")).toBe(false);
    expect(h.router.optionKeyMatches(3_100_004, "alpha1234")).toBe(false);
    expect(h.router.optionKeyMatches(3_100_004, "")).toBe(false);
    expect(h.router.optionKeyMatches(3_100_006, "")).toBe(false);
    expect(h.router.hasOptionKey(3_100_004)).toBe(true);
    expect(h.router.hasOptionKey(3_100_006)).toBe(false);
  });
});

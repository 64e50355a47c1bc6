/**
 * Hotspot records read back from the cluster's KV are checked field by field before anything is
 * applied to a hotspot (another node, an operator with the nats CLI, or a bug could have written
 * anything there).
 */
import { expect, test } from "bun:test";
import { validHotspotRecord } from "../../src/shell/cluster/cluster_state.ts";

const good = {
  v: 1,
  n: 7,
  options: "TS1=3100;KEY=secret",
  dynamic: [{ slot: 1, talkgroupId: 3100, expiresAtWallMs: 1_800_000_000_000 }],
  dial: { reflector: 91, expiresAtWallMs: 0 },
  settings: { ts1Static: [3100], ts2Static: null, defaultReflector: null, uaTimerMinutes: 15, singleMode: false, language: "en_GB" },
  atWallMs: 1_800_000_000_000,
};

test("a well-formed record passes; a record with any field of the wrong type or out of range does not", () => {
  expect(validHotspotRecord(good)).toBe(true);
  expect(validHotspotRecord({ ...good, dial: null, settings: null, dynamic: [] })).toBe(true);
  const bad: unknown[] = [
    null,
    "text",
    { ...good, v: 2 },
    { ...good, options: 5 },
    { ...good, options: "x".repeat(2000) },
    { ...good, dynamic: "3100" },
    { ...good, dynamic: [{ slot: 3, talkgroupId: 3100, expiresAtWallMs: 0 }] },
    { ...good, dynamic: [{ slot: 1, talkgroupId: "3100", expiresAtWallMs: 0 }] },
    { ...good, dynamic: [{ slot: 1, talkgroupId: 0, expiresAtWallMs: 0 }] },
    { ...good, dynamic: [{ slot: 1, talkgroupId: 16_777_216, expiresAtWallMs: 0 }] },
    { ...good, dynamic: [{ slot: 1, talkgroupId: 3100, expiresAtWallMs: -1 }] },
    { ...good, dynamic: Array.from({ length: 300 }, () => good.dynamic[0]) },
    { ...good, dial: { reflector: "91", expiresAtWallMs: 0 } },
    { ...good, dial: 91 },
    { ...good, settings: { ...good.settings, ts1Static: [1.5] } },
    { ...good, settings: { ...good.settings, defaultReflector: -1 } },
    { ...good, settings: { ...good.settings, singleMode: "yes" } },
    { ...good, settings: { ...good.settings, uaTimerMinutes: 1e9 } },
    { ...good, settings: "none" },
  ];
  for (const b of bad) expect(validHotspotRecord(b)).toBe(false);
});

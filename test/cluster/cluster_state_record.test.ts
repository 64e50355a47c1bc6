/**
 * Hotspot records read back from the cluster's KV (the store's HotspotStateRecord with who wrote
 * it) are checked field by field before they are imported (another node, an operator with the nats
 * CLI, or a bug could have written anything there).
 */
import { expect, test } from "bun:test";
import { validHotspotRecord } from "../../src/shell/cluster/cluster_state.ts";

const ID = 312_000_001;
const session = {
  options: "TS1=3100;KEY=secret",
  dynamic: [{ slot: 1, talkgroupId: 3100, origin: "traffic", expiresAtWallMs: 1_800_000_000_000 }],
  dial: { reflector: 91, expiresAtWallMs: 0 },
  relinkAtWallMs: 0,
};
const settings = { ts1Static: [3100], ts2Static: null, defaultReflector: null, uaTimerMinutes: 15, singleMode: false, language: "en_GB" };
const good = { v: 2, n: 7, record: { repeaterId: ID, optionKey: "secret", settings, session }, atWallMs: 1_800_000_000_000 };
const withSession = (s: object) => ({ ...good, record: { ...good.record, session: { ...session, ...s } } });
const withSettings = (s: object) => ({ ...good, record: { ...good.record, settings: { ...settings, ...s } } });

test("a well-formed record passes; a record of another repeater, or with any field of the wrong type or out of range, does not", () => {
  expect(validHotspotRecord(good, ID)).toBe(true);
  expect(validHotspotRecord({ ...good, record: { repeaterId: ID, optionKey: null, settings: null, session: null } }, ID)).toBe(true);
  expect(validHotspotRecord(good, ID + 1)).toBe(false);
  const bad: unknown[] = [
    null,
    "text",
    { ...good, v: 1 },
    { ...good, record: null },
    { ...good, record: { ...good.record, optionKey: 5 } },
    withSession({ options: 5 }),
    withSession({ options: "x".repeat(2000) }),
    withSession({ dynamic: "3100" }),
    withSession({ dynamic: [{ slot: 3, talkgroupId: 3100, origin: "traffic", expiresAtWallMs: 0 }] }),
    withSession({ dynamic: [{ slot: 1, talkgroupId: "3100", origin: "traffic", expiresAtWallMs: 0 }] }),
    withSession({ dynamic: [{ slot: 1, talkgroupId: 0, origin: "traffic", expiresAtWallMs: 0 }] }),
    withSession({ dynamic: [{ slot: 1, talkgroupId: 16_777_216, origin: "traffic", expiresAtWallMs: 0 }] }),
    withSession({ dynamic: [{ slot: 1, talkgroupId: 3100, origin: "traffic", expiresAtWallMs: -1 }] }),
    withSession({ dynamic: [{ slot: 1, talkgroupId: 3100, origin: "x", expiresAtWallMs: 0 }] }),
    withSession({ dynamic: Array.from({ length: 300 }, () => session.dynamic[0]) }),
    withSession({ dial: { reflector: "91", expiresAtWallMs: 0 } }),
    withSession({ dial: 91 }),
    withSession({ relinkAtWallMs: "soon" }),
    withSettings({ ts1Static: [1.5] }),
    withSettings({ defaultReflector: -1 }),
    withSettings({ singleMode: "yes" }),
    withSettings({ uaTimerMinutes: 1e9 }),
    { ...good, record: { ...good.record, settings: "none" } },
  ];
  for (const b of bad) expect(validHotspotRecord(b, ID)).toBe(false);
});

/**
 * The dashboard's data layer (src/services/dashboard/client/model.ts, format.ts, strings.ts): what
 * the browser keeps from API answers and live events. Pure functions, no browser needed.
 */
import { describe, expect, test } from "bun:test";
import { duration, parsePortName, parseTalkgroupList, relativeTime, slotsText } from "../../src/services/dashboard/client/format.ts";
import {
  applyEvent,
  emptyState,
  heardFromApi,
  hotspotFromApi,
  linkFromApi,
  matchesHotspot,
  matchesSearch,
  optionRejectionFromApi,
  publicOptionToken,
  refusalFromApi,
  splitCounters,
  talkgroupRows,
} from "../../src/services/dashboard/client/model.ts";
import { en, reasonText, t } from "../../src/services/dashboard/client/strings.ts";

const noPort = () => null;

describe("public view: what the browser keeps", () => {
  test("a hotspot keeps only the address family, never the address or port", () => {
    const h = hotspotFromApi({ repeaterId: 2345601, callsign: "G4ABC", address: "192.0.2.7", port: 62031, portIndex: 3, talkgroups: { ts1: [91], ts2: [3100, 2350] }, dialedReflector: 0 }, 0);
    expect(JSON.stringify(h)).not.toContain("192.0.2.7");
    expect(JSON.stringify(h)).not.toContain("62031");
    expect(h.addressFamily).toBe("ipv4");
    expect(h.subscriptions.map((s) => [s.slot, s.talkgroupId])).toEqual([[1, 91], [2, 3100], [2, 2350]]);
    expect(hotspotFromApi({ address: "2001:db8::7" }, 0).addressFamily).toBe("ipv6");
    expect(hotspotFromApi({ family: "ipv6", softwareId: "MMDVM_DMO", url: "javascript:alert(1)" }, 0)).toMatchObject({ addressFamily: "ipv6", software: "MMDVM_DMO", url: null });
  });

  test("a refusal and a link keep no address (the link's peer is dropped)", () => {
    const r = refusalFromApi({ time: "2026-12-01T10:00:00.000Z", repeaterId: 7, address: "198.51.100.9", port: 5000, reason: "bad-passphrase", callsign: "M0X" });
    expect(JSON.stringify(r)).not.toContain("198.51.100.9");
    expect(r).toEqual({ timeMs: Date.parse("2026-12-01T10:00:00.000Z"), repeaterId: 7, reason: "bad-passphrase", callsign: "M0X", count: 1 });
    // a flooding source summed up: how many it stands for
    expect(refusalFromApi({ time: "2026-12-01T10:00:00.000Z", repeaterId: 7, reason: "bad-passphrase", count: 412 }).count).toBe(412);
    const l = linkFromApi({ name: "ob", kind: "openbridge", up: true, state: "up", peer: "203.0.113.4:62035", protocol: 5, counters: { framesIn: 3, dropsLoop: 1, weird: "x" } });
    expect(JSON.stringify(l)).not.toContain("203.0.113.4");
    expect(l.counters).toEqual({ framesIn: 3, dropsLoop: 1 });
  });

  test("option KEY and passwords lose their value; rejected tokens split into token and reason", () => {
    expect(publicOptionToken("KEY=hunter2")).toBe("KEY=***");
    expect(publicOptionToken("pass=abc")).toBe("pass=***");
    expect(publicOptionToken("TS1=91")).toBe("TS1=91");
    const o = optionRejectionFromApi({ time: "2026-12-01T10:00:00.000Z", data: { rejected: ["TS9=1: unknown option", "KEY=hunter2: does not match", 'TS1=abc: "abc" is not a talkgroup number (1–16777215)', "odd"] } });
    expect(o.rejected).toEqual([
      { token: "TS9=1", reason: "unknown option" },
      { token: "KEY=***", reason: "does not match" },
      { token: "TS1=abc", reason: '"abc" is not a talkgroup number (1–16777215)' },
      { token: "odd", reason: null },
    ]);
    expect(JSON.stringify(o)).not.toContain("hunter2");
  });
});

describe("hotspot search", () => {
  test("every word must match callsign, id, location, software or a talkgroup", () => {
    const h = hotspotFromApi({ repeaterId: 2345601, callsign: "G4ABC", location: "Leeds, IO93fs", softwareId: "MMDVM", talkgroups: { ts1: [91], ts2: [3100] } }, 0);
    for (const q of ["", "g4abc", "leeds 3100", "2345601", "mmdvm 91"]) expect(`${q}:${matchesHotspot(h, q)}`).toBe(`${q}:true`);
    for (const q of ["york", "leeds 2350"]) expect(`${q}:${matchesHotspot(h, q)}`).toBe(`${q}:false`);
  });
});

describe("links", () => {
  test("counters split into traffic and drops by reason; zeros hidden except frames in/out", () => {
    const { traffic, drops } = splitCounters({ framesIn: 0, framesOut: 501, keepalivesIn: 3, badMac: 2, loop: 0, tooOld: 1, quenchesIn: 0 }, { droppedStale: 4 });
    expect(traffic).toEqual([["framesIn", 0], ["framesOut", 501], ["keepalivesIn", 3]]);
    expect(drops).toEqual([["badMac", 2], ["tooOld", 1], ["droppedStale", 4]]);
  });
});

describe("live events", () => {
  test("call.start → in progress; call.end → last heard with its talker alias, and gone from now", () => {
    const state = emptyState();
    expect(applyEvent(state, { type: "call.start", streamId: 9, portIndex: 2, port: "G4ABC/2345601", sourceId: 2345678, destinationId: 3100, slot: 2, callType: "group", kind: "voice" }, 1000, noPort)).toEqual([]);
    expect([...state.active.values()].map((c) => [c.sourceId, c.destinationId, c.port, c.startedLocalMs])).toEqual([[2345678, 3100, "G4ABC/2345601", 1000]]);
    applyEvent(state, { type: "call.alias", streamId: 9, portIndex: 2, talkerAlias: "G4ABC Alice" }, 1500, noPort);
    expect(state.active.get("2:9")?.talkerAlias).toBe("G4ABC Alice");
    const reload = applyEvent(state, { type: "call.end", streamId: 9, portIndex: 2, port: "G4ABC/2345601", sourceId: 2345678, destinationId: 3100, slot: 2, callType: "group", kind: "voice", durationMs: 4200, lost: 0, talkerAlias: null, endedBy: "terminator", at: "2026-12-01T10:00:04.200Z" }, 5200, noPort);
    expect(reload).toEqual(["lastHeard"]);
    expect(state.active.size).toBe(0);
    expect(state.lastHeard[0]).toMatchObject({ sourceId: 2345678, destinationId: 3100, talkerAlias: "G4ABC Alice", durationMs: 4200, timeMs: Date.parse("2026-12-01T10:00:04.200Z") });
    // the same call as a core event is not listed twice
    applyEvent(state, { type: "stream.end", streamId: 9, portIndex: 2, portName: "G4ABC/2345601", sourceId: 2345678, destinationId: 3100, slot: 2, callType: "group", kind: "voice", durationMs: 4200, frames: 70, lost: 0, talkerAlias: "G4ABC Alice", endedBy: "terminator", at: "2026-12-01T10:00:04.300Z" }, 5300, noPort);
    expect(state.lastHeard.length).toBe(1);
  });

  test("options with rejected tokens are kept per repeater id (from the port index); unknown events change nothing", () => {
    const state = emptyState();
    applyEvent(state, { type: "options", portIndex: 4, port: "G4ABC/2345601", rejected: ["TS9=1: unknown option"], at: "2026-12-01T10:00:00.000Z" }, 0, (p) => (p === 4 ? 2345601 : null));
    expect(state.optionRejections.get(2345601)?.rejected).toEqual([{ token: "TS9=1", reason: "unknown option" }]);
    const before = JSON.stringify([...state.optionRejections]);
    expect(applyEvent(state, { type: "nonsense" }, 0, noPort)).toEqual([]);
    expect(applyEvent(state, null, 0, noPort)).toEqual([]);
    expect(JSON.stringify([...state.optionRejections])).toBe(before);
  });

  test("talkgroup rows: subscribers from hotspots, activity from last heard, active from calls in progress", () => {
    const state = emptyState();
    state.hotspots = [hotspotFromApi({ repeaterId: 1, callsign: "A", talkgroups: { ts1: [], ts2: [3100] } }, 0), hotspotFromApi({ repeaterId: 2, callsign: "B", talkgroups: { ts1: [91], ts2: [3100] } }, 0)];
    state.lastHeard = [heardFromApi({ timeMs: 5000, destinationId: 91, callType: "group" }), heardFromApi({ timeMs: 4000, destinationId: 91, callType: "group" }), heardFromApi({ timeMs: 6000, destinationId: 7, callType: "unit" })];
    applyEvent(state, { type: "call.start", streamId: 1, portIndex: 0, sourceId: 5, destinationId: 3100, slot: 2, callType: "group" }, 0, noPort);
    const rows = talkgroupRows(state);
    expect(rows.map((r) => [r.talkgroupId, r.subscribers.length, r.calls, r.active, r.lastCallMs])).toEqual([
      [3100, 2, 0, true, null],
      [91, 1, 2, false, 5000],
    ]);
    // the server's counts (every call since the start) win over the last-heard ring's
    const fromServer = talkgroupRows(state, [{ talkgroupId: 91, subscribers: 1, active: false, calls: 40, lastCallAt: "2026-12-01T10:00:00.000Z", lastSourceId: 2345678 }, { talkgroupId: 9990, calls: 1, lastCallAt: null }]);
    expect(fromServer.map((r) => [r.talkgroupId, r.calls, r.lastSourceId])).toEqual([
      [3100, 0, null],
      [91, 40, 2345678],
      [9990, 1, null],
    ]);
  });

  test("last-heard search matches every word against callsign, alias, ids and talkgroup", () => {
    const call = heardFromApi({ sourceId: 2345678, destinationId: 3100, talkerAlias: "G4ABC Alice", port: "G4XYZ/2345601" });
    expect(matchesSearch(call, "")).toBe(true);
    expect(matchesSearch(call, "alice")).toBe(true);
    expect(matchesSearch(call, "tg3100 alice")).toBe(true);
    expect(matchesSearch(call, "2345678")).toBe(true);
    expect(matchesSearch(call, "bob")).toBe(false);
    expect(matchesSearch(call, "alice 91")).toBe(false);
  });
});

describe("formatting and strings", () => {
  test("durations, relative times, port names, talkgroup lists", () => {
    expect(duration(7400)).toBe("7.4 s");
    expect(duration(65_000)).toBe("1:05");
    expect(duration(7_389_000)).toBe("2:03:09");
    expect(relativeTime(0, 12_000)).toMatch(/12 sec/);
    expect(relativeTime(240_000, 0)).toMatch(/in 4 min/);
    expect(parsePortName("G4ABC/2345601")).toEqual({ callsign: "G4ABC", repeaterId: 2345601 });
    expect(parsePortName("ob-link")).toEqual({ callsign: "ob-link", repeaterId: null });
    expect(parseTalkgroupList("91, 2350 3100;91")).toEqual({ ok: true, value: [91, 2350, 3100] });
    expect(parseTalkgroupList("91, abc")).toEqual({ ok: false, bad: "abc" });
    expect(parseTalkgroupList("0")).toEqual({ ok: false, bad: "0" });
    const words = { duplex: "duplex", simplex: "simplex" };
    expect(["1", "2", "3", "4", null, "9"].map((x) => slotsText(x, words))).toEqual(["TS1", "TS2", "duplex", "simplex", null, "9"]);
  });

  test("the strings table fills placeholders, explains reason codes, and has no empty text", () => {
    expect(t("slot", { slot: 2 })).toBe("TS2");
    expect(reasonText("bad-passphrase")).toBe("wrong passphrase");
    expect(reasonText("something-new")).toBe("something-new");
    for (const [key, text] of Object.entries(en)) expect(`${key}:${text.trim() === "" ? "EMPTY" : "ok"}`).toBe(`${key}:ok`);
  });
});

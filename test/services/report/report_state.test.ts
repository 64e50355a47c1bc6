/**
 * ReportState unit checks: include_addresses (off: empty IP/PORT; on: the hotspot's address as
 * FreeDMR sends it), links from stats snapshots as OPENBRIDGE systems, and TX lines to a link and
 * to a hotspot from a stream.start's targets (START TX after START RX; END TX before END RX).
 */
import { describe, expect, test } from "bun:test";
import type { CoreEvent, StatsSnapshot } from "../../../src/core/events.ts";
import { PickleDict, type PickleValue } from "../../../src/services/report/pickle.ts";
import { ReportState, type ReportStateOptions } from "../../../src/services/report/report_state.ts";

function state(overrides: Partial<ReportStateOptions> = {}): ReportState {
  return new ReportState({
    maxHotspots: 100,
    hbpPort: 62031,
    includeAddresses: false,
    groupHangTimeSeconds: 10,
    singleMode: false,
    uaTimerMinutes: 10,
    bridges: new Map(),
    wallClockMs: () => 1_800_000_000_000,
    monotonicMs: () => 1000,
    ...overrides,
  });
}

function get(dict: PickleValue, key: PickleValue): PickleValue {
  if (!(dict instanceof PickleDict)) throw new Error("not a dict");
  const found = dict.entries.find(([k]) => (k instanceof Uint8Array && key instanceof Uint8Array ? k.join() === key.join() : k === key));
  if (found === undefined) throw new Error(`no key ${String(key)}`);
  return found[1];
}

const up = (portIndex: number, repeaterId: number): CoreEvent => ({ type: "session.up", atMs: 500, repeaterId, callsign: "G0ABC", address: "192.0.2.7", port: 50001, portIndex });
const stats = (links: StatsSnapshot["links"]): CoreEvent => ({
  type: "stats",
  atMs: 900,
  snapshot: { uptimeMs: 900, hbp: null, routing: null, links, host: {}, bus: { published: 0, subscribers: [] }, process: { rssBytes: 0, heapUsedBytes: 0 } },
});
const id4 = (id: number) => new Uint8Array([(id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);

describe("ReportState", () => {
  test("include_addresses: off sends empty IP/PORT, on sends the hotspot's address and port", () => {
    for (const includeAddresses of [false, true]) {
      const s = state({ includeAddresses });
      s.apply(up(3, 2345601));
      const peer = get(get(get(s.configSystems(), "2345601"), "PEERS"), id4(2345601));
      expect(get(peer, "IP")).toBe(includeAddresses ? "192.0.2.7" : "");
      expect(get(peer, "PORT")).toBe(includeAddresses ? 50001 : 0);
    }
  });

  test("links from stats snapshots are OPENBRIDGE systems; a call's TX lines name the hotspot and the link it went to", () => {
    const s = state();
    s.apply(up(3, 2345601));
    s.apply(up(4, 2345602));
    s.apply(stats([{ name: "OBP-UK", kind: "openbridge", portIndex: 9, up: true, state: "up", peer: "203.0.113.5:62035", protocol: 5, counters: {} }]));
    expect(get(get(s.configSystems(), "OBP-UK"), "MODE")).toBe("OPENBRIDGE");
    expect(get(get(s.configSystems(), "OBP-UK"), "TARGET_IP")).toBe("");

    const targets = new Uint32Array([4, (2 << 24) | 2350, 9, (1 << 24) | 2350]);
    const start: CoreEvent = { type: "stream.start", atMs: 1000, streamId: 0xdeadbeef, portIndex: 3, portName: "G0ABC", sourceId: 2345001, destinationId: 2350, slot: 2, callType: "group", kind: "voice", targets };
    expect(s.apply(start)).toEqual([
      "GROUP VOICE,START,RX,2345601,3735928559,2345601,2345001,2,2350",
      "GROUP VOICE,START,TX,2345602,3735928559,2345601,2345001,2,2350",
      "GROUP VOICE,START,TX,OBP-UK,3735928559,2345601,2345001,1,2350",
    ]);
    const end: CoreEvent = { ...start, type: "stream.end", durationMs: 7420, frames: 124, lost: 0, talkerAlias: null, endedBy: "terminator" } as CoreEvent;
    expect(s.apply(end)).toEqual([
      "GROUP VOICE,END,TX,2345602,3735928559,2345601,2345001,2,2350,7.42",
      "GROUP VOICE,END,TX,OBP-UK,3735928559,2345601,2345001,1,2350,7.42",
      "GROUP VOICE,END,RX,2345601,3735928559,2345601,2345001,2,2350,7.42",
    ]);
    // private voice has no line in FreeDMR's format; data has its header line only
    expect(s.apply({ ...start, callType: "unit", streamId: 2 } as CoreEvent)).toEqual([]);
    expect(s.apply({ ...start, kind: "data", streamId: 3 } as CoreEvent)).toEqual(["DATA HEADER,DATA,RX,2345601,3,2345601,2345001,2,2350"]);
  });
});

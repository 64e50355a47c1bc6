import { describe, expect, test } from "bun:test";
import { ApiState } from "../../src/services/api_state.ts";
import { OperatorState } from "../../src/services/operator_state.ts";
import type { HotspotDetails, WorkerEvent } from "../../src/services/worker/protocol.ts";
import { down, end, ManualClock, sub, up } from "./fixtures.ts";

function tables(): { api: ApiState; op: OperatorState; clock: ManualClock; feed: (event: WorkerEvent) => void } {
  const clock = new ManualClock();
  const api = new ApiState({ lastHeardSize: 10, maxHotspots: 100, clock });
  const op = new OperatorState(api);
  // as OperatorApi.onEvent: the status API first, then the dashboard's tables
  const feed = (event: WorkerEvent): void => {
    if (event.type !== "x.hotspot") api.handle(event);
    op.handle(event);
  };
  return { api, op, clock, feed };
}

const DETAILS: HotspotDetails = {
  callsign: "G4ABC",
  location: "Leeds",
  description: "MMDVM duplex",
  url: "https://example.org",
  softwareId: "20260713",
  packageId: "MMDVM_HS",
  rxFrequencyHz: 438_800_000,
  txFrequencyHz: 431_200_000,
  colourCode: 1,
  latitude: 53.8,
  longitude: -1.55,
  heightM: 12,
  slots: "3",
  simplex: false,
  accessRule: null,
  family: "ipv4",
  options: "TS1=91;",
};

function options(atMs: number, portIndex: number, text: string, rejected: string[] = []): WorkerEvent {
  return { type: "options.applied", atMs, portIndex, portName: `port${portIndex}`, options: text, rejected };
}

describe("OperatorState: per-hotspot records", () => {
  test("RPTC details live on the hotspot's status record: shown while connected, gone at session.down", () => {
    const { op, feed } = tables();
    feed(up(1, 2_345_601, 3));
    feed({ type: "x.hotspot", atMs: 1, repeaterId: 2_345_601, portIndex: 3, details: DETAILS });
    expect(op.details(3)).toMatchObject({ ...DETAILS });
    feed(options(2, 3, "TS1=91;KEY=secret;"));
    expect(op.details(3)?.options).toBe("TS1=91;KEY=***;");
    // details for another repeater than the one on the port are not taken
    feed({ type: "x.hotspot", atMs: 3, repeaterId: 9, portIndex: 3, details: { ...DETAILS, location: "elsewhere" } });
    expect(op.details(3)?.location).toBe("Leeds");
    feed(down(4, 2_345_601, 3));
    expect(op.details(3)).toBeNull();
  });

  test("details read back exactly as given: texts (a long one, empty ones, no access rule / options), colour code, height, flags", () => {
    const { op, feed } = tables();
    const cases: HotspotDetails[] = [
      DETAILS,
      { ...DETAILS, location: "", description: "", url: "", accessRule: "club", options: null, simplex: true, family: "ipv6", colourCode: 15, heightM: 999 },
      { ...DETAILS, url: "https://example.org/" + "x".repeat(200), options: "TS1=91;" + "TS2=3100;".repeat(40), colourCode: 0, heightM: -5 },
      { ...DETAILS, location: "Zürich — Üetliberg", description: "ünïcødé ✓", accessRule: "", options: "" },
    ];
    cases.forEach((details, i) => {
      feed(up(1, 2_345_700 + i, 20 + i));
      feed({ type: "x.hotspot", atMs: 1, repeaterId: 2_345_700 + i, portIndex: 20 + i, details });
      const got = op.details(20 + i)!;
      for (const key of Object.keys(details) as (keyof HotspotDetails)[]) expect([i, key, got[key]]).toEqual([i, key, details[key]]);
    });
    // options change later (options.applied): the other texts stay
    feed(options(2, 21, "TS2=9;"));
    expect(op.details(21)).toMatchObject({ location: "", accessRule: "club", options: "TS2=9;", url: "" });
    feed(options(2, 22, "TS1=1;"));
    expect(op.details(22)!.url).toBe(cases[2]!.url);
    expect(op.details(22)!.options).toBe("TS1=1;");
  });

  test("subscriptions keep kind and expiry from subscription.change; an add without a kind keeps the earlier one", () => {
    const { op, api, feed } = tables();
    feed({ ...sub(1, 4, 1, 91), kind: "dynamic", expiresAtMs: 70_000 });
    feed({ ...sub(1, 4, 2, 3100), kind: "static", expiresAtMs: null });
    feed(sub(1, 4, 2, 9)); // no kind: listed by the status API, not in the detailed list
    feed(up(2, 2_345_604, 4));
    expect(op.subscriptions(4, 10_000)).toEqual([
      { slot: 1, talkgroupId: 91, kind: "dynamic", expiresInSeconds: 60 },
      { slot: 2, talkgroupId: 3100, kind: "static", expiresInSeconds: null },
    ]);
    expect(api.hotspots()[0]!.talkgroups).toEqual({ ts1: [91], ts2: [9, 3100] });
    feed({ ...sub(3, 4, 1, 91), reason: "renewed", kind: "dynamic", expiresAtMs: 130_000 });
    feed(sub(4, 4, 1, 91));
    expect(op.subscriptions(4, 10_000)[0]).toEqual({ slot: 1, talkgroupId: 91, kind: "dynamic", expiresInSeconds: 120 });
    feed(sub(5, 4, 1, 91, "remove"));
    expect(op.subscriptions(4, 10_000).map((s) => s.talkgroupId)).toEqual([3100]);
    feed(down(6, 2_345_604, 4));
    expect(op.subscriptions(4, 10_000)).toEqual([]);
  });
});

describe("OperatorState: diagnostics", () => {
  test("a login's options diagnostic needs no diagnostics table entry; it is listed, and kept in order once others come", () => {
    const { op, clock, feed } = tables();
    for (let i = 0; i < 50; i++) {
      feed(up(1, 2_345_000 + i, i));
      feed(options(2, i, `TS1=${100 + i};`));
    }
    // counted, not timed: no table entry per connected hotspot for its login's options
    expect(op.diagnosticsTableSize).toBe(0);
    const first = op.diagnostics(2_345_007)!;
    expect(first.options).toEqual([{ time: new Date(clock.wallAtZero + 2).toISOString(), kind: "options", message: "options applied", data: { options: "TS1=107;", rejected: [] } }]);
    expect(first.sessions).toEqual([]);
    // a second options.applied: both listed, newest first
    feed(options(3, 7, "TS1=108;", ["FOO=1"]));
    expect(op.diagnosticsTableSize).toBe(1);
    expect(op.diagnostics(2_345_007)!.options.map((e) => [e.message, e.data?.["options"]])).toEqual([
      ["options applied, 1 token(s) rejected", "TS1=108;"],
      ["options applied", "TS1=107;"],
    ]);
    // a call sent by another hotspot: its login's options come first in its table entry
    feed(end(4, 77, 9));
    expect(op.diagnostics(2_345_009)!.options.map((e) => e.data?.["options"])).toEqual(["TS1=109;"]);
    expect(op.diagnostics(2_345_009)!.callsSent).toHaveLength(1);
    expect(op.diagnosticsTableSize).toBe(2);
  });

  test("the options diagnostic outlives the session: session.down and a resync move it into the table", () => {
    const { api, op, feed } = tables();
    feed(up(1, 2_345_601, 1));
    feed(options(2, 1, "TS2=3100;"));
    feed(up(1, 2_345_602, 2));
    feed(options(2, 2, "TS2=91;"));
    feed(down(5, 2_345_601, 1, "timeout"));
    const gone = op.diagnostics(2_345_601)!;
    expect(gone.options.map((e) => e.data?.["options"])).toEqual(["TS2=3100;"]);
    expect(gone.sessions.map((e) => e.message)).toEqual(["session ended: timeout"]);
    expect(op.diagnosticsTableSize).toBe(1);
    // a resync drops the live records (a roster follows): what waited on them is kept
    api.resetLive();
    op.reset();
    expect(op.diagnostics(2_345_602)!.options.map((e) => e.data?.["options"])).toEqual(["TS2=91;"]);
    expect(op.diagnosticsTableSize).toBe(2);
  });

  test("nothing known about an id: null", () => {
    const { op } = tables();
    expect(op.diagnostics(1)).toBeNull();
  });
});

/**
 * The FreeDMR report socket end to end: the real server (UDP, real router) feeds a ReportServer;
 * a monitor-like TCP client receives CONFIG_SND / BRIDGE_SND (loaded by Python's pickle and read
 * the way FDMR-Monitor's monitor.py reads them) and a BRDG_EVENT line per call start and end.
 * Also: CONFIG_REQ is answered, the allow-list refuses other addresses, a monitor that does not
 * read is disconnected instead of buffered without bound.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createRouter, routingOptions } from "../../../src/core/routing/index.ts";
import type { CoreEvent } from "../../../src/core/events.ts";
import { encodeNetstring } from "../../../src/services/report/netstring.ts";
import { Opcode, ReportServer, type ReportServerOptions } from "../../../src/services/report/report_server.ts";
import { HbpClient } from "../../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../../support/test_server.ts";
import { hotspot, sendVoiceCall } from "../../e2e/routing_support.ts";
import { MonitorClient, READ_BRIDGES, READ_CONFIG } from "./monitor_client.ts";
import { runPython, skipPython, skipPythonMessage } from "./python.ts";

let server: TestServer | null = null;
let report: ReportServer | null = null;
const closers: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  report?.stop();
  report = null;
  await server?.stop();
  server = null;
});

function reportOptions(overrides: Partial<ReportServerOptions> = {}): ReportServerOptions {
  return {
    bindAddress: "127.0.0.1",
    port: 0,
    intervalSeconds: 60,
    clients: ["127.0.0.1"],
    maxClients: 4,
    clientQueueBytes: 1 << 20,
    maxHotspots: 1000,
    hbpPort: 62031,
    includeAddresses: false,
    groupHangTimeSeconds: 10,
    singleMode: false,
    uaTimerMinutes: 10,
    bridges: new Map([
      [
        "REGIONAL",
        [
          { system: "OBP-A", slot: 1, talkgroupId: 2350, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] },
          { system: "club", slot: 2, talkgroupId: 235, active: false, timeoutMinutes: 10, timeoutType: "off", on: [235], off: [4000], reset: [] },
        ],
      ],
    ]),
    ...overrides,
  };
}

describe("FreeDMR report socket", () => {
  test.skipIf(skipPython)("a monitor gets the systems and bridges as monitor.py reads them, a BRDG_EVENT per call start and end, and an answer to CONFIG_REQ", async () => {
    server = await startTestServer({ router: (deps) => createRouter(routingOptions({}), deps) });
    report = new ReportServer(reportOptions());
    report.attach(server.server.bus);
    const monitor = await MonitorClient.connect(report.port);
    closers.push(() => monitor.close());
    expect(await monitor.until(() => monitor.ofOpcode(Opcode.BRIDGE_SND).length === 1)).toBe(true);
    expect(JSON.parse(runPython(READ_CONFIG, monitor.ofOpcode(Opcode.CONFIG_SND)[0]!))).toEqual({});
    expect(JSON.parse(runPython(READ_BRIDGES, monitor.ofOpcode(Opcode.BRIDGE_SND)[0]!))).toEqual({
      REGIONAL: [
        { SYSTEM: "OBP-A", TS: 1, TGID: 2350, ACTIVE: true, TO_TYPE: "NONE", TIMER: true, TIMEOUT: 0, ON: [], OFF: [] },
        { SYSTEM: "club", TS: 2, TGID: 235, ACTIVE: false, TO_TYPE: "OFF", TIMER: true, TIMEOUT: 600, ON: [235], OFF: [4000] },
      ],
    });

    const talker = await hotspot(server, "TS2=3100;");
    const listener = await hotspot(server, "TS2=3100,91;");
    closers.push(() => talker.close(), () => listener.close());
    const call = await sendVoiceCall(talker, { sourceId: 3_100_001, destinationId: 3100, slot: 2, superframes: 2 });
    const streamId = call.streamId >>> 0;
    expect(await monitor.until(() => monitor.events().some((e) => e.startsWith("GROUP VOICE,END,RX,")))).toBe(true);
    // FreeDMR's lines: START RX, a START TX per target (the listener), END TX per target, END RX
    const [start, startTx, endTx, end] = monitor.events();
    expect(start).toBe(`GROUP VOICE,START,RX,${talker.repeaterId},${streamId},${talker.repeaterId},3100001,2,3100`);
    expect(startTx).toBe(`GROUP VOICE,START,TX,${listener.repeaterId},${streamId},${talker.repeaterId},3100001,2,3100`);
    expect(endTx).toMatch(new RegExp(`^GROUP VOICE,END,TX,${listener.repeaterId},${streamId},${talker.repeaterId},3100001,2,3100,\\d+\\.\\d\\d$`));
    expect(end).toMatch(new RegExp(`^GROUP VOICE,END,RX,${talker.repeaterId},${streamId},${talker.repeaterId},3100001,2,3100,\\d+\\.\\d\\d$`));
    expect(monitor.events().length).toBe(4);

    // CONFIG_REQ (0x00) is answered with the hotspots now connected, each its own MASTER system
    const before = monitor.ofOpcode(Opcode.CONFIG_SND).length;
    monitor.socket.write(encodeNetstring(new Uint8Array([Opcode.CONFIG_REQ])));
    expect(await monitor.until(() => monitor.ofOpcode(Opcode.CONFIG_SND).length > before)).toBe(true);
    const systems = JSON.parse(runPython(READ_CONFIG, monitor.ofOpcode(Opcode.CONFIG_SND).at(-1)!));
    expect(Object.keys(systems).sort()).toEqual([String(talker.repeaterId), String(listener.repeaterId)].sort());
    const entry = systems[String(listener.repeaterId)];
    expect(entry.MODE).toBe("MASTER");
    expect(entry.TS2).toEqual(["3100", "91"]);
    expect(entry.TS1).toEqual([]);
    expect(entry.OPTS).toEqual(["TS1_STATIC=", "TS2_STATIC=3100,91"]);
    const peer = entry.PEERS[String(listener.repeaterId)];
    expect(peer).toMatchObject({ CALLSIGN: "E2E", CONNECTION: "YES", CONNECTED: true, IP: "", PORT: 0 });
    expect(report.counters.eventsSent).toBe(4);
  });
  if (skipPython) test(skipPythonMessage, () => {});

  test("an address not on the allow-list is disconnected at once and gets nothing", async () => {
    report = new ReportServer(reportOptions({ clients: ["127.0.0.1"] }));
    const outsider = await MonitorClient.connect(report.port, "127.0.0.2");
    closers.push(() => outsider.close());
    expect(await outsider.until(() => outsider.closed)).toBe(true);
    expect(outsider.messages.length).toBe(0);
    expect(report.counters.refusedNotAllowed).toBe(1);
    const insider = await MonitorClient.connect(report.port, "127.0.0.1");
    closers.push(() => insider.close());
    expect(await insider.until(() => insider.messages.length >= 2)).toBe(true);
    expect(report.clientCount).toBe(1);
  });

  test("a monitor that stops reading is disconnected when its queue is full, not buffered without bound", async () => {
    report = new ReportServer(reportOptions({ clientQueueBytes: 64 * 1024 }));
    const slow = await MonitorClient.connect(report.port);
    closers.push(() => slow.close());
    expect(await slow.until(() => report!.clientCount === 1)).toBe(true);
    slow.socket.pause();
    const event = (i: number): CoreEvent => ({ type: "stream.start", atMs: 0, streamId: i, portIndex: 9999, portName: "OBP-A", sourceId: 3_100_001, destinationId: 3100, slot: 1, callType: "group", kind: "voice" });
    for (let i = 0; i < 200_000 && report.clientCount > 0; i++) report.onEvent(event(i));
    expect(report.counters.slowClientsDropped).toBe(1);
    expect(report.clientCount).toBe(0);
  });
});

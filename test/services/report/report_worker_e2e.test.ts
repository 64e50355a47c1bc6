/**
 * The report socket end to end in the real composition: `[report] enabled` starts it in the
 * services Worker (even with `[http]` off); a monitor-like client sees each hotspot with the
 * RPTC details it logged in with (frequencies, colour code, location, slots, software/package ids)
 * as monitor.py reads them through Python's pickle, BRDG_EVENT lines for calls, and the
 * `[report]` keys (allow-list, interval) in force.
 */
import { describe, expect, test } from "bun:test";
import pino from "pino";
import { startFreedmr } from "../../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";
import type { RunningServer } from "../../../src/shell/server.ts";
import { encodeNetstring } from "../../../src/services/report/netstring.ts";
import { Opcode } from "../../../src/services/report/report_server.ts";
import { HbpClient } from "../../support/hbp_client.ts";
import { sendVoiceCall } from "../../e2e/routing_support.ts";
import { MonitorClient, READ_CONFIG } from "./monitor_client.ts";
import { useCleanups } from "../../support/cleanups.ts";
import { runPython, skipPython, skipPythonMessage } from "./python.ts";

const cleanups = useCleanups();

function configFrom(report: Record<string, unknown>, http: Record<string, unknown> = { enabled: false }): Config {
  const result = validateConfig({
    log: { level: "silent" },
    server: { server_id: 2345 },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
    http: { bind_address: "127.0.0.1", port: 0, ...http },
    report: { enabled: true, bind_address: "127.0.0.1", port: 0, ...report },
    bridges: [{ name: "CLUB", members: [{ system: "235123401", slot: 1, talkgroup: 2351 }, { system: "235123402", slot: 1, talkgroup: 2351 }] }],
  });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.errors)}`);
  return result.config;
}

async function start(config: Config): Promise<RunningServer> {
  const server = await startFreedmr(config, pino({ level: "silent" }), { statsIntervalMs: 100, servicesBatchIntervalMs: 20 });
  cleanups.push(() => server.stop("test"));
  return server;
}

/** RPTC fields as monitor.py shows them per peer. */
const READ_PEER_DETAILS = `
import pickle, sys, json
systems = pickle.loads(sys.stdin.buffer.read())
out = {}
for name, s in systems.items():
    for peer_id, p in s.get("PEERS", {}).items():
        out[str(int.from_bytes(peer_id, "big"))] = {k: p[k].decode().strip() for k in
            ["RX_FREQ", "TX_FREQ", "COLORCODE", "LATITUDE", "LONGITUDE", "HEIGHT", "LOCATION", "DESCRIPTION", "SLOTS", "URL", "SOFTWARE_ID", "PACKAGE_ID"]}
print(json.dumps(out))
`;

describe("report socket in the services Worker", () => {
  test.skipIf(skipPython)("[report] enabled: a monitor sees the hotspot with its RPTC details and the calls, with [http] off", async () => {
    const server = await start(configFrom({ clients: ["127.0.0.1"] }));
    expect(server.http).toBeNull();
    const reportPort = server.services?.ready?.reportPort ?? null;
    expect(reportPort).not.toBeNull();

    const talker = await HbpClient.open({
      serverPort: server.boundSockets()[0]!.port,
      repeaterId: 235_123_401,
      callsign: "G0ABC",
      rxFrequencyHz: 430_987_500,
      txFrequencyHz: 438_587_500,
      colourCode: 3,
      latitude: 51.5074,
      longitude: -0.1278,
      heightM: 42,
      location: "London",
      description: "club repeater",
      slots: "3",
      url: "https://example.org",
      softwareId: "20240101_WPSD",
      packageId: "MMDVM_MMDVM_HS_Hat",
      options: "TS2=2350;",
    });
    cleanups.push(() => talker.close());
    await talker.login();

    const monitor = await MonitorClient.connect(reportPort!);
    cleanups.push(() => monitor.close());
    expect(await monitor.until(() => monitor.ofOpcode(Opcode.BRIDGE_SND).length >= 1)).toBe(true);
    // the login and options reach the Worker in the next event batches: ask again (CONFIG_REQ) until they show
    let systems: Record<string, { PEERS: Record<string, unknown>; TS2: string[] }> = {};
    for (let attempt = 0; attempt < 50 && (systems[String(talker.repeaterId)]?.TS2.length ?? 0) === 0; attempt++) {
      const before = monitor.ofOpcode(Opcode.CONFIG_SND).length;
      monitor.socket.write(encodeNetstring(new Uint8Array([Opcode.CONFIG_REQ])));
      expect(await monitor.until(() => monitor.ofOpcode(Opcode.CONFIG_SND).length > before)).toBe(true);
      systems = JSON.parse(runPython(READ_CONFIG, monitor.ofOpcode(Opcode.CONFIG_SND).at(-1)!));
    }
    expect(systems[String(talker.repeaterId)]).toMatchObject({ MODE: "MASTER", TS2: ["2350"] });
    expect(systems[String(talker.repeaterId)]!.PEERS[String(talker.repeaterId)]).toMatchObject({
      CALLSIGN: "G0ABC",
      SLOTS: "3",
      SOFTWARE_ID: "20240101_WPSD",
      PACKAGE_ID: "MMDVM_MMDVM_HS_Hat",
      LOCATION: "London",
      IP: "",
      PORT: 0,
    });
    const details = JSON.parse(runPython(READ_PEER_DETAILS, monitor.ofOpcode(Opcode.CONFIG_SND).at(-1)!));
    expect(details[String(talker.repeaterId)]).toMatchObject({
      RX_FREQ: "430987500",
      TX_FREQ: "438587500",
      COLORCODE: "03",
      LATITUDE: "51.5074",
      LONGITUDE: "-0.1278",
      HEIGHT: "042",
      DESCRIPTION: "club repeater",
      URL: "https://example.org",
    });

    const call = await sendVoiceCall(talker, { sourceId: 2_351_234, destinationId: 2350, slot: 2, superframes: 1 });
    expect(await monitor.until(() => monitor.events().some((e) => e.startsWith("GROUP VOICE,END,RX,")), 5000)).toBe(true);
    const lines = monitor.events();
    expect(lines[0]).toBe(`GROUP VOICE,START,RX,${talker.repeaterId},${call.streamId >>> 0},${talker.repeaterId},2351234,2,2350`);
    expect(lines.find((l) => l.startsWith("GROUP VOICE,END,RX,"))).toMatch(new RegExp(`^GROUP VOICE,END,RX,${talker.repeaterId},${call.streamId >>> 0},${talker.repeaterId},2351234,2,2350,\\d+\\.\\d\\d$`));
  });
  if (skipPython) test(skipPythonMessage, () => {});

  test("[report] clients: an address not listed is refused; interval_seconds re-sends the tables", async () => {
    const server = await start(configFrom({ clients: ["127.0.0.1"], interval_seconds: 1 }));
    const reportPort = server.services!.ready!.reportPort!;
    const outsider = await MonitorClient.connect(reportPort, "127.0.0.2");
    cleanups.push(() => outsider.close());
    expect(await outsider.until(() => outsider.closed)).toBe(true);
    expect(outsider.messages.length).toBe(0);
    const monitor = await MonitorClient.connect(reportPort);
    cleanups.push(() => monitor.close());
    // the first pair on connect, another pair after interval_seconds (a pair is two messages: wait
    // for both of the second, the bridge table may arrive a moment after the config table)
    expect(await monitor.until(() => monitor.ofOpcode(Opcode.CONFIG_SND).length >= 2 && monitor.ofOpcode(Opcode.BRIDGE_SND).length >= 2, 5000)).toBe(true);
    expect(monitor.ofOpcode(Opcode.CONFIG_SND).length).toBeGreaterThanOrEqual(2);
    expect(monitor.ofOpcode(Opcode.BRIDGE_SND).length).toBeGreaterThanOrEqual(2);
  });

  test.skipIf(skipPython)("the services Worker killed: it is restarted on the same report port and the monitor sees the hotspots again (resync)", async () => {
    const server = await start(configFrom({ clients: ["127.0.0.1"] }));
    const services = server.services!;
    const reportPort = services.ready!.reportPort!;
    const hotspot = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: 235_123_409, callsign: "G0RST" });
    cleanups.push(() => hotspot.close());
    await hotspot.login();
    const first = await MonitorClient.connect(reportPort);
    cleanups.push(() => first.close());
    expect(await first.until(() => first.ofOpcode(Opcode.CONFIG_SND).length >= 1)).toBe(true);

    services.terminateForTest();
    expect(await first.until(() => first.closed, 10_000)).toBe(true);
    let systems: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 100 && systems[String(hotspot.repeaterId)] === undefined; attempt++) {
      await Bun.sleep(100);
      const monitor = await MonitorClient.connect(reportPort).catch(() => null);
      if (monitor === null) continue;
      cleanups.push(() => monitor.close());
      if (await monitor.until(() => monitor.ofOpcode(Opcode.CONFIG_SND).length >= 1, 2000)) systems = JSON.parse(runPython(READ_CONFIG, monitor.ofOpcode(Opcode.CONFIG_SND)[0]!));
      monitor.close();
    }
    expect(services.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(Object.keys(systems)).toContain(String(hotspot.repeaterId));
  }, 30_000);

  test("report off (the default): nothing listens and no port is reported", async () => {
    const server = await start(configFrom({ enabled: false }, { enabled: true }));
    expect(server.services?.ready?.reportPort ?? null).toBeNull();
    const metrics = await (await fetch(`${server.http!.url}metrics`)).text();
    expect(metrics).toContain("freedmr_report_enabled 0");
  });
});

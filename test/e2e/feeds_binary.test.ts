/**
 * The feeds inside the compiled x64 binary (dist/freedmr-linux-x64, built if stale): the report
 * socket, MQTT (mqtt.js bundled into the binary) against a real mosquitto, and the last-heard
 * WebSocket feed, all from the embedded services Worker. The binary runs from a directory without
 * the sources. A hotspot logs in and calls over real UDP; a monitor, an MQTT subscriber and a feed
 * client each see the call. SIGKILL of the binary: the broker publishes the last-will
 * (online=false, retained).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Opcode } from "../../src/services/report/report_server.ts";
import { ensureBinary } from "../binary/support/ensure_binary.ts";
import { startFreedmr, type FreedmrProcess } from "../cli/support/freedmr_process.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { Mosquitto, skipMosquitto, skipMosquittoMessage, Subscriber } from "../support/mosquitto.ts";
import { MonitorClient } from "../services/report/monitor_client.ts";
import { sendVoiceCall } from "./routing_support.ts";
import { until } from "../support/cleanups.ts";

const isX64 = process.arch === "x64" && process.platform === "linux";
const work = mkdtempSync(join(tmpdir(), "freedmr-feeds-binary-"));
let binary = "";

beforeAll(async () => {
  if (isX64 && !skipMosquitto) binary = await ensureBinary("x64");
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function logLine(server: FreedmrProcess, prefix: string): Promise<Record<string, unknown>> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const line = server.lines.find((l) => typeof l.msg === "string" && l.msg.startsWith(prefix));
    if (line !== undefined) return line;
    if (performance.now() > deadline) throw new Error(`no "${prefix}" line in the log:\n${server.stdoutText()}\n${server.stderrText()}`);
    await Bun.sleep(20);
  }
}


describe.if(isX64)("feeds in the compiled binary", () => {
  test.skipIf(skipMosquitto)("report socket, MQTT and the last-heard feed each see a call; SIGKILL → the broker's last-will says offline", async () => {
    const broker = await Mosquitto.start();
    const sub = await Subscriber.connect(broker.url, "bin/v1/#");
    const config = join(work, "freedmr.toml");
    writeFileSync(
      config,
      [
        `[log]\nformat = "json"\n`,
        `[hbp]\nbind_addresses = ["127.0.0.1"]\nport = 0\n`,
        `[http]\nbind_address = "127.0.0.1"\nport = 0\n`,
        `[report]\nenabled = true\nbind_address = "127.0.0.1"\nport = 0\n`,
        `[mqtt]\nenabled = true\nurl = "${broker.url}"\nprefix = "bin"\n`,
      ].join("\n"),
    );
    const server = await startFreedmr([binary, "--config", config], { cwd: work });
    let hotspot: HbpClient | undefined;
    let monitor: MonitorClient | undefined;
    try {
      const reportPort = Number((await logLine(server, "report socket for"))["port"]);
      const url = String((await logLine(server, "dashboard and API on"))["url"]);
      monitor = await MonitorClient.connect(reportPort);
      const feed: any[] = [];
      const ws = new WebSocket(url.replace(/^http/, "ws") + "api/v1/feed/lastheard/ws?tg=2350");
      ws.onmessage = (e) => feed.push(JSON.parse(String(e.data)));
      await new Promise((resolve) => (ws.onopen = resolve));
      expect(await until(() => sub.on("bin/v1/status").some((m) => m.body.online === true))).toBe(true);

      hotspot = await HbpClient.open({ serverPort: server.port, repeaterId: 2345602, passphrase: "passw0rd", callsign: "G4BIN", options: "TS2=2350;" });
      await hotspot.login({ passphrase: "passw0rd" });
      await sendVoiceCall(hotspot, { sourceId: 2_351_234, destinationId: 2350, slot: 2, superframes: 1 });

      expect(await until(() => monitor!.events().some((l) => l.startsWith("GROUP VOICE,END,RX,2345602,")))).toBe(true);
      expect(monitor.ofOpcode(Opcode.CONFIG_SND).length).toBeGreaterThanOrEqual(1);
      expect(await until(() => sub.on("bin/v1/calls/end/2350").length === 1)).toBe(true);
      expect(await until(() => feed.length === 2)).toBe(true);
      expect(feed.map((r) => r.Event)).toEqual(["Session-Start", "Session-Stop"]);
      ws.close();
      const metrics = await (await fetch(new URL("/metrics", url))).text();
      expect(metrics).toContain("freedmr_mqtt_connected 1");
      expect(metrics).toContain("freedmr_report_clients 1");
    } finally {
      monitor?.close();
      await hotspot?.close();
    }
    // a crash: the broker publishes our last-will
    const before = sub.messages.length;
    expect(await server.stop("SIGKILL")).not.toBe(0);
    expect(await until(() => sub.messages.slice(before).some((m) => m.topic === "bin/v1/status" && m.body.online === false))).toBe(true);
    expect(server.stderrText()).not.toContain("ModuleNotFound");
    await sub.close();
    await broker.stop();
  }, 180_000);
  if (skipMosquitto) test(skipMosquittoMessage, () => {});
});

/**
 * startServer: logs (a loud warning for the default passphrase, never a passphrase, one line per
 * bound socket, session events via the event-log service) and the extension points the lead uses
 * to plug in the router and more handlers.
 */
import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { defaultConfig } from "../../src/config/schema.ts";
import type { HostedHandler, SocketSpec } from "../../src/core/datagram_handler.ts";
import { startServer, assembleServer, type RunningServer } from "../../src/shell/server.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { RecordingRouter } from "../support/test_server.ts";

let running: RunningServer | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

function capture(): { log: pino.Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void chunks.push(s) });
  return { log, lines: () => chunks.join("").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), text: () => chunks.join("") };
}

function config(passphrase?: string) {
  const c = defaultConfig();
  c.hbp.bind_addresses = ["127.0.0.1"];
  c.hbp.port = 0;
  c.http.enabled = false; // the dashboard Worker is tested in test/services
  if (passphrase !== undefined) c.hbp.passphrase = passphrase;
  return c;
}

describe("startServer", () => {
  test("default passphrase: one loud warning, and the passphrase itself is never logged", async () => {
    const { log, lines, text } = capture();
    running = await startServer(config(), log);
    const client = await HbpClient.open({ serverPort: running.boundSockets()[0]!.port, repeaterId: 2345601 });
    await client.login();
    await running.stop();
    await client.close({ rptcl: false });
    const warnings = lines().filter((l) => l["level"] === 40 && String(l["msg"]).includes("default passphrase"));
    expect(warnings.length).toBe(1);
    expect(text()).not.toContain("passw0rd");
  });

  test("a custom passphrase: no warning, not logged; one info line per bound socket; session events logged", async () => {
    const { log, lines, text } = capture();
    const c = config("very-secret-phrase");
    c.hbp.bind_addresses = ["127.0.0.1", "127.0.0.1"];
    c.hbp.access_rules = [{ name: "club", repeater_id: 2345601, action: "allow", passphrase: "club-secret" }];
    running = await startServer(c, log);
    const ports = running.boundSockets().map((s) => s.port);
    expect(ports.length).toBe(2);
    const client = await HbpClient.open({ serverPort: ports[1]!, repeaterId: 2345601, passphrase: "club-secret", callsign: "G4ABC" });
    await client.login();
    await running.bus.idle();
    await running.stop();
    await client.close({ rptcl: false });
    const all = lines();
    const listening = all.filter((l) => String(l["msg"]).startsWith("listening on UDP"));
    expect(listening.map((l) => l["port"])).toEqual(ports);
    expect(all.some((l) => String(l["msg"]).includes("default passphrase"))).toBe(false);
    expect(all.some((l) => l["msg"] === "hotspot connected" && l["repeaterId"] === 2345601 && l["callsign"] === "G4ABC")).toBe(true);
    expect(all.some((l) => l["msg"] === "hotspot disconnected" && l["reason"] === "shutdown")).toBe(true);
    expect(text()).not.toContain("very-secret-phrase");
    expect(text()).not.toContain("club-secret");
  });

  test("the listening line says how the socket sends: sendmmsg, or Bun's sendMany with FREEDMR_SENDMMSG=0", async () => {
    const sendmmsgPlatform = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");
    for (const env of [undefined, "0"]) {
      const { log, lines } = capture();
      if (env === undefined) delete process.env.FREEDMR_SENDMMSG;
      else process.env.FREEDMR_SENDMMSG = env;
      try {
        running = await startServer(config(), log);
      } finally {
        delete process.env.FREEDMR_SENDMMSG;
      }
      // a login's replies go out either way
      const client = await HbpClient.open({ serverPort: running.boundSockets()[0]!.port, repeaterId: 2345601 });
      await client.login();
      await client.close();
      await running.stop();
      running = null;
      const listening = lines().find((l) => String(l["msg"]).startsWith("listening on UDP"));
      expect(listening?.["send"]).toBe(env === undefined && sendmmsgPlatform ? "sendmmsg" : env === "0" ? "bun (turned off)" : expect.stringMatching(/^bun \(/));
    }
  });

  test("the router factory and extra handlers plug in; handlers share the outbox and port indexes", async () => {
    const router = new RecordingRouter();
    let extraGotDatagram = 0;
    const extra: HostedHandler = {
      name: "extra",
      socketSpecs: (): SocketSpec[] => [{ name: "extra", bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 0 }],
      onDatagram: () => void extraGotDatagram++,
      onTick: () => {},
    };
    let sawRouter = false;
    const { log } = capture();
    running = await startServer(config("p4ssphrase!"), log, {
      createRouter: () => router,
      extraHandlers: (deps) => {
        sawRouter = deps.router === router;
        return [extra];
      },
    });
    expect(sawRouter).toBe(true);
    const sockets = running.boundSockets();
    expect(sockets.map((s) => s.handler)).toEqual(["hbp", "extra"]);
    const probe = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    probe.send(new Uint8Array([1]), sockets[1]!.port, "127.0.0.1");
    const client = await HbpClient.open({ serverPort: sockets[0]!.port, repeaterId: 1001, passphrase: "p4ssphrase!" });
    await client.login();
    for (let i = 0; i < 100 && extraGotDatagram === 0; i++) await HbpClient.settle(5);
    expect(extraGotDatagram).toBe(1);
    expect(router.up.length).toBe(1);
    expect(await HbpClient.settle(60).then(() => router.ticks)).toBeGreaterThan(0);
    probe.close();
    await client.close({ rptcl: false });
  });

  test("assembleServer builds the core without opening sockets; hbp.enabled=false leaves it out", () => {
    const c = config("x-pass-123");
    const assembled = assembleServer(c);
    expect(assembled.hbp).not.toBeNull();
    expect(assembled.handlers.length).toBe(1);
    c.hbp.enabled = false;
    expect(assembleServer(c).handlers.length).toBe(0);
  });
});

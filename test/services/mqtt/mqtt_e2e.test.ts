/**
 * MQTT events against a real mosquitto (started by the test on a free port, never the system
 * service): the real composition publishes sessions, calls (start/end per talkgroup topic),
 * refusals and stats as versioned JSON matching the TypeBox schemas; the retained status is
 * online=true while connected and online=false after a clean stop. Broker restart: killed and
 * started again on the same port, the publisher reconnects with backoff, events during the outage
 * beyond the queue bound are dropped and counted (/metrics), and events flow again afterwards.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import pino from "pino";
import { startFreedmr } from "../../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";
import { MqttSchemas } from "../../../src/services/mqtt/mqtt_messages.ts";
import type { RunningServer } from "../../../src/shell/server.ts";
import { HbpClient } from "../../support/hbp_client.ts";
import { Mosquitto, skipMosquitto, skipMosquittoMessage, Subscriber } from "../../support/mosquitto.ts";
import { sendVoiceCall } from "../../e2e/routing_support.ts";
import { until, useCleanups } from "../../support/cleanups.ts";

const cleanups = useCleanups();

function configFrom(mqttUrl: string, mqtt: Record<string, unknown> = {}): Config {
  const result = validateConfig({
    log: { level: "silent" },
    server: { name: "test-server", server_id: 2345 },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
    http: { bind_address: "127.0.0.1", port: 0 },
    mqtt: { enabled: true, url: mqttUrl, prefix: "fdmr/test", reconnect_min_ms: 100, reconnect_max_ms: 400, ...mqtt },
  });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.errors)}`);
  return result.config;
}


function schemaErrors(schema: TSchema, body: unknown): string[] {
  return [...Value.Errors(schema, body)].map((e) => `${e.path}: ${e.message}`);
}

async function metric(server: RunningServer, name: string): Promise<number | null> {
  const text = await (await fetch(`${server.http!.url}metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " "));
  return line === undefined ? null : Number(line.slice(name.length + 1));
}

describe("MQTT events (real mosquitto)", () => {
  test.skipIf(skipMosquitto)("sessions, calls, refusals and stats as versioned JSON; retained online status; broker restart with backoff, bounded queue and counted drops", async () => {
    const broker = await Mosquitto.start();
    cleanups.push(() => broker.stop());
    const sub = await Subscriber.connect(broker.url, "fdmr/test/v1/#");
    cleanups.push(() => sub.close());
    const server = await startFreedmr(configFrom(broker.url, { queue_size: 4, stats_interval_seconds: 1 }), pino({ level: "silent" }), { statsIntervalMs: 100, servicesBatchIntervalMs: 20 });
    let stopped = false;
    cleanups.push(() => (stopped ? undefined : server.stop("test")));

    expect(await until(() => sub.on("fdmr/test/v1/status").some((m) => m.body.online === true))).toBe(true);
    const online = sub.on("fdmr/test/v1/status").find((m) => m.body.online === true)!;
    expect(schemaErrors(MqttSchemas.status, online.body)).toEqual([]);
    expect(online.body).toMatchObject({ v: 1, type: "status", server: "test-server" });

    const hotspot = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: 235_100_002, callsign: "M0XYZ", options: "TS2=2350;" });
    cleanups.push(() => hotspot.close());
    await hotspot.login();
    const call = await sendVoiceCall(hotspot, { sourceId: 2_351_234, destinationId: 2350, slot: 2, superframes: 1 });
    const intruder = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: 235_100_003, passphrase: "wrong-passphrase" });
    cleanups.push(() => intruder.close());
    await intruder.login().catch(() => undefined);

    expect(await until(() => sub.on("fdmr/test/v1/calls/end/2350").length === 1 && sub.on("fdmr/test/v1/refusals/login").length >= 1 && sub.on("fdmr/test/v1/stats").length >= 1)).toBe(true);
    const up = sub.on("fdmr/test/v1/sessions/up")[0]!;
    expect(schemaErrors(MqttSchemas.sessionUp, up.body)).toEqual([]);
    expect(up.body).toMatchObject({ repeaterId: 235_100_002, callsign: "M0XYZ" });
    expect(JSON.stringify(up.body)).not.toContain("127.0.0.1");
    const start = sub.on("fdmr/test/v1/calls/start/2350")[0]!;
    const end = sub.on("fdmr/test/v1/calls/end/2350")[0]!;
    expect(schemaErrors(MqttSchemas.callStart, start.body)).toEqual([]);
    expect(schemaErrors(MqttSchemas.callEnd, end.body)).toEqual([]);
    expect(end.body).toMatchObject({ type: "stream.end", streamId: call.streamId >>> 0, sourceId: 2_351_234, destinationId: 2350, slot: 2, callType: "group", kind: "voice", repeaterId: 235_100_002, endedBy: "terminator", sourceCallsign: null });
    expect(end.retain).toBe(false);
    const refused = sub.on("fdmr/test/v1/refusals/login")[0]!;
    expect(schemaErrors(MqttSchemas.loginRefused, refused.body)).toEqual([]);
    expect(refused.body).toMatchObject({ repeaterId: 235_100_003, reason: "bad-passphrase" });
    expect(schemaErrors(MqttSchemas.stats, sub.on("fdmr/test/v1/stats")[0]!.body)).toEqual([]);
    // every other event has its own topic and the common head
    const subscription = sub.on("fdmr/test/v1/events/subscription.change")[0]!;
    expect(schemaErrors(MqttSchemas.other, subscription.body)).toEqual([]);
    expect(subscription.body).toMatchObject({ talkgroupId: 2350, action: "add" });
    expect(await metric(server, "freedmr_mqtt_connected")).toBe(1);

    // ---- broker restart ----
    await broker.kill();
    expect(await until(async () => (await metric(server, "freedmr_mqtt_connected")) === 0)).toBe(true);
    // 6 calls = 12 call messages while the broker is away; the queue holds 4
    for (let i = 0; i < 6; i++) await sendVoiceCall(hotspot, { sourceId: 2_351_000 + i, destinationId: 2350, slot: 2, superframes: 1 });
    expect(await until(async () => ((await metric(server, 'freedmr_mqtt_dropped_total{reason="queue-full"}')) ?? 0) >= 8)).toBe(true);
    const received = sub.messages.length;
    await broker.restart();
    expect(await until(async () => ((await metric(server, "freedmr_mqtt_connects_total")) ?? 0) >= 2)).toBe(true);
    // the status is online again (a broker without persistence forgot it: re-published on connect)
    expect(await until(() => sub.messages.slice(received).some((m) => m.topic === "fdmr/test/v1/status" && m.body.online === true))).toBe(true);
    const after = await sendVoiceCall(hotspot, { sourceId: 2_359_999, destinationId: 2350, slot: 2, superframes: 1 });
    expect(await until(() => sub.on("fdmr/test/v1/calls/end/2350").some((m) => m.body.streamId === after.streamId >>> 0))).toBe(true);
    // what waited in the bounded queue (at most 4) arrived after the reconnect; the rest was dropped
    const outage = sub.on("fdmr/test/v1/calls/").filter((m) => m.body.sourceId >= 2_351_000 && m.body.sourceId < 2_351_006);
    expect(outage.length).toBeLessThanOrEqual(4);

    // ---- clean stop: online=false, retained ----
    await server.stop("test");
    stopped = true;
    const late = await Subscriber.connect(broker.url, "fdmr/test/v1/status");
    cleanups.push(() => late.close());
    expect(await until(() => late.messages.length >= 1)).toBe(true);
    expect(late.messages[0]).toMatchObject({ retain: true, body: { online: false } });
  }, 60_000);

  test.skipIf(skipMosquitto)("a broker with a password: username + password_file connect; a wrong password never does (counted errors, no crash)", async () => {
    const auth = { username: "freedmr", password: "broker-Secret-42" };
    const broker = await Mosquitto.start(auth);
    cleanups.push(() => broker.stop());
    const dir = mkdtempSync(join(tmpdir(), "freedmr-mqtt-pw-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "good"), `${auth.password}\n`);
    const sub = await Subscriber.connect(broker.url, "pw/v1/status", auth);
    cleanups.push(() => sub.close());
    const good = await startFreedmr(configFrom(broker.url, { prefix: "pw", username: auth.username, password_file: join(dir, "good") }), pino({ level: "silent" }), { statsIntervalMs: 100 });
    cleanups.push(() => good.stop("test"));
    expect(await until(() => sub.messages.some((m) => m.body.online === true))).toBe(true);
    expect(await metric(good, "freedmr_mqtt_connected")).toBe(1);

    const bad = await startFreedmr(configFrom(broker.url, { prefix: "pw-bad", client_id: "bad", username: auth.username, password: "not-the-password" }), pino({ level: "silent" }), { statsIntervalMs: 100 });
    cleanups.push(() => bad.stop("test"));
    // refused again and again (each attempt an error), never connected, and the server carries on
    expect(await until(async () => ((await metric(bad, "freedmr_mqtt_errors_total")) ?? 0) >= 2)).toBe(true);
    expect(await metric(bad, "freedmr_mqtt_connected")).toBe(0);
    expect(await metric(bad, "freedmr_mqtt_connects_total")).toBe(0);
  }, 60_000);
  if (skipMosquitto) test(skipMosquittoMessage, () => {});
});

describe("docs/mqtt.md", () => {
  test("lists every schema and every field of it", async () => {
    const doc = await Bun.file(new URL("../../../docs/mqtt.md", import.meta.url)).text();
    for (const [name, schema] of Object.entries(MqttSchemas)) {
      const section = doc.split(`### ${name}: `)[1]?.split("\n### ")[0];
      expect(section).toBeDefined();
      for (const key of Object.keys((schema as { properties: Record<string, unknown> }).properties)) expect(section!).toContain(`| \`${key}\` |`);
    }
  });
});

/**
 * `[report]` and `[mqtt]`: defaults as documented (off, FreeDMR's REPORT_PORT 4321, QoS 0, …),
 * bad values are errors naming the key and what was expected, and the Worker options built from
 * them (feedsOptions) carry the keys through.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/load.ts";
import { defaultConfig } from "../../src/config/schema.ts";
import { feedsOptions } from "../../src/services/feed/feeds_config.ts";

function errorsOf(raw: Record<string, unknown>): string[] {
  const result = validateConfig(raw);
  return result.ok ? [] : result.errors.map((e) => e.path);
}

describe("[report] and [mqtt] config", () => {
  test("defaults: both off; report on 127.0.0.1:4321 for local monitors, no addresses; MQTT QoS 0 under freedmr/", () => {
    const c = defaultConfig();
    expect(c.report).toEqual({ enabled: false, bind_address: "127.0.0.1", port: 4321, interval_seconds: 60, clients: ["127.0.0.1", "::1"], include_addresses: false, max_clients: 8, client_queue_bytes: 4194304 });
    expect(c.mqtt).toMatchObject({ enabled: false, url: "mqtt://127.0.0.1:1883", prefix: "freedmr", qos: 0, retain: false, queue_size: 10000 });
    expect(feedsOptions(c)).toMatchObject({ report: null, mqtt: null });
  });

  test("bad values name the key", () => {
    expect(errorsOf({ report: { port: 70000 } })).toContain("report.port");
    expect(errorsOf({ report: { interval_seconds: 0 } })).toContain("report.interval_seconds");
    expect(errorsOf({ report: { client_queue_bytes: 10 } })).toContain("report.client_queue_bytes");
    expect(errorsOf({ report: { typo: 1 } }).some((p) => p.startsWith("report"))).toBe(true);
    expect(errorsOf({ mqtt: { url: "http://broker:1883" } })).toContain("mqtt.url");
    expect(errorsOf({ mqtt: { prefix: "a/#" } })).toContain("mqtt.prefix");
    expect(errorsOf({ mqtt: { prefix: "/leading" } })).toContain("mqtt.prefix");
    expect(errorsOf({ mqtt: { qos: 3 } })).toContain("mqtt.qos");
    expect(errorsOf({ mqtt: { queue_size: 0 } })).toContain("mqtt.queue_size");
    expect(errorsOf({ mqtt: { prefix: "site/freedmr", url: "mqtts://broker.example.org:8883" } })).toEqual([]);
  });

  test("feedsOptions carries the keys (client id defaults to freedmr-<server.name>; bridges as the report shows them)", () => {
    const result = validateConfig({
      server: { name: "gb7xx" },
      report: { enabled: true, port: 0, clients: ["*"], include_addresses: true },
      mqtt: { enabled: true, prefix: "dmr/gb7xx", qos: 1, reconnect_min_ms: 500, reconnect_max_ms: 100 },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const o = feedsOptions(result.config);
    expect(o.report).toMatchObject({ port: 0, clients: ["*"], includeAddresses: true, intervalSeconds: 60 });
    expect(o.mqtt).toMatchObject({ clientId: "freedmr-gb7xx", prefix: "dmr/gb7xx", qos: 1, reconnectMinMs: 500, reconnectMaxMs: 500 });
  });
});

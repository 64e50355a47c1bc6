/**
 * The shipped Grafana dashboard (docs/grafana/freedmr-dashboard.json) and alert rules
 * (docs/prometheus/alerts.yml) are valid JSON/YAML, and every freedmr metric they reference exists
 * in a real /metrics answer (a server with a hotspot, a call, an OpenBridge link, the report socket
 * and MQTT on), read with a strict Prometheus text parser. Also: the new families (calls active by
 * type, link drops by reason, packet-thread lag, feeds) carry bounded labels only.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { RunningServer } from "../../src/shell/server.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { sendVoiceCall } from "../e2e/routing_support.ts";
import { parsePrometheus, type ParsedFamily } from "./prometheus_parse.ts";
import { useCleanups } from "../support/cleanups.ts";

const repo = join(import.meta.dir, "..", "..");
const cleanups = useCleanups();

function referencedMetrics(text: string): Set<string> {
  return new Set(text.match(/freedmr_[a-z0-9_]+/g) ?? []);
}

async function liveMetrics(): Promise<{ families: Map<string, ParsedFamily>; server: RunningServer }> {
  const peer = createSocket("udp4");
  await new Promise<void>((resolve) => peer.bind(0, "127.0.0.1", resolve));
  cleanups.push(() => peer.close());
  const result = validateConfig({
    log: { level: "silent" },
    server: { server_id: 2345 },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
    http: { bind_address: "127.0.0.1", port: 0 },
    report: { enabled: true, port: 0 },
    // a broker that is not there: the MQTT families exist while it reconnects
    mqtt: { enabled: true, url: `mqtt://127.0.0.1:${peer.address().port}`, reconnect_min_ms: 1000 },
    openbridge: [{ name: "ob-test", bind_address: "127.0.0.1", port: 0, target_address: "127.0.0.1", target_port: peer.address().port, passphrase: "link-secret-1234", network_id: 4321, protocol: 1 }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const server = await startFreedmr(result.config, pino({ level: "silent" }), { statsIntervalMs: 50, servicesBatchIntervalMs: 20 });
  cleanups.push(() => server.stop("test"));
  const hotspot = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: 235_100_010, callsign: "G0MET", options: "TS2=2350;" });
  cleanups.push(() => hotspot.close());
  await hotspot.login();
  await sendVoiceCall(hotspot, { sourceId: 2_351_234, destinationId: 2350, slot: 2, superframes: 1 });
  const end = Date.now() + 10_000;
  for (;;) {
    const families = parsePrometheus(await (await fetch(`${server.http!.url}metrics`)).text());
    const framesIn = families.get("freedmr_frames_in_total")?.samples[0]?.value ?? 0;
    if (framesIn > 0 && families.has("freedmr_packet_thread_tick_lag_seconds") && families.has("freedmr_link_state") && families.has("freedmr_services_worker_restarts_total")) return { families, server };
    if (Date.now() > end) throw new Error(`metrics never complete: ${[...families.keys()].join(", ")}`);
    await Bun.sleep(50);
  }
}

describe("Grafana dashboard and alert rules", () => {
  test("valid JSON/YAML; every metric they use is in a real /metrics answer; labels bounded", async () => {
    const dashboardText = readFileSync(join(repo, "docs/grafana/freedmr-dashboard.json"), "utf8");
    const dashboard = JSON.parse(dashboardText) as { panels: { targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    const alertsText = readFileSync(join(repo, "docs/prometheus/alerts.yml"), "utf8");
    const alerts = Bun.YAML.parse(alertsText) as { groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string } }[] }[] };
    expect(alerts.groups.length).toBeGreaterThan(0);
    const rules = alerts.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(typeof rule.expr).toBe("string");
      expect(["critical", "warning", "info"]).toContain(rule.labels.severity);
    }

    const { families } = await liveMetrics();
    const used = new Set([...referencedMetrics(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join("\n")), ...referencedMetrics(rules.map((r) => r.expr).join("\n"))]);
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter((name) => !families.has(name));
    expect(missing).toEqual([]);

    // new families: present, and their labels are from small fixed sets (never a radio id)
    const labelsOf = (name: string) => families.get(name)!.samples.map((s) => s.labels);
    expect(labelsOf("freedmr_calls_active").map((l) => `${l.call_type} ${l.kind}`).sort()).toEqual(["group data", "group voice", "unit data", "unit voice"]);
    for (const l of labelsOf("freedmr_link_dropped_total")) expect(l.link).toBe("ob-test");
    expect(labelsOf("freedmr_link_dropped_total").map((l) => l.reason)).toContain("bad-mac");
    expect(families.get("freedmr_packet_thread_tick_lag_seconds")!.samples[0]!.value).toBeGreaterThanOrEqual(0);
    expect(families.get("freedmr_mqtt_connected")!.samples[0]!.value).toBe(0);
    expect(families.get("freedmr_report_enabled")!.samples[0]!.value).toBe(1);
    for (const family of families.values()) for (const s of family.samples) for (const value of Object.values(s.labels)) expect(value).not.toMatch(/^2351234$/);
  }, 30_000);
});

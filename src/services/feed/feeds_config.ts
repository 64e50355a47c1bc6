/**
 * Config → what the services Worker's feeds need (report socket, MQTT): plain data that crosses
 * postMessage. Null when a feed is off.
 * @module
 */
import type { Config } from "../../config/schema.ts";
import type { WorkerFeedsOptions } from "../worker/protocol.ts";

export function feedsOptions(config: Config): WorkerFeedsOptions {
  const r = config.report;
  const m = config.mqtt;
  return {
    serverName: config.server.name,
    serverId: config.server.server_id,
    report: r.enabled
      ? {
          bindAddress: r.bind_address,
          port: r.port,
          intervalSeconds: r.interval_seconds,
          clients: [...r.clients],
          includeAddresses: r.include_addresses,
          maxClients: r.max_clients,
          clientQueueBytes: r.client_queue_bytes,
          maxHotspots: config.hbp.max_peers,
          hbpPort: config.hbp.port,
          groupHangTimeSeconds: config.routing.group_hang_time_seconds,
          singleMode: config.routing.single_mode,
          uaTimerMinutes: config.routing.ua_timer_minutes,
          bridges: config.bridges.map((b) => ({
            name: b.name,
            members: b.members.map((mb) => ({
              system: mb.system,
              slot: mb.slot,
              talkgroupId: mb.talkgroup,
              active: mb.active,
              timeoutMinutes: mb.timeout_minutes,
              timeoutType: mb.timeout_type,
              on: [...mb.on],
              off: [...mb.off],
              reset: [...mb.reset],
            })),
          })),
        }
      : null,
    mqtt: m.enabled
      ? {
          url: m.url,
          clientId: m.client_id === "" ? `freedmr-${config.server.name}` : m.client_id,
          username: m.username,
          password: m.password,
          passwordFile: m.password_file,
          prefix: m.prefix,
          qos: m.qos,
          retain: m.retain,
          queueSize: m.queue_size,
          statsIntervalSeconds: m.stats_interval_seconds,
          reconnectMinMs: m.reconnect_min_ms,
          reconnectMaxMs: Math.max(m.reconnect_min_ms, m.reconnect_max_ms),
          tlsCaFile: m.tls_ca_file,
          tlsCertFile: m.tls_cert_file,
          tlsKeyFile: m.tls_key_file,
          tlsInsecure: m.tls_insecure,
        }
      : null,
  };
}

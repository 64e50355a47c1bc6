/**
 * Config section `[mqtt]`: every bus event published to an MQTT broker as versioned JSON
 * (`<prefix>/v1/...`, docs/mqtt.md), from the services Worker (src/services/mqtt/). Off by default.
 * A broker that is away never slows voice: events queue up to `queue_size`, then are dropped and
 * counted.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const MqttSection = Type.Object(
  {
    enabled: Type.Boolean({ description: "Publish events (sessions, calls, links, refusals, periodic stats) to an MQTT broker.", default: false }),
    url: Type.String({
      description: 'Broker URL: mqtt://host:port, mqtts://host:port (TLS), ws:// or wss://.',
      default: "mqtt://127.0.0.1:1883",
      minLength: 1,
      maxLength: 512,
      pattern: "^(mqtts?|wss?)://\\S+$",
      examples: ["mqtt://127.0.0.1:1883", "mqtts://broker.example.org:8883"],
    }),
    client_id: Type.String({ description: 'MQTT client id. Empty: "freedmr-" and the server name.', default: "", maxLength: 128 }),
    username: Type.String({ description: "User name for the broker (empty: none).", default: "", maxLength: 256 }),
    password: Type.String({ description: "Password for the broker (empty: none). Prefer password_file.", default: "", maxLength: 1024 }),
    password_file: Type.String({ description: "File holding the broker password (first line); wins over password. Empty: none.", default: "", maxLength: 4096 }),
    prefix: Type.String({
      description: 'Topic prefix; topics are <prefix>/v1/... (no wildcards, no leading or trailing "/").',
      default: "freedmr",
      minLength: 1,
      maxLength: 128,
      pattern: "^[^#+/\\s][^#+\\s]*[^#+/\\s]$|^[^#+/\\s]$",
    }),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { description: "QoS of event messages (0: at most once, the default; 1, 2).", default: 0 }),
    retain: Type.Boolean({ description: "Retain event messages (the online status is always retained).", default: false }),
    queue_size: Type.Integer({
      description: "Most events waiting while the broker is away or slow; more are dropped and counted (freedmr_mqtt_dropped_total).",
      default: 10000,
      minimum: 1,
      maximum: 1000000,
    }),
    stats_interval_seconds: Type.Integer({ description: "Seconds between stats messages (<prefix>/v1/stats); 0 = none.", default: 30, minimum: 0, maximum: 86400 }),
    reconnect_min_ms: Type.Integer({ description: "First reconnect delay after the broker went away; doubles up to reconnect_max_ms.", default: 1000, minimum: 50, maximum: 600000 }),
    reconnect_max_ms: Type.Integer({ description: "Longest reconnect delay.", default: 30000, minimum: 50, maximum: 3600000 }),
    tls_ca_file: Type.String({ description: "PEM file of the CA that signed the broker's certificate (mqtts/wss). Empty: the system's CAs.", default: "", maxLength: 4096 }),
    tls_cert_file: Type.String({ description: "PEM client certificate (mutual TLS). Empty: none.", default: "", maxLength: 4096 }),
    tls_key_file: Type.String({ description: "PEM key of tls_cert_file. Empty: none.", default: "", maxLength: 4096 }),
    tls_insecure: Type.Boolean({ description: "Accept any broker certificate (testing only).", default: false }),
  },
  { ...strict, description: "MQTT events (in the services Worker; docs/mqtt.md).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const mqttSections = {
  mqtt: MqttSection,
};

export type MqttConfig = Static<typeof MqttSection>;

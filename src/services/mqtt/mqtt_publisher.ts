/**
 * Publishes events to an MQTT broker (mqtt.js) from the services Worker. Never waits for the
 * broker: while it is away or slow, messages wait in a bounded queue (`queueSize`); beyond that
 * they are dropped and counted. Reconnects with backoff (reconnectMinMs doubling to
 * reconnectMaxMs, back to the minimum after a successful connect). `<prefix>/v1/status` is a
 * retained {online:true} while connected and the last-will sets {online:false} when the
 * connection is lost; a clean stop publishes online=false itself.
 * @module
 */
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { MqttWorkerOptions } from "../worker/protocol.ts";
import type { MqttMessage } from "./mqtt_messages.ts";

/** Bytes mqtt.js may have waiting on the socket before we count the broker as slow. */
const SOCKET_BACKLOG_BYTES = 1 << 20;

export interface MqttCounters {
  published: number;
  /** Dropped because the queue was full (broker away or slow). */
  droppedQueueFull: number;
  /** Dropped because the socket refused them (a publish error). */
  droppedError: number;
  connects: number;
  disconnects: number;
  errors: number;
}

export class MqttPublisher {
  readonly counters: MqttCounters = { published: 0, droppedQueueFull: 0, droppedError: 0, connects: 0, disconnects: 0, errors: 0 };
  readonly #o: MqttWorkerOptions;
  readonly #client: MqttClient;
  readonly #queue: MqttMessage[] = [];
  #queueHead = 0;
  readonly #statusTopic: string;
  readonly #status: (online: boolean) => string;
  #connected = false;
  #stopping = false;
  lastError: string | null = null;

  constructor(options: MqttWorkerOptions, status: (online: boolean) => string, onLog?: (level: "info" | "warn", msg: string, data?: Record<string, unknown>) => void) {
    this.#o = options;
    this.#statusTopic = `${options.prefix}/v1/status`;
    this.#status = status;
    const password = options.passwordFile !== "" ? readFirstLine(options.passwordFile, "mqtt.password_file") : options.password;
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: options.reconnectMinMs,
      queueQoSZero: false,
      // a refused CONNACK (bad credentials) is retried with the same backoff, not given up
      reconnectOnConnackError: true,
      resubscribe: false,
      will: { topic: this.#statusTopic, payload: Buffer.from(status(false)), qos: 1, retain: true },
      ...(options.username !== "" ? { username: options.username } : {}),
      ...(password !== "" ? { password } : {}),
      ...(options.tlsCaFile !== "" ? { ca: readKeyFile(options.tlsCaFile, "mqtt.tls_ca_file") } : {}),
      ...(options.tlsCertFile !== "" ? { cert: readKeyFile(options.tlsCertFile, "mqtt.tls_cert_file") } : {}),
      ...(options.tlsKeyFile !== "" ? { key: readKeyFile(options.tlsKeyFile, "mqtt.tls_key_file") } : {}),
      ...(options.tlsInsecure ? { rejectUnauthorized: false } : {}),
    };
    this.#client = mqtt.connect({ ...brokerAddress(options.url), ...clientOptions });
    this.#client.on("connect", () => {
      this.#connected = true;
      this.counters.connects++;
      this.#client.options.reconnectPeriod = options.reconnectMinMs;
      onLog?.("info", "connected to the MQTT broker", { url: redactUrl(options.url) });
      this.#client.publish(this.#statusTopic, status(true), { qos: 1, retain: true });
      this.#flush();
    });
    this.#client.on("close", () => {
      if (this.#connected) {
        this.counters.disconnects++;
        onLog?.("warn", "lost the MQTT broker; reconnecting with backoff (events meanwhile are queued up to mqtt.queue_size, then dropped)", { url: redactUrl(options.url) });
      }
      this.#connected = false;
    });
    this.#client.on("reconnect", () => {
      // next attempt waits twice as long, up to the maximum
      const period = this.#client.options.reconnectPeriod ?? options.reconnectMinMs;
      this.#client.options.reconnectPeriod = Math.min(options.reconnectMaxMs, Math.max(options.reconnectMinMs, period * 2));
    });
    this.#client.on("error", (error) => {
      this.counters.errors++;
      this.lastError = error.message;
    });
  }

  get connected(): boolean {
    return this.#connected;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Queue one message (never blocks; drops and counts at the bound). */
  publish(message: MqttMessage): void {
    if (this.#stopping) return;
    if (this.#connected && this.queued === 0 && this.#socketBacklog() < SOCKET_BACKLOG_BYTES) {
      this.#send(message);
      return;
    }
    if (this.queued >= this.#o.queueSize) {
      this.counters.droppedQueueFull++;
      return;
    }
    this.#queue.push(message);
    if (this.#connected) this.#flush();
  }

  /** Publish online=false (retained), then disconnect. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const client = this.#client;
    if (this.#connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        client.publish(this.#statusTopic, this.#status(false), { qos: 1, retain: true }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.end(true);
  }

  #socketBacklog(): number {
    const stream = (this.#client as unknown as { stream?: { writableLength?: number } }).stream;
    return stream?.writableLength ?? 0;
  }

  #send(message: MqttMessage): void {
    this.counters.published++;
    this.#client.publish(message.topic, message.payload, { qos: this.#o.qos, retain: this.#o.retain }, (error) => {
      if (error !== undefined && error !== null) {
        this.counters.published--;
        this.counters.droppedError++;
      }
    });
  }

  #flush(): void {
    while (this.#connected && this.queued > 0 && this.#socketBacklog() < SOCKET_BACKLOG_BYTES) {
      const message = this.#queue[this.#queueHead]!;
      this.#queueHead++;
      this.#send(message);
    }
    if (this.#queueHead > 0 && (this.#queueHead >= this.#queue.length || this.#queueHead > 4096)) {
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    if (this.#connected && this.queued > 0) setTimeout(() => this.#flush(), 20);
  }
}

function readKeyFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${key}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function readFirstLine(path: string, key: string): string {
  return readKeyFile(path, key).toString("utf8").split(/\r?\n/)[0] ?? "";
}

/** The broker URL as MQTT.js options (parsed with WHATWG URL, not Node's deprecated url.parse). */
function brokerAddress(url: string): IClientOptions {
  const u = new URL(url);
  const protocol = u.protocol.slice(0, -1) as "mqtt" | "mqtts" | "ws" | "wss";
  const defaults = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;
  return {
    protocol,
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port !== "" ? Number(u.port) : defaults[protocol],
    ...(protocol === "ws" || protocol === "wss" ? { path: u.pathname === "" ? "/" : u.pathname + u.search } : {}),
    ...(u.username !== "" ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== "" ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** A URL for the log, without credentials. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

/**
 * A private mosquitto broker for tests: its own temp config, on 127.0.0.1 and a port chosen at run
 * time, never the system service. It can be killed and started again on the same port (broker
 * restart tests). Under CI=true a missing mosquitto fails the test; elsewhere it is skipped.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";

export const mosquittoPath = Bun.which("mosquitto") ?? (Bun.file("/usr/sbin/mosquitto").size > 0 ? "/usr/sbin/mosquitto" : null);
export const skipMosquitto = mosquittoPath === null && process.env.CI !== "true";
export const skipMosquittoMessage = "mosquitto is not installed (apt-get install mosquitto): the MQTT tests against a real broker are skipped";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function accepting(port: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      Bun.connect({ hostname: "127.0.0.1", port, socket: { open: (s) => (s.end(), resolve(true)), data: () => {}, error: () => resolve(false), connectError: () => resolve(false) } }).catch(() => resolve(false));
    });
    if (ok) return true;
    await Bun.sleep(20);
  }
  return false;
}

export class Mosquitto {
  #process: ReturnType<typeof Bun.spawn> | null = null;
  readonly #dir: string;
  #auth: { username: string; password: string } | null = null;
  private constructor(readonly port: number) {
    this.#dir = mkdtempSync(join(tmpdir(), "freedmr-mosquitto-"));
  }

  /** A broker; with `auth`, anonymous clients are refused and only that user may connect. */
  static async start(auth: { username: string; password: string } | null = null): Promise<Mosquitto> {
    if (mosquittoPath === null) throw new Error("mosquitto is required under CI=true (apt-get install mosquitto)");
    const broker = new Mosquitto(await freePort());
    broker.#auth = auth;
    await broker.restart();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** (Re)start on the same port. */
  async restart(): Promise<void> {
    const config = join(this.#dir, "mosquitto.conf");
    let access = "allow_anonymous true\n";
    if (this.#auth !== null) {
      const passwords = join(this.#dir, "passwords");
      writeFileSync(passwords, "");
      const made = Bun.spawnSync(["mosquitto_passwd", "-b", passwords, this.#auth.username, this.#auth.password], { stderr: "pipe" });
      if (made.exitCode !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr.toString()}`);
      // mosquitto started as root drops to its own user before reading the password file
      chmodSync(this.#dir, 0o755);
      chmodSync(passwords, 0o644);
      access = `allow_anonymous false\npassword_file ${passwords}\n`;
    }
    writeFileSync(config, `listener ${this.port} 127.0.0.1\n${access}persistence false\nlog_dest none\n`);
    this.#process = Bun.spawn([mosquittoPath!, "-c", config], { stdout: "ignore", stderr: "pipe" });
    if (!(await accepting(this.port, 10_000))) throw new Error(`mosquitto did not start on port ${this.port}: ${await new Response(this.#process.stderr as ReadableStream).text()}`);
  }

  /** SIGKILL, like a crash; wait until it is gone. */
  async kill(): Promise<void> {
    const p = this.#process;
    this.#process = null;
    if (p === null) return;
    p.kill("SIGKILL");
    await p.exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A subscriber recording every message (topic, parsed JSON, retain flag). */
export class Subscriber {
  readonly messages: { topic: string; body: any; retain: boolean }[] = [];
  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      let body: unknown = null;
      try {
        body = JSON.parse(payload.toString());
      } catch {
        body = payload.toString();
      }
      this.messages.push({ topic, body, retain: packet.retain });
    });
  }

  static async connect(url: string, topic: string, auth: { username: string; password: string } | null = null): Promise<Subscriber> {
    const client = mqtt.connect(url, { reconnectPeriod: 100, clientId: `test-${Math.floor(performance.now() * 1000)}`, clean: true, ...(auth ?? {}) });
    const subscriber = new Subscriber(client);
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => client.subscribe(topic, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
      client.once("error", reject);
    });
    return subscriber;
  }

  on(topicPrefix: string): { topic: string; body: any; retain: boolean }[] {
    return this.messages.filter((m) => m.topic.startsWith(topicPrefix));
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

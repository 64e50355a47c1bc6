/**
 * The in-process server for end-to-end tests: the real startServer on 127.0.0.1, port 0 (the
 * kernel picks a free port; read it back from `port`), silent logger, every core event recorded.
 *
 *   const server = await startTestServer({ hbp: { peer_timeout_seconds: 5 } });
 *   const client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601 });
 *   …
 *   await server.stop();
 *
 * Defaults differ from production in three ways, all overridable: the login rate limit is off
 * (tests log in many hotspots from 127.0.0.1), the bind address is 127.0.0.1, and the dashboard/API
 * Worker ([http]) is off (port 0 when a test turns it on).
 * Pass `router` (an object or a factory) to plug in a router, e.g. `new RecordingRouter()`.
 */
import pino, { type Logger } from "pino";
import { defaultConfig, type Config } from "../../src/config/schema.ts";
import type { CoreEvent } from "../../src/core/events.ts";
import type { HbpMaster } from "../../src/core/hbp_master/hbp_master.ts";
import type { FrameRouter } from "../../src/core/router_contract.ts";
import type { RouterPort } from "../../src/core/router_port.ts";
import { startServer, type CoreDeps, type RunningServer, type ServerOptions } from "../../src/shell/server.ts";
import type { DmrdFrame } from "../../src/wire/dmrd.ts";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface TestServerOverrides {
  /** `[hbp]` keys to override. */
  hbp?: Partial<Config["hbp"]>;
  /** Any other config keys (merged one level deep per section). */
  config?: DeepPartial<Config>;
  /** A router instance or a factory given the core deps (default NullRouter). */
  router?: FrameRouter | ((deps: CoreDeps) => FrameRouter);
  /** More startServer options (extra handlers, seed, …). */
  options?: ServerOptions;
  /** Logger (default: silent). */
  logger?: Logger;
}

export interface TestServer {
  /** The first HBP socket's port. */
  port: number;
  /** Every bound socket's port, in order. */
  ports: number[];
  config: Config;
  server: RunningServer;
  hbp: HbpMaster;
  router: FrameRouter;
  /** Every core event, in order. */
  events: CoreEvent[];
  eventsOf<T extends CoreEvent["type"]>(type: T): Extract<CoreEvent, { type: T }>[];
  /** First event (already seen or future) matching; null on timeout. */
  waitForEvent<T extends CoreEvent["type"]>(type: T, predicate?: (e: Extract<CoreEvent, { type: T }>) => boolean, timeoutMs?: number): Promise<Extract<CoreEvent, { type: T }> | null>;
  /** Resolve once `predicate()` is true (polled every 5 ms); false on timeout. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

export function testConfig(overrides: TestServerOverrides = {}): Config {
  const config = defaultConfig();
  config.hbp.bind_addresses = ["127.0.0.1"];
  config.hbp.port = 0;
  config.hbp.login_rate_limit_per_minute = 0;
  config.log.level = "silent";
  // the dashboard/API Worker is on by default in production; tests that want it turn it on (on a
  // free port), the rest do not start a Worker or bind a fixed TCP port
  config.http.enabled = false;
  config.http.port = 0;
  for (const [section, values] of Object.entries(overrides.config ?? {})) {
    const target = (config as Record<string, unknown>)[section];
    if (target !== null && typeof target === "object" && !Array.isArray(target) && values !== null && typeof values === "object") {
      Object.assign(target, values);
    } else {
      (config as Record<string, unknown>)[section] = values;
    }
  }
  Object.assign(config.hbp, overrides.hbp ?? {});
  return config;
}

export async function startTestServer(overrides: TestServerOverrides = {}): Promise<TestServer> {
  const config = testConfig(overrides);
  const events: CoreEvent[] = [];
  const listeners: ((event: CoreEvent) => void)[] = [];
  const routerOverride = overrides.router;
  const options: ServerOptions = {
    warnDefaultPassphrase: false,
    // Tests send bursts in one turn and count every datagram at the handler: overload shedding
    // (which would drop voice-looking frames of such a burst) is off unless a test asks for it
    // (test/shell/udp/overload_shedding.test.ts).
    shedding: { highBytes: 0, lowBytes: 0, sustainMs: 0 },
    ...overrides.options,
    ...(routerOverride !== undefined
      ? { createRouter: typeof routerOverride === "function" ? routerOverride : () => routerOverride }
      : {}),
  };
  const server = await startServer(config, overrides.logger ?? pino({ level: "silent" }), options);
  server.bus.register(
    "test-recorder",
    (event) => {
      events.push(event);
      for (const listener of listeners) listener(event);
    },
    { queueCapacity: 1_000_000 },
  );
  const ports = server.boundSockets().map((s) => s.port);
  if (server.hbp === null) throw new Error("startTestServer: hbp is disabled");
  const eventsOf = <T extends CoreEvent["type"]>(type: T) =>
    events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
  return {
    port: ports[0]!,
    ports,
    config,
    server,
    hbp: server.hbp,
    router: server.router,
    events,
    eventsOf,
    waitForEvent(type, predicate = () => true, timeoutMs = 2000) {
      type E = Extract<CoreEvent, { type: typeof type }>;
      const found = eventsOf(type).find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (event: CoreEvent): void => {
          if (event.type === type && predicate(event as E)) {
            clearTimeout(timer);
            listeners.splice(listeners.indexOf(listener), 1);
            resolve(event as E);
          }
        };
        const timer = setTimeout(() => {
          listeners.splice(listeners.indexOf(listener), 1);
          resolve(null);
        }, timeoutMs);
        listeners.push(listener);
      });
    },
    async until(predicate, timeoutMs = 2000) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (predicate()) return true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return predicate();
    },
    stop: () => server.stop("test"),
  };
}

/** A router that records what the HBP master hands it (copies; the master reuses its frame). */
export class RecordingRouter implements FrameRouter {
  readonly up: RouterPort[] = [];
  readonly down: RouterPort[] = [];
  readonly options: { port: RouterPort; options: string }[] = [];
  readonly frames: { port: RouterPort; repeaterId: number; sourceId: number; destinationId: number; slot: 1 | 2; streamId: number; length: number; bytes: Uint8Array }[] = [];
  ticks = 0;
  /** Optional hook, e.g. to echo frames to other ports. */
  onFrameHook: ((nowMs: number, port: RouterPort, frame: DmrdFrame) => void) | null = null;

  onPortUp(_nowMs: number, port: RouterPort): void {
    this.up.push(port);
  }
  onPortDown(_nowMs: number, port: RouterPort): void {
    this.down.push(port);
  }
  onOptions(_nowMs: number, port: RouterPort, options: string): void {
    this.options.push({ port, options });
  }
  onFrame(nowMs: number, port: RouterPort, frame: DmrdFrame): void {
    this.frames.push({
      port,
      repeaterId: frame.repeaterId,
      sourceId: frame.sourceId,
      destinationId: frame.destinationId,
      slot: frame.slot,
      streamId: frame.streamId,
      length: frame.length,
      bytes: frame.bytes.slice(),
    });
    this.onFrameHook?.(nowMs, port, frame);
  }
  onTick(): void {
    this.ticks++;
  }
}

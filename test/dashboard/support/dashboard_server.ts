/**
 * The real server (startFreedmr: HBP master, router, HTTP API) on 127.0.0.1 with every port chosen
 * at run time, and the dashboard URL to point a browser at.
 *
 * When the server's own HTTP listener mounts the dashboard (GET / answers the page), the tests use
 * it as is. Until it does (the server move into a Worker is in progress, docs/dashboard-needs.md
 * §1), a second Bun.serve on port 0 mounts `dashboardRoutes()` and hands every other request to
 * the running API's own handler (`server.http.api.handle`) — the same page bundle and the same
 * API answers, only composed here; it is stated in each test's output.
 */
import pino from "pino";
import { startFreedmr } from "../../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";
import { dashboardRoutes } from "../../../src/services/dashboard/routes.ts";
import type { RunningServer } from "../../../src/shell/server.ts";
import { HbpClient } from "../../support/hbp_client.ts";

export interface DashboardServer {
  server: RunningServer;
  /** Where the browser goes, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** true: the server's own listener serves the dashboard; false: composed by this helper. */
  mountedByServer: boolean;
  hbpPort: number;
  stop(): Promise<void>;
}

export function configFrom(document: Record<string, unknown>): Config {
  const result = validateConfig({ log: { level: "silent" }, ...document });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export async function startDashboardServer(document: Record<string, unknown> = {}): Promise<DashboardServer> {
  const { hbp, http, ...rest } = document as { hbp?: Record<string, unknown>; http?: Record<string, unknown> };
  const config = configFrom({
    ...rest,
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0, ...hbp },
    http: { enabled: true, bind_address: "127.0.0.1", port: 0, ...http },
  });
  const server = await startFreedmr(config, pino({ level: "silent" }), { statsIntervalMs: 200 });
  const http_ = server.http;
  if (http_ === null) throw new Error("startDashboardServer: the HTTP listener did not start");
  const hbpPort = server.boundSockets().find((s) => s.handler === server.hbp?.name)?.port ?? server.boundSockets()[0]!.port;
  const root = await fetch(http_.url).catch(() => null);
  const mountedByServer = root !== null && root.status === 200 && (root.headers.get("content-type") ?? "").includes("text/html");
  if (root !== null && !mountedByServer) await root.text().catch(() => "");
  if (mountedByServer) {
    await root!.text();
    return { server, url: http_.url, mountedByServer, hbpPort, stop: () => server.stop("test") };
  }
  const api = http_.api;
  const composed = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    routes: dashboardRoutes,
    fetch: (request) => api.handle(request),
  });
  return {
    server,
    url: `http://127.0.0.1:${composed.port}/`,
    mountedByServer,
    hbpPort,
    async stop() {
      await composed.stop(true);
      await server.stop("test");
    },
  };
}

let nextRepeater = 310_770_001;

/** A simulated hotspot (real UDP) logged in to the server. */
export async function loginHotspot(
  ds: DashboardServer,
  fields: { callsign: string; repeaterId?: number; passphrase?: string; options?: string; location?: string; slots?: string },
): Promise<HbpClient> {
  const passphrase = fields.passphrase ?? "passw0rd";
  const client = await HbpClient.open({
    serverPort: ds.hbpPort,
    repeaterId: fields.repeaterId ?? nextRepeater++,
    passphrase,
    callsign: fields.callsign,
    slots: fields.slots ?? "3",
    rxFrequencyHz: 438_800_000,
    txFrequencyHz: 431_200_000,
    ...(fields.location !== undefined ? { location: fields.location } : {}),
    ...(fields.options !== undefined ? { options: fields.options } : {}),
  });
  await client.login({ passphrase });
  return client;
}

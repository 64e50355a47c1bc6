/**
 * The real server (startFreedmr: HBP master, router, and the services Worker with the dashboard,
 * API and live WebSocket) on 127.0.0.1 with every port chosen at run time, and the dashboard URL
 * to point a browser at. Nothing is composed here: the page comes from the server's own listener.
 */
import pino from "pino";
import { startFreedmr } from "../../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";
import type { RunningServer } from "../../../src/shell/server.ts";
import { HbpClient } from "../../support/hbp_client.ts";

export interface DashboardServer {
  server: RunningServer;
  /** Where the browser goes, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** The server's own listener serves the dashboard (always true; checked at start). */
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
  const root = await fetch(http_.url);
  const mountedByServer = root.status === 200 && (root.headers.get("content-type") ?? "").includes("text/html") && (await root.text()).includes("<script");
  if (!mountedByServer) {
    await server.stop("test");
    throw new Error(`the server at ${http_.url} does not serve the dashboard page (GET / → ${root.status})`);
  }
  return { server, url: http_.url, mountedByServer, hbpPort, stop: () => server.stop("test") };
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

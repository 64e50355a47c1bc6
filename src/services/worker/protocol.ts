/**
 * Messages between the packet thread (src/shell/services_worker_host.ts) and the services Worker
 * (./main.ts). Compact and bounded: events travel in batches (every ~50 ms or N events), never one
 * message per packet; commands travel back one per admin/self-care request.
 * @module
 */
import type { ControlCommand, ControlResult } from "../../core/control_command.ts";
import type { CoreEvent } from "../../core/events.ts";
import type { HotspotSettings } from "../../core/routing/hotspots/hotspot_settings.ts";
import type { StateChange } from "../../core/routing/state_records.ts";
import type { WorkerStoreOptions } from "../store/worker_store.ts";
import type { AliasServiceOptions } from "../aliases/alias_service.ts";
import type { AliasTableData } from "../aliases/alias_table.ts";
import type { AliasKind } from "../aliases/parse.ts";

/** What the dashboard shows about a hotspot beyond session.up (from its RPTC; never an address). */
export interface HotspotDetails {
  callsign: string;
  location: string;
  description: string;
  url: string;
  softwareId: string;
  packageId: string;
  rxFrequencyHz: number;
  txFrequencyHz: number;
  colourCode: number;
  latitude: number;
  longitude: number;
  heightM: number;
  /** RPTC slots character: "1", "2", "3" (duplex), "4" (simplex). */
  slots: string;
  simplex: boolean;
  accessRule: string | null;
  /** Address family the hotspot talks from. */
  family: "ipv4" | "ipv6";
  /** Options in force, KEY value hidden. */
  options: string | null;
}

/** Events the shell adds to the core's. */
export type HostEvent = { type: "x.hotspot"; atMs: number; repeaterId: number; portIndex: number; details: HotspotDetails };

export type WorkerEvent = CoreEvent | HostEvent;

/** The core's state at one moment: sent at Worker start and after events were lost. */
export interface Roster {
  atMs: number;
  hotspots: {
    up: Extract<CoreEvent, { type: "session.up" }>;
    details: HotspotDetails | null;
    subscriptions: { slot: 1 | 2; talkgroupId: number; kind: "static" | "dynamic"; expiresAtMs: number | null }[];
    dialedReflector: number;
  }[];
  streams: Extract<CoreEvent, { type: "stream.start" }>[];
  settings: [repeaterId: number, settings: HotspotSettings][];
}

export interface WorkerHttpOptions {
  /** Serve HTTP (default true); false when the Worker runs only for the state store, the report socket or MQTT. */
  enabled?: boolean;
  bindAddress: string;
  port: number;
  lastHeardSize: number;
  cors: boolean;
  maxHotspots: number;
  /** Bearer token for /api/v1/admin (null: admin off). */
  adminToken: string | null;
  selfCare: boolean;
  maxLiveClients: number;
}

export interface WorkerInit {
  type: "init";
  version: string;
  /** The packet thread's performance.timeOrigin (events are stamped on its monotonic clock). */
  hostTimeOrigin: number;
  /** When the server started, on the packet thread's monotonic clock. */
  startedMs: number;
  http: WorkerHttpOptions;
  /** The state store (src/services/store/); absent or null = nothing is kept across restarts. */
  store?: WorkerStoreOptions | null;
  /** Report socket, MQTT, last-heard feed (src/services/feed/feeds.ts); absent = all off. */
  feeds?: WorkerFeedsOptions;
  /** Alias data ([aliases]); absent = none. */
  aliases?: AliasServiceOptions;
}

/** What the feeds need from the config (plain data; the Worker reads password files itself). */
export interface WorkerFeedsOptions {
  serverName: string;
  /** server.server_id (the last-heard feed's Master). */
  serverId?: number;
  report: ReportWorkerOptions | null;
  mqtt: MqttWorkerOptions | null;
}

export interface ReportWorkerOptions {
  bindAddress: string;
  port: number;
  intervalSeconds: number;
  clients: string[];
  includeAddresses: boolean;
  maxClients: number;
  clientQueueBytes: number;
  maxHotspots: number;
  hbpPort: number;
  groupHangTimeSeconds: number;
  singleMode: boolean;
  uaTimerMinutes: number;
  bridges: { name: string; members: { system: string; slot: 1 | 2; talkgroupId: number; active: boolean; timeoutMinutes: number; timeoutType: "none" | "on" | "off"; on: number[]; off: number[]; reset: number[] }[] }[];
}

export interface MqttWorkerOptions {
  url: string;
  clientId: string;
  username: string;
  password: string;
  passwordFile: string;
  prefix: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  queueSize: number;
  statsIntervalSeconds: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  tlsCaFile: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsInsecure: boolean;
}

export type ToWorker =
  | WorkerInit
  | { type: "events"; seq: number; events: WorkerEvent[]; lostSinceLast: number }
  | { type: "resync"; roster: Roster }
  /** The roster's hotspots follow the resync in chunks; `last` on the final one. */
  | { type: "roster-chunk"; hotspots: Roster["hotspots"]; last: boolean }
  | { type: "command-result"; id: number; result: ControlResult }
  | { type: "host-stats"; stats: ServicesWorkerStats }
  /** Change records of the dynamic routing state for the store (src/shell/state_journal.ts). */
  | { type: "state"; changes: StateChange[] }
  /** Reload: new [aliases] sources (null: none). */
  | { type: "aliases-config"; aliases: AliasServiceOptions | null }
  | { type: "stop" };

export type FromWorker =
  | { type: "ready"; url: string | null; port: number | null; error: string | null; reportPort?: number | null }
  | { type: "ack"; seq: number }
  | { type: "command"; id: number; command: ControlCommand }
  | { type: "log"; level: "info" | "warn" | "error"; msg: string; data?: Record<string, unknown> }
  /** A freshly loaded alias table (buffers transferred, after each load; never per packet). */
  | { type: "aliases"; kind: AliasKind; data: AliasTableData }
  | { type: "stopped" };

/** The host's health figures (shown in /api/v1/status and /metrics). */
export interface ServicesWorkerStats {
  running: boolean;
  restarts: number;
  crashes: number;
  batchesSent: number;
  eventsSent: number;
  /** Events lost because the Worker was behind, crashed or restarting (and records a roster made stale: services_worker_host.ts eventsAfterRoster). */
  eventsLost: number;
  resyncs: number;
  /** The longest step of the last roster on the packet thread (build + postMessage of a chunk), ms. */
  lastRosterMs: number;
  commands: number;
  inFlightBatches: number;
  lastError: string | null;
}

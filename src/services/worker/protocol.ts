/**
 * Messages between the packet thread (src/shell/services_worker_host.ts) and the services Worker
 * (./main.ts). Compact and bounded: events travel in batches (every ~50 ms or N events), never one
 * message per packet; commands travel back one per admin/self-care request.
 * @module
 */
import type { ControlCommand, ControlResult } from "../../core/control_command.ts";
import type { CoreEvent } from "../../core/events.ts";
import type { HotspotSettings } from "../../core/routing/hotspot_settings.ts";
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
  /** Alias data ([aliases]); absent = none. */
  aliases?: AliasServiceOptions;
}

export type ToWorker =
  | WorkerInit
  | { type: "events"; seq: number; events: WorkerEvent[]; lostSinceLast: number }
  | { type: "resync"; roster: Roster }
  /** The roster's hotspots follow the resync in chunks; `last` on the final one. */
  | { type: "roster-chunk"; hotspots: Roster["hotspots"]; last: boolean }
  | { type: "command-result"; id: number; result: ControlResult }
  | { type: "host-stats"; stats: ServicesWorkerStats }
  /** Reload: new [aliases] sources (null: none). */
  | { type: "aliases-config"; aliases: AliasServiceOptions | null }
  | { type: "stop" };

export type FromWorker =
  | { type: "ready"; url: string | null; port: number | null; error: string | null }
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
  /** Events lost because the Worker was behind, crashed or restarting. */
  eventsLost: number;
  resyncs: number;
  /** The longest step of the last roster on the packet thread (build + postMessage of a chunk), ms. */
  lastRosterMs: number;
  commands: number;
  inFlightBatches: number;
  lastError: string | null;
}

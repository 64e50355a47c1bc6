/** Events, snapshots and a hand-driven clock for the status API's unit tests. */
import type { CoreEvent, StatsSnapshot } from "../../src/core/events.ts";
import type { ApiClock } from "../../src/services/api_state.ts";

/** Monotonic ms since "process start" and a wall clock that moves with it. */
export class ManualClock implements ApiClock {
  constructor(
    public mono = 10_000,
    public wallAtZero = Date.UTC(2025, 0, 2, 3, 4, 5),
  ) {}
  monotonicMs(): number {
    return this.mono;
  }
  wallClockMs(): number {
    return this.wallAtZero + this.mono;
  }
  advance(ms: number): void {
    this.mono += ms;
  }
}

type Of<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

export function up(atMs: number, repeaterId: number, portIndex: number, callsign = "G4ABC"): Of<"session.up"> {
  return { type: "session.up", atMs, repeaterId, callsign, address: "192.0.2.7", port: 50_000 + portIndex, portIndex };
}

export function down(atMs: number, repeaterId: number, portIndex: number, reason: Of<"session.down">["reason"] = "closed-by-peer"): Of<"session.down"> {
  return { type: "session.down", atMs, repeaterId, callsign: "G4ABC", reason, portIndex };
}

export function sub(atMs: number, portIndex: number, slot: 1 | 2, talkgroupId: number, action: "add" | "remove" = "add"): Of<"subscription.change"> {
  return { type: "subscription.change", atMs, portIndex, portName: `port${portIndex}`, slot, talkgroupId, action, reason: "static" };
}

export function start(atMs: number, streamId: number, portIndex: number, sourceId = 2_345_001, destinationId = 91): Of<"stream.start"> {
  return { type: "stream.start", atMs, streamId, portIndex, portName: `G4ABC/${portIndex}`, sourceId, destinationId, slot: 2, callType: "group", kind: "voice" };
}

export function end(atMs: number, streamId: number, portIndex: number, fields: Partial<Of<"stream.end">> = {}): Of<"stream.end"> {
  return {
    type: "stream.end",
    atMs,
    streamId,
    portIndex,
    portName: `G4ABC/${portIndex}`,
    sourceId: 2_345_001,
    destinationId: 91,
    slot: 2,
    callType: "group",
    kind: "voice",
    durationMs: 1234.4,
    frames: 90,
    lost: 10,
    talkerAlias: "G4ABC Ann",
    endedBy: "terminator",
    ...fields,
  };
}

export function snapshot(fields: Partial<StatsSnapshot> = {}): StatsSnapshot {
  return {
    uptimeMs: 60_000,
    hbp: {
      sessions: 2,
      connected: 2,
      pendingLogins: 0,
      bannedAddresses: 1,
      counters: { loginsRequested: 5, loginsAuthenticated: 4, loginsConnected: 3, badPassphrase: 1, refusedAcl: 2, rateLimited: 0, dmrdIn: 100, dmrdOut: 180, timeouts: 1 },
    },
    routing: { framesIn: 100, framesOut: 180, framesLost: 3, droppedDuplicate: 4, droppedMaxDuration: 2, streamsStarted: 3, streamsEnded: 2, streamsRefused: 1, deliveriesBusy: 5 },
    links: [{ name: "FreeDMR-UK", kind: "openbridge", portIndex: 0, up: true, state: "up", peer: "192.0.2.20:62035", protocol: 5, counters: { framesIn: 7, framesOut: 8 } }],
    host: { datagramsIn: 300, datagramsOut: 400, sendErrors: 0, outboxDropped: 0 },
    bus: { published: 50, subscribers: [{ name: "event-log", queued: 0, delivered: 49, dropped: 1, failed: 0 }, { name: "http-api", queued: 0, delivered: 50, dropped: 0, failed: 0 }] },
    process: { rssBytes: 50_000_000, heapUsedBytes: 10_000_000 },
    ...fields,
  };
}

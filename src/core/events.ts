/**
 * Events the core publishes for out-of-band consumers (dashboard, reporting, metrics, logs).
 * The core hands them to an EventSink; the shell's sink puts them on the bounded bus. Events are
 * plain objects created only on state changes (session up/down, stream start/end, …), never per
 * voice frame, so publishing allocates a bounded amount per call, not per packet.
 * @module
 */

export type CoreEvent =
  | {
      type: "session.up";
      atMs: number;
      repeaterId: number;
      callsign: string;
      address: string;
      port: number;
      portIndex: number;
      /** cluster: taken over from another node's session for the same endpoint, without a login (hbp_master/session_adoption.ts) */
      adopted?: true;
    }
  | { type: "session.down"; atMs: number; repeaterId: number; callsign: string; reason: SessionDownReason; portIndex: number }
  | {
      type: "session.refused";
      atMs: number;
      repeaterId: number;
      address: string;
      port: number;
      reason: RefusalReason;
      callsign?: string;
      /**
       * Refusals this event stands for (absent: 1). A source refused faster than a few a second is
       * summed up, once a second (hbp_master/login_refusals.ts): then the id, address and port are
       * the latest one's.
       */
      count?: number;
      /** With `count`: they were not all for `repeaterId` (a flood of made-up ids). */
      idsVaried?: true;
    }
  | { type: "session.conflict"; atMs: number; repeaterId: number; oldAddress: string; newAddress: string }
  | {
      type: "stream.start";
      atMs: number;
      streamId: number;
      portIndex: number;
      portName: string;
      sourceId: number;
      destinationId: number;
      slot: 1 | 2;
      callType: "group" | "unit";
      kind: "voice" | "data";
      /**
       * Where the router sends the call at its start (targets that join later are not listed):
       * pairs (portIndex, slot << 24 | destinationId at that port), at most STREAM_START_TARGETS_MAX
       * targets. Absent when the stream has none (parrot, dial) or in a resync roster.
       */
      targets?: Uint32Array;
    }
  | {
      type: "stream.end";
      atMs: number;
      streamId: number;
      portIndex: number;
      portName: string;
      sourceId: number;
      destinationId: number;
      slot: 1 | 2;
      callType: "group" | "unit";
      kind: "voice" | "data";
      durationMs: number;
      frames: number;
      lost: number;
      talkerAlias: string | null;
      endedBy: "terminator" | "timeout" | "max-duration" | "data-complete" | "superseded" | "port-down" | "dropped";
      /** Targets that never got a frame of this call, and why (at most 64; absent when none). */
      undelivered?: { portIndex: number; slot: 1 | 2; reason: "slot-busy-own-transmission" | "slot-busy-other-call" | "hang-time" }[];
    }
  | {
      type: "subscription.change";
      atMs: number;
      portIndex: number;
      portName: string;
      slot: 1 | 2;
      talkgroupId: number;
      action: "add" | "remove";
      reason: string;
      /** On "add": static or dynamic, and when it expires (the shell's monotonic ms; null = never). A renewed dynamic TG is published again as "add" with reason "renewed". */
      kind?: "static" | "dynamic";
      expiresAtMs?: number | null;
    }
  | { type: "dial.link"; atMs: number; portIndex: number; portName: string; reflector: number; action: "link" | "unlink"; reason?: string }
  /** Answer to a status request (private call to 5000): the reflector linked now, 0 = none. */
  | { type: "dial.status"; atMs: number; portIndex: number; portName: string; reflector: number; defaultReflector: number; repeaterId?: number }
  /** A private call to a number that cannot be dialled (FreeDMR answers "busy"). */
  | { type: "dial.rejected"; atMs: number; portIndex: number; portName: string; reflector: number; reason: string; repeaterId?: number }
  /** The talker alias of a call in progress, once per call, as soon as it is complete. */
  | { type: "stream.alias"; atMs: number; streamId: number; portIndex: number; portName: string; sourceId: number; talkerAlias: string }
  /** A stream refused by loop control, ACL or contention at its start (one event per stream). */
  | {
      type: "stream.refused";
      atMs: number;
      streamId: number;
      portIndex: number;
      portName: string;
      sourceId: number;
      destinationId: number;
      slot: 1 | 2;
      reason: string;
      /** The port's repeater id (a hotspot's DMR id; a link's network id). */
      repeaterId?: number;
      portKind?: PortKindName;
    }
  /**
   * Problems found in a port's options (RPTO); each bad token is named, the rest were applied.
   * `options` and `rejected` never carry a KEY= value (src/lib/option_key.ts).
   */
  | { type: "options.applied"; atMs: number; portIndex: number; portName: string; options: string; rejected: string[]; repeaterId?: number }
  /** A configured conference bridge member changed state (rules.py ON/OFF/RESET triggers, timers). */
  | { type: "bridge.change"; atMs: number; bridge: string; system: string; slot: 1 | 2; talkgroupId: number; active: boolean; reason: string }
  | { type: "link.up" | "link.down"; atMs: number; link: string; reason: string }
  /**
   * An OpenBridge/FBP link dropped datagrams for `reason` (src/core/federation/link_refusals.ts):
   * at most one event per link and reason per second, `count` = drops since the previous event of
   * that reason on that link (this one included). The link's counters stay exact.
   */
  | {
      type: "link.refused";
      atMs: number;
      link: string;
      reason: LinkRefusalReason;
      count: number;
      /** Where the last dropped datagram came from. */
      address: string;
      port: number;
      /** wrong-network-id: the id in bytes 11–14 of the last one, and the link's network_id. */
      networkId?: number;
      expectedNetworkId?: number;
      /** A short fact about the last one (e.g. "age 7.2 s", "hops 10", "protocol 1 on an FBP v5 link"). */
      detail?: string;
    }
  /** A voice announcement (dial reply, status, rejected options, relink, ident): queued, then played, dropped or aborted. */
  | {
      type: "announcement";
      atMs: number;
      portIndex: number;
      portName: string;
      slot: 1 | 2;
      sourceId: number;
      destinationId: number;
      callType: "group" | "unit";
      kind: string;
      /** the words, space-separated ("linked 9 1") */
      words: string;
      language: string;
      outcome: "queued" | "played" | "dropped" | "aborted" | "superseded";
      streamId: number;
    }
  /** A hotspot's self-care settings changed (dashboard); `connected`: applied live at once. */
  | {
      type: "hotspot.settings";
      atMs: number;
      repeaterId: number;
      settings: {
        ts1Static: readonly number[] | null;
        ts2Static: readonly number[] | null;
        defaultReflector: number | null;
        uaTimerMinutes: number | null;
        singleMode: boolean | null;
        language: string | null;
      };
      connected: boolean;
    }
  | { type: "log"; atMs: number; level: "debug" | "info" | "warn" | "error"; msg: string; data?: Record<string, unknown> }
  /**
   * A periodic copy of the server's counters (at start, then every few seconds). Published by the
   * shell from its timer, never by the core and never on the packet path, so that services (status
   * API, metrics) see the core's numbers without calling into it.
   */
  | { type: "stats"; atMs: number; snapshot: StatsSnapshot };

/** Plain data only (numbers, strings): safe to serialise, holds no reference into the core. */
export interface StatsSnapshot {
  /** Since the server started, ms. */
  uptimeMs: number;
  /** The HBP master (null when [hbp] is disabled). */
  hbp: { sessions: number; connected: number; pendingLogins: number; bannedAddresses: number; counters: Record<string, number> } | null;
  /** The router's counters (null when the router keeps none). */
  routing: Record<string, number> | null;
  /** OpenBridge/FBP links and upstream masters. */
  links: LinkSnapshot[];
  /** The UDP host: datagrams in/out, send errors, outbox drops. */
  host: Record<string, number>;
  /** The event bus, per registered service. */
  bus: { published: number; subscribers: { name: string; queued: number; delivered: number; dropped: number; failed: number }[] };
  process: { rssBytes: number; heapUsedBytes: number };
  /** The cluster node ([cluster] enabled; absent or null otherwise): NATS connection and frame counters. */
  cluster?: ClusterSnapshot | null;
}

export interface ClusterSnapshot {
  node: string;
  nodeId: number;
  connected: boolean;
  /** published, received, dropped* (reasons), disconnects, reconnects, subscriptions, … */
  counters: Record<string, number>;
}

export interface LinkSnapshot {
  name: string;
  kind: "openbridge" | "upstream";
  portIndex: number;
  up: boolean;
  /** OpenBridge: "up"/"down"; upstream: its login state (e.g. "running"). */
  state: string;
  /** The other end, "address:port" (null when not known yet). */
  peer: string | null;
  /** OpenBridge protocol version (1, 4, 5); 0 for upstream links. */
  protocol: number;
  counters: Record<string, number>;
  /** When the other end was last heard (keepalive or traffic), on the shell's monotonic clock; null/absent = not known. */
  lastHeardMs?: number | null;
}

/** Most targets listed in a stream.start event (the report socket's TX lines); the rest are left out. */
export const STREAM_START_TARGETS_MAX = 1024;

export type SessionDownReason = "closed-by-peer" | "timeout" | "replaced" | "shutdown" | "denied" | "nak" | "kicked" | "moved";
export type RefusalReason =
  | "acl"
  | "access-rule"
  | "max-peers"
  | "bad-passphrase"
  | "rate-limited"
  | "callsign-denied"
  /** The RPTC callsign is not the registered owner of the repeater id (alias data; [aliases] check_callsign). */
  | "callsign-mismatch"
  | "wrong-state"
  | "invalid-id"
  /** The source prefix is banned and this id failed from it: dropped unanswered (login_guard.ts). */
  | "banned"
  /** Too many sessions from this source prefix are between RPTK and RPTC (hbp_master.ts). */
  | "handshake-limit"
  /** The configuration packet (RPTC) could not be read; the login waits for a readable one. */
  | "bad-config";

/** Why a link dropped a datagram (one name per LinkCounters drop reason that an operator can fix). */
export type LinkRefusalReason =
  | "wrong-network-id"
  | "malformed"
  | "bad-mac"
  | "wrong-protocol"
  | "bad-slot"
  | "too-old"
  | "bad-source-server"
  | "too-many-hops";

/** A RouterPort's kind, as events name it. */
export type PortKindName = "hotspot" | "upstream" | "openbridge" | "internal";

export interface EventSink {
  publish(event: CoreEvent): void;
}

/** A sink that keeps the last `capacity` events; used by tests. */
export class RecordingSink implements EventSink {
  readonly events: CoreEvent[] = [];
  constructor(readonly capacity = 100_000) {}
  publish(event: CoreEvent): void {
    if (this.events.length >= this.capacity) this.events.shift();
    this.events.push(event);
  }
  ofType<T extends CoreEvent["type"]>(type: T): Extract<CoreEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
  }
}

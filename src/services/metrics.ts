/**
 * freedmr's Prometheus metrics, rendered at scrape time from the API state: live tables kept from
 * bus events (hotspots connected, calls in progress, links up) and the last `stats` snapshot (the
 * core's counters: logins and refusals by reason, frames in/out/dropped by reason, bus deliveries
 * and drops per service, UDP host counters), plus the process's own memory and uptime.
 * Snapshot-based families are absent until the first snapshot arrives.
 * @module
 */
import type { ApiState } from "./api_state.ts";
import { MetricsText, type Sample } from "./metrics_text.ts";

export interface MetricsContext {
  version: string;
  uptimeSeconds: number;
  /** Wall-clock now, ms (for the snapshot's age). */
  wallNowMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** HTTP requests answered, by endpoint and status code. */
  requests: ReadonlyMap<string, number>;
}

/** HBP refusal counters → the reason names used in session.refused events and logs. */
const REFUSAL_COUNTERS: readonly (readonly [counter: string, reason: string])[] = [
  ["badPassphrase", "bad-passphrase"],
  ["refusedAcl", "acl"],
  ["refusedAccessRule", "access-rule"],
  ["refusedCallsign", "callsign-denied"],
  ["refusedMaxPeers", "max-peers"],
  ["refusedInvalidId", "invalid-id"],
  ["refusedPendingFull", "handshake-limit"],
  ["rateLimited", "banned"],
];

const MALFORMED_COUNTERS: readonly (readonly [counter: string, reason: string])[] = [
  ["malformedTooShort", "too-short"],
  ["malformedUnknownTag", "unknown-tag"],
  ["malformedBadLength", "bad-length"],
  ["malformedDmrd", "bad-dmrd"],
  ["sideChannelMalformed", "bad-side-channel"],
];

/** Link counters that count dropped datagrams/frames (src/core/federation/link_counters.ts), by reason. */
const LINK_DROP_COUNTERS = new Set(["malformed", "unsupported", "badSource", "badMac", "badNetworkId", "wrongProtocol", "badSlot", "badFrame", "tooOld", "tooManyHops", "badSourceServer", "filtered", "acl", "unitRefused", "loop"]);

/** "droppedMaxDuration" → "max-duration". */
export function reasonFromCounter(counter: string, prefix: string): string {
  return counter
    .slice(prefix.length)
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

function picked(counters: Record<string, number>, pairs: readonly (readonly [string, string])[], label: string): Sample[] {
  const out: Sample[] = [];
  for (const [counter, value] of pairs) {
    const n = counters[counter];
    if (n !== undefined) out.push([{ [label]: value }, n]);
  }
  return out;
}

export function renderMetrics(state: ApiState, context: MetricsContext): string {
  const m = new MetricsText();
  m.family("freedmr_build_info", "gauge", "Always 1; the version is in the label.", [[{ version: context.version }, 1]]);
  m.single("freedmr_uptime_seconds", "gauge", "Seconds since the server started.", context.uptimeSeconds);
  m.single("freedmr_process_resident_memory_bytes", "gauge", "Resident set size of the process.", context.rssBytes);
  m.single("freedmr_process_heap_used_bytes", "gauge", "JavaScript heap in use.", context.heapUsedBytes);

  // ---- live tables (bus events) ----
  m.single("freedmr_hotspots_connected", "gauge", "Hotspots and repeaters logged in (from session events).", state.hotspotCount);
  m.single("freedmr_streams_active", "gauge", "Calls in progress (from stream events).", state.activeStreamCount);
  m.single("freedmr_last_heard_entries", "gauge", "Calls in the last-heard list.", state.lastHeard.size);
  const links = state.links();
  m.family("freedmr_link_up", "gauge", "1 when the OpenBridge/FBP link or upstream master is up.", links.map((l): Sample => [{ link: l.name, kind: l.kind ?? "unknown" }, l.up ? 1 : 0]));
  // calls in progress by type: always the four series (bounded labels, never per radio)
  const active = new Map<string, number>([["group voice", 0], ["group data", 0], ["unit voice", 0], ["unit data", 0]]);
  for (const call of state.activeStreams()) {
    const key = `${call.callType} ${call.kind}`;
    active.set(key, (active.get(key) ?? 0) + 1);
  }
  m.family("freedmr_calls_active", "gauge", "Calls in progress, by call type (group/unit) and kind (voice/data).", [...active].map(([key, n]): Sample => {
    const [callType, kind] = key.split(" ");
    return [{ call_type: callType!, kind: kind! }, n];
  }));

  // ---- the last snapshot (core counters) ----
  const last = state.snapshot;
  if (last !== null) {
    const s = last.snapshot;
    m.single("freedmr_stats_snapshot_age_seconds", "gauge", "Age of the counters below (the server publishes them every few seconds).", Math.max(0, (context.wallNowMs - last.wallMs) / 1000));
    if (s.hbp !== null) {
      const c = s.hbp.counters;
      m.single("freedmr_hbp_sessions_connected", "gauge", "Sessions the HBP master has connected (its own count).", s.hbp.connected);
      m.single("freedmr_hbp_pending_logins", "gauge", "Logins in progress (between RPTL and RPTC).", s.hbp.pendingLogins);
      m.single("freedmr_hbp_banned_addresses", "gauge", "Addresses banned for too many login attempts.", s.hbp.bannedAddresses);
      m.family("freedmr_hbp_logins_total", "counter", "Login steps completed: requested (RPTL), authenticated (RPTK), connected (RPTC accepted).", picked(c, [["loginsRequested", "requested"], ["loginsAuthenticated", "authenticated"], ["loginsConnected", "connected"]], "stage"));
      m.family("freedmr_hbp_login_refusals_total", "counter", "Logins refused, by reason.", picked(c, REFUSAL_COUNTERS, "reason"));
      m.family("freedmr_hbp_disconnects_total", "counter", "Sessions ended, by reason.", picked(c, [["timeouts", "timeout"], ["closedByPeer", "closed-by-peer"], ["replaced", "replaced"]], "reason"));
      m.family("freedmr_hbp_dmrd_total", "counter", "DMRD frames from and to hotspots.", picked(c, [["dmrdIn", "in"], ["dmrdOut", "out"]], "direction"));
      m.family("freedmr_hbp_dropped_total", "counter", "HBP datagrams dropped, by reason.", [
        ...picked(c, MALFORMED_COUNTERS, "reason"),
        ...picked(c, [["spoofed", "spoofed"], ["unknownPeerHeld", "unknown-peer-held"], ["sideChannelUnattributed", "side-channel-unattributed"], ["dmrdOutDropped", "out-not-connected"], ["handlerErrors", "handler-error"]], "reason"),
      ]);
    }
    if (s.routing !== null) {
      const r = s.routing;
      const dropped: Sample[] = [];
      for (const [key, value] of Object.entries(r)) if (key.startsWith("dropped")) dropped.push([{ reason: reasonFromCounter(key, "dropped") }, value]);
      m.family("freedmr_frames_in_total", "counter", "Frames the router received from every port.", r["framesIn"] !== undefined ? [[null, r["framesIn"]]] : []);
      m.family("freedmr_frames_out_total", "counter", "Frames the router sent (one per target).", r["framesOut"] !== undefined ? [[null, r["framesOut"]]] : []);
      m.family("freedmr_frames_dropped_total", "counter", "Frames the router dropped, by reason.", dropped);
      m.family("freedmr_frames_lost_total", "counter", "Frames missing inside calls (sequence gaps).", r["framesLost"] !== undefined ? [[null, r["framesLost"]]] : []);
      m.family("freedmr_deliveries_skipped_total", "counter", "Deliveries not made, by reason.", picked(r, [["deliveriesBusy", "slot-busy"], ["deliveriesQuenched", "quenched"]], "reason"));
      m.family("freedmr_streams_total", "counter", "Calls by outcome: started, ended, refused at their start.", picked(r, [["streamsStarted", "started"], ["streamsEnded", "ended"], ["streamsRefused", "refused"]], "outcome"));
    }
    m.family("freedmr_link_dropped_total", "counter", "Frames or datagrams each link dropped, by reason (bad MAC, too old, loop control, …).", s.links.flatMap((l): Sample[] =>
      Object.entries(l.counters)
        .filter(([key]) => key.startsWith("dropped") || LINK_DROP_COUNTERS.has(key))
        .map(([key, value]): Sample => [{ link: l.name, reason: key.startsWith("dropped") ? reasonFromCounter(key, "dropped") : reasonFromCounter(key, "") }, value]),
    ));
    m.family("freedmr_link_state", "gauge", "1 for each link's current state (OpenBridge: up/down; upstream: its login state).", s.links.map((l): Sample => [{ link: l.name, kind: l.kind, state: l.state }, 1]));
    m.family("freedmr_link_frames_total", "counter", "Frames over each link.", s.links.flatMap((l): Sample[] => [
      ...(l.counters["framesIn"] !== undefined ? [[{ link: l.name, direction: "in" }, l.counters["framesIn"]] as const] : []),
      ...(l.counters["framesOut"] !== undefined ? [[{ link: l.name, direction: "out" }, l.counters["framesOut"]] as const] : []),
    ]));
    if (s.cluster !== undefined && s.cluster !== null) {
      const c = s.cluster.counters;
      const node = { node: s.cluster.node };
      m.family("freedmr_cluster_connected", "gauge", "1 while this cluster node is connected to NATS.", [[node, s.cluster.connected ? 1 : 0]]);
      m.family("freedmr_cluster_frames_total", "counter", "Frames published to and received from the other nodes (NATS).", [
        [{ ...node, direction: "out" }, c["published"] ?? 0],
        [{ ...node, direction: "in" }, c["received"] ?? 0],
      ]);
      m.family("freedmr_cluster_dropped_total", "counter", "Frames for or from the cluster dropped, by reason.", [
        [{ ...node, reason: "disconnected" }, c["droppedDisconnected"] ?? 0],
        [{ ...node, reason: "backpressure" }, c["droppedBackpressure"] ?? 0],
        [{ ...node, reason: "queue-full" }, c["droppedQueueFull"] ?? 0],
        [{ ...node, reason: "unit-unknown-node" }, c["droppedUnitUnknownNode"] ?? 0],
        [{ ...node, reason: "bad-message" }, c["receivedDropped"] ?? 0],
        [{ ...node, reason: "unknown-bridge" }, c["droppedUnknownBridge"] ?? 0],
      ]);
      m.family("freedmr_cluster_side_messages_total", "counter", "Talker aliases (DMRA) and configured-bridge frames sent to and taken from the other nodes.", [
        [{ ...node, kind: "alias", direction: "out" }, c["aliasesPublished"] ?? 0],
        [{ ...node, kind: "alias", direction: "in" }, c["aliasesReceived"] ?? 0],
        [{ ...node, kind: "bridge", direction: "out" }, c["bridgeFramesPublished"] ?? 0],
        [{ ...node, kind: "bridge", direction: "in" }, c["bridgeFramesReceived"] ?? 0],
      ]);
      m.family("freedmr_cluster_reconnects_total", "counter", "Times the NATS connection came back.", [[node, c["reconnects"] ?? 0]]);
      m.family("freedmr_cluster_subscriptions", "gauge", "Talkgroup subscriptions on NATS (1 = every talkgroup while a link is up).", [[node, c["subscriptions"] ?? 0]]);
      if (c["sessionsMirrored"] !== undefined) {
        m.family("freedmr_cluster_sessions_mirrored", "gauge", "Shared HBP sessions of the whole cluster held in this node's mirror.", [[node, c["sessionsMirrored"] ?? 0]]);
        m.family("freedmr_cluster_sessions_adopted_total", "counter", "Hotspot sessions taken over from another node (or a restarted worker) without a login.", [[node, c["sessionsAdopted"] ?? 0]]);
        m.family("freedmr_cluster_sessions_refused_total", "counter", "Datagrams of an unknown hotspot whose shared session was not taken over, by reason (then MSTNAK).", [
          [{ ...node, reason: "other-endpoint" }, c["sessionsRefusedEndpoint"] ?? 0],
          [{ ...node, reason: "owner-alive" }, c["sessionsRefusedOwnerAlive"] ?? 0],
          [{ ...node, reason: "stale" }, c["sessionsRefusedStale"] ?? 0],
        ]);
        m.family("freedmr_cluster_sessions_malformed_total", "counter", "Shared-session records in the KV ignored as malformed or over the mirror's bound.", [
          [{ ...node, reason: "malformed" }, c["sessionsMalformed"] ?? 0],
          [{ ...node, reason: "mirror-full" }, c["sessionsMirrorFull"] ?? 0],
        ]);
      }
    }
    const h = s.host;
    if (h["tickLagMs"] !== undefined) {
      m.single("freedmr_packet_thread_tick_lag_seconds", "gauge", "Event-loop lag of the packet thread: how late its last housekeeping tick ran.", h["tickLagMs"] / 1000);
      m.single("freedmr_packet_thread_tick_lag_max_seconds", "gauge", "Largest event-loop lag of the packet thread in the last ~5 s window.", (h["tickLagMaxMs"] ?? 0) / 1000);
      m.single("freedmr_packet_thread_stalls_total", "counter", "Packet-thread ticks that ran more than 100 ms late (a stalled event loop).", h["tickLagOver100Ms"] ?? 0);
    }
    m.family("freedmr_udp_datagrams_total", "counter", "UDP datagrams received and sent.", picked(h, [["datagramsIn", "in"], ["datagramsOut", "out"]], "direction"));
    m.family("freedmr_udp_errors_total", "counter", "UDP problems, by kind.", picked(h, [["sendErrors", "send-error"], ["sendShort", "send-short"], ["sendDropped", "send-dropped"], ["receiveErrors", "receive-error"], ["truncated", "truncated"], ["outboxDropped", "outbox-full"], ["handlerErrors", "handler-error"]], "kind"));
    m.single("freedmr_bus_published_total", "counter", "Events published on the bus.", s.bus.published);
    m.family("freedmr_bus_delivered_total", "counter", "Events delivered to each service.", s.bus.subscribers.map((b): Sample => [{ service: b.name }, b.delivered]));
    m.family("freedmr_bus_dropped_total", "counter", "Events a service lost because its queue was full (a slow consumer).", s.bus.subscribers.map((b): Sample => [{ service: b.name }, b.dropped]));
    m.family("freedmr_bus_failed_total", "counter", "Events whose handler threw or rejected, per service.", s.bus.subscribers.map((b): Sample => [{ service: b.name }, b.failed]));
    m.family("freedmr_bus_queued", "gauge", "Events waiting for each service.", s.bus.subscribers.map((b): Sample => [{ service: b.name }, b.queued]));
  }

  // ---- the API itself ----
  const overflow = Object.entries(state.overflow).map(([table, n]): Sample => [{ table }, n]);
  m.family("freedmr_api_table_overflow_total", "counter", "Entries the status API did not keep because a table was full.", overflow);
  const requests: Sample[] = [];
  for (const [key, n] of context.requests) {
    const [endpoint, code] = key.split(" ");
    requests.push([{ endpoint: endpoint!, code: code! }, n]);
  }
  m.family("freedmr_http_requests_total", "counter", "Status API requests answered, by endpoint and status code.", requests);
  return m.text();
}

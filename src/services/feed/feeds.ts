/**
 * The feeds the services Worker runs for what operators already use, all fed by the same event
 * batches as the API (never per frame, never on the packet thread):
 *
 * - the FreeDMR report socket for FDMR-Monitor / HBmonitor (../report/report_server.ts),
 * - MQTT events (../mqtt/mqtt_publisher.ts, docs/mqtt.md),
 * - the BrandMeister-style last-heard feed over WebSocket and SSE (./last_heard_feed.ts),
 * - their Prometheus figures (metricsText).
 *
 * A feed that fails to start is logged and left off; the others and voice go on.
 * @module
 */
import type { CoreEvent, StatsSnapshot } from "../../core/events.ts";
import { MetricsText, type Sample } from "../metrics_text.ts";
import { eventMessage, statsMessage, type MessageContext } from "../mqtt/mqtt_messages.ts";
import { MqttPublisher } from "../mqtt/mqtt_publisher.ts";
import { ReportServer } from "../report/report_server.ts";
import type { HotspotDetails as ReportDetails } from "../report/report_state.ts";
import type { HotspotDetails, Roster, WorkerEvent, WorkerFeedsOptions } from "../worker/protocol.ts";
import { LastHeardFeed } from "./last_heard_feed.ts";
import { lastHeardRecord, type HotspotIdentity, type NameLookup } from "./last_heard_record.ts";

type EventOf<T extends CoreEvent["type"]> = Extract<CoreEvent, { type: T }>;

/** Most calls in progress remembered for their start time (a lost end is forgotten oldest-first). */
const MAX_OPEN_CALLS = 4096;
/** Distinct call-refusal reasons counted (the core's reasons are a short fixed list). */
const MAX_REFUSAL_REASONS = 64;

export interface FeedsContext {
  version: string;
  serverId: number;
  maxFeedClients: number;
  /** Event time (packet thread monotonic ms) → wall clock ms. */
  toWallMs(atMs: number): number;
  monotonicMs(): number;
  hotspotCount(): number;
  callsInProgress(): number;
  names: NameLookup | null;
  /**
   * The hotspot on a port, from a table kept elsewhere (the services Worker's status API records):
   * given, the feeds keep no table of their own. Absent: they track session.up/down themselves.
   */
  hotspotAt?(portIndex: number): HotspotIdentity | null;
  log(level: "info" | "warn" | "error", msg: string, data?: Record<string, unknown>): void;
}

export class Feeds {
  readonly report: ReportServer | null = null;
  readonly mqtt: MqttPublisher | null = null;
  readonly lastHeard: LastHeardFeed;
  readonly reportError: string | null = null;
  readonly #c: FeedsContext;
  readonly #o: WorkerFeedsOptions;
  readonly #hotspots = new Map<number, HotspotIdentity>(); // by port index
  readonly #openCalls = new Map<string, number>(); // "portIndex:streamId" → start wall ms
  readonly #callRefusals = new Map<string, number>();
  #snapshot: StatsSnapshot | null = null;
  #rosterAtMs = 0;
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  readonly #mqttContext: MessageContext | null = null;
  readonly #startedAt: string;

  constructor(options: WorkerFeedsOptions, context: FeedsContext) {
    this.#o = options;
    this.#c = context;
    this.#startedAt = new Date().toISOString();
    this.lastHeard = new LastHeardFeed(context.maxFeedClients);
    const r = options.report;
    if (r !== null) {
      try {
        this.report = new ReportServer({
          ...r,
          bridges: new Map(r.bridges.map((b) => [b.name, b.members])),
          monotonicMs: context.monotonicMs,
          wallClockMs: Date.now,
        });
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        this.reportError = `cannot listen on TCP ${r.bindAddress}:${r.port} (report.bind_address, report.port)${typeof code === "string" ? ` [${code}]` : ""}: ${e instanceof Error ? e.message : String(e)}`;
        context.log("error", "the report socket is not available (voice is not affected)", { error: this.reportError });
      }
    }
    const m = options.mqtt;
    if (m !== null) {
      this.#mqttContext = {
        prefix: m.prefix,
        server: options.serverName,
        toIso: (atMs) => new Date(context.toWallMs(atMs)).toISOString(),
        names: context.names,
        repeaterOf: (portIndex) => this.#hotspotAt(portIndex)?.repeaterId ?? null,
      };
      try {
        this.mqtt = new MqttPublisher(
          m,
          (online) => JSON.stringify({ v: 1, type: "status", at: new Date().toISOString(), server: options.serverName, online, version: context.version, startedAt: this.#startedAt }),
          (level, msg, data) => context.log(level, msg, data),
        );
        if (m.statsIntervalSeconds > 0) this.#statsTimer = setInterval(() => this.#publishStats(), m.statsIntervalSeconds * 1000);
      } catch (e) {
        context.log("error", "MQTT is not available (voice is not affected)", { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  onEvent(event: WorkerEvent): void {
    if (event.type === "x.hotspot") {
      this.report?.state.setDetails(event.portIndex, reportDetails(event.details));
      return;
    }
    this.#track(event);
    this.report?.onEvent(event);
    if (this.mqtt !== null && this.#mqttContext !== null) {
      const message = eventMessage(event, this.#mqttContext);
      if (message !== null) this.mqtt.publish(message);
    }
  }

  /** After lost events: rebuild what the feeds keep from the core's state (hotspots may follow in chunks). */
  resync(roster: Roster): void {
    this.#hotspots.clear();
    this.#rosterAtMs = roster.atMs;
    this.addRosterHotspots(roster.hotspots);
  }

  addRosterHotspots(hotspots: Roster["hotspots"]): void {
    const atMs = this.#rosterAtMs;
    for (const h of hotspots) {
      if (this.#c.hotspotAt === undefined) this.#hotspots.set(h.up.portIndex, { repeaterId: h.up.repeaterId, callsign: h.up.callsign });
      this.report?.onEvent(h.up);
      if (h.details !== null) this.report?.state.setDetails(h.up.portIndex, reportDetails(h.details));
      for (const s of h.subscriptions) {
        // only static talkgroups show as TS1_STATIC/TS2_STATIC
        const kind = (s as { kind?: string }).kind ?? "static";
        this.report?.onEvent({ type: "subscription.change", atMs, portIndex: h.up.portIndex, portName: "", slot: s.slot, talkgroupId: s.talkgroupId, action: "add", reason: kind === "static" ? "static" : "dynamic" });
      }
    }
  }

  async stop(): Promise<void> {
    if (this.#statsTimer !== null) clearInterval(this.#statsTimer);
    this.report?.stop();
    this.lastHeard.stop();
    await this.mqtt?.stop();
  }

  #track(event: CoreEvent): void {
    switch (event.type) {
      case "session.up":
        if (this.#c.hotspotAt === undefined) this.#hotspots.set(event.portIndex, { repeaterId: event.repeaterId, callsign: event.callsign });
        return;
      case "session.down":
        this.#hotspots.delete(event.portIndex);
        return;
      case "stats":
        this.#snapshot = event.snapshot;
        return;
      case "stream.refused": {
        const n = this.#callRefusals.get(event.reason);
        if (n !== undefined) this.#callRefusals.set(event.reason, n + 1);
        else if (this.#callRefusals.size < MAX_REFUSAL_REASONS) this.#callRefusals.set(event.reason, 1);
        else this.#callRefusals.set("other", (this.#callRefusals.get("other") ?? 0) + 1);
        return;
      }
      case "stream.start":
      case "stream.end":
        this.#call(event);
        return;
      default:
        return;
    }
  }

  #call(event: EventOf<"stream.start"> | EventOf<"stream.end">): void {
    const key = `${event.portIndex}:${event.streamId}`;
    const wall = this.#c.toWallMs(event.atMs);
    let startWall = wall;
    if (event.type === "stream.start") {
      if (this.#openCalls.size >= MAX_OPEN_CALLS) {
        const oldest = this.#openCalls.keys().next().value;
        if (oldest !== undefined) this.#openCalls.delete(oldest);
      }
      this.#openCalls.set(key, wall);
    } else {
      startWall = this.#openCalls.get(key) ?? wall - event.durationMs;
      this.#openCalls.delete(key);
    }
    const hotspot = this.#hotspotAt(event.portIndex);
    this.lastHeard.publish(lastHeardRecord(event, startWall, wall, hotspot, this.#c.serverId, this.#c.names));
  }

  #hotspotAt(portIndex: number): HotspotIdentity | null {
    return this.#c.hotspotAt !== undefined ? this.#c.hotspotAt(portIndex) : (this.#hotspots.get(portIndex) ?? null);
  }

  #publishStats(): void {
    if (this.mqtt === null || this.#mqttContext === null) return;
    const c = this.mqtt.counters;
    this.mqtt.publish(
      statsMessage(
        { atMs: this.#c.monotonicMs(), hotspots: this.#c.hotspotCount(), callsInProgress: this.#c.callsInProgress(), snapshot: this.#snapshot, mqttDropped: c.droppedQueueFull + c.droppedError },
        this.#mqttContext,
      ),
    );
  }

  /** Prometheus families of the feeds (appended to /metrics). */
  metricsText(): string {
    const m = new MetricsText();
    const refusals: Sample[] = [...this.#callRefusals].map(([reason, n]): Sample => [{ reason }, n]);
    m.family("freedmr_call_refusals_total", "counter", "Calls refused at their start (loop control, ACL, contention), by reason, since the services Worker started.", refusals);
    const f = this.lastHeard.counters;
    m.family("freedmr_feed_clients", "gauge", "Last-heard feed clients connected, by transport.", [
      [{ transport: "websocket" }, this.lastHeard.webSocketClients],
      [{ transport: "sse" }, this.lastHeard.sseClients],
    ]);
    m.single("freedmr_feed_records_total", "counter", "Call start/stop records made for the last-heard feed.", f.records);
    m.single("freedmr_feed_sent_total", "counter", "Records sent to last-heard feed clients.", f.sent);
    m.single("freedmr_feed_dropped_total", "counter", "Records not sent to a slow last-heard feed client (its queue was full).", f.dropped);
    m.single("freedmr_feed_refused_total", "counter", "Last-heard feed clients refused (too many).", f.refused);
    const r = this.report;
    m.single("freedmr_report_enabled", "gauge", "1 when the FreeDMR report socket (FDMR-Monitor/HBmonitor) is listening.", r !== null ? 1 : 0);
    if (r !== null) {
      const c = r.counters;
      m.single("freedmr_report_clients", "gauge", "Monitors connected to the report socket.", r.clientCount);
      m.family("freedmr_report_refused_total", "counter", "Monitors refused, by reason.", [
        [{ reason: "not-allowed" }, c.refusedNotAllowed],
        [{ reason: "full" }, c.refusedFull],
      ]);
      m.single("freedmr_report_slow_clients_dropped_total", "counter", "Monitors disconnected because they did not read (queue over report.client_queue_bytes).", c.slowClientsDropped);
      m.single("freedmr_report_events_total", "counter", "BRDG_EVENT lines sent.", c.eventsSent);
      m.single("freedmr_report_configs_total", "counter", "CONFIG_SND/BRIDGE_SND pairs sent.", c.configsSent);
    }
    const q = this.mqtt;
    m.single("freedmr_mqtt_enabled", "gauge", "1 when MQTT publishing is configured.", q !== null ? 1 : 0);
    if (q !== null) {
      const c = q.counters;
      m.single("freedmr_mqtt_connected", "gauge", "1 while connected to the MQTT broker.", q.connected ? 1 : 0);
      m.single("freedmr_mqtt_published_total", "counter", "Messages handed to the MQTT broker connection.", c.published);
      m.family("freedmr_mqtt_dropped_total", "counter", "Messages dropped, by reason (queue-full: the broker was away or slow).", [
        [{ reason: "queue-full" }, c.droppedQueueFull],
        [{ reason: "publish-error" }, c.droppedError],
      ]);
      m.single("freedmr_mqtt_queued", "gauge", "Messages waiting for the broker.", q.queued);
      m.single("freedmr_mqtt_connects_total", "counter", "Successful connections to the broker (the first and every reconnect).", c.connects);
      m.single("freedmr_mqtt_disconnects_total", "counter", "Connections to the broker lost.", c.disconnects);
      m.single("freedmr_mqtt_errors_total", "counter", "Connection errors (refused, bad credentials, TLS).", c.errors);
    }
    return m.text();
  }
}

/** The dashboard's RPTC details as the report socket's strings (FreeDMR keeps the RPTC text). */
function reportDetails(d: HotspotDetails): ReportDetails {
  return {
    rxFreq: String(Math.max(0, Math.round(d.rxFrequencyHz))).padStart(9, "0").slice(0, 9),
    txFreq: String(Math.max(0, Math.round(d.txFrequencyHz))).padStart(9, "0").slice(0, 9),
    colorCode: String(d.colourCode).padStart(2, "0").slice(0, 2),
    latitude: d.latitude.toFixed(4).padEnd(8).slice(0, 8),
    longitude: d.longitude.toFixed(4).padEnd(9).slice(0, 9),
    height: String(Math.max(0, Math.round(d.heightM))).padStart(3, "0").slice(0, 3),
    location: d.location,
    description: d.description,
    slots: d.slots,
    url: d.url,
    softwareId: d.softwareId,
    packageId: d.packageId,
  };
}

/**
 * The periodic `stats` event: a plain copy of the core's counters (HBP master, router, federation
 * links), the UDP host's and the bus's, and the process's memory, published on the bus at start and
 * then every `intervalMs` from the shell's own timer. Services (status API, metrics) keep the last
 * one, so they never call into the core and nothing here runs on the packet path.
 * @module
 */
import type { EventBus } from "../bus/event_bus.ts";
import type { HostedHandler } from "../core/datagram_handler.ts";
import type { ClusterSnapshot, CoreEvent, LinkSnapshot, StatsSnapshot } from "../core/events.ts";
import { OpenBridgeLink } from "../core/federation/openbridge_link.ts";
import type { HbpMaster } from "../core/hbp_master/hbp_master.ts";
import type { FrameRouter } from "../core/router_contract.ts";
import { UpstreamLink } from "../core/upstream/upstream_link.ts";
import type { UdpHostStats } from "./udp/udp_host.ts";

export const DEFAULT_STATS_INTERVAL_MS = 5_000;

export interface StatsSources {
  readonly bus: EventBus<CoreEvent>;
  readonly hbp: HbpMaster | null;
  readonly router: FrameRouter;
  readonly handlers: readonly HostedHandler[];
  readonly hostStats: () => UdpHostStats;
  readonly startedMs: number;
  /** The cluster node's counters ([cluster] enabled). */
  readonly cluster?: () => ClusterSnapshot | null;
}

/** Numeric own fields of a counters object (class instances with number fields), copied. */
export function numericFields(source: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(source)) if (typeof value === "number") out[key] = value;
  return out;
}

function linkSnapshot(handler: HostedHandler): LinkSnapshot | null {
  if (handler instanceof OpenBridgeLink) {
    const info = handler.info();
    return {
      name: info.name,
      kind: "openbridge",
      portIndex: info.portIndex,
      up: info.up,
      state: info.up ? "up" : "down",
      peer: info.peer,
      protocol: info.protocol,
      counters: numericFields(info.counters),
      lastHeardMs: info.lastHeardMs,
    };
  }
  if (handler instanceof UpstreamLink) {
    const info = handler.info();
    return {
      name: info.name,
      kind: "upstream",
      portIndex: info.portIndex,
      up: info.state === "running",
      state: info.state,
      peer: info.master,
      protocol: 0,
      counters: numericFields(info.counters),
    };
  }
  return null;
}

/** Build one snapshot now (allocates; called from the timer, never per packet). */
export function buildStatsSnapshot(sources: StatsSources, nowMs: number): StatsSnapshot {
  const routerStats = (sources.router as Partial<{ stats(): object }>).stats;
  const bus = sources.bus.stats();
  const memory = process.memoryUsage();
  const links: LinkSnapshot[] = [];
  for (const handler of sources.handlers) {
    const link = linkSnapshot(handler);
    if (link !== null) links.push(link);
  }
  const hbp = sources.hbp?.stats(nowMs) ?? null;
  return {
    uptimeMs: nowMs - sources.startedMs,
    hbp,
    routing: typeof routerStats === "function" ? numericFields(routerStats.call(sources.router)) : null,
    links,
    host: numericFields(sources.hostStats()),
    bus: {
      published: bus.published,
      subscribers: bus.subscribers.map((s) => ({ name: s.name, queued: s.queued, delivered: s.delivered, dropped: s.dropped, failed: s.failed })),
    },
    process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    cluster: sources.cluster?.() ?? null,
  };
}

export class StatsPublisher {
  #timer: ReturnType<typeof setInterval> | null = null;
  published = 0;

  constructor(
    readonly sources: StatsSources,
    readonly clock: () => number,
    readonly intervalMs = DEFAULT_STATS_INTERVAL_MS,
    readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Publish one snapshot now, then every intervalMs. */
  start(): void {
    if (this.#timer !== null) return;
    this.publishNow();
    this.#timer = setInterval(() => this.publishNow(), Math.max(1, this.intervalMs));
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  publishNow(): void {
    try {
      const nowMs = this.clock();
      this.sources.bus.publish({ type: "stats", atMs: nowMs, snapshot: buildStatsSnapshot(this.sources, nowMs) });
      this.published++;
    } catch (error) {
      this.onError(error);
    }
  }
}

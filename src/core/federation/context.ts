/**
 * What every federation port (OpenBridge/FBP link, upstream link) shares: the router it feeds, the
 * outbox and event sink of the core, the stream table (loop control + FBP side channel), our
 * server id and the wall clock FBP timestamps need.
 * @module
 */
import type { EventSink } from "../events.ts";
import type { Outbox } from "../outbox.ts";
import type { FrameRouter } from "../router_contract.ts";
import type { Router } from "../routing/types.ts";
import type { FederationStreams } from "./stream_table.ts";

/**
 * The part of the router federation uses: the FrameRouter seam, plus (when the router offers them)
 * link talkgroup maps and source quench. Optional so a plain FrameRouter (NullRouter, tests) works.
 */
export type FederationRouter = FrameRouter & Partial<Pick<Router, "setPortTalkgroupMap" | "quench">>;

/** Dense port indexes shared with every other kind of port (src/core/hbp_master/port_index_pool.ts). */
export interface PortIndexSource {
  acquire(): number;
  release(portIndex: number): void;
}

export interface FederationContext {
  /** Our GLOBAL SERVER_ID: bytes 11–14 of everything we send on OpenBridge, source server of local calls. */
  readonly serverId: number;
  readonly router: FederationRouter;
  readonly outbox: Outbox;
  readonly events: EventSink;
  readonly streams: FederationStreams;
  /**
   * Wall-clock time, ms since the Unix epoch (fractional allowed), for FBP timestamps and their
   * 5-second age check. Injected by the shell (Date.now / performance.timeOrigin + now); the core
   * never reads a clock itself.
   */
  readonly wallClockMs: () => number;
}

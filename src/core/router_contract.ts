/**
 * The seam between the ports (HBP master sessions, upstream peer links, OpenBridge links) and the
 * routing core. Every method takes the current time; nothing here reads a clock or does I/O.
 * The HBP master calls these as sessions come and go and as DMRD frames arrive; the router
 * pushes frames for other ports into the outbox and events into the sink.
 * @module
 */
import type { DmrdFrame } from "../wire/dmrd.ts";
import type { RouterPort } from "./router_port.ts";

export interface FrameRouter {
  /** A port is up and may receive traffic (HBP: after RPTC was accepted). */
  onPortUp(nowMs: number, port: RouterPort): void;
  /** The port is gone; forget its streams and dynamic state. */
  onPortDown(nowMs: number, port: RouterPort): void;
  /** Options text for the port (HBP RPTO), possibly sent again at any time. */
  onOptions(nowMs: number, port: RouterPort, options: string): void;
  /** A DMRD frame from a port (already authenticated; `frame.bytes` is the datagram). */
  onFrame(nowMs: number, port: RouterPort, frame: DmrdFrame): void;
  /** Periodic housekeeping: stream timeouts, hang timers, subscription expiry, paced playback. */
  onTick(nowMs: number): void;
  /** Optional: true while a stream is active or a playback is paced (the shell ticks fast, datagram_handler.ts). */
  wantsFastTick?(): boolean;
  /**
   * One talker-alias LC from the DMRA side channel (hbp-and-dmr.md §3.1): `block` 0 = header, 1–3
   * = blocks, 7 data bytes in `data`, sent by the port while radio `sourceId` transmits. Optional.
   * A trunk port (the cluster) carries many streams at once and names the stream: `streamId`.
   */
  onTalkerAlias?(nowMs: number, port: RouterPort, sourceId: number, block: number, data: Uint8Array, streamId?: number): void;
  /**
   * Optional: a frame the bridge trunk (the cluster port) received for configured bridge
   * `bridgeIndex` on another node: routed like `onFrame`, into that bridge only.
   */
  onBridgeFrame?(nowMs: number, port: RouterPort, frame: DmrdFrame, bridgeIndex: number): void;
}

/** Routes nothing; the HBP master works on its own with it. */
export class NullRouter implements FrameRouter {
  frames = 0;
  onPortUp(): void {}
  onPortDown(): void {}
  onOptions(): void {}
  onFrame(): void {
    this.frames++;
  }
  onTick(): void {}
}

/**
 * A RouterPort (a port of the router, like a switch port; not a UDP port number) is anything the routing core can deliver frames to and receive frames from: a hotspot or
 * repeater logged in over HBP, an upstream master we are logged in to (freedmr as an HBP client),
 * or an OpenBridge/FBP link. The router speaks one frame format — a 55-byte HBP DMRD — and each
 * port encodes it for its wire in `emit` (an HBP port sends it as is; an OpenBridge port wraps it
 * in DMRD+HMAC or DMRE+BLAKE2b).
 * @module
 */
import type { Outbox } from "./outbox.ts";

export const enum PortKind {
  Hotspot = 0,
  Upstream = 1,
  OpenBridge = 2,
  /** frames generated inside freedmr (parrot playback, announcements) */
  Internal = 3,
  /** the other nodes of a freedmr cluster, through NATS (src/core/cluster/cluster_port.ts) */
  Cluster = 4,
}

export type Slot = 1 | 2;

export interface RouterPort {
  /** Dense index, unique among live ports; reused after the port goes away. */
  readonly portIndex: number;
  readonly kind: PortKind;
  /** Human name for logs and events: callsign+id for hotspots, configured name for links. */
  readonly name: string;
  /** HBP repeater id for hotspots/upstreams; the link's network id for OpenBridge. */
  readonly repeaterId: number;
  /** Simplex/DMO hotspot (RPTC slots '4' or RX = TX): one RF slot, delivered on TS2. */
  readonly simplex: boolean;
  /** Callsign from RPTC (hotspots), configured callsign/name otherwise. */
  readonly callsign: string;
  /** Name of the config access rule that admitted this port (hotspots), or null. Static TGs and bridges can refer to it. */
  readonly accessRule: string | null;
  /**
   * A 55-byte scratch buffer owned by this port for `slot`, into which the router writes the
   * frame it is about to emit. Valid until the outbox is drained.
   */
  txBuffer(slot: Slot): Uint8Array;
  /**
   * Optional: the same egress buffers as 4-byte-aligned 32-bit words, `txBuffer(1)` from word 0 and
   * `txBuffer(2)` from word DMRD_WORDS_TS2 (wire/dmrd.ts), so the router copies a frame into them
   * in 14 word stores (routing/frames/delivery.ts). Ports without it get a byte copy.
   */
  txWords?(): Int32Array;
  /**
   * Optional fast path (HBP sessions), for a copy that needs no per-target change besides the slot
   * bit (no LC rewrite, no inserted talker-alias fragment): the 55-byte frame staged in `stage`
   * (wire/dmrd.ts DmrdStage) with flags byte `flags`, into `txBuffer(slot)` and `emit`ted — the same
   * bytes and counters as that sequence, in one call (routing/frames/delivery.ts).
   */
  emitStaged?(nowMs: number, slot: Slot, stage: Int32Array, flags: number, outbox: Outbox): void;
  /**
   * Encode the prepared 55-byte DMRD in `frame` for this port's wire and push it to `outbox`.
   * Bytes 11–14 of `frame` carry the SOURCE's repeater id (the hotspot the call came from, or the
   * server id for frames freedmr generates); each port stamps what its own wire needs: an HBP
   * session the receiving peer's id, an upstream link its own id, an OpenBridge link our server id
   * (keeping the source as the FBP v5 source repeater).
   */
  emit(nowMs: number, frame: Uint8Array, outbox: Outbox): void;
  /**
   * Optional (links): the router refused a stream arriving from this port because the same stream
   * is already arriving from another port, or has just finished (loop control, freedmr-reference.md
   * §2.5). Called once per refused stream per port. `talkgroupId` is the destination as it arrived
   * on this port (the link's namespace). OpenBridge ports answer with BCSQ.
   */
  onStreamRefused?(nowMs: number, streamId: number, talkgroupId: number, outbox: Outbox): void;
  /**
   * Optional (FBP links): unit data (private SMS/GPS) for a radio id ≥ 1,000,000 not heard on this
   * server is offered to this port (freedmr-reference.md §1.14 step 2). Default false.
   */
  readonly acceptsUnitDataFlood?: boolean;
  /**
   * Optional (the cluster port): a DMRA talker-alias LC (hbp-and-dmr.md §3.1) of a stream this port
   * is a target of, as the router delivers it there (`destinationId`, unit or group call). Ports
   * without it never see side-channel aliases (HBP peers and FBP links have no such message).
   */
  emitTalkerAlias?(nowMs: number, streamId: number, sourceId: number, destinationId: number, unit: boolean, block: number, data: Uint8Array): void;
  /**
   * Optional (the cluster port): a frame of a stream that joined configured bridge `bridgeIndex`
   * here, as the source sent it (55-byte DMRD), for the same bridge on the other nodes
   * (src/core/routing/features/bridge_trunk.ts). One port at a time carries bridges.
   */
  emitBridgeFrame?(nowMs: number, bridgeIndex: number, frame: Uint8Array): void;
  /** Optional (the cluster port): a DMRA talker-alias LC of a stream that joined bridge `bridgeIndex` here. */
  emitBridgeTalkerAlias?(nowMs: number, bridgeIndex: number, streamId: number, sourceId: number, block: number, data: Uint8Array): void;
}

/**
 * One HomeBrew peer (hotspot or repeater) as the master sees it, from RPTK onwards (between RPTL
 * and RPTK there is no state at all: the salt is a cookie, salt_cookie.ts).
 *
 * A session is a RouterPort once connected (after RPTC): the router writes a 55-byte DMRD into
 * `txBuffer(slot)` and calls `emit`, which stamps this peer's repeater id into bytes 11–14
 * (the HBlink/FreeDMR/BrandMeister convention, hbp-and-dmr.md §1.4) and queues it. Egress buffers
 * are allocated on first use and kept; the fixed replies (RPTACK/MSTNAK/MSTPONG/MSTCL) are not
 * held per session but stamped at send time into shared buffers (reply_pool.ts). Nothing is
 * allocated per frame.
 * @module
 */
import { DMRD_LENGTH, DMRD_OFFSET_FLAGS, DMRD_OFFSET_REPEATER, FLAG_SLOT_TS2, writeUint32 } from "../../wire/dmrd.ts";
import type { RptcConfig } from "../../wire/rptc.ts";
import type { Endpoint } from "../endpoint.ts";
import type { Outbox } from "../outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import type { HbpCounters } from "./counters.ts";

export const enum SessionState {
  /** RPTK passed; waiting for RPTC. */
  Authenticated = 1,
  /** RPTC accepted: a port of the router. */
  Connected = 2,
  /** Gone (timed out, closed, replaced, refused); kept only by whoever still holds a reference. */
  Removed = 3,
}

export class HbpSession implements RouterPort {
  portIndex = -1;
  readonly kind = PortKind.Hotspot;
  state: SessionState = SessionState.Authenticated;
  callsign = "";
  simplex = false;
  accessRule: string | null = null;
  config: RptcConfig | null = null;
  /** Last RPTO text, if any. */
  options: string | null = null;
  readonly authenticatedAtMs: number;
  connectedAtMs = 0;
  lastHeardMs: number;
  /** The endpoint this session replaced (same id, other address) and when: two-station detection. */
  replacedEndpoint: Endpoint | null = null;
  replacedAtMs = 0;
  /** Last time a conflict on this id was reported (carried over across replacements). */
  conflictReportedAtMs = Number.NEGATIVE_INFINITY;
  framesIn = 0;
  framesOut = 0;
  /** Source radio of the last DMRA / DMRG side-channel message (metadata only). */
  lastTalkerAliasSourceId = 0;
  lastGpsSourceId = 0;
  /** Egress buffers, allocated on first use (most hotspots are idle most of the time: ~0.2 KB each saved). */
  #tx1: Uint8Array | null = null;
  #tx2: Uint8Array | null = null;

  constructor(
    readonly repeaterId: number,
    readonly endpoint: Endpoint,
    /** Salt and digest of the RPTK that authenticated this session, re-checked at RPTC against the deciding rule. */
    readonly salt: number,
    public digest: Uint8Array,
    /** The passphrase bytes the RPTK digest was proven against (identity-compared at RPTC). */
    readonly provenPassphrase: Uint8Array,
    nowMs: number,
    readonly counters: HbpCounters,
  ) {
    this.authenticatedAtMs = nowMs;
    this.lastHeardMs = nowMs;
  }

  /**
   * "CALLSIGN/id" once configured, else the id: made when asked (events, logs — per call or login,
   * never per frame) rather than held by every one of 10,000 sessions.
   */
  get name(): string {
    return this.callsign !== "" ? `${this.callsign}/${this.repeaterId}` : String(this.repeaterId);
  }

  get connected(): boolean {
    return this.state === SessionState.Connected;
  }

  txBuffer(slot: Slot): Uint8Array {
    if (slot === 2) return (this.#tx2 ??= new Uint8Array(DMRD_LENGTH));
    return (this.#tx1 ??= new Uint8Array(DMRD_LENGTH));
  }

  emit(_nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    if (this.state !== SessionState.Connected || frame.length < DMRD_LENGTH) {
      this.counters.dmrdOutDropped++;
      return;
    }
    let out = frame;
    if (frame !== this.#tx1 && frame !== this.#tx2) {
      // A buffer we do not own may be reused for the next port before the outbox drains: copy.
      out = this.txBuffer((frame[DMRD_OFFSET_FLAGS]! & FLAG_SLOT_TS2) !== 0 ? 2 : 1);
      out.set(frame.length === DMRD_LENGTH ? frame : frame.subarray(0, DMRD_LENGTH), 0);
    }
    writeUint32(out, DMRD_OFFSET_REPEATER, this.repeaterId);
    if (outbox.push(this.endpoint, out, DMRD_LENGTH)) {
      this.framesOut++;
      this.counters.dmrdOut++;
    } else {
      this.counters.dmrdOutDropped++;
    }
  }
}

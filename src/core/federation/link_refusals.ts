/**
 * Datagrams a link drops for a reason its operator can fix (wrong network id, malformed FBP, clock
 * skew, …) become `link.refused` events — at most one per link and reason per interval, carrying how
 * many drops it stands for, so a flood costs one small object per second instead of one per packet.
 * The link's counters stay exact; the event log limits its lines again per reason.
 * @module
 */
import type { EventSink, LinkRefusalReason } from "../events.ts";

/** Reasons, indexed (the arrays below are allocated once per link). */
export const LINK_REFUSAL_REASONS: readonly LinkRefusalReason[] = [
  "wrong-network-id",
  "malformed",
  "bad-mac",
  "wrong-protocol",
  "bad-slot",
  "too-old",
  "bad-source-server",
  "too-many-hops",
];

export const enum LinkRefusal {
  WrongNetworkId = 0,
  Malformed = 1,
  BadMac = 2,
  WrongProtocol = 3,
  BadSlot = 4,
  TooOld = 5,
  BadSourceServer = 6,
  TooManyHops = 7,
}

/** At most one event per link and reason per … (the event log's own limit is per reason). */
export const LINK_REFUSAL_INTERVAL_MS = 1000;

export class LinkRefusalReporter {
  readonly #link: string;
  readonly #events: EventSink;
  readonly #intervalMs: number;
  readonly #lastMs = new Float64Array(LINK_REFUSAL_REASONS.length).fill(Number.NEGATIVE_INFINITY);
  readonly #pending = new Uint32Array(LINK_REFUSAL_REASONS.length);
  readonly #address: string[] = LINK_REFUSAL_REASONS.map(() => "");
  readonly #port = new Uint16Array(LINK_REFUSAL_REASONS.length);
  readonly #value = new Float64Array(LINK_REFUSAL_REASONS.length);
  readonly #expectedNetworkId: number;

  constructor(link: string, expectedNetworkId: number, events: EventSink, intervalMs = LINK_REFUSAL_INTERVAL_MS) {
    this.#link = link;
    this.#expectedNetworkId = expectedNetworkId;
    this.#events = events;
    this.#intervalMs = intervalMs;
  }

  /**
   * One dropped datagram (allocation-free). `value` is what the reason is about: the id in bytes
   * 11–14 (wrong-network-id), the age in ms (too-old), the hop count (too-many-hops), the source
   * server (bad-source-server), the protocol version received (wrong-protocol).
   */
  report(nowMs: number, reason: LinkRefusal, address: string, port: number, value = 0): void {
    this.#pending[reason]!++;
    this.#address[reason] = address;
    this.#port[reason] = port;
    this.#value[reason] = value;
    if (nowMs - this.#lastMs[reason]! >= this.#intervalMs) this.#publish(nowMs, reason);
  }

  /** From the link's tick: publish drops held back once their interval has passed. */
  flush(nowMs: number): void {
    for (let r = 0; r < LINK_REFUSAL_REASONS.length; r++) {
      if (this.#pending[r]! > 0 && nowMs - this.#lastMs[r]! >= this.#intervalMs) this.#publish(nowMs, r);
    }
  }

  #publish(nowMs: number, reason: number): void {
    const count = this.#pending[reason]!;
    this.#pending[reason] = 0;
    this.#lastMs[reason] = nowMs;
    const name = LINK_REFUSAL_REASONS[reason]!;
    const value = this.#value[reason]!;
    const detail = detailOf(reason, value);
    try {
      this.#events.publish({
        type: "link.refused",
        atMs: nowMs,
        link: this.#link,
        reason: name,
        count,
        address: this.#address[reason]!,
        port: this.#port[reason]!,
        ...(reason === LinkRefusal.WrongNetworkId ? { networkId: value, expectedNetworkId: this.#expectedNetworkId } : {}),
        ...(detail !== "" ? { detail } : {}),
      });
    } catch {
      // an event sink must never break the packet path
    }
  }
}

/** Built only when an event is published (≤ 1 per second per reason). */
function detailOf(reason: number, value: number): string {
  switch (reason) {
    case LinkRefusal.TooOld:
      return `age ${(value / 1000).toFixed(1)} s`;
    case LinkRefusal.TooManyHops:
      return `hops ${value}`;
    case LinkRefusal.BadSourceServer:
      return `source server ${value}`;
    case LinkRefusal.WrongProtocol:
      return value === 1 ? "OpenBridge v1 (DMRD) received" : `FBP v${value} (DMRE) received`;
    default:
      return "";
  }
}

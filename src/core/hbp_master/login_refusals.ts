/**
 * Login refusals become `session.refused` events without a flood of them. Per source (an IPv4
 * address or an IPv6 /64: address_prefix.ts) and reason, refusals are published one by one as long
 * as they come slowly — a burst of REFUSAL_BURST, then REFUSAL_RATE_PER_SECOND — so a hotspot with
 * a wrong passphrase or a club restarting behind one address is reported attempt by attempt, as
 * before. Beyond that (a flood of made-up logins) they are counted, and one event per source and
 * reason per REFUSAL_SUMMARY_INTERVAL_MS stands for them all, until the source has been quiet
 * for an interval: `count` of them, the latest one's id, address and port, and `idsVaried` when
 * they were not all for that id. A flood then
 * costs the packet thread no object per datagram, and the bus, the event log and the services
 * Worker one event per source a second: what they carry for everyone else (calls, logins) is not
 * pushed out of their queues. The HBP counters stay exact.
 *
 * Sources are bounded (`maxSources`); beyond, every new one shares one bucket per reason
 * (OVERFLOW_SOURCE), and a source quiet for an interval is forgotten. (The event log's
 * src/lib/reason_limiter.ts buckets by a fixed set of reason keys it never forgets, and counts
 * lines; here sources come and go, and a summary carries the latest refusal's ids.) Time is an
 * argument; nothing here reads a clock.
 * @module
 */
import type { CoreEvent, RefusalReason } from "../events.ts";
import { plainAddress } from "../endpoint.ts";

/** Refusals a quiet source and reason publish one by one. */
export const REFUSAL_BURST = 5;
/** … and then per second, one by one. */
export const REFUSAL_RATE_PER_SECOND = 5;
/** Beyond: one event per source and reason per this long, carrying the count. */
export const REFUSAL_SUMMARY_INTERVAL_MS = 1000;
/** Sources tracked at once (default). */
export const REFUSAL_SOURCES_MAX = 1024;
/** The source every source beyond `maxSources` shares. */
export const OVERFLOW_SOURCE = "(other sources)";

interface Bucket {
  readonly reason: RefusalReason;
  tokens: number;
  refilledAtMs: number;
  /** Refusals counted and not yet published. */
  pending: number;
  lastSummaryMs: number;
  repeaterId: number;
  address: string;
  port: number;
  callsign: string | undefined;
  idsVaried: boolean;
}

export interface LoginRefusalOptions {
  readonly burst?: number;
  readonly ratePerSecond?: number;
  readonly summaryIntervalMs?: number;
  readonly maxSources?: number;
}

export class LoginRefusalReporter {
  readonly #publish: (event: CoreEvent) => void;
  readonly #burst: number;
  readonly #ratePerMs: number;
  readonly #summaryIntervalMs: number;
  readonly #maxSources: number;
  /** source → its buckets, one per reason seen (a few at most) */
  readonly #sources = new Map<string, Bucket[]>();
  /** Refusals held back into a summary, and summaries published (exact). */
  readonly totals = { published: 0, held: 0, summaries: 0 };

  constructor(publish: (event: CoreEvent) => void, options: LoginRefusalOptions = {}) {
    this.#publish = publish;
    this.#burst = Math.max(1, options.burst ?? REFUSAL_BURST);
    this.#ratePerMs = Math.max(0, options.ratePerSecond ?? REFUSAL_RATE_PER_SECOND) / 1000;
    this.#summaryIntervalMs = Math.max(1, options.summaryIntervalMs ?? REFUSAL_SUMMARY_INTERVAL_MS);
    this.#maxSources = Math.max(1, options.maxSources ?? REFUSAL_SOURCES_MAX);
  }

  /** Sources tracked now. */
  get sources(): number {
    return this.#sources.size;
  }

  /** One refusal of a login from `source` (its loginPrefix, which the caller has). Publishes it, or counts it into the next summary (allocation-free then). */
  report(nowMs: number, source: string, reason: RefusalReason, repeaterId: number, address: string, port: number, callsign?: string): void {
    const bucket = this.#bucket(nowMs, source, reason);
    this.#refill(bucket, nowMs);
    // one by one while the source is slow; once it has been summed up, only after a quiet interval
    if (bucket.pending === 0 && bucket.tokens >= 1 && nowMs - bucket.lastSummaryMs >= this.#summaryIntervalMs) {
      bucket.tokens -= 1;
      this.totals.published++;
      this.#send(nowMs, reason, repeaterId, address, port, callsign, 1, false);
      return;
    }
    this.totals.held++;
    if (bucket.pending === 0) bucket.idsVaried = false;
    else if (repeaterId !== bucket.repeaterId) bucket.idsVaried = true;
    bucket.pending++;
    bucket.repeaterId = repeaterId;
    bucket.address = address;
    bucket.port = port;
    bucket.callsign = callsign;
  }

  /**
   * From the master's tick: publish the summaries due (a summary interval since the last one), and
   * forget sources that have gone quiet. `final` (shutdown) publishes every count still held.
   */
  flush(nowMs: number, final = false): void {
    for (const [source, buckets] of this.#sources) {
      let quiet = true;
      for (const bucket of buckets) {
        if (bucket.pending > 0 && (final || nowMs - bucket.lastSummaryMs >= this.#summaryIntervalMs)) {
          bucket.lastSummaryMs = nowMs;
          this.totals.summaries++;
          this.#send(nowMs, bucket.reason, bucket.repeaterId, bucket.address, bucket.port, bucket.callsign, bucket.pending, bucket.idsVaried);
          bucket.pending = 0;
        }
        this.#refill(bucket, nowMs);
        if (bucket.pending > 0 || bucket.tokens < this.#burst || nowMs - bucket.lastSummaryMs < this.#summaryIntervalMs) quiet = false;
      }
      // a full bucket and nothing held: the source starts afresh whenever it comes back
      if (quiet) this.#sources.delete(source);
    }
  }

  #bucket(nowMs: number, source: string, reason: RefusalReason): Bucket {
    let buckets = this.#sources.get(source);
    if (buckets === undefined) {
      if (this.#sources.size >= this.#maxSources) {
        source = OVERFLOW_SOURCE;
        buckets = this.#sources.get(source);
      }
      if (buckets === undefined) {
        buckets = [];
        this.#sources.set(source, buckets); // the overflow source may exceed maxSources by one
      }
    }
    for (const bucket of buckets) if (bucket.reason === reason) return bucket;
    const bucket: Bucket = { reason, tokens: this.#burst, refilledAtMs: nowMs, pending: 0, lastSummaryMs: Number.NEGATIVE_INFINITY, repeaterId: 0, address: "", port: 0, callsign: undefined, idsVaried: false };
    buckets.push(bucket);
    return bucket;
  }

  #refill(bucket: Bucket, nowMs: number): void {
    const elapsed = nowMs - bucket.refilledAtMs;
    if (elapsed <= 0) return;
    bucket.tokens = Math.min(this.#burst, bucket.tokens + elapsed * this.#ratePerMs);
    bucket.refilledAtMs = nowMs;
  }

  #send(nowMs: number, reason: RefusalReason, repeaterId: number, address: string, port: number, callsign: string | undefined, count: number, idsVaried: boolean): void {
    const event: Extract<CoreEvent, { type: "session.refused" }> = { type: "session.refused", atMs: nowMs, repeaterId, address: plainAddress(address), port, reason };
    if (callsign !== undefined) event.callsign = callsign;
    if (count > 1) event.count = count;
    if (idsVaried) event.idsVaried = true;
    this.#publish(event);
  }
}

/**
 * A per-reason token bucket for log lines: at most `burst + ratePerSecond × T` lines in any window
 * of T seconds for one reason key, then one "suppressed K similar lines" summary when the key has
 * tokens again. Deterministic: time is an argument (ms on any monotonic clock), nothing here reads a
 * clock. Only the lines are limited; counters kept elsewhere stay exact.
 *
 *   const limiter = new ReasonLimiter({ ratePerSecond: 10, burst: 10 });
 *   const verdict = limiter.admit("session.refused:bad-passphrase", nowMs);
 *   if (verdict > 0) log(`suppressed ${verdict} similar lines`);   // then the line itself
 *   if (verdict >= 0) log(line);
 *   for (const s of limiter.drain(nowMs)) log(`suppressed ${s.suppressed} …`);  // from a timer
 *
 * A summary costs a token like any line, so the bound above holds for summaries included. Keys are
 * bounded (`maxKeys`): beyond it every new key shares one overflow bucket (OVERFLOW_KEY).
 * @module
 */

export interface ReasonLimiterSettings {
  /** Lines per second per key, sustained. */
  readonly ratePerSecond: number;
  /** Lines a quiet key may write at once (bucket size, ≥ 2 so a summary and its line fit). */
  readonly burst: number;
  /** Most keys tracked (default 1024). */
  readonly maxKeys?: number;
}

/** `admit` result: write the line (no summary due). */
export const ADMIT_WRITE = 0;
/** `admit` result: do not write the line (counted as suppressed). */
export const ADMIT_SUPPRESS = -1;

/** The key every key beyond `maxKeys` shares. */
export const OVERFLOW_KEY = "(other reasons)";

export interface SuppressedSummary {
  readonly key: string;
  /** Lines not written since the last line or summary of this key. */
  readonly suppressed: number;
  /** When the first of them was suppressed. */
  readonly sinceMs: number;
}

interface Bucket {
  tokens: number;
  lastRefillMs: number;
  suppressed: number;
  suppressedSinceMs: number;
}

export class ReasonLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  /** When `admit` returned K > 0: when the first of those K lines was suppressed. */
  summarySinceMs = 0;
  /** Exact totals: lines admitted, lines suppressed, summaries handed out. */
  readonly totals = { written: 0, suppressed: 0, summaries: 0 };

  constructor(settings: ReasonLimiterSettings) {
    if (!(settings.ratePerSecond > 0)) throw new Error("ReasonLimiter: ratePerSecond must be > 0");
    if (!(settings.burst >= 2)) throw new Error("ReasonLimiter: burst must be ≥ 2 (a summary and its line)");
    this.ratePerSecond = settings.ratePerSecond;
    this.burst = settings.burst;
    this.maxKeys = Math.max(1, settings.maxKeys ?? 1024);
  }

  /**
   * One line for `key` at `nowMs`. Returns ADMIT_SUPPRESS (-1): drop it; ADMIT_WRITE (0): write it;
   * K > 0: first write a summary of K suppressed lines, then the line (both already paid for).
   */
  admit(key: string, nowMs: number): number {
    const bucket = this.#bucket(key, nowMs);
    this.#refill(bucket, nowMs);
    const cost = bucket.suppressed > 0 ? 2 : 1;
    if (bucket.tokens < cost) {
      if (bucket.suppressed === 0) bucket.suppressedSinceMs = nowMs;
      bucket.suppressed++;
      this.totals.suppressed++;
      return ADMIT_SUPPRESS;
    }
    bucket.tokens -= cost;
    this.totals.written++;
    const suppressed = bucket.suppressed;
    if (suppressed > 0) {
      this.summarySinceMs = bucket.suppressedSinceMs;
      bucket.suppressed = 0;
      this.totals.summaries++;
    }
    return suppressed;
  }

  /**
   * Summaries now due: keys with suppressed lines and a token to write the summary (the flood
   * stopped, or slowed down). Call from a timer; each summary returned is paid for.
   */
  drain(nowMs: number): SuppressedSummary[] {
    const out: SuppressedSummary[] = [];
    for (const [key, bucket] of this.#buckets) {
      if (bucket.suppressed === 0) continue;
      this.#refill(bucket, nowMs);
      if (bucket.tokens < 1) continue;
      bucket.tokens -= 1;
      out.push({ key, suppressed: bucket.suppressed, sinceMs: bucket.suppressedSinceMs });
      bucket.suppressed = 0;
      this.totals.summaries++;
    }
    return out;
  }

  /** Lines of `key` suppressed and not yet summarised. */
  pending(key: string): number {
    return this.#buckets.get(key)?.suppressed ?? 0;
  }

  get keyCount(): number {
    return this.#buckets.size;
  }

  #bucket(key: string, nowMs: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket !== undefined) return bucket;
    if (this.#buckets.size >= this.maxKeys) {
      bucket = this.#buckets.get(OVERFLOW_KEY);
      if (bucket !== undefined) return bucket;
      key = OVERFLOW_KEY;
      // the overflow bucket itself may exceed maxKeys by one
    }
    bucket = { tokens: this.burst, lastRefillMs: nowMs, suppressed: 0, suppressedSinceMs: nowMs };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #refill(bucket: Bucket, nowMs: number): void {
    const elapsed = nowMs - bucket.lastRefillMs;
    if (elapsed <= 0) return; // same instant, or a clock that went back: nothing accrues
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSecond) / 1000);
    bucket.lastRefillMs = nowMs;
  }
}

/**
 * Login flood protection per source IP (freedmr-reference.md §1.4: more than 20 RPTL from one IP
 * within 60 s bans that IP for 600 s). Counts in a fixed 60-second window per IP; the table is
 * bounded (oldest entries are evicted when full) and swept of stale entries by `sweep`.
 * Only RPTL/RPTK consult it: connected peers' pings, frames and options never do, so a ban never
 * locks out a live session.
 * @module
 */

const WINDOW_MS = 60_000;

interface Entry {
  windowStartMs: number;
  count: number;
  bannedUntilMs: number;
}

export const enum RateVerdict {
  Allowed = 0,
  /** This attempt crossed the limit: the ban starts now. */
  BanStarted = 1,
  Banned = 2,
}

export class LoginRateLimiter {
  readonly #entries = new Map<string, Entry>();
  bansStarted = 0;

  constructor(
    readonly limitPerMinute: number,
    readonly banMs: number,
    readonly maxEntries = 65_536,
  ) {}

  get enabled(): boolean {
    return this.limitPerMinute > 0;
  }

  /** Is `ip` banned now (without counting an attempt)? */
  isBanned(nowMs: number, ip: string): boolean {
    if (!this.enabled) return false;
    const entry = this.#entries.get(ip);
    return entry !== undefined && entry.bannedUntilMs > nowMs;
  }

  /** Count one login attempt from `ip`. */
  attempt(nowMs: number, ip: string): RateVerdict {
    if (!this.enabled) return RateVerdict.Allowed;
    let entry = this.#entries.get(ip);
    if (entry === undefined) {
      if (this.#entries.size >= this.maxEntries) this.#evictOldest();
      entry = { windowStartMs: nowMs, count: 0, bannedUntilMs: 0 };
      this.#entries.set(ip, entry);
    }
    if (entry.bannedUntilMs > nowMs) return RateVerdict.Banned;
    if (nowMs - entry.windowStartMs >= WINDOW_MS) {
      entry.windowStartMs = nowMs;
      entry.count = 0;
    }
    entry.count++;
    if (entry.count > this.limitPerMinute && this.banMs > 0) {
      entry.bannedUntilMs = nowMs + this.banMs;
      entry.count = 0;
      this.bansStarted++;
      return RateVerdict.BanStarted;
    }
    return RateVerdict.Allowed;
  }

  /** Forget entries whose window and ban are both over. */
  sweep(nowMs: number): void {
    for (const [ip, entry] of this.#entries) {
      if (entry.bannedUntilMs <= nowMs && nowMs - entry.windowStartMs >= WINDOW_MS) this.#entries.delete(ip);
    }
  }

  bannedAddresses(nowMs: number): string[] {
    const out: string[] = [];
    for (const [ip, entry] of this.#entries) if (entry.bannedUntilMs > nowMs) out.push(ip);
    return out;
  }

  #evictOldest(): void {
    // Map iteration order is insertion order: the first key is the oldest entry.
    for (const ip of this.#entries.keys()) {
      this.#entries.delete(ip);
      return;
    }
  }
}

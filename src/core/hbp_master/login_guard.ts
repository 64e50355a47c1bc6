/**
 * Login protection per source prefix (an IPv4 address, an IPv6 /64: address_prefix.ts).
 *
 * What counts: failed logins (wrong passphrase, refused by ACL or access rule) and unanswered
 * handshakes (an RPTL that no RPTK followed within 10–20 s; a session authenticated at RPTK that
 * never sent RPTC). A successful authentication never counts, and cancels the RPTL it answered —
 * so hundreds of hotspots behind one CGNAT address or a club's router can all log in again at
 * once after a restart. More than `limit` failures from one prefix within a minute ban it for
 * `banMs` (freedmr-reference.md §1.4: 20 per minute, 10 minutes).
 *
 * What a ban does: it never blocks a correct login. Every repeater id that fails from a banned
 * prefix is ignored from that prefix (RPTL and RPTK dropped unanswered) until the ban ends; ids
 * that do not fail are served as usual. A wrong-passphrase flood from a shared address therefore
 * silences the flooding ids, not the hotspots logging in beside it.
 *
 * Bounded: at most `maxEntries` prefixes (the oldest entry that is not banned gives way to a new
 * one; a ban is never evicted — with the table full of bans a new prefix is simply not tracked,
 * and counted), at most BLOCKED_IDS_PER_PREFIX blocked ids per prefix and BLOCKED_IDS_TOTAL_MAX in
 * all (beyond either, a failing id is counted but not blocked).
 * @module
 */

/** Failures are counted per minute (freedmr-reference.md §1.4). */
export const FAILURE_WINDOW_MS = 60_000;
/** Clients resend an unanswered RPTL after 10 s (hbp-and-dmr.md §1.6): an RPTL with no RPTK for one full bucket is unanswered. */
export const HANDSHAKE_BUCKET_MS = 10_000;
/** Repeater ids remembered as failing per banned prefix (beyond this, failures are only counted). */
export const BLOCKED_IDS_PER_PREFIX = 256;
/** Blocked ids over all prefixes (~40 bytes each in a Set: a few MB at most, whatever an attacker does). */
export const BLOCKED_IDS_TOTAL_MAX = 65_536;
/** Entries examined from the oldest end to find one that may be evicted. */
const EVICTION_SCAN = 64;

class PrefixEntry {
  failures = 0;
  bannedUntilMs = 0;
  /** RPTLs answered in the previous and the current handshake bucket, not yet matched by an RPTK. */
  rptlOlder = 0;
  rptlCurrent = 0;
  blockedIds: Set<number> | null = null;
  constructor(
    readonly prefix: string,
    public windowStartMs: number,
    public bucketStartMs: number,
    public lastSeenMs: number,
  ) {}
}

export const enum FailureVerdict {
  Counted = 0,
  /** This failure crossed the limit: the prefix is banned from now on (and this id blocked). */
  BanStarted = 1,
  /** The prefix was already banned: this id is now blocked there. */
  Blocked = 2,
}

export class LoginGuard {
  readonly #entries = new Map<string, PrefixEntry>();
  bansStarted = 0;
  /** New prefixes not tracked because the table was full of bans. */
  untracked = 0;
  /** Failing ids not blocked because their prefix already blocks BLOCKED_IDS_PER_PREFIX. */
  blockedIdsFull = 0;
  /** Handshakes counted as unanswered. */
  unanswered = 0;
  #blockedTotal = 0;
  /** Prefixes banned since the last `takeNewBans` (for the caller's refusal events; bounded). */
  readonly #newBans: string[] = [];

  constructor(
    /** Failures per prefix per minute before a ban; 0 disables counting and bans. */
    public limit: number,
    public banMs: number,
    readonly maxEntries = 65_536,
    readonly maxBlockedIds = BLOCKED_IDS_TOTAL_MAX,
  ) {}

  /** Prefixes whose ban started since the last call (at most 64 are remembered between calls). */
  takeNewBans(): readonly string[] | null {
    if (this.#newBans.length === 0) return null;
    const out = this.#newBans.slice();
    this.#newBans.length = 0;
    return out;
  }

  /** Ids blocked now, over all prefixes. */
  get blockedIds(): number {
    return this.#blockedTotal;
  }

  get enabled(): boolean {
    return this.limit > 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Is this id ignored from this prefix (the prefix is banned and the id failed there)? */
  isBlocked(nowMs: number, prefix: string, repeaterId: number): boolean {
    if (!this.enabled) return false;
    const entry = this.#entries.get(prefix);
    if (entry === undefined) return false;
    this.#roll(entry, nowMs);
    return entry.bannedUntilMs > nowMs && entry.blockedIds !== null && entry.blockedIds.has(repeaterId);
  }

  isBanned(nowMs: number, prefix: string): boolean {
    const entry = this.#entries.get(prefix);
    return entry !== undefined && entry.bannedUntilMs > nowMs;
  }

  /** An RPTL from this prefix was answered with a salt: it is outstanding until an RPTK comes. */
  onRptl(nowMs: number, prefix: string): void {
    const entry = this.#entry(nowMs, prefix);
    if (entry !== null) entry.rptlCurrent++;
  }

  /** An RPTK from this prefix answered a salt (whatever its outcome). */
  onRptk(nowMs: number, prefix: string): void {
    if (!this.enabled) return;
    const entry = this.#entries.get(prefix);
    if (entry === undefined) return;
    this.#roll(entry, nowMs);
    if (entry.rptlOlder > 0) entry.rptlOlder--;
    else if (entry.rptlCurrent > 0) entry.rptlCurrent--;
  }

  /** A failed login from this prefix (id = the repeater id it named). */
  onFailure(nowMs: number, prefix: string, repeaterId: number): FailureVerdict {
    const entry = this.#entry(nowMs, prefix);
    if (entry === null) return FailureVerdict.Counted;
    if (entry.bannedUntilMs > nowMs) {
      this.#block(entry, repeaterId);
      return FailureVerdict.Blocked;
    }
    if (this.#addFailures(entry, nowMs, 1)) {
      this.#block(entry, repeaterId);
      return FailureVerdict.BanStarted;
    }
    return FailureVerdict.Counted;
  }

  /** Count what is overdue, forget prefixes with nothing pending, no ban and no recent activity. */
  sweep(nowMs: number): void {
    for (const [prefix, entry] of this.#entries) {
      this.#roll(entry, nowMs);
      const quiet = entry.rptlOlder === 0 && entry.rptlCurrent === 0 && nowMs - entry.lastSeenMs >= FAILURE_WINDOW_MS;
      if (quiet && entry.bannedUntilMs <= nowMs) this.#entries.delete(prefix);
    }
  }

  bannedPrefixes(nowMs: number): string[] {
    const out: string[] = [];
    for (const [prefix, entry] of this.#entries) if (entry.bannedUntilMs > nowMs) out.push(prefix);
    return out;
  }

  bannedCount(nowMs: number): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.bannedUntilMs > nowMs) n++;
    return n;
  }

  #entry(nowMs: number, prefix: string): PrefixEntry | null {
    if (!this.enabled) return null;
    let entry = this.#entries.get(prefix);
    if (entry === undefined) {
      if (this.#entries.size >= this.maxEntries && !this.#evictOne(nowMs)) {
        this.untracked++;
        return null;
      }
      entry = new PrefixEntry(prefix, nowMs, nowMs, nowMs);
      this.#entries.set(prefix, entry);
      return entry;
    }
    entry.lastSeenMs = nowMs;
    this.#roll(entry, nowMs);
    return entry;
  }

  /** Close finished handshake buckets (their RPTLs are unanswered), the failure window and an expired ban. */
  #roll(entry: PrefixEntry, nowMs: number): void {
    if (entry.bannedUntilMs !== 0 && entry.bannedUntilMs <= nowMs) {
      entry.bannedUntilMs = 0;
      this.#unblockAll(entry);
    }
    const elapsed = nowMs - entry.bucketStartMs;
    if (elapsed < HANDSHAKE_BUCKET_MS) return;
    const buckets = Math.floor(elapsed / HANDSHAKE_BUCKET_MS);
    const overdue = entry.rptlOlder + (buckets >= 2 ? entry.rptlCurrent : 0);
    entry.rptlOlder = buckets >= 2 ? 0 : entry.rptlCurrent;
    entry.rptlCurrent = 0;
    entry.bucketStartMs += buckets * HANDSHAKE_BUCKET_MS;
    if (overdue > 0) {
      this.unanswered += overdue;
      if (entry.bannedUntilMs <= nowMs) this.#addFailures(entry, nowMs, overdue);
    }
  }

  /** True when these failures start a ban. */
  #addFailures(entry: PrefixEntry, nowMs: number, count: number): boolean {
    if (nowMs - entry.windowStartMs >= FAILURE_WINDOW_MS) {
      entry.windowStartMs = nowMs;
      entry.failures = 0;
    }
    entry.failures += count;
    if (entry.failures <= this.limit || this.banMs <= 0) return false;
    entry.bannedUntilMs = nowMs + this.banMs;
    entry.failures = 0;
    this.#unblockAll(entry);
    entry.blockedIds = new Set();
    this.bansStarted++;
    if (this.#newBans.length < 64) this.#newBans.push(entry.prefix);
    // Move it to the young end so eviction (which starts at the old end) meets unbanned entries first.
    this.#entries.delete(entry.prefix);
    this.#entries.set(entry.prefix, entry);
    return true;
  }

  #block(entry: PrefixEntry, repeaterId: number): void {
    const ids = (entry.blockedIds ??= new Set());
    if (ids.has(repeaterId)) return;
    if (ids.size >= BLOCKED_IDS_PER_PREFIX || this.#blockedTotal >= this.maxBlockedIds) {
      this.blockedIdsFull++;
      return;
    }
    ids.add(repeaterId);
    this.#blockedTotal++;
  }

  #unblockAll(entry: PrefixEntry): void {
    if (entry.blockedIds !== null) this.#blockedTotal -= entry.blockedIds.size;
    entry.blockedIds = null;
  }

  /** Evict the oldest entry that is not banned (a ban is never evicted). */
  #evictOne(nowMs: number): boolean {
    let scanned = 0;
    for (const [prefix, entry] of this.#entries) {
      if (entry.bannedUntilMs <= nowMs) {
        this.#unblockAll(entry);
        this.#entries.delete(prefix);
        return true;
      }
      if (++scanned >= EVICTION_SCAN) return false;
    }
    return false;
  }
}

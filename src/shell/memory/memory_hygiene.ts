/**
 * Give memory back after bursts. The steady-state packet path allocates nothing, so once a burst of
 * logins is over (10,000 hotspots reconnecting after a restart leaves tens of MB of garbage:
 * parsed RPTC strings, log lines, events), the garbage collector would never run again and RSS
 * would stay at its peak. This runs one full collection when activity has been quiet for a while
 * after a burst, and otherwise one every few minutes. A full collection of a ~20 MB heap takes a
 * few ms: negligible at these intervals.
 * @module
 */

export interface ActivityProbe {
  /** A number that changes with login/logout activity (e.g. a counter sum). */
  (): number;
}

export class MemoryHygiene {
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastSeen: number;
  #collectedAt: number;
  #sinceLastCollect = 0;
  collections = 0;

  constructor(
    readonly activity: ActivityProbe,
    readonly checkIntervalMs = 5_000,
    readonly idleCollectEveryMs = 300_000,
  ) {
    this.#lastSeen = activity();
    this.#collectedAt = this.#lastSeen;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.check(), this.checkIntervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One check (exposed for tests). Returns true if it collected. */
  check(): boolean {
    const now = this.activity();
    const busy = now !== this.#lastSeen;
    this.#lastSeen = now;
    this.#sinceLastCollect += this.checkIntervalMs;
    const burstOver = !busy && now !== this.#collectedAt;
    if (burstOver || this.#sinceLastCollect >= this.idleCollectEveryMs) {
      this.#collectedAt = now;
      this.#sinceLastCollect = 0;
      this.collections++;
      Bun.gc(true);
      return true;
    }
    return false;
  }
}

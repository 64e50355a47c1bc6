/**
 * When a burst of logins is over (a server start, a region's uplink coming back): fed the total
 * connections so far at each check, true once a burst of at least `minLogins` new ones has been
 * followed by a check with none. Pure; the packet thread (src/shell/settle_after_logins.ts) and the
 * services Worker (src/services/worker/settle_after_logins.ts) each run it from their own timer and
 * give memory back then.
 * @module
 */

/** How long the login count must stay still before the burst counts as over. */
export const QUIET_MS = 5_000;
/** New connections since the last settle that make it worth one (a full collection costs tens of ms at 10,000 hotspots). */
export const MIN_LOGINS = 500;

/**
 * The decision, fed the total connections so far at each check (every QUIET_MS): true when a
 * burst of at least `minLogins` new ones has been followed by a check with none.
 */
export class LoginBurstWatch {
  #seen: number;
  #settledAt: number;

  constructor(
    initialLogins: number,
    readonly minLogins: number = MIN_LOGINS,
  ) {
    this.#seen = initialLogins;
    this.#settledAt = initialLogins;
  }

  check(logins: number): boolean {
    if (logins !== this.#seen) {
      // still logging in (or a counter reset): wait for a quiet check
      this.#seen = logins;
      if (logins < this.#settledAt) this.#settledAt = logins;
      return false;
    }
    if (logins - this.#settledAt < this.minLogins) return false;
    this.#settledAt = logins;
    return true;
  }
}


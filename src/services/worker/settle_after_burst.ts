/**
 * The services Worker's heap after a burst of events (issue 14): thousands of hotspots logging in
 * at once (a server start, a region's uplink coming back) send this Worker a few events each, and
 * what it keeps of them is small (one record per hotspot: ../../api_state.ts), but the collector
 * keeps the blocks the batches' garbage filled and its growth headroom until told otherwise. Once
 * the events have gone quiet after a burst, one full collection (a few ms at 10,000 hotspots, on
 * this Worker's own heap, never the packet thread's) hands that back.
 * @module
 */

/** How often the event count is looked at. */
export const SETTLE_CHECK_MS = 5_000;
/** Events since the last collection that make a burst (a login sends 3–4). */
export const BURST_EVENTS = 2_000;
/** At most this many events in one check period count as quiet (stats, the odd call). */
export const QUIET_EVENTS = 200;

/**
 * The decision, fed the total events handled so far at each check: true at the first quiet check
 * (at most `quietEvents` since the one before) after busy checks that together brought at least
 * `burstEvents`. Steady traffic (quiet checks, or busy ones that never stop) never collects.
 */
export class EventBurstWatch {
  #previous = 0;
  /** Events of the busy checks since the last quiet one. */
  #burst = 0;

  constructor(
    readonly burstEvents = BURST_EVENTS,
    readonly quietEvents = QUIET_EVENTS,
  ) {}

  check(events: number): boolean {
    const sincePrevious = Math.max(0, events - this.#previous);
    this.#previous = events;
    if (sincePrevious > this.quietEvents) {
      this.#burst += sincePrevious;
      return false;
    }
    const burst = this.#burst;
    this.#burst = 0;
    return burst >= this.burstEvents;
  }
}

/** Check `events()` every SETTLE_CHECK_MS and collect this Worker's heap after each burst; returns a stop function. */
export function scheduleSettleAfterBurst(events: () => number, onSettled: () => void = () => {}): () => void {
  const watch = new EventBurstWatch();
  const timer = setInterval(() => {
    if (!watch.check(events())) return;
    Bun.gc(true);
    onSettled();
  }, SETTLE_CHECK_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

/**
 * Keep the runtime's per-datagram garbage small while the server is quiet (issue 14). Our packet
 * path allocates nothing, but Bun's UDP socket does: each received datagram leaves ~300 B behind
 * (its buffer and address), each send about as much (measured with BUN_JSC_logGC on a bare Bun
 * socket: 20,000 datagrams in 10 s, 9 eden collections of ~0.7 MB each; 14 when every datagram is
 * answered). The collector lets that pile up to a budget proportional to the live heap: at 10,000
 * idle hotspots (a ping each every 5 s, answered: ~4,000 datagrams a second) the compiled
 * binary's heap swung between 12.0 and 16.3 MB, so RSS carried 0–4.3 MB of garbage (up to 0.43 KiB
 * per hotspot) depending on when it was looked at.
 *
 * While the host ticks at its idle rate (no stream, playback or command wants the fast tick),
 * this runs an eden collection once PACE_DATAGRAMS datagrams have come and gone since the last one,
 * looking once per PACE_CHECK_MS: the garbage stays below about a second's traffic (or
 * PACE_DATAGRAMS datagrams' worth, when slower), whatever the size of the live heap. Measured in
 * the compiled binary at 10,000 idle hotspots (BUN_JSC_logGC): the heap before an eden collection
 * 15.2–16.3 MB over 12.0 live without it, 14.8 with it — about 1 MB less garbage at the peak and
 * 0.5 MB on average (the traffic there is ~2.7 MB of garbage a second, so a second's worth is what
 * is left). An eden collection at 10,000 hotspots pauses the thread 0.8–1.7 ms, once a second at
 * most: under 0.2 % of a core, and only when no voice is being routed. During calls the collector
 * keeps its own pace, so the voice path pays nothing for this.
 * @module
 */
import { edenGC } from "bun:jsc";
import { assert } from "../lib/assert.ts";

function collectEden(): void {
  edenGC();
}

/** Datagrams in and out between two paced collections (~0.6–1.3 MB of the runtime's garbage). */
export const PACE_DATAGRAMS = 2_000;
/** How often the pacer looks (ms); also the shortest time between two paced collections. */
export const PACE_CHECK_MS = 1_000;

export interface GarbagePacerProbes {
  /** Datagrams received plus sent so far (the host's counters). */
  traffic(): number;
  /** True while the server is quiet: the host ticks at its idle rate. */
  quiet(): boolean;
}

export class GarbagePacer {
  #timer: ReturnType<typeof setInterval> | null = null;
  #trafficAtCollect: number;
  collections = 0;

  constructor(
    readonly probes: GarbagePacerProbes,
    readonly collect: () => void = collectEden,
    readonly everyDatagrams: number = PACE_DATAGRAMS,
  ) {
    assert(everyDatagrams > 0, "collect every so many datagrams (> 0)");
    this.#trafficAtCollect = probes.traffic();
  }

  start(checkIntervalMs: number = PACE_CHECK_MS): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.check(), checkIntervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One look (exposed for tests). Returns true if it collected. */
  check(): boolean {
    const traffic = this.probes.traffic();
    if (traffic - this.#trafficAtCollect < this.everyDatagrams) return false;
    // busy with voice: the traffic since is the collector's own business
    if (!this.probes.quiet()) {
      this.#trafficAtCollect = traffic;
      return false;
    }
    this.#trafficAtCollect = traffic;
    this.collections++;
    this.collect();
    return true;
  }
}

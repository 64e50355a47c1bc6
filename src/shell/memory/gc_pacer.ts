/**
 * Collect when the runtime's garbage piles up (issue 14: RSS per hotspot). The packet path
 * allocates nothing, but Bun's UDP socket does: a Buffer and an address string for every datagram
 * received, more for every one sent — ~4,000 a second for 10,000 hotspots' pings and their
 * answers. JSC starts a collection when the JavaScript heap's own allocations reach its threshold,
 * and those small objects reach it slowly while what they hold outside the heap piles up: measured
 * in the compiled binary at 10,000 hotspots (2026-12-06), anonymous RSS per hotspot climbed from
 * 1.1 to 1.8 KiB over 28 s between two collections, and the memory bench's median over 60–180 s
 * after the logins was 1.73 KiB of anonymous memory per hotspot against 1.03 while something
 * else happened to allocate enough to keep collections coming (a generator in the HBP master's
 * timeout sweep, since taken out).
 *
 * Every GC_PACE_MS this reads the anonymous RSS (/proc/self/status, ~20 µs) and, once it is
 * GC_PACE_GROWTH_BYTES or more above where it was after the last collection (GcPacer), asks for a
 * collection (`Bun.gc(false)`: concurrent, the packet thread does not wait for it). A server whose
 * collections keep up on their own (a busy voice server allocates enough) never gets one. The
 * timer never keeps the process alive; where there is no /proc (not Linux) it does nothing.
 * @module
 */
import { assert } from "../../lib/assert.ts";
import { GrowthMark } from "../../lib/growth_mark.ts";
import { statusBytes } from "./working_set_trim.ts";

/** How often the anonymous RSS is looked at. */
export const GC_PACE_MS = 2_000;
/** Growth since the last collection that is worth one (10,000 hotspots add ~0.6 MB a second). */
export const GC_PACE_GROWTH_BYTES = 2 * 1024 * 1024;

/** The process's anonymous RSS in bytes (RssAnon of /proc/self/status), or −1 when unreadable. */
export function anonymousRss(): number {
  return statusBytes("RssAnon");
}

/** The decision: fed the anonymous RSS at each check, true when a collection is due (then counted from there). */
export class GcPacer {
  /** anonymous RSS after the last collection asked for, lowered to the lowest read since */
  readonly #level: GrowthMark;
  collections = 0;

  constructor(
    level: number,
    readonly growthBytes: number = GC_PACE_GROWTH_BYTES,
  ) {
    assert(growthBytes > 0, "a collection is due after a positive growth");
    this.#level = new GrowthMark(level < 0 ? Number.POSITIVE_INFINITY : level, growthBytes);
  }

  /** True when `anonBytes` is growthBytes or more above the level (never for an unreadable −1). */
  check(anonBytes: number): boolean {
    if (anonBytes < 0 || !this.#level.due(anonBytes)) return false;
    // the collection frees what it frees later; the reads after it lower the level to it
    this.#level.set(anonBytes);
    this.collections++;
    return true;
  }
}

export interface PacedCollectionDeps {
  readAnonRss?: () => number;
  collect?: () => void;
  periodMs?: number;
  growthBytes?: number;
}

/** Check every periodMs and ask for a collection when GcPacer says so, until the returned function is called. */
export function schedulePacedCollections(deps: PacedCollectionDeps = {}): () => void {
  const read = deps.readAnonRss ?? anonymousRss;
  const collect = deps.collect ?? (() => Bun.gc(false));
  const periodMs = deps.periodMs ?? GC_PACE_MS;
  assert(periodMs > 0, "a collection pace is a positive period");
  const pacer = new GcPacer(read(), deps.growthBytes ?? GC_PACE_GROWTH_BYTES);
  const timer = setInterval(() => {
    if (pacer.check(read())) collect();
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Collect at a steady pace (issue 14: RSS per hotspot). The packet path allocates nothing, but Bun's
 * UDP socket does: a Buffer and an address string for every datagram received, more for every one
 * sent — ~4,000 a second for 10,000 hotspots' pings and their answers. JSC starts a collection when
 * the JavaScript heap's own allocations reach its threshold, and those small objects reach it
 * slowly while what they hold outside the heap piles up: measured in the compiled binary at
 * 10,000 hotspots (2026-12-06), anonymous RSS per hotspot climbed from 1.1 to 1.8 KiB over 28 s
 * between two collections, and the memory bench's median over 60–180 s after the logins was
 * 1.73 KiB of anonymous memory per hotspot against 1.03 while something else happened to
 * allocate enough to keep collections coming (a generator in the timeout sweep, since taken out).
 *
 * Every GC_PACE_MS this asks for a collection (`Bun.gc(false)`: concurrent, the packet thread does
 * not wait for it). Measured with 10,000 hotspots: anonymous RSS per hotspot held at 1.06–1.16 KiB
 * over 150 s, and the server's CPU went from 910–980 to 930–1,070 ms a minute (all threads; about
 * 0.1 % of a core). An idle server's heap is a few MB: its collections cost less. The timer
 * never keeps the process alive.
 * @module
 */
import { assert } from "../lib/assert.ts";

/** How often a collection is asked for. */
export const GC_PACE_MS = 2_000;

/** Ask for a collection every `periodMs` until the returned function is called. */
export function schedulePacedCollections(collect: () => void = () => Bun.gc(false), periodMs: number = GC_PACE_MS): () => void {
  assert(periodMs > 0, "a collection pace is a positive period");
  const timer = setInterval(collect, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}

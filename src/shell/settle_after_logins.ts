/**
 * Give memory back after a burst of logins (issue 14). Logging in thousands of hotspots (a server
 * start, a region's uplink coming back) leaves behind what only the burst needed: garbage of the
 * handshakes mixed into the heap's blocks (the collector keeps the blocks and its growth headroom
 * until told otherwise), and the login path's code pages of the binary (hashing, RPTC parsing,
 * the JIT compiling all of it) faulted back in after startup_pages.ts handed them back. Measured at
 * 10,000 hotspots: ~1 KiB per hotspot of code pages (10 MiB), most of which this hands back.
 *
 * Once the logins have stopped for a while (QUIET_MS with no new connection) after at least
 * MIN_LOGINS new ones, collect the heap and shrink the runtime's footprint (Bun.shrink: the JIT's
 * code and the allocator's free pages too) and, in the compiled binary, page the binary's read-only
 * pages out again (releaseStartupPages), and again PAGE_OUT_AGAIN_AT_CHECKS later: what the pings
 * and voice need faults straight back in, the rest stays out. Once per burst, from a timer, off
 * the packet path (a full collection at 10,000 hotspots takes a few tens of ms).
 * FREEDMR_KEEP_STARTUP_PAGES=1 turns it off with the start-up release.
 *
 * While a burst is still coming in, `collectDuringBursts` asks for a collection every
 * COLLECT_EVERY_LOGINS logins (login_burst_watch.ts says why), from the host's tick.
 * @module
 */
import { COLLECT_EVERY_LOGINS, InBurstCollect, LoginBurstWatch, MIN_LOGINS, QUIET_MS } from "../lib/login_burst_watch.ts";
import { assert } from "../lib/assert.ts";
import { releaseStartupPages, type ReleasedPages } from "./startup_pages.ts";

/**
 * Checks (QUIET_MS each) after a settle at which the binary's pages are handed back again: at 10 s,
 * once the JIT has compiled the ping path again (Bun.shrink() dropped all compiled code), and at
 * 40 s, after the compiles that trickle in after that. Each optimizing compile faults the
 * compiler's code back in (an FTL compile ~3 MiB of it), and whether the last one lands before or
 * after 10 s is a race. 10,000 hotspots, file-backed RSS per hotspot 180 s after the logins
 * (2026-12-06): 0.50–0.52 KiB with the hand-back at 40 s (two runs), 0.82 without it (one run),
 * 0.85 before (two runs; the HBP master's timeout sweep was then compiled again every ~2
 * minutes, which brought the pages back: with the hand-back at 40 s and that, 0.84, one run).
 */
export const PAGE_OUT_AGAIN_AT_CHECKS = [2, 8] as const;

/**
 * Watch `logins()` (total connections so far, e.g. the HBP master's loginsConnected counter) every
 * QUIET_MS and settle after each burst. Returns a function that stops the watch; the timer never
 * keeps the process alive.
 */
export function scheduleSettleAfterLogins(
  logins: () => number,
  onSettled: (released: ReleasedPages | null) => void = () => {},
  /** Tests: a shorter check period and threshold. */
  tuning: { quietMs?: number; minLogins?: number } = {},
): () => void {
  if (process.env.FREEDMR_KEEP_STARTUP_PAGES === "1") return () => {};
  const watch = new LoginBurstWatch(logins(), tuning.minLogins ?? MIN_LOGINS);
  const pageOut = process.platform === "linux" && Bun.isStandaloneExecutable;
  /** checks since the last settle while hand-backs are still to come (−1: none) */
  let checksSinceSettle = -1;
  const lastCheck = PAGE_OUT_AGAIN_AT_CHECKS[PAGE_OUT_AGAIN_AT_CHECKS.length - 1]!;
  const timer = setInterval(() => {
    // again when the JIT has tiered up what the hotspots keep running (pings), as at start
    if (checksSinceSettle >= 0) {
      checksSinceSettle++;
      if (pageOut && (PAGE_OUT_AGAIN_AT_CHECKS as readonly number[]).includes(checksSinceSettle)) releaseStartupPages();
      if (checksSinceSettle >= lastCheck) checksSinceSettle = -1;
    }
    if (!watch.check(logins())) return;
    // Bun.shrink(): a full collection, and once the loop is idle the runtime also drops the JIT's
    // code and returns the allocator's free pages. What the burst left in the allocator is most of
    // what it gives back: at 10,000 hotspots anonymous RSS 1.57–1.82 → 1.19–1.28 KiB per hotspot
    // (memexp, four runs). The cost is paid once per burst: the packet path runs in the
    // interpreter and is compiled again over the next few thousand frames (in process, 200 calls
    // × 2 listeners: 8–20 µs per frame for the first 2,000, ~76 ms of CPU in all). The compiler's
    // code pages it faults back in are handed back again PAGE_OUT_AGAIN_AT_CHECKS later (above).
    Bun.shrink();
    onSettled(pageOut ? releaseStartupPages() : null);
    checksSinceSettle = 0;
  }, tuning.quietMs ?? QUIET_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** A host tickable (udp_host.ts) that collects every `every` logins while they come in. */
export interface BurstCollector {
  onTick(nowMs: number): void;
  /** True while logins came in since the tick before (the host then ticks at its fast rate). */
  wantsFastTick(): boolean;
  /** Collections asked for so far. */
  readonly collections: number;
}

/**
 * Watch `logins()` (the HBP master's loginsConnected) on every host tick — one counter read —
 * and ask for a collection (`Bun.gc(false)`: the collector runs concurrently, the packet thread
 * does not wait for it) each time another `every` hotspots have connected.
 */
export function collectDuringBursts(logins: () => number, collect: () => void = () => Bun.gc(false), every: number = COLLECT_EVERY_LOGINS): BurstCollector {
  assert(every > 0, "collect every so many logins (> 0)");
  let seen = logins();
  const pacer = new InBurstCollect(seen, every);
  let collections = 0;
  let busy = false;
  return {
    onTick(): void {
      const now = logins();
      busy = now !== seen;
      seen = now;
      if (!pacer.due(now)) return;
      collections++;
      collect();
    },
    // the fast tick while logins come in: at the idle tick (100 ms) a fast burst would see a
    // collection only every 1,000 or so
    wantsFastTick(): boolean {
      return busy;
    },
    get collections(): number {
      return collections;
    },
  };
}

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
 * pages out again (releaseStartupPages), and again whenever they have grown back by
 * FOLLOW_GROWTH_BYTES over the next FOLLOW_CHECKS checks: what the pings and voice need faults
 * straight back in, the rest stays out. Once per burst, from a timer, off
 * the packet path (a full collection at 10,000 hotspots takes a few tens of ms).
 * FREEDMR_KEEP_STARTUP_PAGES=1 turns it off with the start-up release.
 *
 * While a burst is still coming in, `collectDuringBursts` asks for a collection every
 * COLLECT_EVERY_LOGINS logins (login_burst_watch.ts says why), from the host's tick.
 * @module
 */
import { COLLECT_EVERY_LOGINS, InBurstCollect, LoginBurstWatch, MIN_LOGINS, QUIET_MS } from "../../lib/login_burst_watch.ts";
import { assert } from "../../lib/assert.ts";
import { releaseStartupPages, type ReleasedPages } from "./startup_pages.ts";
import { fileBackedRss, WorkingSetTrim } from "./working_set_trim.ts";

/**
 * Checks (QUIET_MS each, so 2 minutes) after a settle during which the binary's pages are handed
 * back again whenever the file-backed RSS has grown FOLLOW_GROWTH_BYTES since the last hand-back
 * (WorkingSetTrim, as the steady trim does every 2 minutes; working_set_trim.ts). Bun.shrink()
 * dropped all compiled code, and the JIT compiles the ping path again over the next minute or so:
 * each optimizing compile faults the compiler's code back in (an FTL compile ~3 MiB of it), and
 * when the last one lands is a race. Until 2026-12-06 the hand-backs were at fixed checks (10 s and
 * 40 s after the settle): file-backed RSS per hotspot 180 s after the logins 0.50–0.52 KiB with the
 * one at 40 s, 0.82–0.85 with only the one at 10 s (10,000 hotspots, 2026-12-06), and 0.09 KiB
 * 60 s after the logins in three memory-bench runs — the compiles between 40 and 60 s.
 */
export const FOLLOW_CHECKS = 24;
/** Growth of the file-backed RSS that is worth a hand-back while the JIT settles (half the steady trim's). */
export const FOLLOW_GROWTH_BYTES = 512 * 1024;

/** The binary's pages (tests: stand-ins, and `always` to hand back outside the compiled binary). */
export interface SettlePages {
  readFileRss?: () => number;
  release?: () => ReleasedPages | null;
  always?: boolean;
}

/**
 * Watch `logins()` (total connections so far, e.g. the HBP master's loginsConnected counter) every
 * QUIET_MS and settle after each burst. Returns a function that stops the watch; the timer never
 * keeps the process alive.
 */
export function scheduleSettleAfterLogins(
  logins: () => number,
  onSettled: (released: ReleasedPages | null) => void = () => {},
  /** Tests: a shorter check period and threshold, stand-ins for the binary's pages. */
  tuning: { quietMs?: number; minLogins?: number; pages?: SettlePages } = {},
): () => void {
  if (process.env.FREEDMR_KEEP_STARTUP_PAGES === "1") return () => {};
  const watch = new LoginBurstWatch(logins(), tuning.minLogins ?? MIN_LOGINS);
  const pages = tuning.pages ?? {};
  const pageOut = pages.always === true || (process.platform === "linux" && Bun.isStandaloneExecutable);
  const readFileRss = pages.readFileRss ?? fileBackedRss;
  const release = pages.release ?? releaseStartupPages;
  /** while the JIT settles after a settle: hand back on growth (null: not following) */
  let follow: WorkingSetTrim | null = null;
  let checksSinceSettle = 0;
  const timer = setInterval(() => {
    // again when the JIT has tiered up what the hotspots keep running (pings), as at start
    if (follow !== null) {
      if (follow.due(readFileRss())) {
        release();
        follow.trimmed(readFileRss());
      }
      if (++checksSinceSettle >= FOLLOW_CHECKS) follow = null;
    }
    if (!watch.check(logins())) return;
    // Bun.shrink(): a full collection, and once the loop is idle the runtime also drops the JIT's
    // code and returns the allocator's free pages. What the burst left in the allocator is most of
    // what it gives back: at 10,000 hotspots anonymous RSS 1.57–1.82 → 1.19–1.28 KiB per hotspot
    // (memexp, four runs). The cost is paid once per burst: the packet path runs in the
    // interpreter and is compiled again over the next few thousand frames (in process, 200 calls
    // × 2 listeners: 8–20 µs per frame for the first 2,000, ~76 ms of CPU in all). The compiler's
    // code pages it faults back in are handed back again as they grow, FOLLOW_CHECKS long (above).
    Bun.shrink();
    onSettled(pageOut ? release() : null);
    if (pageOut) {
      follow = new WorkingSetTrim(readFileRss(), FOLLOW_GROWTH_BYTES);
      checksSinceSettle = 0;
    }
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

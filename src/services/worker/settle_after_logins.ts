/**
 * The services Worker's half of giving memory back after a burst of logins (the packet thread's
 * is src/shell/memory/settle_after_logins.ts). A burst fills the Worker too: every login is a
 * `session.up` event, a hotspot record, live and feed updates, and the garbage of handling them;
 * the collector and the allocator keep the pages it needed. Once the burst is over
 * (LoginBurstWatch), `Bun.shrink()` collects and lets the runtime hand the free pages back (and
 * drop this Worker's compiled code, which the API compiles again on its next requests).
 * Measured with 10,000 hotspots and the Worker on, anonymous RSS a minute after the logins:
 * 1.74–1.80 → 1.49–1.53 KiB per hotspot (two runs each).
 * FREEDMR_KEEP_STARTUP_PAGES=1 turns it off, as it does the packet thread's.
 * While the burst comes in, `workerBurstCollector` asks for a collection every COLLECT_EVERY_LOGINS
 * logins, as the packet thread does (login_burst_watch.ts says why).
 * @module
 */
import { InBurstCollect, LoginBurstWatch, MIN_LOGINS, QUIET_MS } from "../../lib/login_burst_watch.ts";

/**
 * Check `logins()` (logins the Worker has seen so far) every QUIET_MS; after each burst, `settle`
 * (Bun.shrink by default). Returns a function that stops it; the timer never keeps the Worker alive.
 */
export function scheduleWorkerSettle(
  logins: () => number,
  settle: () => void = () => Bun.shrink(),
  /** Tests: a shorter check period and threshold. */
  tuning: { quietMs?: number; minLogins?: number } = {},
): () => void {
  if (process.env.FREEDMR_KEEP_STARTUP_PAGES === "1") return () => {};
  const watch = new LoginBurstWatch(logins(), tuning.minLogins ?? MIN_LOGINS);
  const timer = setInterval(() => {
    if (watch.check(logins())) settle();
  }, tuning.quietMs ?? QUIET_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Fed the logins seen so far after each message from the packet thread: `collect` (Bun.gc(false),
 * concurrent) each time another `every` (default COLLECT_EVERY_LOGINS) have come in since the last.
 */
export function workerBurstCollector(collect: () => void = () => Bun.gc(false), every?: number): (loginsSeen: number) => void {
  const pacer = new InBurstCollect(0, every);
  return (loginsSeen) => {
    if (pacer.due(loginsSeen)) collect();
  };
}

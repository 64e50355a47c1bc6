/**
 * Keep the compiled binary's resident pages at what the server runs now (issue 14: idle RSS). The
 * start-up release (startup_pages.ts) and the settle after a burst of logins
 * (settle_after_logins.ts) hand the binary's pages back once; the runtime then faults pages back
 * in that it needs only now and then — the JIT compiling a function that has just become hot, a
 * full collection, a rare code path — and they stay in RSS. Measured on an idle server (Worker
 * off, cold page cache, 2026-12-06): 32.4 MiB from 2 to 7 minutes after start, then 34.1 at
 * 7.3 min and 35.2 at 10 min, all of it file-backed; with this trim, an idle server went between
 * 21.8 and 34.3 MiB over 10 minutes (the highest just before a hand-back). A server with 10,000
 * hotspots drops to 37–42 MiB at each hand-back and is back at 46–47 before the next: what the
 * pings keep running faults back in. The pages are clean copies of the binary: what the server
 * still runs faults back in a page at a time (startup_pages.ts marks the mappings for random
 * access), from the page cache or, once evicted, from the binary's file; the rest stays out.
 *
 * Every TRIM_PERIOD_MS, when the file-backed RSS has grown by TRIM_GROWTH_BYTES or more since the
 * last hand-back, hand the pages back again (releaseStartupPages: a read of /proc/self/maps and
 * the pagemap, and madvise; 0.5–2.5 ms, from a timer, off the packet path). Only in the compiled
 * binary on Linux, like the start-up release; FREEDMR_KEEP_STARTUP_PAGES=1 turns both off.
 * @module
 */
import { readFileSync } from "node:fs";
import { GrowthMark } from "../../lib/growth_mark.ts";
import { releaseStartupPages, type ReleasedPages } from "./startup_pages.ts";

/** How often the file-backed RSS is looked at (a read of /proc/self/status, ~20 µs). */
export const TRIM_PERIOD_MS = 120_000;
/** Growth since the last hand-back that is worth handing back (less is what the server runs all the time). */
export const TRIM_GROWTH_BYTES = 1024 * 1024;

/** The sum of these kB fields of /proc/self/status in bytes (a field not there counts 0), or −1 when unreadable. */
export function statusBytes(...fields: string[]): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    let bytes = 0;
    for (const name of fields) bytes += Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? "0") * 1024;
    return bytes;
  } catch {
    return -1;
  }
}

/** The process's file-backed RSS in bytes (RssFile + RssShmem of /proc/self/status), or −1 when unreadable. */
export function fileBackedRss(): number {
  return statusBytes("RssFile", "RssShmem");
}

/** The decision: fed the file-backed RSS at each check, true when it is time to hand pages back. */
export class WorkingSetTrim {
  /** file-backed RSS right after the last hand-back (or at the start); lower when something else handed pages back */
  readonly #level: GrowthMark;

  constructor(
    level: number,
    readonly growthBytes: number = TRIM_GROWTH_BYTES,
  ) {
    this.#level = new GrowthMark(level, growthBytes);
  }

  /** True when `fileRss` is growthBytes or more above the level after the last hand-back (never for an unreadable −1). */
  due(fileRss: number): boolean {
    return fileRss >= 0 && this.#level.due(fileRss);
  }

  /** Pages were handed back; `fileRss` is the level now. */
  trimmed(fileRss: number): void {
    if (fileRss >= 0) this.#level.set(fileRss);
  }
}

export interface WorkingSetTrimDeps {
  readFileRss?: () => number;
  release?: () => ReleasedPages | null;
  periodMs?: number;
  growthBytes?: number;
  /** Run outside the compiled binary too (tests). */
  always?: boolean;
}

/**
 * In the compiled binary on Linux: check every period and hand the binary's pages back when they
 * have grown (WorkingSetTrim). Returns a function that stops it; the timer never keeps the
 * process alive. `onTrim` hears each hand-back (for a debug log line).
 */
export function scheduleWorkingSetTrim(onTrim: (released: ReleasedPages | null, before: number, after: number) => void = () => {}, deps: WorkingSetTrimDeps = {}): () => void {
  if (process.env.FREEDMR_KEEP_STARTUP_PAGES === "1") return () => {};
  if (deps.always !== true && (process.platform !== "linux" || !Bun.isStandaloneExecutable)) return () => {};
  const read = deps.readFileRss ?? fileBackedRss;
  const release = deps.release ?? releaseStartupPages;
  const trim = new WorkingSetTrim(read(), deps.growthBytes ?? TRIM_GROWTH_BYTES);
  const timer = setInterval(() => {
    const before = read();
    if (!trim.due(before)) return;
    const released = release();
    const after = read();
    trim.trimmed(after);
    onTrim(released, before, after);
  }, deps.periodMs ?? TRIM_PERIOD_MS);
  timer.unref();
  return () => clearInterval(timer);
}

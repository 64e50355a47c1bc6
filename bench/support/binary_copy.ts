/**
 * A private copy of the compiled binary for one benchmark server, with the page cache in a stated
 * state. Two servers on one file would share its page-cache pages, and the kernel pages out only
 * pages mapped by one process (src/shell/memory/startup_pages.ts), so each server gets its own copy.
 *
 * A copy just written sits in the page cache as the writes left it; on Linux ≥ 6.16 ext4 keeps
 * such a file in large folios (up to 2 MiB) that straddle the binary's page-table boundaries, and
 * MADV_PAGEOUT leaves those in place (measured: idle RSS 37.7 MiB after 3 minutes against 33.5
 * from a cold cache). A server started at boot, or on a kernel without large ext4 folios (Raspberry
 * Pi OS, 6.12), maps pages the faults read in one by one. `cold` (the default) syncs the copy and
 * drops its page cache (posix_fadvise POSIX_FADV_DONTNEED) so each server starts as after a boot;
 * `fresh` leaves it as written.
 * @module
 */
import { chmodSync, closeSync, copyFileSync, fsyncSync, openSync } from "node:fs";
import { dropPageCache } from "../../test/support/page_cache.ts";

export type PageCache = "cold" | "fresh";

/** Copy `source` to `target` (mode 755); with `cold`, drop the copy's page cache. Returns what was done, for the bench's header. */
export function copyBinary(source: string, target: string, pageCache: PageCache): string {
  copyFileSync(source, target);
  chmodSync(target, 0o755);
  if (pageCache === "fresh") return "page cache as written";
  const fd = openSync(target, "r");
  try {
    fsyncSync(fd);
    const result = dropPageCache(fd);
    return result === 0 ? "page cache dropped (cold, as after a boot)" : `posix_fadvise failed (${result}): page cache as written`;
  } finally {
    closeSync(fd);
  }
}

/**
 * Give start-up-only pages back. A compiled freedmr maps its 110 MB binary; start-up (config
 * parsing, schema compilation, module loading, table building, the JIT compiling all of it) touches
 * ~30 MB of the runtime's code pages that an idle or voice-routing server never runs again, and
 * they stay in our RSS. Once the server has settled, we collect the heap and ask the kernel to
 * reclaim the binary's read-only file pages (madvise MADV_PAGEOUT, Linux ≥ 5.4). Those pages are
 * clean copies of the file: whatever is still needed faults back in (from the page cache, or from
 * the SD card once), and what is not stays out — measured: 45 MB of file-backed RSS → 8 MB at once,
 * ~20 MB once the idle loop has faulted its working set back in. Writable and anonymous memory is
 * never touched. Done twice in the first seconds after start, off the packet path (timers).
 * @module
 */
import { readFileSync } from "node:fs";
import { madvise } from "./libc_calls.ts";

/** madvise advice (uapi/asm-generic/mman-common.h): reclaim these pages now. */
const MADV_PAGEOUT = 21;
/** After start: once start-up is over (3 s), and once the idle loop's JIT tier-up is (~10 s). */
export const RELEASE_DELAYS_MS = [3_000, 12_000] as const;

export interface ReleasedPages {
  /** Mappings advised. */
  mappings: number;
  /** Bytes of address range advised (not all of it was resident). */
  bytes: number;
}

/**
 * Page out the read-only file mappings of `path` (default: this executable). Returns what was
 * advised, or null when madvise is unavailable.
 */
export function releaseStartupPages(path: string = process.execPath): ReleasedPages | null {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return null;
  }
  const released: ReleasedPages = { mappings: 0, bytes: 0 };
  for (const line of maps.split("\n")) {
    // start-end perms offset dev inode path
    const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s+(.*)$/.exec(line);
    if (match === null || match[4] !== path || match[3]!.includes("w")) continue;
    const start = Number.parseInt(match[1]!, 16);
    const length = Number.parseInt(match[2]!, 16) - start;
    if (madvise(start, length, MADV_PAGEOUT) !== 0) return released.mappings === 0 ? null : released;
    released.mappings++;
    released.bytes += length;
  }
  return released;
}

/**
 * In a compiled binary (`Bun.isStandaloneExecutable`): collect the heap and release start-up pages
 * RELEASE_DELAYS_MS from now. FREEDMR_KEEP_STARTUP_PAGES=1 turns it off. The timer never keeps the
 * process alive.
 */
export function scheduleStartupPageRelease(onDone: (released: ReleasedPages | null) => void = () => {}): void {
  if (process.env.FREEDMR_KEEP_STARTUP_PAGES === "1" || process.platform !== "linux") return;
  if (!Bun.isStandaloneExecutable) return;
  const release = (): void => {
    Bun.gc(true);
    Bun.shrink(); // JSC: give back heap the collection freed
    onDone(releaseStartupPages());
  };
  // Once start-up is over, and once more when the JIT has tiered up the idle loop (ticks, timers).
  for (const delayMs of RELEASE_DELAYS_MS) setTimeout(release, delayMs).unref();
}

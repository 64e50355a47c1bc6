/**
 * Give start-up-only pages back. A compiled freedmr maps its 110 MB binary; start-up (config
 * parsing, schema compilation, module loading, table building, the JIT compiling all of it) touches
 * ~30 MB of the runtime's code pages that an idle or voice-routing server never runs again, and
 * they stay in our RSS. Once the server has settled, we collect the heap and ask the kernel to
 * reclaim the binary's file pages (madvise MADV_PAGEOUT, Linux ≥ 5.4). Those pages are clean
 * copies of the file: whatever is still needed faults back in (from the page cache, or from the SD
 * card once), and what is not stays out — measured: 45 MB of file-backed RSS → 8 MB at once, ~20 MB
 * once the idle loop has faulted its working set back in. Done twice in the first seconds after
 * start, off the packet path (timers).
 *
 * The binary's writable data segment (one 12 MB mapping on x86-64) holds both: pages start-up only
 * read, still clean copies of the file (5 MB of them, all in RSS, of which ~1 MB is read again
 * later), and pages the runtime wrote, which are now private anonymous memory. Only the first kind
 * is handed back: /proc/self/pagemap says which pages are present and still file pages, and only
 * runs of those are advised — never a written page, which with swap on (a Pi's zram or SD swap)
 * would otherwise be swapped out and fault back in from the swap device under a voice call.
 * Anonymous memory elsewhere is never touched.
 *
 * With the pages, the mappings are marked for random access (MADV_RANDOM). A page handed back that
 * is needed again then faults in alone: without it, the kernel reads around each such fault (up to
 * the device's read-ahead, 128 KiB on an SD card, 8 MiB on this machine's virtual disk) and maps
 * the neighbours the read left in the page cache (64 KiB a fault), code the server never runs. The
 * binary's code is reached at scattered addresses, so read-around buys nothing after start-up,
 * which keeps it (the first release is 3 s in). Measured from a cold page cache (Bun.mmap of the
 * binary, one byte read every 256 KiB): 218 KiB of RSS a touch without, 5.6 KiB with it; the
 * server (Worker off, 2026-12-06, three runs each, alternating): idle file-backed RSS 15.2–15.3
 * MiB against 17.9–18.0; 60 s after 10,000 logins, 1.34–1.40 KiB per hotspot against 1.43–1.48
 * (file-backed 242–299 B of it against 252–342).
 * @module
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { madvise, pageSize } from "../udp/libc_calls.ts";

/** madvise advice (uapi/asm-generic/mman-common.h): reclaim these pages now. */
const MADV_PAGEOUT = 21;
/** madvise advice (uapi/asm-generic/mman-common.h): expect page references in random order (no read-around on a fault). */
const MADV_RANDOM = 1;
/**
 * After start: once start-up is over (3 s), and once most of the idle loop's JIT tier-up is (12 s).
 * Its DFG compiles go on until ~30 s and trickle for minutes after, faulting the compiler's code
 * back in (idle RSS 28–29 MiB at 20 s, 32–34 after minutes); releases at 40 s and 240 s were
 * measured to be faulted straight back (33.2–33.3 MiB either way), so there are no more.
 */
export const RELEASE_DELAYS_MS = [3_000, 12_000] as const;

/**
 * /proc/PID/pagemap: one little-endian 64-bit entry per page (Documentation/admin-guide/mm/
 * pagemap.rst). Bit 63: present in RAM; bit 61: a file page or shared anonymous. Both are in the
 * entry's high 32-bit word (bits 31 and 29 there), which an unprivileged process can read.
 */
const PAGEMAP_ENTRY_BYTES = 8;
const PAGEMAP_HIGH_PRESENT = 1 << 31;
const PAGEMAP_HIGH_FILE = 1 << 29;

export interface ReleasedPages {
  /** Mappings advised. */
  mappings: number;
  /** Bytes of address range advised (not all of it was resident). */
  bytes: number;
}

/**
 * Runs of pages that are present and still file pages, from `count` pagemap entries in `entries`:
 * [first page, pages] pairs, flat. A private writable mapping's written pages (anonymous, bit 61
 * clear) split the runs and are never in them.
 */
export function residentFilePageRuns(entries: Uint8Array, count: number): number[] {
  const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  const runs: number[] = [];
  let first = -1;
  for (let page = 0; page <= count; page++) {
    const high = page < count ? view.getUint32(page * PAGEMAP_ENTRY_BYTES + 4, true) : 0;
    const clean = (high & PAGEMAP_HIGH_PRESENT) !== 0 && (high & PAGEMAP_HIGH_FILE) !== 0;
    if (clean && first < 0) first = page;
    else if (!clean && first >= 0) {
      runs.push(first, page - first);
      first = -1;
    }
  }
  return runs;
}

/**
 * Page out the file mappings of `path` (default: this executable): read-only ones whole, writable
 * ones only where their pages are still clean file pages (residentFilePageRuns); mark every one of
 * them for random access, so what faults back in is the page needed and no more. Returns what was
 * advised, or null when madvise (or, for a writable mapping, the pagemap) is unavailable.
 */
export function releaseStartupPages(path: string = process.execPath): ReleasedPages | null {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return null;
  }
  const released: ReleasedPages = { mappings: 0, bytes: 0 };
  let pagemap = -1;
  let failed = false;
  try {
    for (const line of maps.split("\n")) {
      // start-end perms offset dev inode path
      const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s+(.*)$/.exec(line);
      if (match === null || match[4] !== path) continue;
      const start = Number.parseInt(match[1]!, 16);
      const length = Number.parseInt(match[2]!, 16) - start;
      // advice only: a kernel that refuses it still gets the pages handed back
      madvise(start, length, MADV_RANDOM);
      let advised: number;
      if (!match[3]!.includes("w")) advised = madvise(start, length, MADV_PAGEOUT) === 0 ? length : -1;
      else {
        if (pagemap < 0) pagemap = openSync("/proc/self/pagemap", "r");
        advised = pageOutCleanPages(pagemap, start, length);
      }
      if (advised < 0) {
        failed = true;
        break;
      }
      released.mappings++;
      released.bytes += advised;
    }
  } catch {
    // no pagemap (a kernel without it, a restricted /proc): what was advised so far stands
    failed = true;
  } finally {
    if (pagemap >= 0) closeSync(pagemap);
  }
  return failed && released.mappings === 0 ? null : released;
}

/**
 * Advise the runs of present, still-file pages of the writable mapping [start, start + length)
 * (residentFilePageRuns, from the open /proc/self/pagemap `pagemap`): the bytes advised, or -1
 * when the page size is unknown or madvise failed.
 */
function pageOutCleanPages(pagemap: number, start: number, length: number): number {
  const page = pageSize();
  if (page <= 0 || start % page !== 0) return -1;
  const pages = length / page;
  const entries = new Uint8Array(pages * PAGEMAP_ENTRY_BYTES);
  if (readSync(pagemap, entries, 0, entries.length, (start / page) * PAGEMAP_ENTRY_BYTES) !== entries.length) return 0;
  const runs = residentFilePageRuns(entries, pages);
  let advised = 0;
  for (let r = 0; r < runs.length; r += 2) {
    if (madvise(start + runs[r]! * page, runs[r + 1]! * page, MADV_PAGEOUT) !== 0) return -1;
    advised += runs[r + 1]! * page;
  }
  return advised;
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

import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pageSize } from "../../../src/shell/udp/libc_calls.ts";
import { releaseStartupPages, residentFilePageRuns } from "../../../src/shell/memory/startup_pages.ts";
import { dropPageCache } from "../../support/page_cache.ts";

/** pagemap entries from per-page flags: "f" present file page, "a" present anonymous, "-" not present. */
function entries(flags: string): Uint8Array {
  const bytes = new Uint8Array(flags.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < flags.length; i++) {
    // bit 63 present, bit 61 file page; a PFN-like low word that must not matter
    const high = flags[i] === "f" ? 0xa0000000 : flags[i] === "a" ? 0x80000000 : 0;
    view.setUint32(i * 8, 0x12345, true);
    view.setUint32(i * 8 + 4, high, true);
  }
  return bytes;
}

describe("residentFilePageRuns", () => {
  test("runs of present file pages; anonymous and absent pages split them", () => {
    expect(residentFilePageRuns(entries("ff-afffa"), 8)).toEqual([0, 2, 4, 3]);
    expect(residentFilePageRuns(entries("ffff"), 4)).toEqual([0, 4]);
    expect(residentFilePageRuns(entries("aa--"), 4)).toEqual([]);
    expect(residentFilePageRuns(entries("a-f"), 3)).toEqual([2, 1]);
    expect(residentFilePageRuns(entries(""), 0)).toEqual([]);
  });
});

/** Rss and Anonymous (KiB) of the one mapping of `path` in /proc/self/smaps. */
function mappingMemory(path: string): { rssKiB: number; anonymousKiB: number; flags: string[] } {
  const lines = readFileSync("/proc/self/smaps", "utf8").split("\n");
  const at = lines.findIndex((line) => line.endsWith(` ${path}`));
  if (at < 0) throw new Error(`${path} is not mapped`);
  const field = (name: string): number => {
    for (let i = at + 1; i < lines.length && !/^[0-9a-f]+-/.test(lines[i]!); i++) {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`).exec(lines[i]!);
      if (match !== null) return Number(match[1]);
    }
    throw new Error(`no ${name} for ${path}`);
  };
  return { rssKiB: field("Rss"), anonymousKiB: field("Anonymous"), flags: vmFlags(lines, at) };
}

/** The VmFlags line's two-letter flags of the mapping whose header is lines[at] (proc(5): "rr" random read). */
function vmFlags(lines: string[], at: number): string[] {
  for (let i = at + 1; i < lines.length && !/^[0-9a-f]+-/.test(lines[i]!); i++) {
    if (lines[i]!.startsWith("VmFlags:")) return lines[i]!.slice("VmFlags:".length).trim().split(/\s+/);
  }
  return [];
}

/**
 * A file of `pages` pages (page i filled with i + 1), written, synced and dropped from the page
 * cache, as a binary is at boot: the kernel reclaims only clean page-cache pages, and a file just
 * written may sit in large folios that straddle page-table boundaries, which MADV_PAGEOUT leaves
 * (bench/support/binary_copy.ts).
 */
function coldFile(dir: string, name: string, pages: number, page: number): string {
  const path = join(dir, name);
  const content = new Uint8Array(pages * page);
  for (let i = 0; i < pages; i++) content.fill(i + 1, i * page, (i + 1) * page);
  const fd = openSync(path, "w");
  writeSync(fd, content);
  fsyncSync(fd);
  expect(dropPageCache(fd)).toBe(0);
  closeSync(fd);
  return path;
}

describe("releaseStartupPages", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A cold file of `pages` pages (coldFile), mapped private and every page read in, as the binary is after start-up. */
  function readInColdMapping(name: string, pages: number): { page: number; path: string; mapped: Uint8Array } {
    const page = pageSize();
    expect(page).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), "freedmr-pages-"));
    dirs.push(dir);
    const path = coldFile(dir, name, pages, page);
    const mapped = Bun.mmap(path, { shared: false });
    let sum = 0;
    for (let i = 0; i < pages; i++) sum += mapped[i * page]!;
    expect(sum).toBe((pages * (pages + 1)) / 2);
    return { page, path, mapped };
  }

  // A private writable file mapping is what the binary's data segment is: pages only read are
  // clean file pages, a written page is the process's own anonymous copy.
  test.skipIf(process.platform !== "linux")("a writable file mapping: clean pages go back to the file, a written page stays with its data", () => {
    const pages = 32;
    const { page, path, mapped } = readInColdMapping("data-segment.bin", pages);
    mapped[5 * page] = 200; // this page is now anonymous (copy on write)
    const before = mappingMemory(path);
    expect(before.rssKiB).toBe((pages * page) / 1024);
    expect(before.anonymousKiB).toBe(page / 1024);

    const released = releaseStartupPages(path);
    if (released === null) {
      console.warn("madvise(MADV_PAGEOUT) is unavailable on this kernel (Linux < 5.4?): nothing to check");
      return;
    }
    expect(released.mappings).toBe(1);
    // advised: every page but the written one
    expect(released.bytes).toBe((pages - 1) * page);
    const after = mappingMemory(path);
    expect(after.anonymousKiB).toBe(page / 1024);
    expect(after.rssKiB).toBeLessThan(before.rssKiB / 4);
    // what was handed back faults in from the file again; the written page kept its data
    expect(mapped[5 * page]).toBe(200);
    expect(mapped[5 * page + 1]).toBe(6);
    expect(mapped[0]).toBe(1);
    expect(mapped[(pages - 1) * page]).toBe(pages);
  });

  // What faults back in after the hand-back is the page needed: without the random-access advice
  // the kernel reads around the fault and maps 16 pages (fault-around, 64 KiB) of what it read.
  test.skipIf(process.platform !== "linux")("the mappings are marked for random access: a page needed again faults in alone", () => {
    const { page, path, mapped } = readInColdMapping("code.bin", 64);
    expect(mappingMemory(path).flags).not.toContain("rr");

    const released = releaseStartupPages(path);
    if (released === null) {
      console.warn("madvise(MADV_PAGEOUT) is unavailable on this kernel (Linux < 5.4?): nothing to check");
      return;
    }
    expect(mappingMemory(path).flags).toContain("rr");
    // out of the page cache too, whatever the page-out left there
    const fd = openSync(path, "r");
    expect(dropPageCache(fd)).toBe(0);
    closeSync(fd);
    expect(mappingMemory(path).rssKiB).toBe(0);
    expect(mapped[32 * page]).toBe(33);
    const after = mappingMemory(path);
    expect(after.rssKiB).toBeGreaterThan(0);
    expect(after.rssKiB).toBeLessThanOrEqual((4 * page) / 1024);
  });

  test("a path nothing maps: nothing advised", () => {
    expect(releaseStartupPages("/nonexistent/freedmr-binary")).toEqual({ mappings: 0, bytes: 0 });
  });
});

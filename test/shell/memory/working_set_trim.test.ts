/**
 * The periodic hand-back of the binary's pages (working_set_trim.ts): when it is due, that it runs
 * on its timer with what it reads and stops, and the switch that turns it off. What a hand-back
 * does to a mapping is startup_pages.test.ts's.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fileBackedRss, scheduleWorkingSetTrim, WorkingSetTrim } from "../../../src/shell/memory/working_set_trim.ts";

const MIB = 1024 * 1024;

describe("WorkingSetTrim", () => {
  test("due once the file-backed RSS is the growth or more above the level after the last hand-back", () => {
    const trim = new WorkingSetTrim(20 * MIB, MIB);
    expect(trim.due(20 * MIB)).toBe(false);
    expect(trim.due(21 * MIB - 1)).toBe(false);
    expect(trim.due(21 * MIB)).toBe(true);
    trim.trimmed(12 * MIB); // handed back: the new level
    expect(trim.due(12.5 * MIB)).toBe(false);
    expect(trim.due(13 * MIB)).toBe(true);
  });

  test("a lower reading lowers the level (something else handed pages back); an unreadable one is never due", () => {
    const trim = new WorkingSetTrim(20 * MIB, MIB);
    expect(trim.due(10 * MIB)).toBe(false);
    expect(trim.due(11 * MIB)).toBe(true); // 1 MiB above 10, not 9 below 20
    expect(trim.due(-1)).toBe(false);
    trim.trimmed(-1); // unreadable after: the level stays
    expect(trim.due(11 * MIB)).toBe(true);
  });
});

describe("scheduleWorkingSetTrim", () => {
  const saved = process.env.FREEDMR_KEEP_STARTUP_PAGES;
  afterEach(() => {
    if (saved === undefined) delete process.env.FREEDMR_KEEP_STARTUP_PAGES;
    else process.env.FREEDMR_KEEP_STARTUP_PAGES = saved;
  });

  test("hands back on its timer only when the pages grew, reports before and after, and stops", async () => {
    delete process.env.FREEDMR_KEEP_STARTUP_PAGES;
    // readings in order: the start, then one per check (and one after each hand-back)
    const readings = [20, 20.5, 22, 13, 13.2, 15, 11].map((m) => m * MIB);
    let reads = 0;
    const released: number[] = [];
    const heard: [number, number][] = [];
    const stop = scheduleWorkingSetTrim((_r, before, after) => heard.push([before / MIB, after / MIB]), {
      always: true,
      periodMs: 5,
      readFileRss: () => readings[Math.min(reads++, readings.length - 1)]!,
      release: () => {
        released.push(reads);
        return { mappings: 1, bytes: 4096 };
      },
    });
    while (reads < readings.length) await Bun.sleep(5);
    stop();
    const after = reads;
    await Bun.sleep(30);
    expect(reads).toBe(after); // stopped
    // 20.5: not yet; 22: due → handed back, 13 after; 13.2: not yet; 15: due → handed back, 11 after
    expect(heard).toEqual([
      [22, 13],
      [15, 11],
    ]);
    expect(released.length).toBe(2);
  });

  test("FREEDMR_KEEP_STARTUP_PAGES=1 turns it off; outside the compiled binary it does nothing unless asked", async () => {
    let reads = 0;
    const deps = { periodMs: 2, readFileRss: () => (reads++, 100 * MIB), release: () => null };
    process.env.FREEDMR_KEEP_STARTUP_PAGES = "1";
    const off = scheduleWorkingSetTrim(() => {}, { ...deps, always: true });
    delete process.env.FREEDMR_KEEP_STARTUP_PAGES;
    const notCompiled = scheduleWorkingSetTrim(() => {}, deps); // bun test is not a compiled binary
    await Bun.sleep(20);
    off();
    notCompiled();
    expect(reads).toBe(0);
  });

  test.skipIf(process.platform !== "linux")("the file-backed RSS of this process is read from /proc/self/status", () => {
    const bytes = fileBackedRss();
    expect(bytes).toBeGreaterThan(MIB); // the runtime's own binary is mapped
    expect(bytes % 1024).toBe(0);
  });
});

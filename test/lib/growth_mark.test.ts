import { describe, expect, test } from "bun:test";
import { GrowthMark } from "../../src/lib/growth_mark.ts";

describe("GrowthMark", () => {
  test("due at step or more above the mark; set counts from a new value", () => {
    const mark = new GrowthMark(10, 5);
    expect([mark.due(10), mark.due(14), mark.due(15), mark.due(40)]).toEqual([false, false, true, true]);
    mark.set(40);
    expect([mark.due(44), mark.due(45)]).toEqual([false, true]);
  });

  test("a value below the mark moves it down: growth counts from the lowest point", () => {
    const mark = new GrowthMark(100, 5);
    expect(mark.due(3)).toBe(false);
    expect(mark.due(8)).toBe(true); // 5 above 3, though far below 100
    expect([mark.due(7), mark.due(9)]).toEqual([false, true]); // the mark stays at 3 until set
  });
});

import { describe, expect, test } from "bun:test";
import { TextPool } from "../../src/lib/text_pool.ts";

describe("TextPool (one copy of texts hotspots repeat)", () => {
  test("equal texts are pooled once; bounded: past max, new texts come back as they are, unpooled", () => {
    const pool = new TextPool(2);
    expect(pool.intern("MMDVM_MMDVM_HS_Hat")).toBe("MMDVM_MMDVM_HS_Hat");
    expect(pool.intern(["MMDVM", "MMDVM", "HS", "Hat"].join("_"))).toBe("MMDVM_MMDVM_HS_Hat");
    expect(pool.size).toBe(1);
    pool.intern("20260713");
    expect(pool.size).toBe(2);
    expect(pool.intern("made-up")).toBe("made-up");
    expect(pool.intern("made-up-too")).toBe("made-up-too");
    expect(pool.size).toBe(2);
  });

  test("a text pooled with a copy function keeps the copy, and hands it out for equal texts", () => {
    const pool = new TextPool(4);
    const flat = (t: string): string => (" " + t).slice(1);
    const first = pool.intern("London", flat);
    expect(first).toBe("London");
    expect(pool.intern("London", () => "never called")).toBe("London");
    expect(pool.size).toBe(1);
  });
});

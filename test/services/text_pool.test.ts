import { describe, expect, test } from "bun:test";
import { TextPool } from "../../src/services/text_pool.ts";

describe("TextPool (one copy of texts hotspots repeat)", () => {
  test("equal texts come back as the pooled copy; bounded: past max, texts are returned unpooled", () => {
    const pool = new TextPool(2);
    const a = pool.intern("MMDVM_MMDVM_HS_Hat");
    expect(pool.intern(["MMDVM", "MMDVM", "HS", "Hat"].join("_"))).toBe(a);
    pool.intern("20260713");
    expect(pool.size).toBe(2);
    expect(pool.intern("made-up")).toBe("made-up");
    expect(pool.size).toBe(2);
  });
});

import { describe, expect, test } from "bun:test";
import { TextPool } from "../../src/services/text_pool.ts";

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
});

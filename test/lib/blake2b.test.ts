import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Blake2b, blake2b } from "../../src/lib/blake2b.ts";
import { toHex } from "../../src/lib/hex.ts";
import { Prng } from "../../src/lib/prng.ts";
import { testSeed } from "../support/seed.ts";

/** RFC 7693 Appendix E: deterministic input sequence. */
function selftestSequence(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = Math.imul(0xdead4bad, seed) >>> 0;
  let b = 1;
  for (let i = 0; i < length; i++) {
    const t = (a + b) >>> 0;
    a = b;
    b = t;
    out[i] = (t >>> 24) & 0xff;
  }
  return out;
}

describe("BLAKE2b (RFC 7693)", () => {
  test("Appendix A: BLAKE2b-512('abc')", () => {
    expect(toHex(blake2b(new TextEncoder().encode("abc")))).toBe(
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1" +
        "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
    );
  });

  test("Appendix E self-test (unkeyed and keyed, digest 20/32/48/64, input 0..1024)", () => {
    const total = new Blake2b(32);
    for (const digestLength of [20, 32, 48, 64]) {
      for (const inputLength of [0, 3, 128, 129, 255, 1024]) {
        const input = selftestSequence(inputLength, inputLength);
        total.update(blake2b(input, digestLength));
        const key = selftestSequence(digestLength, digestLength);
        total.update(blake2b(input, digestLength, key));
      }
    }
    const out = new Uint8Array(32);
    total.digestTo(out);
    expect(toHex(out)).toBe("c23a7800d98123bd10f506c61e29da5603d763b8bbad2e737f5e765a7bccd475");
  });

  test("unkeyed 512-bit digests match node:crypto for lengths 0..400 with random splits", () => {
    const prng = new Prng(testSeed("blake2b random"));
    const h = new Blake2b(64);
    const out = new Uint8Array(64);
    for (let n = 0; n <= 400; n++) {
      const msg = new Uint8Array(n);
      prng.fill(msg);
      const a = prng.nextInt(n + 1);
      const b = a + prng.nextInt(n - a + 1);
      h.reset().update(msg, 0, a).update(msg, a, b).update(msg, b, n).digestTo(out);
      expect(toHex(out)).toBe(createHash("blake2b512").update(msg).digest("hex"));
    }
  });

  test("keyed: reset reuses the precomputed key state; streaming equals one-shot", () => {
    const prng = new Prng(testSeed("blake2b keyed"));
    const key = new TextEncoder().encode("passw0rd");
    const mac = new Blake2b(16, key);
    const out = new Uint8Array(16);
    for (let n = 0; n < 300; n += 7) {
      const msg = new Uint8Array(n);
      prng.fill(msg);
      mac.reset().update(msg).digestTo(out);
      expect(toHex(out)).toBe(toHex(blake2b(msg, 16, key)));
    }
    // empty keyed message: the key block is the final block
    mac.reset().digestTo(out);
    expect(toHex(out)).toBe(toHex(blake2b(new Uint8Array(0), 16, key)));
    expect(toHex(out)).not.toBe(toHex(blake2b(new Uint8Array(1), 16, key)));
  });

  test("rejects bad parameters", () => {
    expect(() => new Blake2b(0)).toThrow();
    expect(() => new Blake2b(65)).toThrow();
    expect(() => new Blake2b(16, new Uint8Array(65))).toThrow();
  });
});

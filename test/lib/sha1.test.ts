import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { HmacSha1 } from "../../src/lib/hmac_sha1.ts";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { Prng } from "../../src/lib/prng.ts";
import { Sha1, sha1 } from "../../src/lib/sha1.ts";
import { testSeed } from "../support/seed.ts";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("SHA-1 (RFC 3174 §7.3 test vectors)", () => {
  test("TEST1 abc", () => {
    expect(toHex(sha1(ascii("abc")))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });
  test("TEST2 448-bit message", () => {
    expect(toHex(sha1(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    );
  });
  test("TEST3 one million 'a' fed in pieces", () => {
    const h = new Sha1();
    const chunk = ascii("a".repeat(1000));
    for (let i = 0; i < 1000; i++) h.update(chunk);
    const out = new Uint8Array(20);
    h.digestTo(out);
    expect(toHex(out)).toBe("34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  });
  test("TEST4 '0123456701234567…' × 10", () => {
    expect(toHex(sha1(ascii("0123456701234567012345670123456701234567012345670123456701234567".repeat(10))))).toBe(
      "dea356a2cddd90c7a7ecedc5ebb563934f460452",
    );
  });
  test("empty message", () => {
    expect(toHex(sha1(new Uint8Array(0)))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });
  test("matches node:crypto for random lengths 0..300 and random split points", () => {
    const prng = new Prng(testSeed("sha1 random"));
    const h = new Sha1();
    const out = new Uint8Array(20);
    for (let n = 0; n <= 300; n++) {
      const msg = new Uint8Array(n);
      prng.fill(msg);
      const split = prng.nextInt(n + 1);
      h.reset().update(msg, 0, split).update(msg, split, n).digestTo(out);
      expect(toHex(out)).toBe(createHash("sha1").update(msg).digest("hex"));
    }
  });
});

describe("HMAC-SHA1 (RFC 2202 §3 test cases)", () => {
  const cases: { key: Uint8Array; data: Uint8Array; digest: string }[] = [
    { key: new Uint8Array(20).fill(0x0b), data: ascii("Hi There"), digest: "b617318655057264e28bc0b6fb378c8ef146be00" },
    { key: ascii("Jefe"), data: ascii("what do ya want for nothing?"), digest: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
    { key: new Uint8Array(20).fill(0xaa), data: new Uint8Array(50).fill(0xdd), digest: "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
    {
      key: fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
      data: new Uint8Array(50).fill(0xcd),
      digest: "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
    },
    { key: new Uint8Array(20).fill(0x0c), data: ascii("Test With Truncation"), digest: "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
    {
      key: new Uint8Array(80).fill(0xaa),
      data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
      digest: "aa4ae5e15272d00e95705637ce8a3b55ed402112",
    },
    {
      key: new Uint8Array(80).fill(0xaa),
      data: ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
      digest: "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
    },
  ];
  cases.forEach((c, i) => {
    test(`case ${i + 1}`, () => {
      const mac = new HmacSha1(c.key);
      const out = new Uint8Array(20);
      mac.compute(c.data, 0, c.data.length, out, 0);
      expect(toHex(out)).toBe(c.digest);
      // again with the same object: precomputed states must not be disturbed
      const out2 = new Uint8Array(24);
      mac.compute(c.data, 0, c.data.length, out2, 4);
      expect(toHex(out2, 4)).toBe(c.digest);
      expect(mac.verify(c.data, 0, c.data.length, out, 0)).toBe(true);
    });
  });

  test("verify rejects any single-bit flip of the MAC or the message", () => {
    const mac = new HmacSha1(ascii("passw0rd"));
    const msg = new Uint8Array(53).fill(7);
    const tag = new Uint8Array(20);
    mac.compute(msg, 0, 53, tag, 0);
    for (let bit = 0; bit < 160; bit++) {
      tag[bit >>> 3]! ^= 1 << (bit & 7);
      expect(mac.verify(msg, 0, 53, tag, 0)).toBe(false);
      tag[bit >>> 3]! ^= 1 << (bit & 7);
    }
    for (let bit = 0; bit < 53 * 8; bit++) {
      msg[bit >>> 3]! ^= 1 << (bit & 7);
      expect(mac.verify(msg, 0, 53, tag, 0)).toBe(false);
      msg[bit >>> 3]! ^= 1 << (bit & 7);
    }
    expect(mac.verify(msg, 0, 53, tag, 0)).toBe(true);
    expect(mac.verify(msg, 0, 53, tag, 1)).toBe(false); // MAC would run past the end
  });

  test("matches node:crypto for random keys and messages", () => {
    const prng = new Prng(testSeed("hmac random"));
    for (let n = 0; n < 200; n++) {
      const key = new Uint8Array(prng.nextInt(100));
      prng.fill(key);
      const msg = new Uint8Array(prng.nextInt(200));
      prng.fill(msg);
      const out = new Uint8Array(20);
      new HmacSha1(key).compute(msg, 0, msg.length, out, 0);
      expect(toHex(out)).toBe(createHmac("sha1", key).update(msg).digest("hex"));
    }
  });
});

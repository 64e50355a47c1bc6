/**
 * The identical-frame check's hash (frames/duplicate_control.ts tailHash): DMRD bytes 16–52 (stream
 * id and payload) and nothing else, every byte and every bit of them counted.
 */
import { describe, expect, test } from "bun:test";
import { tailHash } from "../../../src/core/routing/frames/duplicate_control.ts";
import { Prng } from "../../../src/lib/prng.ts";

const SEED = Number(process.env.SEED ?? Date.now() % 2 ** 31);

function frame(prng: Prng): Uint8Array {
  const bytes = new Uint8Array(55);
  for (let i = 0; i < bytes.length; i++) bytes[i] = prng.nextInt(256);
  return bytes;
}

describe("tailHash", () => {
  test("bytes 0–15 (header, ids, flags) and 53–54 (BER, RSSI) do not count; a 53-byte frame hashes like its 55-byte form", () => {
    console.log(`SEED=${SEED} (tail hash)`);
    const prng = new Prng(SEED);
    const a = frame(prng);
    const h = tailHash(a);
    const b = a.slice();
    for (const i of [0, 4, 5, 8, 11, 14, 15, 53, 54]) b[i] = (b[i]! + 1) & 0xff;
    expect(tailHash(b)).toBe(h);
    expect(tailHash(a.subarray(0, 53))).toBe(h);
  });

  test("any one bit of bytes 16–52 changes it (every step of the hash is a bijection of its state)", () => {
    const prng = new Prng(SEED + 1);
    const a = frame(prng);
    const h = tailHash(a);
    for (let i = 16; i <= 52; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = a.slice();
        b[i] = b[i]! ^ (1 << bit);
        expect(tailHash(b)).not.toBe(h);
      }
    }
  });

  test("an int32; 5,000 random tails (a fixed seed: the outcome is fixed too) hash to 5,000 values", () => {
    const prng = new Prng(14);
    const seen = new Set<number>();
    for (let n = 0; n < 5_000; n++) {
      const h = tailHash(frame(prng));
      expect(h | 0).toBe(h);
      seen.add(h);
    }
    expect(seen.size).toBe(5_000);
  });
});

/**
 * BLAKE2b (RFC 7693), keyed or unkeyed, any digest length 1–64, with no allocation after
 * construction. FreeDMR FBP v4/v5 `DMRE` frames carry a keyed BLAKE2b with a 16-byte digest over
 * every preceding byte, key = the link passphrase (freedmr-reference.md §2.3).
 *
 * 64-bit words are held as (low, high) 32-bit halves in a Uint32Array, little-endian word order
 * (RFC 7693 §2.4: words are read little-endian). For keyed hashing the chaining state after the key
 * block is computed once at construction, so a MAC over a short message (a DMRE frame is 73 bytes
 * before its MAC) costs exactly one compression.
 *
 * Checked against the RFC 7693 Appendix A "abc" vector, the Appendix E self-test and the §2.4
 * DMRE vectors in test/lib/blake2b.test.ts.
 * @module
 */
import { assert } from "./assert.ts";

export const BLAKE2B_BLOCK_LENGTH = 128;
export const BLAKE2B_DIGEST_LENGTH_MAX = 64;
export const BLAKE2B_KEY_LENGTH_MAX = 64;
/** Rounds (RFC 7693 §2.1, BLAKE2b). */
const ROUNDS = 12;

// RFC 7693 §2.6: IV, as (low, high) halves.
const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a, 0xade682d1, 0x510e527f,
  0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

// RFC 7693 §2.7: message word schedule SIGMA; rounds 10 and 11 reuse rows 0 and 1. Stored
// pre-multiplied by 2 (index of the low half in the message word array).
const SIGMA = new Uint8Array(
  [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  ]
    .flat()
    .map((x) => x * 2),
);

export class Blake2b {
  readonly digestLength: number;
  readonly #keyLength: number;
  /** Chaining state h[0..8) as 16 halves. */
  readonly #h = new Uint32Array(16);
  /** h right after the key block (keyed) or the parameter block (unkeyed). */
  readonly #hStart = new Uint32Array(16);
  /** Zero-padded key block (keyed only). */
  readonly #keyBlock = new Uint8Array(BLAKE2B_BLOCK_LENGTH);
  readonly #buffer = new Uint8Array(BLAKE2B_BLOCK_LENGTH);
  readonly #v = new Uint32Array(32);
  readonly #m = new Uint32Array(32);
  #bufferLength = 0;
  /** Bytes compressed so far (the low 53 bits of RFC 7693's 128-bit counter t). */
  #counter = 0;
  /** Message bytes given to update since reset (to tell an empty keyed message apart). */
  #messageLength = 0;

  constructor(digestLength: number, key: Uint8Array = new Uint8Array(0)) {
    assert(Number.isInteger(digestLength) && digestLength >= 1 && digestLength <= BLAKE2B_DIGEST_LENGTH_MAX, "Blake2b digest length must be 1..64");
    assert(key.length <= BLAKE2B_KEY_LENGTH_MAX, "Blake2b key longer than 64 bytes");
    this.digestLength = digestLength;
    this.#keyLength = key.length;
    this.#keyBlock.set(key, 0);
    this.#initialise();
    if (this.#keyLength > 0) {
      // RFC 7693 §3.3: the padded key is the first data block. Precompute its compression.
      this.#counter = BLAKE2B_BLOCK_LENGTH;
      this.#compress(this.#keyBlock, 0, false);
    }
    this.#hStart.set(this.#h);
    this.reset();
  }

  reset(): this {
    this.#h.set(this.#hStart);
    this.#counter = this.#keyLength > 0 ? BLAKE2B_BLOCK_LENGTH : 0;
    this.#bufferLength = 0;
    this.#messageLength = 0;
    return this;
  }

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    assert(start >= 0 && end <= bytes.length && start <= end, "Blake2b.update range out of bounds");
    this.#messageLength += end - start;
    let i = start;
    while (i < end) {
      // Only compress a full buffer once more input is known to follow (the last block is final).
      if (this.#bufferLength === BLAKE2B_BLOCK_LENGTH) {
        this.#counter += BLAKE2B_BLOCK_LENGTH;
        this.#compress(this.#buffer, 0, false);
        this.#bufferLength = 0;
      }
      if (this.#bufferLength === 0 && end - i > BLAKE2B_BLOCK_LENGTH) {
        this.#counter += BLAKE2B_BLOCK_LENGTH;
        this.#compress(bytes, i, false);
        i += BLAKE2B_BLOCK_LENGTH;
        continue;
      }
      const take = Math.min(BLAKE2B_BLOCK_LENGTH - this.#bufferLength, end - i);
      for (let k = 0; k < take; k++) this.#buffer[this.#bufferLength + k] = bytes[i + k]!;
      this.#bufferLength += take;
      i += take;
    }
    return this;
  }

  /** Finish: write the digest to `out[offset..offset+digestLength)`. Reset before reuse. */
  digestTo(out: Uint8Array, offset = 0): void {
    assert(offset >= 0 && offset + this.digestLength <= out.length, "Blake2b.digestTo target too small");
    if (this.#keyLength > 0 && this.#messageLength === 0) {
      // Keyed hash of the empty message: the key block itself is the final block.
      this.#initialise();
      this.#counter = BLAKE2B_BLOCK_LENGTH;
      this.#compress(this.#keyBlock, 0, true);
    } else {
      this.#buffer.fill(0, this.#bufferLength);
      this.#counter += this.#bufferLength;
      this.#compress(this.#buffer, 0, true);
    }
    const h = this.#h;
    for (let i = 0; i < this.digestLength; i++) {
      const word = h[i >>> 2]!;
      out[offset + i] = (word >>> ((i & 3) * 8)) & 0xff;
    }
  }

  /** h = IV XOR parameter block (RFC 7693 §2.5: depth 1, fanout 1, key length, digest length). */
  #initialise(): void {
    this.#h.set(IV);
    this.#h[0] = (this.#h[0]! ^ 0x01010000 ^ (this.#keyLength << 8) ^ this.digestLength) >>> 0;
  }

  /** RFC 7693 §3.2: compression function F. */
  #compress(block: Uint8Array, offset: number, last: boolean): void {
    const v = this.#v;
    const m = this.#m;
    const h = this.#h;
    for (let i = 0; i < 16; i++) {
      v[i] = h[i]!;
      v[i + 16] = IV[i]!;
    }
    const counterLow = this.#counter >>> 0;
    const counterHigh = Math.floor(this.#counter / 0x1_0000_0000) >>> 0;
    v[24] = v[24]! ^ counterLow;
    v[25] = v[25]! ^ counterHigh;
    if (last) {
      v[28] = ~v[28]!;
      v[29] = ~v[29]!;
    }
    for (let i = 0; i < 32; i++) {
      const o = offset + i * 4;
      m[i] = block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const s = round * 16;
      mix(v, m, 0, 8, 16, 24, SIGMA[s]!, SIGMA[s + 1]!);
      mix(v, m, 2, 10, 18, 26, SIGMA[s + 2]!, SIGMA[s + 3]!);
      mix(v, m, 4, 12, 20, 28, SIGMA[s + 4]!, SIGMA[s + 5]!);
      mix(v, m, 6, 14, 22, 30, SIGMA[s + 6]!, SIGMA[s + 7]!);
      mix(v, m, 0, 10, 20, 30, SIGMA[s + 8]!, SIGMA[s + 9]!);
      mix(v, m, 2, 12, 22, 24, SIGMA[s + 10]!, SIGMA[s + 11]!);
      mix(v, m, 4, 14, 16, 26, SIGMA[s + 12]!, SIGMA[s + 13]!);
      mix(v, m, 6, 8, 18, 28, SIGMA[s + 14]!, SIGMA[s + 15]!);
    }
    for (let i = 0; i < 16; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 16]!;
  }
}

/**
 * RFC 7693 §3.1: mixing function G on words a, b, c, d (indexes of low halves in v) with message
 * words x, y (indexes of low halves in m). Rotations by 32, 24, 16, 63.
 */
function mix(v: Uint32Array, m: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  // a = a + b + x
  let lo = v[a]! + v[b]!;
  let hi = v[a + 1]! + v[b + 1]! + (lo >= 0x1_0000_0000 ? 1 : 0);
  lo >>>= 0;
  let lo2 = lo + m[x]!;
  hi = hi + m[x + 1]! + (lo2 >= 0x1_0000_0000 ? 1 : 0);
  v[a] = lo2;
  v[a + 1] = hi;
  // d = (d ^ a) >>> 32
  let dLo = v[d]! ^ v[a]!;
  let dHi = v[d + 1]! ^ v[a + 1]!;
  v[d] = dHi;
  v[d + 1] = dLo;
  // c = c + d
  lo = v[c]! + v[d]!;
  hi = v[c + 1]! + v[d + 1]! + (lo >= 0x1_0000_0000 ? 1 : 0);
  v[c] = lo;
  v[c + 1] = hi;
  // b = (b ^ c) >>> 24
  let bLo = v[b]! ^ v[c]!;
  let bHi = v[b + 1]! ^ v[c + 1]!;
  v[b] = (bLo >>> 24) ^ (bHi << 8);
  v[b + 1] = (bHi >>> 24) ^ (bLo << 8);
  // a = a + b + y
  lo = v[a]! + v[b]!;
  hi = v[a + 1]! + v[b + 1]! + (lo >= 0x1_0000_0000 ? 1 : 0);
  lo >>>= 0;
  lo2 = lo + m[y]!;
  hi = hi + m[y + 1]! + (lo2 >= 0x1_0000_0000 ? 1 : 0);
  v[a] = lo2;
  v[a + 1] = hi;
  // d = (d ^ a) >>> 16
  dLo = v[d]! ^ v[a]!;
  dHi = v[d + 1]! ^ v[a + 1]!;
  v[d] = (dLo >>> 16) ^ (dHi << 16);
  v[d + 1] = (dHi >>> 16) ^ (dLo << 16);
  // c = c + d
  lo = v[c]! + v[d]!;
  hi = v[c + 1]! + v[d + 1]! + (lo >= 0x1_0000_0000 ? 1 : 0);
  v[c] = lo;
  v[c + 1] = hi;
  // b = (b ^ c) >>> 63, i.e. rotate left by 1
  bLo = v[b]! ^ v[c]!;
  bHi = v[b + 1]! ^ v[c + 1]!;
  v[b] = (bHi >>> 31) ^ (bLo << 1);
  v[b + 1] = (bLo >>> 31) ^ (bHi << 1);
}

/** One-shot BLAKE2b (allocates the result; for tests and start-up). */
export function blake2b(message: Uint8Array, digestLength = 64, key: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(digestLength);
  new Blake2b(digestLength, key).update(message).digestTo(out);
  return out;
}

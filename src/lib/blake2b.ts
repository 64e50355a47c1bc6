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

  /** Load the 16 message words (little-endian, RFC 7693 §2.4) and compress. */
  #compress(block: Uint8Array, offset: number, last: boolean): void {
    const m = this.#m;
    for (let i = 0; i < 32; i++) {
      const o = offset + i * 4;
      m[i] = block[o]! | (block[o + 1]! << 8) | (block[o + 2]! << 16) | (block[o + 3]! << 24);
    }
    compressBlock(this.#h, m, this.#counter >>> 0, Math.floor(this.#counter / 0x1_0000_0000) >>> 0, last);
  }
}

/**
 * RFC 7693 §3.2: compression function F with the working vector v in 32 local variables (low/high
 * halves as int32) and the mixing function G (§3.1: rotations 32, 24, 16, 63) written out for the
 * four column and four diagonal steps of each round. Machine-expanded from the G definition;
 * correctness is pinned by the RFC 7693 test vectors in test/lib/blake2b.test.ts.
 */
function compressBlock(h: Uint32Array, m: Uint32Array, counterLow: number, counterHigh: number, last: boolean): void {
  let v0l = h[0]! | 0;
  let v0h = h[1]! | 0;
  let v1l = h[2]! | 0;
  let v1h = h[3]! | 0;
  let v2l = h[4]! | 0;
  let v2h = h[5]! | 0;
  let v3l = h[6]! | 0;
  let v3h = h[7]! | 0;
  let v4l = h[8]! | 0;
  let v4h = h[9]! | 0;
  let v5l = h[10]! | 0;
  let v5h = h[11]! | 0;
  let v6l = h[12]! | 0;
  let v6h = h[13]! | 0;
  let v7l = h[14]! | 0;
  let v7h = h[15]! | 0;
  let v8l = IV[0]! | 0;
  let v8h = IV[1]! | 0;
  let v9l = IV[2]! | 0;
  let v9h = IV[3]! | 0;
  let v10l = IV[4]! | 0;
  let v10h = IV[5]! | 0;
  let v11l = IV[6]! | 0;
  let v11h = IV[7]! | 0;
  let v12l = IV[8]! | 0;
  let v12h = IV[9]! | 0;
  let v13l = IV[10]! | 0;
  let v13h = IV[11]! | 0;
  let v14l = IV[12]! | 0;
  let v14h = IV[13]! | 0;
  let v15l = IV[14]! | 0;
  let v15h = IV[15]! | 0;
  v12l ^= counterLow;
  v12h ^= counterHigh;
  if (last) {
    v14l = ~v14l;
    v14h = ~v14h;
  }
  let lo = 0;
  let t = 0;
  let u = 0;
  let x = 0;
  let y = 0;
  for (let s = 0; s < ROUNDS * 16; s += 16) {
      // G0(v0, v4, v8, v12)
      x = SIGMA[s + 0]!;
      y = SIGMA[s + 1]!;
      lo = (v0l + v4l) | 0;
      v0h = (v0h + v4h + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      lo = (v0l + m[x]!) | 0;
      v0h = (v0h + m[x + 1]! + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      t = v12l ^ v0l;
      v12l = v12h ^ v0h;
      v12h = t;
      lo = (v8l + v12l) | 0;
      v8h = (v8h + v12h + ((lo >>> 0) < (v8l >>> 0) ? 1 : 0)) | 0;
      v8l = lo;
      t = v4l ^ v8l;
      u = v4h ^ v8h;
      v4l = (t >>> 24) | (u << 8);
      v4h = (u >>> 24) | (t << 8);
      lo = (v0l + v4l) | 0;
      v0h = (v0h + v4h + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      lo = (v0l + m[y]!) | 0;
      v0h = (v0h + m[y + 1]! + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      t = v12l ^ v0l;
      u = v12h ^ v0h;
      v12l = (t >>> 16) | (u << 16);
      v12h = (u >>> 16) | (t << 16);
      lo = (v8l + v12l) | 0;
      v8h = (v8h + v12h + ((lo >>> 0) < (v8l >>> 0) ? 1 : 0)) | 0;
      v8l = lo;
      t = v4l ^ v8l;
      u = v4h ^ v8h;
      v4l = (t << 1) | (u >>> 31);
      v4h = (u << 1) | (t >>> 31);
      // G1(v1, v5, v9, v13)
      x = SIGMA[s + 2]!;
      y = SIGMA[s + 3]!;
      lo = (v1l + v5l) | 0;
      v1h = (v1h + v5h + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      lo = (v1l + m[x]!) | 0;
      v1h = (v1h + m[x + 1]! + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      t = v13l ^ v1l;
      v13l = v13h ^ v1h;
      v13h = t;
      lo = (v9l + v13l) | 0;
      v9h = (v9h + v13h + ((lo >>> 0) < (v9l >>> 0) ? 1 : 0)) | 0;
      v9l = lo;
      t = v5l ^ v9l;
      u = v5h ^ v9h;
      v5l = (t >>> 24) | (u << 8);
      v5h = (u >>> 24) | (t << 8);
      lo = (v1l + v5l) | 0;
      v1h = (v1h + v5h + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      lo = (v1l + m[y]!) | 0;
      v1h = (v1h + m[y + 1]! + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      t = v13l ^ v1l;
      u = v13h ^ v1h;
      v13l = (t >>> 16) | (u << 16);
      v13h = (u >>> 16) | (t << 16);
      lo = (v9l + v13l) | 0;
      v9h = (v9h + v13h + ((lo >>> 0) < (v9l >>> 0) ? 1 : 0)) | 0;
      v9l = lo;
      t = v5l ^ v9l;
      u = v5h ^ v9h;
      v5l = (t << 1) | (u >>> 31);
      v5h = (u << 1) | (t >>> 31);
      // G2(v2, v6, v10, v14)
      x = SIGMA[s + 4]!;
      y = SIGMA[s + 5]!;
      lo = (v2l + v6l) | 0;
      v2h = (v2h + v6h + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      lo = (v2l + m[x]!) | 0;
      v2h = (v2h + m[x + 1]! + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      t = v14l ^ v2l;
      v14l = v14h ^ v2h;
      v14h = t;
      lo = (v10l + v14l) | 0;
      v10h = (v10h + v14h + ((lo >>> 0) < (v10l >>> 0) ? 1 : 0)) | 0;
      v10l = lo;
      t = v6l ^ v10l;
      u = v6h ^ v10h;
      v6l = (t >>> 24) | (u << 8);
      v6h = (u >>> 24) | (t << 8);
      lo = (v2l + v6l) | 0;
      v2h = (v2h + v6h + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      lo = (v2l + m[y]!) | 0;
      v2h = (v2h + m[y + 1]! + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      t = v14l ^ v2l;
      u = v14h ^ v2h;
      v14l = (t >>> 16) | (u << 16);
      v14h = (u >>> 16) | (t << 16);
      lo = (v10l + v14l) | 0;
      v10h = (v10h + v14h + ((lo >>> 0) < (v10l >>> 0) ? 1 : 0)) | 0;
      v10l = lo;
      t = v6l ^ v10l;
      u = v6h ^ v10h;
      v6l = (t << 1) | (u >>> 31);
      v6h = (u << 1) | (t >>> 31);
      // G3(v3, v7, v11, v15)
      x = SIGMA[s + 6]!;
      y = SIGMA[s + 7]!;
      lo = (v3l + v7l) | 0;
      v3h = (v3h + v7h + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      lo = (v3l + m[x]!) | 0;
      v3h = (v3h + m[x + 1]! + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      t = v15l ^ v3l;
      v15l = v15h ^ v3h;
      v15h = t;
      lo = (v11l + v15l) | 0;
      v11h = (v11h + v15h + ((lo >>> 0) < (v11l >>> 0) ? 1 : 0)) | 0;
      v11l = lo;
      t = v7l ^ v11l;
      u = v7h ^ v11h;
      v7l = (t >>> 24) | (u << 8);
      v7h = (u >>> 24) | (t << 8);
      lo = (v3l + v7l) | 0;
      v3h = (v3h + v7h + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      lo = (v3l + m[y]!) | 0;
      v3h = (v3h + m[y + 1]! + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      t = v15l ^ v3l;
      u = v15h ^ v3h;
      v15l = (t >>> 16) | (u << 16);
      v15h = (u >>> 16) | (t << 16);
      lo = (v11l + v15l) | 0;
      v11h = (v11h + v15h + ((lo >>> 0) < (v11l >>> 0) ? 1 : 0)) | 0;
      v11l = lo;
      t = v7l ^ v11l;
      u = v7h ^ v11h;
      v7l = (t << 1) | (u >>> 31);
      v7h = (u << 1) | (t >>> 31);
      // G4(v0, v5, v10, v15)
      x = SIGMA[s + 8]!;
      y = SIGMA[s + 9]!;
      lo = (v0l + v5l) | 0;
      v0h = (v0h + v5h + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      lo = (v0l + m[x]!) | 0;
      v0h = (v0h + m[x + 1]! + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      t = v15l ^ v0l;
      v15l = v15h ^ v0h;
      v15h = t;
      lo = (v10l + v15l) | 0;
      v10h = (v10h + v15h + ((lo >>> 0) < (v10l >>> 0) ? 1 : 0)) | 0;
      v10l = lo;
      t = v5l ^ v10l;
      u = v5h ^ v10h;
      v5l = (t >>> 24) | (u << 8);
      v5h = (u >>> 24) | (t << 8);
      lo = (v0l + v5l) | 0;
      v0h = (v0h + v5h + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      lo = (v0l + m[y]!) | 0;
      v0h = (v0h + m[y + 1]! + ((lo >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0;
      v0l = lo;
      t = v15l ^ v0l;
      u = v15h ^ v0h;
      v15l = (t >>> 16) | (u << 16);
      v15h = (u >>> 16) | (t << 16);
      lo = (v10l + v15l) | 0;
      v10h = (v10h + v15h + ((lo >>> 0) < (v10l >>> 0) ? 1 : 0)) | 0;
      v10l = lo;
      t = v5l ^ v10l;
      u = v5h ^ v10h;
      v5l = (t << 1) | (u >>> 31);
      v5h = (u << 1) | (t >>> 31);
      // G5(v1, v6, v11, v12)
      x = SIGMA[s + 10]!;
      y = SIGMA[s + 11]!;
      lo = (v1l + v6l) | 0;
      v1h = (v1h + v6h + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      lo = (v1l + m[x]!) | 0;
      v1h = (v1h + m[x + 1]! + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      t = v12l ^ v1l;
      v12l = v12h ^ v1h;
      v12h = t;
      lo = (v11l + v12l) | 0;
      v11h = (v11h + v12h + ((lo >>> 0) < (v11l >>> 0) ? 1 : 0)) | 0;
      v11l = lo;
      t = v6l ^ v11l;
      u = v6h ^ v11h;
      v6l = (t >>> 24) | (u << 8);
      v6h = (u >>> 24) | (t << 8);
      lo = (v1l + v6l) | 0;
      v1h = (v1h + v6h + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      lo = (v1l + m[y]!) | 0;
      v1h = (v1h + m[y + 1]! + ((lo >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      v1l = lo;
      t = v12l ^ v1l;
      u = v12h ^ v1h;
      v12l = (t >>> 16) | (u << 16);
      v12h = (u >>> 16) | (t << 16);
      lo = (v11l + v12l) | 0;
      v11h = (v11h + v12h + ((lo >>> 0) < (v11l >>> 0) ? 1 : 0)) | 0;
      v11l = lo;
      t = v6l ^ v11l;
      u = v6h ^ v11h;
      v6l = (t << 1) | (u >>> 31);
      v6h = (u << 1) | (t >>> 31);
      // G6(v2, v7, v8, v13)
      x = SIGMA[s + 12]!;
      y = SIGMA[s + 13]!;
      lo = (v2l + v7l) | 0;
      v2h = (v2h + v7h + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      lo = (v2l + m[x]!) | 0;
      v2h = (v2h + m[x + 1]! + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      t = v13l ^ v2l;
      v13l = v13h ^ v2h;
      v13h = t;
      lo = (v8l + v13l) | 0;
      v8h = (v8h + v13h + ((lo >>> 0) < (v8l >>> 0) ? 1 : 0)) | 0;
      v8l = lo;
      t = v7l ^ v8l;
      u = v7h ^ v8h;
      v7l = (t >>> 24) | (u << 8);
      v7h = (u >>> 24) | (t << 8);
      lo = (v2l + v7l) | 0;
      v2h = (v2h + v7h + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      lo = (v2l + m[y]!) | 0;
      v2h = (v2h + m[y + 1]! + ((lo >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      v2l = lo;
      t = v13l ^ v2l;
      u = v13h ^ v2h;
      v13l = (t >>> 16) | (u << 16);
      v13h = (u >>> 16) | (t << 16);
      lo = (v8l + v13l) | 0;
      v8h = (v8h + v13h + ((lo >>> 0) < (v8l >>> 0) ? 1 : 0)) | 0;
      v8l = lo;
      t = v7l ^ v8l;
      u = v7h ^ v8h;
      v7l = (t << 1) | (u >>> 31);
      v7h = (u << 1) | (t >>> 31);
      // G7(v3, v4, v9, v14)
      x = SIGMA[s + 14]!;
      y = SIGMA[s + 15]!;
      lo = (v3l + v4l) | 0;
      v3h = (v3h + v4h + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      lo = (v3l + m[x]!) | 0;
      v3h = (v3h + m[x + 1]! + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      t = v14l ^ v3l;
      v14l = v14h ^ v3h;
      v14h = t;
      lo = (v9l + v14l) | 0;
      v9h = (v9h + v14h + ((lo >>> 0) < (v9l >>> 0) ? 1 : 0)) | 0;
      v9l = lo;
      t = v4l ^ v9l;
      u = v4h ^ v9h;
      v4l = (t >>> 24) | (u << 8);
      v4h = (u >>> 24) | (t << 8);
      lo = (v3l + v4l) | 0;
      v3h = (v3h + v4h + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      lo = (v3l + m[y]!) | 0;
      v3h = (v3h + m[y + 1]! + ((lo >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      v3l = lo;
      t = v14l ^ v3l;
      u = v14h ^ v3h;
      v14l = (t >>> 16) | (u << 16);
      v14h = (u >>> 16) | (t << 16);
      lo = (v9l + v14l) | 0;
      v9h = (v9h + v14h + ((lo >>> 0) < (v9l >>> 0) ? 1 : 0)) | 0;
      v9l = lo;
      t = v4l ^ v9l;
      u = v4h ^ v9h;
      v4l = (t << 1) | (u >>> 31);
      v4h = (u << 1) | (t >>> 31);
  }
  h[0] = h[0]! ^ v0l ^ v8l;
  h[1] = h[1]! ^ v0h ^ v8h;
  h[2] = h[2]! ^ v1l ^ v9l;
  h[3] = h[3]! ^ v1h ^ v9h;
  h[4] = h[4]! ^ v2l ^ v10l;
  h[5] = h[5]! ^ v2h ^ v10h;
  h[6] = h[6]! ^ v3l ^ v11l;
  h[7] = h[7]! ^ v3h ^ v11h;
  h[8] = h[8]! ^ v4l ^ v12l;
  h[9] = h[9]! ^ v4h ^ v12h;
  h[10] = h[10]! ^ v5l ^ v13l;
  h[11] = h[11]! ^ v5h ^ v13h;
  h[12] = h[12]! ^ v6l ^ v14l;
  h[13] = h[13]! ^ v6h ^ v14h;
  h[14] = h[14]! ^ v7l ^ v15l;
  h[15] = h[15]! ^ v7h ^ v15h;
}

/** One-shot BLAKE2b (allocates the result; for tests and start-up). */
export function blake2b(message: Uint8Array, digestLength = 64, key: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(digestLength);
  new Blake2b(digestLength, key).update(message).digestTo(out);
  return out;
}

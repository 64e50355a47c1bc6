/**
 * SHA-1 (RFC 3174 / FIPS 180-4), streaming, with no allocation after construction. Used only as
 * the hash inside HMAC-SHA1 for OpenBridge v1 frames and bridge-control packets
 * (freedmr-reference.md §2.2, §2.4) — never for anything that needs collision resistance.
 *
 * `Sha1` keeps its five-word state, a 64-byte block buffer and the 80-word message schedule in
 * typed arrays created once; `update` and `digestTo` touch nothing else. `exportState`/`importState`
 * let HMAC precompute the keyed inner/outer states once per key (see hmac_sha1.ts).
 * @module
 */
import { assert } from "./assert.ts";

export const SHA1_DIGEST_LENGTH = 20;
export const SHA1_BLOCK_LENGTH = 64;

// FIPS 180-4 §5.3.1: initial hash value.
const H0 = 0x67452301;
const H1 = 0xefcdab89;
const H2 = 0x98badcfe;
const H3 = 0x10325476;
const H4 = 0xc3d2e1f0;

// FIPS 180-4 §4.2.1: round constants.
const K0 = 0x5a827999;
const K1 = 0x6ed9eba1;
const K2 = 0x8f1bbcdc;
const K3 = 0xca62c1d6;

export class Sha1 {
  readonly #state = new Int32Array(5);
  readonly #block = new Uint8Array(SHA1_BLOCK_LENGTH);
  readonly #schedule = new Int32Array(16);
  #blockLength = 0;
  /** Bytes hashed so far (including any imported prefix). */
  #totalLength = 0;

  constructor() {
    this.reset();
  }

  reset(): this {
    const s = this.#state;
    s[0] = H0;
    s[1] = H1;
    s[2] = H2;
    s[3] = H3;
    s[4] = H4;
    this.#blockLength = 0;
    this.#totalLength = 0;
    return this;
  }

  /** Copy the chaining state (only valid on a block boundary) into `out[0..5)`. */
  exportState(out: Int32Array): void {
    assert(this.#blockLength === 0, "Sha1.exportState off a block boundary");
    out.set(this.#state);
  }

  /** Resume from a state exported after `prefixLength` bytes (a multiple of 64). */
  importState(state: Int32Array, prefixLength: number): this {
    assert(prefixLength % SHA1_BLOCK_LENGTH === 0, "Sha1.importState prefix not block aligned");
    this.#state.set(state.subarray(0, 5));
    this.#blockLength = 0;
    this.#totalLength = prefixLength;
    return this;
  }

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    assert(start >= 0 && end <= bytes.length && start <= end, "Sha1.update range out of bounds");
    this.#totalLength += end - start;
    let i = start;
    if (this.#blockLength > 0) {
      while (i < end && this.#blockLength < SHA1_BLOCK_LENGTH) this.#block[this.#blockLength++] = bytes[i++]!;
      if (this.#blockLength < SHA1_BLOCK_LENGTH) return this;
      this.#compress(this.#block, 0);
      this.#blockLength = 0;
    }
    while (end - i >= SHA1_BLOCK_LENGTH) {
      this.#compress(bytes, i);
      i += SHA1_BLOCK_LENGTH;
    }
    while (i < end) this.#block[this.#blockLength++] = bytes[i++]!;
    return this;
  }

  /** Finish: write the 20-byte digest to `out[offset..offset+20)`. The hasher must be reset before reuse. */
  digestTo(out: Uint8Array, offset = 0): void {
    assert(offset >= 0 && offset + SHA1_DIGEST_LENGTH <= out.length, "Sha1.digestTo target too small");
    const block = this.#block;
    const bitLength = this.#totalLength * 8;
    // FIPS 180-4 §5.1.1: append 0x80, zeros, then the 64-bit big-endian bit length.
    block[this.#blockLength++] = 0x80;
    if (this.#blockLength > 56) {
      block.fill(0, this.#blockLength);
      this.#compress(block, 0);
      this.#blockLength = 0;
    }
    block.fill(0, this.#blockLength, 56);
    const high = Math.floor(bitLength / 0x1_0000_0000);
    const low = bitLength >>> 0;
    block[56] = high >>> 24;
    block[57] = (high >>> 16) & 0xff;
    block[58] = (high >>> 8) & 0xff;
    block[59] = high & 0xff;
    block[60] = low >>> 24;
    block[61] = (low >>> 16) & 0xff;
    block[62] = (low >>> 8) & 0xff;
    block[63] = low & 0xff;
    this.#compress(block, 0);
    this.#blockLength = 0;
    const s = this.#state;
    for (let w = 0; w < 5; w++) {
      const v = s[w]!;
      const o = offset + w * 4;
      out[o] = v >>> 24;
      out[o + 1] = (v >>> 16) & 0xff;
      out[o + 2] = (v >>> 8) & 0xff;
      out[o + 3] = v & 0xff;
    }
  }

  /**
   * FIPS 180-4 §6.1.2, with the message schedule kept in a 16-word ring (W[t] depends only on the
   * previous 16 words) and the four round functions in separate loops.
   */
  #compress(bytes: Uint8Array, offset: number): void {
    const w = this.#schedule;
    for (let t = 0; t < 16; t++) {
      const o = offset + t * 4;
      w[t] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
    }
    const s = this.#state;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    let e = s[4]!;
    let t = 0;
    for (; t < 16; t++) {
      const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + K0 + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    for (; t < 20; t++) {
      const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + K0 + schedule(w, t)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    for (; t < 40; t++) {
      const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + K1 + schedule(w, t)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    for (; t < 60; t++) {
      const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + K2 + schedule(w, t)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    for (; t < 80; t++) {
      const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + K3 + schedule(w, t)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = tmp;
    }
    s[0] = (s[0]! + a) | 0;
    s[1] = (s[1]! + b) | 0;
    s[2] = (s[2]! + c) | 0;
    s[3] = (s[3]! + d) | 0;
    s[4] = (s[4]! + e) | 0;
  }
}

/** W[t] = ROTL1(W[t−3] ⊕ W[t−8] ⊕ W[t−14] ⊕ W[t−16]) in a 16-word ring (t ≥ 16). */
function schedule(w: Int32Array, t: number): number {
  const i = t & 15;
  const x = w[(t + 13) & 15]! ^ w[(t + 8) & 15]! ^ w[(t + 2) & 15]! ^ w[i]!;
  const v = (x << 1) | (x >>> 31);
  w[i] = v;
  return v;
}

/** One-shot SHA-1 (allocates the result; for tests and start-up, not the packet path). */
export function sha1(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHA1_DIGEST_LENGTH);
  new Sha1().update(bytes).digestTo(out);
  return out;
}

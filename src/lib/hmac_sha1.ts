/**
 * HMAC-SHA1 (RFC 2104) with the keyed states precomputed, for OpenBridge v1 frames and bridge
 * control (freedmr-reference.md §2.2, §2.4). The key block XOR ipad / XOR opad is hashed once at
 * construction; each MAC then costs two SHA-1 compressions for a 53-byte message (one for the
 * message + padding, one for the outer hash) and allocates nothing. Checked against RFC 2202 in
 * test/lib/sha1.test.ts.
 *
 * (node:crypto's createHmac would allocate a Hmac object, a digest Buffer and redo the key
 * schedule on every frame; this is about 2 compressions and zero objects per MAC.)
 * @module
 */
import { assert } from "./assert.ts";
import { Sha1, SHA1_BLOCK_LENGTH, SHA1_DIGEST_LENGTH } from "./sha1.ts";

export const HMAC_SHA1_LENGTH = SHA1_DIGEST_LENGTH;

// RFC 2104 §2: ipad = 0x36, opad = 0x5c repeated over one block.
const IPAD = 0x36;
const OPAD = 0x5c;

export class HmacSha1 {
  readonly #hash = new Sha1();
  readonly #innerState = new Int32Array(5);
  readonly #outerState = new Int32Array(5);
  readonly #innerDigest = new Uint8Array(SHA1_DIGEST_LENGTH);
  readonly #scratch = new Uint8Array(SHA1_DIGEST_LENGTH);

  /** `key` longer than one block is hashed first (RFC 2104 §2). */
  constructor(key: Uint8Array) {
    const block = new Uint8Array(SHA1_BLOCK_LENGTH);
    if (key.length > SHA1_BLOCK_LENGTH) new Sha1().update(key).digestTo(block, 0);
    else block.set(key, 0);
    const pad = new Uint8Array(SHA1_BLOCK_LENGTH);
    for (let i = 0; i < SHA1_BLOCK_LENGTH; i++) pad[i] = block[i]! ^ IPAD;
    this.#hash.reset().update(pad).exportState(this.#innerState);
    for (let i = 0; i < SHA1_BLOCK_LENGTH; i++) pad[i] = block[i]! ^ OPAD;
    this.#hash.reset().update(pad).exportState(this.#outerState);
  }

  /** MAC of `message[start..end)` into `out[offset..offset+20)`. */
  compute(message: Uint8Array, start: number, end: number, out: Uint8Array, offset: number): void {
    assert(offset >= 0 && offset + HMAC_SHA1_LENGTH <= out.length, "HmacSha1.compute target too small");
    const hash = this.#hash;
    hash.importState(this.#innerState, SHA1_BLOCK_LENGTH).update(message, start, end).digestTo(this.#innerDigest, 0);
    hash.importState(this.#outerState, SHA1_BLOCK_LENGTH).update(this.#innerDigest).digestTo(out, offset);
  }

  /** True when `mac[macOffset..+20)` is the MAC of `message[start..end)`. Constant time in the MAC bytes. */
  verify(message: Uint8Array, start: number, end: number, mac: Uint8Array, macOffset: number): boolean {
    if (macOffset < 0 || macOffset + HMAC_SHA1_LENGTH > mac.length) return false;
    const expected = this.#scratch;
    this.compute(message, start, end, expected, 0);
    let diff = 0;
    for (let i = 0; i < HMAC_SHA1_LENGTH; i++) diff |= expected[i]! ^ mac[macOffset + i]!;
    return diff === 0;
  }
}

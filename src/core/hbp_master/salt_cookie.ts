/**
 * Stateless login salts (the SYN-cookie idea, RFC 4987 §3.6): the salt sent in `RPTACK` is
 * HMAC-SHA256(secret, window ‖ repeater id ‖ socket ‖ port ‖ address) truncated to 32 bits, so an
 * RPTL leaves no state behind. At RPTK the master recomputes the salt for the current and the
 * previous window and checks the digest against them: a handshake stays valid for one to two
 * windows (30–60 s), which covers the client's RPTK retries every 10 s (hbp-and-dmr.md §1.6).
 *
 * The secret is drawn by the shell from the OS's cryptographic source (src/shell/login_secret.ts)
 * and handed in, so salts are unpredictable in the field and reproducible in tests. The salt only
 * has to be fresh and bound to the endpoint (it keeps a captured RPTK from being replayed from
 * elsewhere or much later); it protects no secret itself.
 *
 * No allocation per call: fixed-size message and pad buffers, hashed into a reused digest buffer.
 * @module
 */

/** Salt lifetime unit. Clients resend RPTK every 10 s while unanswered (hbp-and-dmr.md §1.6). */
export const SALT_WINDOW_MS = 30_000;
export const SALT_SECRET_BYTES = 32;

/** SHA-256 block size (FIPS 180-4 §5.1.2), the HMAC pad length (RFC 2104 §2). */
const BLOCK = 64;
const DIGEST = 32;
/** window(4) ‖ id(4) ‖ socket(2) ‖ port(2) ‖ address text (48, zero padded; longer text is folded in). */
const ADDRESS_OFFSET = 12;
const ADDRESS_BYTES = 48;
const MESSAGE = ADDRESS_OFFSET + ADDRESS_BYTES;

export class SaltCookie {
  /** ipad ‖ message */
  readonly #inner = new Uint8Array(BLOCK + MESSAGE);
  /** opad ‖ inner digest */
  readonly #outer = new Uint8Array(BLOCK + DIGEST);
  readonly #digest = new Uint8Array(DIGEST);

  constructor(secret: Uint8Array) {
    if (secret.length < 16) throw new Error("salt cookie: the secret must be at least 16 bytes");
    // RFC 2104 §2: keys longer than the block are hashed first.
    const key = secret.length > BLOCK ? new Uint8Array(Bun.CryptoHasher.hash("sha256", secret)) : secret;
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.#inner[i] = k ^ 0x36;
      this.#outer[i] = k ^ 0x5c;
    }
  }

  /** The window a time falls in. */
  static window(nowMs: number): number {
    return Math.floor(nowMs / SALT_WINDOW_MS);
  }

  /** The salt for this id at this endpoint in this window (never 0: 0 reads as "no salt" in captures). */
  salt(window: number, repeaterId: number, socketIndex: number, address: string, port: number): number {
    const m = this.#inner;
    let o = BLOCK;
    o = put32(m, o, window >>> 0);
    o = put32(m, o, repeaterId >>> 0);
    m[o++] = (socketIndex >>> 8) & 0xff;
    m[o++] = socketIndex & 0xff;
    m[o++] = (port >>> 8) & 0xff;
    m[o++] = port & 0xff;
    m.fill(0, BLOCK + ADDRESS_OFFSET);
    for (let i = 0; i < address.length; i++) {
      m[BLOCK + ADDRESS_OFFSET + (i % ADDRESS_BYTES)]! ^= address.charCodeAt(i) & 0xff;
    }
    Bun.CryptoHasher.hash("sha256", m, this.#digest);
    this.#outer.set(this.#digest, BLOCK);
    Bun.CryptoHasher.hash("sha256", this.#outer, this.#digest);
    const d = this.#digest;
    const salt = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
    return salt === 0 ? 1 : salt;
  }
}

function put32(target: Uint8Array, offset: number, value: number): number {
  target[offset] = (value >>> 24) & 0xff;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
  return offset + 4;
}

/**
 * RPTK authentication (hbp-and-dmr.md §1.2, §6.4): SHA-256 over the 4 raw salt bytes followed by
 * the passphrase bytes, compared with the 32 raw digest bytes in constant time. Hashing is
 * computation, not I/O; it runs once per login attempt. Bun.CryptoHasher is used rather than
 * node:crypto's createHash, which left ~0.5 KB of native memory behind per digest (11 MB of RSS
 * per 20,000 logins, measured) — it matters when 10,000 hotspots log in after a restart.
 * @module
 */

export function passphraseBytes(passphrase: string): Uint8Array {
  return new TextEncoder().encode(passphrase);
}

/** sha256(salt_be32 ‖ passphrase). */
export function loginDigest(salt: number, passphrase: Uint8Array): Uint8Array {
  const saltBytes = new Uint8Array(4);
  saltBytes[0] = (salt >>> 24) & 0xff;
  saltBytes[1] = (salt >>> 16) & 0xff;
  saltBytes[2] = (salt >>> 8) & 0xff;
  saltBytes[3] = salt & 0xff;
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(saltBytes);
  hasher.update(passphrase);
  return new Uint8Array(hasher.digest());
}

/** Compare two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Does `digest` (the 32 bytes of an RPTK) prove knowledge of `passphrase` for `salt`? */
export function verifyLogin(salt: number, passphrase: Uint8Array, digest: Uint8Array): boolean {
  return constantTimeEqual(loginDigest(salt, passphrase), digest);
}

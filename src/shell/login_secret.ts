/**
 * The key for HBP login salts (src/core/hbp_master/salt_cookie.ts), drawn from the OS's
 * cryptographic source at start-up. It lives only in memory: after a restart every hotspot logs in
 * again anyway, so nothing needs to survive it.
 * @module
 */
import { SALT_SECRET_BYTES } from "../core/hbp_master/salt_cookie.ts";

export function drawLoginSecret(): Uint8Array {
  const secret = new Uint8Array(SALT_SECRET_BYTES);
  crypto.getRandomValues(secret);
  return secret;
}

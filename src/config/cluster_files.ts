/**
 * The files `[cluster]` names (NATS credentials, NKey seed, TLS), checked when the config is loaded:
 * a file that cannot be read or does not hold what the key promises is a config error naming the
 * key (the server exits 2), instead of a node that starts and then fails every connection attempt.
 * Only read when clustering is on. Formats: a NATS user NKey seed is "SU" + base32, 58 characters
 * (NKeys: 1 prefix byte pair, 32-byte ed25519 seed, 2-byte CRC-16, base32 without padding); a
 * `.creds` file holds a "NATS USER JWT" block and a "USER NKEY SEED" block (nsc's format).
 * @module
 */
import { readFileSync } from "node:fs";
import type { Config } from "./schema.ts";
import type { ConfigError } from "./errors.ts";

/** A user NKey seed: "SU" then 56 base32 characters (58 in all). */
const USER_SEED = /^SU[A-Z2-7]{56}$/;
const CREDS_JWT = /-{3,}BEGIN NATS USER JWT-{3,}\s*\n\s*([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*\n/;
const CREDS_SEED = /-{3,}BEGIN USER NKEY SEED-{3,}\s*\n\s*(\S+)\s*\n/;

function readText(path: string): { ok: true; text: string } | { ok: false; why: string } {
  try {
    return { ok: true, text: readFileSync(path, "utf8") };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return { ok: false, why: typeof code === "string" ? code : error instanceof Error ? error.message : String(error) };
  }
}

/** Problems with the files `[cluster]` names (none when clustering is off). */
export function clusterFileErrors(config: Config): ConfigError[] {
  const cluster = config.cluster;
  if (!cluster.enabled) return [];
  const errors: ConfigError[] = [];
  if (cluster.creds_file !== "" && cluster.nkey_seed_file !== "") {
    errors.push({ path: "cluster.nkey_seed_file", value: cluster.nkey_seed_file, expected: "empty when cluster.creds_file is set (a .creds file carries its own NKey seed; use one of the two)" });
  }
  if (cluster.creds_file !== "") {
    const read = readText(cluster.creds_file);
    if (!read.ok) {
      errors.push({ path: "cluster.creds_file", value: cluster.creds_file, expected: `a readable NATS credentials file (${read.why})` });
    } else {
      const jwt = CREDS_JWT.exec(read.text);
      const seed = CREDS_SEED.exec(read.text);
      if (jwt === null || seed === null || !USER_SEED.test(seed[1]!)) {
        errors.push({
          path: "cluster.creds_file",
          value: cluster.creds_file,
          expected: 'a NATS credentials file (from nsc): a "BEGIN NATS USER JWT" block and a "BEGIN USER NKEY SEED" block holding a user seed (SU…)',
        });
      }
    }
  }
  if (cluster.nkey_seed_file !== "") {
    const read = readText(cluster.nkey_seed_file);
    if (!read.ok) {
      errors.push({ path: "cluster.nkey_seed_file", value: cluster.nkey_seed_file, expected: `a readable file holding an NKey user seed (${read.why})` });
    } else if (!USER_SEED.test(read.text.trim())) {
      errors.push({ path: "cluster.nkey_seed_file", value: cluster.nkey_seed_file, expected: 'a file holding one NKey user seed: "SU" and 56 base32 characters (nk -gen user, or nsc)' });
    }
  }
  for (const key of ["tls_ca_file", "tls_cert_file", "tls_key_file"] as const) {
    const path = cluster[key];
    if (path === "") continue;
    const read = readText(path);
    if (!read.ok) errors.push({ path: `cluster.${key}`, value: path, expected: `a readable PEM file (${read.why})` });
  }
  return errors;
}

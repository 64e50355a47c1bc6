/**
 * Credentials for the NATS authentication tests, made at run time: user NKey pairs
 * (@nats-io/nkeys) and a whole operator → account → user JWT chain (@nats-io/jwt) with `.creds`
 * files, plus the nats-server config text that trusts them (operator mode, memory resolver).
 * Files go to a temporary directory removed by `removeAuthFiles`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds, type KeyPair } from "@nats-io/jwt";

let dir: string | null = null;

/** Write `text` to a new file in the test's temporary directory; returns its path. */
export function authFile(name: string, text: string | Uint8Array): string {
  dir ??= mkdtempSync(join(tmpdir(), "freedmr-nats-auth-"));
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

export function removeAuthFiles(): void {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
}

/** A user NKey pair: the public key (U…) for nats-server, the seed (SU…) for freedmr. */
export function nkeyUser(): { publicKey: string; seed: string } {
  const kp = createUser();
  return { publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
}

export interface OperatorChain {
  /** nats-server config text: operator JWT, memory resolver with the account preloaded */
  serverConfig: string;
  account: KeyPair;
  /** a .creds file for a new user of the account; `expiresAt` (seconds since 1970) makes it expire */
  creds(name: string, options?: { expiresAtSeconds?: number }): Promise<Uint8Array>;
}

/** Operator, its system account, one account with JetStream allowed (the KV), users made on demand. */
export async function operatorChain(): Promise<OperatorChain> {
  const operator = createOperator();
  const account = createAccount();
  const system = createAccount();
  // JetStream in operator mode needs a system account
  const operatorJwt = await encodeOperator("freedmr-test-operator", operator, { system_account: system.getPublicKey() });
  const systemJwt = await encodeAccount("SYS", system, {}, { signer: operator });
  const accountJwt = await encodeAccount("FREEDMR", account, { limits: { conn: -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, leaf: -1, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 } }, { signer: operator });
  const serverConfig = [
    `operator: ${operatorJwt}`,
    `system_account: ${system.getPublicKey()}`,
    "resolver: MEMORY",
    `resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${system.getPublicKey()}: ${systemJwt} }`,
    "",
  ].join("\n");
  return {
    serverConfig,
    account,
    async creds(name, options = {}) {
      const user = createUser();
      const jwt = await encodeUser(name, user, account, {}, options.expiresAtSeconds !== undefined ? { exp: options.expiresAtSeconds } : {});
      return fmtCreds(jwt, user);
    },
  };
}

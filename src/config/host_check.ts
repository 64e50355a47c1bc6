/**
 * Checks of a valid config against the machine that need the network stack (asynchronous, so not
 * part of validateConfig): a host name in `http.bind_address` must resolve, or the server would pass
 * --check-config and then fail to listen. Run by --check-config and before serving; problems are
 * ConfigErrors naming the key, like every other config problem (exit 2).
 * @module
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ConfigError } from "./errors.ts";
import type { Config } from "./schema.ts";

/** Resolves a host name to addresses (node:dns lookup, i.e. /etc/hosts then DNS); rejects with a `code` when it cannot. */
export type HostLookup = (host: string) => Promise<readonly { address: string; family: number }[]>;

export const systemLookup: HostLookup = (host) => dnsLookup(host, { all: true });

/** How long a look-up may take before the name counts as unresolvable. */
export const LOOKUP_TIMEOUT_MS = 5000;

/** RFC 1123 host name: dot-separated labels of letters, digits and '-', none starting or ending with '-'. */
const HOST_NAME = /^(?=.{1,253}\.?$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export async function hostErrors(config: Config, lookup: HostLookup = systemLookup, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<ConfigError[]> {
  const errors: ConfigError[] = [];
  if (config.http.enabled) {
    const problem = await unresolvable(config.http.bind_address, lookup, timeoutMs);
    if (problem !== null) errors.push({ path: "http.bind_address", value: config.http.bind_address, expected: problem });
  }
  return errors;
}

/** Why `address` cannot be listened on (null when it is a literal address or a name that resolves). */
async function unresolvable(address: string, lookup: HostLookup, timeoutMs: number): Promise<string | null> {
  if (isIP(address) !== 0) return null;
  if (!HOST_NAME.test(address)) {
    return 'a literal IP address ("127.0.0.1", "::1", "0.0.0.0", "::") or a host name of letters, digits, "-" and "."';
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const result = await Promise.race([lookup(address), timeout]);
    if (result === "timeout") return `a host name this machine can resolve (looking "${address}" up took more than ${timeoutMs / 1000} s)`;
    if (result.length === 0) return `a host name this machine can resolve ("${address}" has no addresses)`;
    return null;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const why = code === "ENOTFOUND" || code === "ENODATA" ? "no such host" : code === "EAI_AGAIN" || code === "ETIMEOUT" ? "the name server did not answer" : error instanceof Error ? error.message : String(error);
    return `a host name this machine can resolve, or a literal IP address ("${address}" does not resolve: ${why}${typeof code === "string" ? `, ${code}` : ""})`;
  } finally {
    clearTimeout(timer);
  }
}

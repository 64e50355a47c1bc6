/**
 * Plain options for the HBP master (the shell maps the `[hbp]` config section onto these).
 * @module
 */
import { PERMIT_ALL, type Acl } from "../acl.ts";

export type AccessAction = "allow" | "deny";

/** One `[[hbp.access_rules]]` entry. All matchers present must match; a rule with none matches every login. */
export interface HbpAccessRule {
  readonly name: string;
  readonly repeaterId?: number;
  /** Inclusive [lo, hi]. */
  readonly repeaterIdRange?: readonly [number, number] | readonly number[];
  /** Case-insensitive glob on the RPTC callsign: `*` any run, `?` one character. */
  readonly callsign?: string;
  readonly action: AccessAction;
  /** Passphrase for logins this rule admits, instead of the global one. */
  readonly passphrase?: string;
}

export interface HbpMasterOptions {
  /** Addresses to bind, one socket each. "::" is dual stack (IPv4 arrives as ::ffff:a.b.c.d). */
  readonly bindAddresses: readonly string[];
  /** UDP port; 0 = ephemeral (tests). */
  readonly port: number;
  /** SO_RCVBUF to request for each socket. */
  readonly receiveBufferBytes: number;
  /** SO_REUSEPORT on the HBP sockets (several worker processes share the port). Default false. */
  readonly reusePort?: boolean;
  /** Global passphrase (rules may override). */
  readonly passphrase: string;
  /** A peer silent for this long is dropped. */
  readonly peerTimeoutMs: number;
  /** Most live sessions (authenticated or connected). */
  readonly maxPeers: number;
  /** FreeDMR-style REG_ACL on repeater ids. */
  readonly registrationAcl: Acl;
  /** Checked in order; the first matching rule decides. */
  readonly accessRules: readonly HbpAccessRule[];
  /** RPTL per source IP per minute before a ban; 0 disables. */
  readonly loginRateLimitPerMinute: number;
  readonly loginBanMs: number;
  /** Socket name prefix for logs (default "hbp"). */
  readonly name?: string;
}

export const HBP_DEFAULT_PORT = 62031;
export const HBP_DEFAULT_PASSPHRASE = "passw0rd";

export function defaultHbpMasterOptions(overrides: Partial<HbpMasterOptions> = {}): HbpMasterOptions {
  return {
    bindAddresses: ["::"],
    port: HBP_DEFAULT_PORT,
    receiveBufferBytes: 4 * 1024 * 1024,
    passphrase: HBP_DEFAULT_PASSPHRASE,
    peerTimeoutMs: 30_000,
    maxPeers: 20_000,
    registrationAcl: PERMIT_ALL,
    accessRules: [],
    loginRateLimitPerMinute: 20,
    loginBanMs: 600_000,
    ...overrides,
  };
}

/**
 * Access rules, matched in order (first match decides), by repeater id, id range and/or callsign
 * glob. The callsign only arrives with RPTC (hbp-and-dmr.md §1.3), after authentication, so a
 * login is judged twice:
 *
 * - at RPTL/RPTK, with the id only: rules that need a callsign are "undecided". The login is
 *   refused now only if the first id-decidable rule denies and no callsign rule precedes it; the
 *   passphrases that could end up applying (each callsign allow rule before the decisive rule,
 *   plus the decisive rule's or the global one) are all acceptable for RPTK.
 * - at RPTC, with id and callsign: the first matching rule decides; a deny removes the peer, and
 *   the RPTK digest must verify against that rule's passphrase (or the global one).
 * @module
 */
import { passphraseBytes } from "./auth.ts";
import type { HbpAccessRule } from "./options.ts";

export class CompiledRule {
  readonly name: string;
  readonly allow: boolean;
  readonly idLo: number;
  readonly idHi: number;
  readonly hasIdMatcher: boolean;
  readonly callsign: RegExp | null;
  /** Passphrase bytes for logins this rule admits; null = the global passphrase. */
  readonly passphrase: Uint8Array | null;

  constructor(rule: HbpAccessRule, index: number) {
    this.name = rule.name !== "" ? rule.name : `rule #${index + 1}`;
    this.allow = rule.action === "allow";
    let lo = 0;
    let hi = 0xffffffff;
    let hasId = false;
    if (rule.repeaterId !== undefined) {
      lo = rule.repeaterId;
      hi = rule.repeaterId;
      hasId = true;
    }
    if (rule.repeaterIdRange !== undefined) {
      const [rangeLo, rangeHi] = rule.repeaterIdRange;
      if (rangeLo === undefined || rangeHi === undefined || rangeLo > rangeHi) {
        throw new Error(`access rule "${this.name}": repeater_id_range must be [lo, hi] with lo <= hi`);
      }
      lo = Math.max(lo, rangeLo);
      hi = Math.min(hi, rangeHi);
      hasId = true;
    }
    this.idLo = lo;
    this.idHi = hi;
    this.hasIdMatcher = hasId;
    this.callsign = rule.callsign !== undefined ? globToRegExp(rule.callsign) : null;
    this.passphrase = rule.passphrase !== undefined ? passphraseBytes(rule.passphrase) : null;
  }

  matchesId(repeaterId: number): boolean {
    return repeaterId >= this.idLo && repeaterId <= this.idHi;
  }

  matches(repeaterId: number, callsign: string): boolean {
    return this.matchesId(repeaterId) && (this.callsign === null || this.callsign.test(callsign));
  }
}

export function globToRegExp(glob: string): RegExp {
  let source = "^";
  for (const ch of glob) {
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else source += ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(source + "$", "i");
}

export interface LoginVerdict {
  /** Refused already (id-decidable deny, nothing undecided before it). */
  denied: CompiledRule | null;
  /** Passphrases RPTK may prove (deduplicated by identity; null stands for the global one). */
  passphrases: (Uint8Array | null)[];
}

export class AccessRules {
  readonly rules: readonly CompiledRule[];

  constructor(rules: readonly HbpAccessRule[]) {
    this.rules = rules.map((rule, i) => new CompiledRule(rule, i));
  }

  /** Judge a login by id only (RPTL, RPTK). */
  atLogin(repeaterId: number): LoginVerdict {
    const passphrases: (Uint8Array | null)[] = [];
    let undecided = false;
    for (const rule of this.rules) {
      if (!rule.matchesId(repeaterId)) continue;
      if (rule.callsign !== null) {
        undecided = true;
        if (rule.allow && !passphrases.includes(rule.passphrase)) passphrases.push(rule.passphrase);
        continue;
      }
      if (!rule.allow) return { denied: undecided ? null : rule, passphrases };
      if (!passphrases.includes(rule.passphrase)) passphrases.push(rule.passphrase);
      return { denied: null, passphrases };
    }
    if (!passphrases.includes(null)) passphrases.push(null);
    return { denied: null, passphrases };
  }

  /** The rule that decides a login once the callsign is known (RPTC), or null for "no rule: allowed, global passphrase". */
  atConfig(repeaterId: number, callsign: string): CompiledRule | null {
    for (const rule of this.rules) if (rule.matches(repeaterId, callsign)) return rule;
    return null;
  }
}

/**
 * FreeDMR-style access control lists (freedmr-reference.md §1.12): `PERMIT:ALL`, `DENY:1`,
 * `PERMIT:3120101,3120124`, `DENY:1-5,3120101`. The action applies to ids in the list; ids not in
 * the list get the opposite action. Used for repeater ids (registration), source radio ids and
 * talkgroups. Parsed once at start-up; `permits` is a few integer compares, no allocation.
 *
 * Unlike FreeDMR, an empty list is an error at parse time (FreeDMR crashes on it at run time), and
 * anything other than PERMIT/DENY is an error (FreeDMR silently treats it as DENY).
 * @module
 */

export interface Acl {
  readonly text: string;
  readonly permitListed: boolean;
  readonly all: boolean;
  /** Sorted, non-overlapping inclusive ranges [lo0, hi0, lo1, hi1, …]. */
  readonly ranges: Float64Array;
}

export type AclParse = { ok: true; acl: Acl } | { ok: false; error: string };

const ID_MAX = 4294967295;

export function parseAcl(text: string): AclParse {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(":");
  if (colon < 0) return { ok: false, error: `expected "PERMIT:<list>" or "DENY:<list>", got "${text}"` };
  const action = trimmed.slice(0, colon).trim().toUpperCase();
  if (action !== "PERMIT" && action !== "DENY") {
    return { ok: false, error: `action must be PERMIT or DENY, got "${trimmed.slice(0, colon)}"` };
  }
  const list = trimmed.slice(colon + 1).trim();
  if (list === "") return { ok: false, error: `empty id list in "${text}" (use ALL)` };
  if (list.toUpperCase() === "ALL") {
    return { ok: true, acl: { text: trimmed, permitListed: action === "PERMIT", all: true, ranges: new Float64Array(0) } };
  }
  const pairs: [number, number][] = [];
  for (const rawItem of list.split(",")) {
    const item = rawItem.trim();
    if (item === "") return { ok: false, error: `empty item in "${text}"` };
    const dash = item.indexOf("-");
    const lo = parseId(dash < 0 ? item : item.slice(0, dash));
    const hi = dash < 0 ? lo : parseId(item.slice(dash + 1));
    if (lo === null || hi === null) return { ok: false, error: `"${item}" is not an id or id range (0–${ID_MAX}) in "${text}"` };
    if (lo > hi) return { ok: false, error: `range "${item}" has its bounds reversed in "${text}"` };
    pairs.push([lo, hi]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && lo <= merged[last]! + 1) merged[last] = Math.max(merged[last]!, hi);
    else merged.push(lo, hi);
  }
  return { ok: true, acl: { text: trimmed, permitListed: action === "PERMIT", all: false, ranges: Float64Array.from(merged) } };
}

function parseId(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return n <= ID_MAX ? n : null;
}

/** Parse or throw (for values already validated by the config loader). */
export function aclOrThrow(text: string): Acl {
  const parsed = parseAcl(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.acl;
}

export const PERMIT_ALL: Acl = aclOrThrow("PERMIT:ALL");

export function aclListed(acl: Acl, id: number): boolean {
  if (acl.all) return true;
  const r = acl.ranges;
  let lo = 0;
  let hi = (r.length >>> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (id < r[mid * 2]!) hi = mid - 1;
    else if (id > r[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

export function aclPermits(acl: Acl, id: number): boolean {
  return aclListed(acl, id) === acl.permitListed;
}

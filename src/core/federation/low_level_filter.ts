/**
 * FreeDMR's low-level talkgroup filter for OpenBridge/FBP (freedmr-reference.md §2.5 item 7): some
 * talkgroup numbers are local by convention and never cross a link, whatever the link's map says.
 *
 *   TG ≤ 79            repeater-local                      never crosses
 *   9990–9999, 900999  server-local (parrot, services, D-APRS) never crosses
 *   92–199             regional: v1 never; v4/v5 only when the source server's first 4 digits equal ours
 *   80–89, 800–899     national: v4/v5 only when the source server's first 3 digits (MCC) equal ours
 *
 * Applied to group calls in the link's talkgroup namespace, on ingress and on egress. Pure; no
 * allocation.
 * @module
 */

export const enum FilterVerdict {
  Pass = 0,
  Local = 1,
  Regional = 2,
  National = 3,
}

export function lowLevelFilter(talkgroupId: number, version: number, sourceServer: number, ourServerId: number): FilterVerdict {
  if (talkgroupId <= 79) return FilterVerdict.Local;
  if ((talkgroupId >= 9990 && talkgroupId <= 9999) || talkgroupId === 900999) return FilterVerdict.Local;
  if (talkgroupId >= 92 && talkgroupId <= 199) {
    if (version < 4) return FilterVerdict.Regional;
    return leadingDigits(sourceServer, 4) === leadingDigits(ourServerId, 4) ? FilterVerdict.Pass : FilterVerdict.Regional;
  }
  if ((talkgroupId >= 80 && talkgroupId <= 89) || (talkgroupId >= 800 && talkgroupId <= 899)) {
    if (version < 4) return FilterVerdict.Pass;
    return leadingDigits(sourceServer, 3) === leadingDigits(ourServerId, 3) ? FilterVerdict.Pass : FilterVerdict.National;
  }
  return FilterVerdict.Pass;
}

/** The first `count` decimal digits of `id` (the whole number when it is shorter). */
export function leadingDigits(id: number, count: number): number {
  const limit = 10 ** count;
  let n = Math.floor(id);
  while (n >= limit) n = Math.floor(n / 10);
  return n;
}

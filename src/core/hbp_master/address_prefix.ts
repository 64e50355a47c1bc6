/**
 * The key login protection counts by: an IPv4 source is its address, an IPv6 source its /64.
 *
 * One IPv6 subscriber is normally given a whole /64 (RFC 6177 §2 and RIPE-690 recommend a /56 or
 * /48 per site, and SLAAC needs a /64 per link, RFC 4291 §2.5.1), so an attacker can send from
 * 2^64 addresses; per-address limits on IPv6 limit nothing. IPv4 addresses mapped into IPv6
 * (`::ffff:a.b.c.d`, what a dual-stack socket reports for IPv4 peers) are IPv4.
 *
 * Runs on the login path only (RPTL/RPTK), never per voice frame.
 * @module
 */

/** "192.0.2.1" → "192.0.2.1"; "::ffff:192.0.2.1" → "192.0.2.1"; "2001:db8:a:b:1:2:3:4" → "2001:db8:a:b::/64". */
export function loginPrefix(address: string): string {
  const zone = address.indexOf("%");
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  if (!bare.includes(":")) return bare;
  const lower = bare.toLowerCase();
  if (lower.startsWith("::ffff:") && lower.includes(".")) return lower.slice(7);
  const groups = firstFourGroups(lower);
  return groups === null ? lower : `${groups}::/64`;
}

/** The first four 16-bit groups of an IPv6 address, normalised ("2001:db8:0:a"), or null if unparsable. */
function firstFourGroups(address: string): string | null {
  const gap = address.indexOf("::");
  const head = gap >= 0 ? splitGroups(address.slice(0, gap)) : splitGroups(address);
  const tail = gap >= 0 ? splitGroups(address.slice(gap + 2)) : [];
  if (head === null || tail === null) return null;
  const zeros = 8 - head.length - tail.length;
  if (zeros < 0 || (gap < 0 && zeros !== 0)) return null;
  const full = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  return full
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":");
}

/** "2001:db8" → [0x2001, 0xdb8]; a trailing dotted quad counts as two groups; "" → []. */
function splitGroups(text: string): number[] | null {
  if (text === "") return [];
  const out: number[] = [];
  for (const part of text.split(":")) {
    if (part.includes(".")) {
      const octets = part.split(".").map(Number);
      if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null;
      out.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/.test(part)) return null;
    out.push(parseInt(part, 16));
  }
  return out;
}

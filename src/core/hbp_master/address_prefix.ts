/**
 * The key login protection counts by: an IPv4 source is its address, an IPv6 source its /64.
 *
 * One IPv6 subscriber is normally given a whole /64 or more (RFC 6177 §2; SLAAC needs a /64 per
 * link, RFC 4291 §2.5.1), so an attacker can send from 2^64 addresses and per-address limits on
 * IPv6 limit nothing. IPv4 addresses mapped into IPv6 (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2, what a
 * dual-stack socket reports for IPv4 peers) are IPv4.
 *
 * Runs once per RPTL/RPTK (never per voice frame): a scan into a fixed scratch array and one string.
 * @module
 */

/** The eight 16-bit groups of the address being parsed (scratch; never escapes). */
const groups = new Int32Array(8);

/** "192.0.2.1" → "192.0.2.1"; "::ffff:192.0.2.1" → "192.0.2.1"; "2001:db8:a:b:1:2:3:4" → "2001:db8:a:b::/64". */
export function loginPrefix(address: string): string {
  if (address.indexOf(":") < 0) return address;
  if (address.length > 7 && address.indexOf(".") > 0 && address.indexOf(":", 7) < 0 && /^::ffff:/i.test(address)) return address.slice(7);
  let end = address.indexOf("%"); // zone id (fe80::1%eth0)
  if (end < 0) end = address.length;
  if (!parseIpv6(address, end)) return address.toLowerCase();
  return `${groups[0]!.toString(16)}:${groups[1]!.toString(16)}:${groups[2]!.toString(16)}:${groups[3]!.toString(16)}::/64`;
}

/** Fill `groups` from address[0, end); false if it is not an IPv6 address. */
function parseIpv6(address: string, end: number): boolean {
  const gap = address.indexOf("::");
  if (gap >= end) return false;
  if (gap < 0) return parseRun(address, 0, end, 0) === 8;
  if (address.indexOf("::", gap + 1) >= 0) return false;
  const head = parseRun(address, 0, gap, 0);
  if (head < 0) return false;
  // Parse the tail into the back of the array: count it first, then place it.
  const tail = parseRun(address, gap + 2, end, head);
  if (tail < 0 || head + tail > 7) return false;
  const shift = 8 - head - tail;
  for (let i = head + tail - 1; i >= head; i--) groups[i + shift] = groups[i]!;
  for (let i = head; i < head + shift; i++) groups[i] = 0;
  return true;
}

/** Parse "g:g:…[:a.b.c.d]" in [from, to) into groups[at…]; the number of groups, or -1. */
function parseRun(s: string, from: number, to: number, at: number): number {
  if (from === to) return 0;
  let n = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 58; // a ':' after the end closes the last group
    if (c === 58) {
      if (digits === 0 || at + n >= 8) return -1;
      groups[at + n++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    if (c === 46) return n + parseDottedQuad(s, i - digits, to, at + n); // "…:a.b.c.d"
    const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (h < 0 || ++digits > 4) return -1;
    value = (value << 4) | h;
  }
  return n;
}

/** "a.b.c.d" in [from, to) → two groups at groups[at]; 2, or a large negative on error. */
function parseDottedQuad(s: string, from: number, to: number, at: number): number {
  if (at + 2 > 8) return -100;
  let octets = 0;
  let value = 0;
  let digits = 0;
  let word = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || octets === 4) return -100;
      word = (word << 8) | value;
      octets++;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57 || ++digits > 3) return -100;
    value = value * 10 + (c - 48);
  }
  if (octets !== 4) return -100;
  groups[at] = (word >>> 16) & 0xffff;
  groups[at + 1] = word & 0xffff;
  return 2;
}

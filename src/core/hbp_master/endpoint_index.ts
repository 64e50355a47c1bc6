/**
 * Live sessions by where they talk from (socket, address, port), for the side-channel messages
 * that carry no repeater id (hbp-and-dmr.md §3.1). IPv4 peers (also `::ffff:a.b.c.d` on a
 * dual-stack socket) are keyed by one number, socket · 2^48 + address · 2^16 + port, in a
 * NumberMap, so the 10,000 entries of a big server hold no key strings, take ~26 bytes each
 * instead of a Map's ~130, and a lookup builds nothing; IPv6 peers (and a
 * socket index past IPV4_SOCKETS_MAX) fall back to a string key, made at login and at lookup.
 * @module
 */
import { NumberMap } from "../../lib/number_map.ts";

/** Socket indexes that fit the numeric key below 2^53 (5 bits above 32 + 16). */
export const IPV4_SOCKETS_MAX = 32;

/** The numeric key of an IPv4 endpoint, or -1 when the address is not a dotted quad (IPv6) or the socket index does not fit. */
export function ipv4EndpointKey(socketIndex: number, address: string, port: number): number {
  if (socketIndex < 0 || socketIndex >= IPV4_SOCKETS_MAX) return -1;
  let i = 0;
  // ::ffff:a.b.c.d (an IPv4 peer on a dual-stack socket)
  if (address.length > 7 && address.charCodeAt(0) === 0x3a) {
    if (!address.startsWith("::ffff:")) return -1;
    i = 7;
  }
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  value = value * 256 + octet;
  // a dual-stack socket sees the same peer as "::ffff:a.b.c.d" every time, never as "a.b.c.d": one key for both is harmless
  return (socketIndex * 2 ** 32 + value) * 65_536 + (port & 0xffff);
}

export class EndpointIndex<T extends object> {
  readonly #ipv4 = new NumberMap<T>();
  readonly #other = new Map<string, T>();

  get size(): number {
    return this.#ipv4.size + this.#other.size;
  }

  get(socketIndex: number, address: string, port: number): T | undefined {
    const key = ipv4EndpointKey(socketIndex, address, port);
    return key >= 0 ? this.#ipv4.get(key) : this.#other.get(otherKey(socketIndex, address, port));
  }

  set(socketIndex: number, address: string, port: number, value: T): void {
    const key = ipv4EndpointKey(socketIndex, address, port);
    if (key >= 0) this.#ipv4.set(key, value);
    else this.#other.set(otherKey(socketIndex, address, port), value);
  }

  /** Remove the entry if it is `value` (a newer session may hold the endpoint by now). */
  deleteIf(socketIndex: number, address: string, port: number, value: T): void {
    const key = ipv4EndpointKey(socketIndex, address, port);
    if (key >= 0) {
      if (this.#ipv4.get(key) === value) this.#ipv4.delete(key);
      return;
    }
    const text = otherKey(socketIndex, address, port);
    if (this.#other.get(text) === value) this.#other.delete(text);
  }
}

function otherKey(socketIndex: number, address: string, port: number): string {
  return `${socketIndex}|${address}|${port}`;
}

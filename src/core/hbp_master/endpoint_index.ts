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
import { ipv4EndpointKey } from "../endpoint.ts";

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

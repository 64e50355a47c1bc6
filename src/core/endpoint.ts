/**
 * A UDP endpoint as the core sees it: which of our sockets a datagram arrived on, and the remote
 * address and port. Replies always leave from the same socket to the same address (hbp-and-dmr.md
 * §6.1). Endpoints are created when a peer first logs in, not per packet. An IPv4 endpoint also
 * keeps its address, socket and port as one number (ipv4EndpointKey), and an incoming datagram is
 * matched against that: the digits of its address string, which was just made, against a field of
 * the endpoint — not against the stored string, which a busy server has out of the CPU cache by the
 * peer's next packet (perf, 2026-12-05: a miss on every frame). Other endpoints compare strings.
 * Nothing is allocated either way.
 * @module
 */
import { assert } from "../lib/assert.ts";

/** UDP ports 0 … 65535 (RFC 768): the low 16 bits; the socket index + 1 above them (at most SOCKETS_MAX sockets). */
const PORT_BITS = 16;
const PORT_MASK = 0xffff;
const SOCKETS_MAX = 0x7ffe;

function socketPort(socketIndex: number, port: number): number {
  assert(socketIndex >= -1 && socketIndex < SOCKETS_MAX && port >= 0 && port <= PORT_MASK, "an endpoint is a socket index and a UDP port");
  return ((socketIndex + 1) << PORT_BITS) | port;
}

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

/** 2^16 and 2^48: an IPv4 key is socket index · 2^48 + address · 2^16 + port (ipv4EndpointKey). */
const PORT_RANGE = 65_536;
const SOCKET_UNIT = 2 ** 48;

/** The IPv4 address of an ipv4EndpointKey, as one number (a.b.c.d = a·2^24 + b·2^16 + c·2^8 + d). */
export function ipv4KeyAddress(key: number): number {
  return Math.floor(key / PORT_RANGE) % 2 ** 32;
}

/** The UDP port of an ipv4EndpointKey. */
export function ipv4KeyPort(key: number): number {
  return key % PORT_RANGE;
}

/** An endpoint's one number: its ipv4EndpointKey (≥ 0), or −(socketPort + 1) when it has none (IPv6, a socket index beyond IPV4_SOCKETS_MAX, a blank session). */
function endpointKey(socketIndex: number, address: string, port: number): number {
  const key = ipv4EndpointKey(socketIndex, address, port);
  return key >= 0 ? key : -socketPort(socketIndex, port) - 1;
}

export class Endpoint {
  /**
   * ipv4EndpointKey of socket, address and port (≥ 0); for any other endpoint −(socketPort + 1),
   * socketPort = (socketIndex + 1) · 65536 + port. One field for what were two (a session is an
   * Endpoint, and one per hotspot counts: issue 14): the socket index and port are read back from it.
   */
  #key: number;

  constructor(
    socketIndex: number,
    readonly address: string,
    port: number,
  ) {
    this.#key = endpointKey(socketIndex, address, port);
  }

  /**
   * The endpoint's ipv4EndpointKey (address and port in one number, ipv4KeyAddress / ipv4KeyPort),
   * or a negative number when it has none (IPv6, a socket index beyond IPV4_SOCKETS_MAX, blank).
   */
  get ipv4Key(): number {
    return this.#key;
  }

  /** Which of our sockets the peer talks to (-1 = none yet: a blank session). */
  get socketIndex(): number {
    const key = this.#key;
    return key >= 0 ? Math.floor(key / SOCKET_UNIT) : ((-key - 1) >> PORT_BITS) - 1;
  }

  /** The peer's UDP port (0 … 65535). */
  get port(): number {
    const key = this.#key;
    return key >= 0 ? key - Math.floor(key / PORT_RANGE) * PORT_RANGE : (-key - 1) & PORT_MASK;
  }

  /**
   * Point a blank endpoint made ahead of use at its peer (sessions are made in batches,
   * session.ts), once, before anything indexes or compares it.
   */
  protected bind(socketIndex: number, address: string, port: number): void {
    (this as { address: string }).address = address;
    this.#key = endpointKey(socketIndex, address, port);
  }

  matches(socketIndex: number, address: string, port: number): boolean {
    const key = this.#key;
    // the kernel writes an address one way only (no leading zeros): equal keys are equal strings
    if (key >= 0) return ipv4EndpointKey(socketIndex, address, port) === key;
    return this.port === port && this.socketIndex === socketIndex && this.address === address;
  }

  /** For logs: `[::ffff:1.2.3.4]:62031` style. */
  toString(): string {
    return this.address.includes(":") ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }
}

/** IPv4 peers on a dual-stack socket arrive as `::ffff:a.b.c.d`; logs and rate limits use the plain form. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

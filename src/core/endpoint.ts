/**
 * A UDP endpoint as the core sees it: which of our sockets a datagram arrived on, and the remote
 * address and port. Replies always leave from the same socket to the same address (hbp-and-dmr.md
 * §6.1). Endpoints are created when a peer first logs in, not per packet; comparing an incoming
 * datagram's address with a stored endpoint is a string compare, which allocates nothing.
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

export class Endpoint {
  /** (socketIndex + 1) · 65536 + port, an int32: one field for two (a session is an Endpoint, and one per hotspot counts) */
  #socketPort: number;

  constructor(
    socketIndex: number,
    readonly address: string,
    port: number,
  ) {
    this.#socketPort = socketPort(socketIndex, port);
  }

  /** Which of our sockets the peer talks to (-1 = none yet: a blank session). */
  get socketIndex(): number {
    return (this.#socketPort >> PORT_BITS) - 1;
  }

  /** The peer's UDP port (0 … 65535). */
  get port(): number {
    return this.#socketPort & PORT_MASK;
  }

  /**
   * Point a blank endpoint made ahead of use at its peer (sessions are made in batches,
   * session.ts), once, before anything indexes or compares it.
   */
  protected bind(socketIndex: number, address: string, port: number): void {
    (this as { address: string }).address = address;
    this.#socketPort = socketPort(socketIndex, port);
  }

  matches(socketIndex: number, address: string, port: number): boolean {
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

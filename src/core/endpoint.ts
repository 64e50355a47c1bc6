/**
 * A UDP endpoint as the core sees it: which of our sockets a datagram arrived on, and the remote
 * address and port. Replies always leave from the same socket to the same address (hbp-and-dmr.md
 * §6.1). Endpoints are created when a peer first logs in, not per packet; comparing an incoming
 * datagram's address with a stored endpoint is a string compare, which allocates nothing.
 * @module
 */

/** UDP ports 0 … 65535 (RFC 768). */
const PORT_RANGE = 65_536;

export class Endpoint {
  /** (socketIndex + 1) · 65536 + port: one field for two (a session is an Endpoint, and one per hotspot counts) */
  #socketPort: number;

  constructor(
    socketIndex: number,
    readonly address: string,
    port: number,
  ) {
    this.#socketPort = (socketIndex + 1) * PORT_RANGE + port;
  }

  /** Which of our sockets the peer talks to (-1 = none yet: a blank session). */
  get socketIndex(): number {
    return Math.floor(this.#socketPort / PORT_RANGE) - 1;
  }

  /** The peer's UDP port (0 … 65535). */
  get port(): number {
    return this.#socketPort % PORT_RANGE;
  }

  /**
   * Point a blank endpoint made ahead of use at its peer (sessions are made in batches,
   * session.ts), once, before anything indexes or compares it.
   */
  protected bind(socketIndex: number, address: string, port: number): void {
    (this as { address: string }).address = address;
    this.#socketPort = (socketIndex + 1) * PORT_RANGE + port;
  }

  matches(socketIndex: number, address: string, port: number): boolean {
    return this.#socketPort === (socketIndex + 1) * PORT_RANGE + port && port >= 0 && port < PORT_RANGE && this.address === address;
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

/**
 * A UDP endpoint as the core sees it: which of our sockets a datagram arrived on, and the remote
 * address and port. Replies always leave from the same socket to the same address (hbp-and-dmr.md
 * §6.1). Endpoints are created when a peer first logs in, not per packet; comparing an incoming
 * datagram's address with a stored endpoint is a string compare, which allocates nothing.
 * @module
 */

export class Endpoint {
  constructor(
    readonly socketIndex: number,
    readonly address: string,
    readonly port: number,
  ) {}

  /**
   * Point a blank endpoint made ahead of use at its peer (sessions are made in batches,
   * session.ts), once, before anything indexes or compares it.
   */
  protected bind(socketIndex: number, address: string, port: number): void {
    const self = this as { socketIndex: number; address: string; port: number };
    self.socketIndex = socketIndex;
    self.address = address;
    self.port = port;
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

/**
 * The seam between the shell (which owns UDP sockets, the clock and timers) and the deterministic
 * protocol handlers in the core (HBP master, upstream peer links, OpenBridge links).
 *
 * At start-up each handler declares the sockets it needs (SocketSpec). The shell opens them, gives
 * each a socketIndex, and from then on calls `onDatagram` for every datagram received on a socket
 * the handler owns, and `onTick` periodically (25 ms, or 100 ms while idle). After every call the shell drains
 * the shared Outbox and sends each entry from `endpoint.socketIndex`. Handlers never touch sockets,
 * timers or the clock themselves; a handler that needs a fresh source port (an HBP client after
 * MSTNAK/MSTCL/timeout, hbp-and-dmr.md §1.6) asks through SocketControl.
 * @module
 */

export interface SocketSpec {
  /** Name for logs, e.g. "hbp", "obp:OBP-UK", "upstream:BM". */
  readonly name: string;
  /** Address to bind: "::" (dual stack), "0.0.0.0", "127.0.0.1", … */
  readonly bindAddress: string;
  /** UDP port to bind; 0 = ephemeral. */
  readonly port: number;
  /** SO_RCVBUF to request (the kernel caps it at net.core.rmem_max); 0 = leave the default. */
  readonly receiveBufferBytes: number;
  /** SO_REUSEPORT before bind: several processes share the port (src/shell/udp/reuse_port.ts). Default false. */
  readonly reusePort?: boolean;
}

export interface DatagramHandler {
  onDatagram(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void;
  onTick(nowMs: number): void;
  /**
   * Optional: true while the handler has work that needs the fast tick (a sweep it could not
   * finish, timeouts shorter than a second). While no handler and no router asks for it, the shell
   * ticks at its slower idle rate (every ~100 ms) and an idle server wakes 4× less often.
   */
  wantsFastTick?(): boolean;
}

export interface SocketControl {
  /** Close the socket and open it again on a new ephemeral port (same bind address). */
  reopen(socketIndex: number): void;
  /** The local port the socket is bound to now (after bind or reopen). */
  localPort(socketIndex: number): number;
}

/**
 * A DatagramHandler the shell hosts: it declares its sockets, learns the socket indexes the shell
 * gave them (in the order declared), and gets a chance to say goodbye on shutdown (HBP master:
 * MSTCL to every peer; links: their close messages) before the shell flushes and closes.
 */
export interface HostedHandler extends DatagramHandler {
  /** For logs: "hbp", "obp:OBP-UK", … */
  readonly name: string;
  socketSpecs(): readonly SocketSpec[];
  onSocketsBound?(socketIndexes: readonly number[], control: SocketControl): void;
  /**
   * Queue goodbye datagrams in the outbox. Return false if the outbox filled up before everything
   * was queued: the shell drains it and calls again (true or nothing = done).
   */
  shutdown?(nowMs: number): boolean | void;
}

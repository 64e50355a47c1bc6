/**
 * SO_REUSEPORT on a Bun UDP socket: several freedmr processes (the worker supervisor,
 * src/cli/supervisor.ts, docs/workers.md) bind the same HBP port, and the kernel spreads datagrams
 * over them by a hash of the 4-tuple (source address/port, destination address/port), so each
 * hotspot's datagrams always reach the same process — a login (RPTL, RPTK, RPTC) never splits.
 * When one of the processes closes its socket, the hash is taken over the remaining ones and the
 * hotspots that were on it land on a survivor (where they log in again).
 *
 * The option must be set before bind(2). Bun 1.4.5's `Bun.udpSocket` has no documented option for
 * it, but takes an undocumented `flags` bit field (its own node:dgram wrapper passes it; bun-notes
 * "Undocumented options"): bit 4 = SO_REUSEPORT, set by Bun between socket(2) and bind(2). Since that
 * is undocumented, we do not trust it blindly: after bind the option is read back with getsockopt
 * (bun:ffi, src/shell/udp/receive_buffer.ts) and a socket asked to share its port that does not have
 * SO_REUSEPORT set is an error at start-up (`ReusePortError`), never a silent single-process server.
 * @module
 */
import { readSocketOption, socketFd } from "./receive_buffer.ts";

/** Bun's UDP `flags` bit that sets SO_REUSEPORT before bind (Bun's node:dgram: UV_UDP_REUSEPORT-like). */
export const BUN_UDP_FLAG_REUSE_PORT = 4;

/** <asm-generic/socket.h>: SOL_SOCKET = 1, SO_REUSEPORT = 15 (Linux x86-64 and arm64). */
const SOL_SOCKET = 1;
const SO_REUSEPORT = 15;

/** The extra options for Bun.udpSocket (spread into its options object; `flags` is not in bun-types). */
export function reusePortSocketOptions(reusePort: boolean): { flags?: number } {
  return reusePort ? { flags: BUN_UDP_FLAG_REUSE_PORT } : {};
}

export type ReusePortState = "on" | "off" | "unknown";

/** SO_REUSEPORT of a bound Bun UDP socket as the kernel reports it ("unknown": no bun:ffi or no fd). */
export function reusePortState(socket: unknown, localPort: number): ReusePortState {
  const fd = socketFd(socket, localPort);
  if (fd < 0) return "unknown";
  const value = readSocketOption(fd, SOL_SOCKET, SO_REUSEPORT);
  if (value < 0) return "unknown";
  return value !== 0 ? "on" : "off";
}

export class ReusePortError extends Error {}

/**
 * After bind: a socket asked for SO_REUSEPORT must have it. "unknown" (no bun:ffi, e.g. not Linux)
 * is accepted — the bind of a second process would fail loudly with EADDRINUSE anyway.
 */
export function checkReusePort(socket: unknown, localPort: number, name: string): ReusePortState {
  const state = reusePortState(socket, localPort);
  if (state === "off") {
    throw new ReusePortError(`${name}: SO_REUSEPORT was requested (hbp.reuse_port) but the socket on port ${localPort} does not have it (this Bun ignores the udpSocket flags)`);
  }
  return state;
}

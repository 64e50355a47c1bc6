/**
 * Raising SO_RCVBUF on a Bun.udpSocket.
 *
 * The kernel default (~208 KiB) holds only a few hundred small datagrams; a burst of logins after
 * an outage or a fan-out spike overflows it and the kernel drops (RcvbufErrors) — bun-notes.md §1.
 * Bun.udpSocket has no setter, so we call setsockopt(2) on the socket's file descriptor through
 * bun:ffi (works in a `bun build --compile` binary: libc is loaded at run time). The fd is read
 * from the socket object (`fd`, undocumented) or, failing that, found by matching the socket's
 * inode in /proc/self/fd against its local port in /proc/net/udp{,6}.
 *
 * SO_RCVBUFFORCE is tried first (lets a root/CAP_NET_ADMIN service exceed net.core.rmem_max), then
 * SO_RCVBUF (capped at rmem_max). The effective size is read back with getsockopt; Linux reports
 * twice the requested value (it accounts for bookkeeping overhead).
 * @module
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { getIntSockopt, libcAvailable, setIntSockopt } from "./libc_calls.ts";

const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;

interface Libc {
  setsockopt(fd: number, level: number, name: number, value: number): number;
  getsockopt(fd: number, level: number, name: number): number;
}

/** Integer socket options through bun:ffi (libc_calls.ts), or null when libc cannot be reached. */
function loadLibc(): Libc | null {
  return libcAvailable() ? { setsockopt: setIntSockopt, getsockopt: getIntSockopt } : null;
}

/** The file descriptor of a Bun UDP socket bound to `localPort`, or -1. */
export function socketFd(socket: unknown, localPort: number): number {
  const direct = (socket as { fd?: unknown }).fd;
  if (typeof direct === "number" && direct >= 0) return direct;
  return findUdpFdByPort(localPort);
}

export function findUdpFdByPort(localPort: number): number {
  try {
    const inodeToFd = new Map<string, number>();
    for (const entry of readdirSync("/proc/self/fd")) {
      try {
        const link = readlinkSync(`/proc/self/fd/${entry}`);
        const match = /^socket:\[(\d+)\]$/.exec(link);
        if (match !== null) inodeToFd.set(match[1]!, Number(entry));
      } catch {
        // fd closed meanwhile
      }
    }
    for (const table of ["/proc/net/udp6", "/proc/net/udp"]) {
      let text: string;
      try {
        text = readFileSync(table, "utf8");
      } catch {
        continue;
      }
      for (const line of text.split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 10) continue;
        const port = Number.parseInt(cols[1]!.split(":")[1] ?? "", 16);
        const fd = inodeToFd.get(cols[9]!);
        if (port === localPort && fd !== undefined) return fd;
      }
    }
  } catch {
    // no /proc
  }
  return -1;
}

export interface ReceiveBufferResult {
  requested: number;
  /** getsockopt(SO_RCVBUF) after setting: the kernel's figure (about 2 × what it granted); -1 unknown. */
  effective: number;
  /** How it was set: "force", "rcvbuf", or why not. */
  method: "force" | "rcvbuf" | "unchanged" | "no-ffi" | "no-fd";
  fd: number;
}

/** getsockopt(fd, level, name) as an int, -1 if unavailable (e.g. SO_REUSEPORT: src/shell/udp/reuse_port.ts). */
export function readSocketOption(fd: number, level: number, name: number): number {
  const c = loadLibc();
  if (c === null || fd < 0) return -1;
  return c.getsockopt(fd, level, name);
}

/** Read SO_RCVBUF of a socket fd (kernel figure), -1 if unavailable. */
export function getReceiveBuffer(fd: number): number {
  const c = loadLibc();
  if (c === null || fd < 0) return -1;
  return c.getsockopt(fd, SOL_SOCKET, SO_RCVBUF);
}

export function raiseReceiveBuffer(socket: unknown, localPort: number, bytes: number): ReceiveBufferResult {
  const c = loadLibc();
  if (c === null) return { requested: bytes, effective: -1, method: "no-ffi", fd: -1 };
  const fd = socketFd(socket, localPort);
  if (fd < 0) return { requested: bytes, effective: -1, method: "no-fd", fd };
  if (bytes <= 0) return { requested: bytes, effective: c.getsockopt(fd, SOL_SOCKET, SO_RCVBUF), method: "unchanged", fd };
  let method: ReceiveBufferResult["method"] = "unchanged";
  if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes) === 0) method = "force";
  else if (c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, bytes) === 0) method = "rcvbuf";
  return { requested: bytes, effective: c.getsockopt(fd, SOL_SOCKET, SO_RCVBUF), method, fd };
}

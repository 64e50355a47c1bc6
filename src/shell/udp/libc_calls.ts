/**
 * The libc calls the shell makes through bun:ffi: integer socket options (SO_RCVBUF, receive_buffer.ts),
 * the depth of a UDP socket's receive queue (overload shedding, udp_host.ts), `sendmmsg` (the UDP
 * host's sends, sendmmsg_batch.ts) and `madvise` (giving start-up-only code pages back, with the
 * page size it works in, startup_pages.ts).
 *
 * Queue depth: FIONREAD on a UDP socket reports only the size of the *next* datagram (udp(7)), not
 * the backlog, so we read SO_MEMINFO (sock_diag.h): SK_MEMINFO_RMEM_ALLOC is the memory held by
 * every queued datagram (kernel truesize, ~0.7–1.3 KB for a 55-byte DMRD on loopback/ethernet),
 * the same figure the kernel compares against SO_RCVBUF before dropping. libc is opened lazily at run time, which works in
 * a `bun build --compile` binary; on another OS or without bun:ffi every call reports "unavailable".
 * @module
 */

const SOL_SOCKET = 1;
/** getsockopt option (asm-generic/socket.h, same value on x86-64 and arm64). */
const SO_MEMINFO = 55;
/** u32 fields SO_MEMINFO fills (SK_MEMINFO_VARS); field 0 is SK_MEMINFO_RMEM_ALLOC. */
const SK_MEMINFO_VARS = 9;

interface LibcSymbols {
  setsockopt(fd: number, level: number, name: number, value: unknown, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: unknown, length: unknown): number;
  madvise(address: number, length: number, advice: number): number;
  getpagesize(): number;
  sendmmsg(fd: number, messages: number, count: number, flags: number): number;
  __errno_location(): number;
}

let symbols: LibcSymbols | null | undefined;
// Out-parameters live in plain ArrayBuffers (never inline typed-array storage), and their addresses
// are taken at each call rather than cached: the pointer handed to native code is always current.
const intValue = new Int32Array(new ArrayBuffer(8));
const intLength = new Uint32Array(new ArrayBuffer(8));
const meminfo = new Uint32Array(new ArrayBuffer(64));
const meminfoLength = new Uint32Array(new ArrayBuffer(8));
let addressOf: ((view: ArrayBufferView) => number) | null = null;
let readInt32: ((address: number) => number) | null = null;

function load(): LibcSymbols | null {
  if (symbols !== undefined) return symbols;
  symbols = null;
  if (process.platform !== "linux") return symbols;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ffi = require("bun:ffi") as typeof import("bun:ffi");
    const { dlopen, FFIType, ptr, read } = ffi;
    for (const name of ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"]) {
      try {
        const lib = dlopen(name, {
          setsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
          getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
          madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
          getpagesize: { args: [], returns: FFIType.i32 },
          sendmmsg: { args: [FFIType.i32, FFIType.ptr, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
          __errno_location: { args: [], returns: FFIType.ptr },
        });
        symbols = lib.symbols as unknown as LibcSymbols;
        addressOf = (view) => ptr(view as Uint8Array) as unknown as number;
        readInt32 = (address) => read.i32(address as never, 0);
        return symbols;
      } catch {
        // try the next name
      }
    }
  } catch {
    // bun:ffi unavailable
  }
  return symbols;
}

/** True when the calls here work on this system. */
export function libcAvailable(): boolean {
  return load() !== null;
}

/** setsockopt(2) with an int value; 0 on success, -1 on failure or when unavailable. */
export function setIntSockopt(fd: number, level: number, option: number, value: number): number {
  const lib = load();
  if (lib === null || fd < 0) return -1;
  intValue[0] = value;
  return lib.setsockopt(fd, level, option, addressOf!(intValue), 4);
}

/** getsockopt(2) of an int option, or -1 on failure or when unavailable. */
export function getIntSockopt(fd: number, level: number, option: number): number {
  const lib = load();
  if (lib === null || fd < 0) return -1;
  intValue[0] = 0;
  intLength[0] = 4;
  return lib.getsockopt(fd, level, option, addressOf!(intValue), addressOf!(intLength)) === 0 ? intValue[0]! : -1;
}

/**
 * Memory held by the datagrams waiting in socket `fd`'s receive queue (SK_MEMINFO_RMEM_ALLOC, bytes
 * of kernel truesize), or -1 if unavailable. Allocates nothing.
 */
export function receiveQueueBytes(fd: number): number {
  const lib = load();
  if (lib === null || fd < 0) return -1;
  meminfoLength[0] = SK_MEMINFO_VARS * 4;
  meminfo[0] = 0;
  return lib.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, addressOf!(meminfo), addressOf!(meminfoLength)) === 0 ? meminfo[0]! : -1;
}

/** The kernel's page size in bytes (4 KiB on x86-64; 4 or 16 KiB on arm64), or -1 when unavailable. */
export function pageSize(): number {
  const lib = load();
  return lib === null ? -1 : lib.getpagesize();
}

/** madvise(2); returns 0 on success, -1 on failure or when unavailable. */
export function madvise(address: number, length: number, advice: number): number {
  const lib = load();
  if (lib === null) return -1;
  return lib.madvise(address, length, advice);
}

/**
 * The function that gives the address of a typed array's first byte (bun:ffi `ptr`), or null when
 * unavailable. The address stays valid while the array is alive and its buffer is neither detached
 * nor resized: JSC does not move an ArrayBuffer's contents.
 */
export function bytesAddress(): ((view: ArrayBufferView) => number) | null {
  return load() === null ? null : addressOf;
}

/**
 * sendmmsg(2) of `count` messages from the `struct mmsghdr` array at `messages` (sendmmsg_batch.ts):
 * how many were sent (the kernel stops at the first that fails), or −errno when the first failed
 * (−1 when unavailable).
 */
export function sendmmsg(fd: number, messages: number, count: number): number {
  const lib = load();
  if (lib === null) return -1;
  const sent = lib.sendmmsg(fd, messages, count, 0);
  return sent >= 0 ? sent : -readInt32!(lib.__errno_location());
}

/** errno values a UDP send reports (asm-generic/errno.h and errno-base.h: the same on x86-64 and arm64). */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  9: "EBADF",
  11: "EAGAIN",
  13: "EACCES",
  14: "EFAULT",
  22: "EINVAL",
  89: "EDESTADDRREQ",
  90: "EMSGSIZE",
  97: "EAFNOSUPPORT",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  105: "ENOBUFS",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
};

/** An errno's name ("ECONNREFUSED"), or "errno N" for one a UDP send is not expected to report. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

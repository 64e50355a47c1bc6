/**
 * The libc calls the shell makes through bun:ffi: integer socket options (SO_RCVBUF, receive_buffer.ts),
 * the depth of a UDP socket's receive queue (overload shedding, udp_host.ts) and `madvise` (giving
 * start-up-only code pages back, with the page size it works in, startup_pages.ts).
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
}

let symbols: LibcSymbols | null | undefined;
// Out-parameters live in plain ArrayBuffers (never inline typed-array storage), and their addresses
// are taken at each call rather than cached: the pointer handed to native code is always current.
const intValue = new Int32Array(new ArrayBuffer(8));
const intLength = new Uint32Array(new ArrayBuffer(8));
const meminfo = new Uint32Array(new ArrayBuffer(64));
const meminfoLength = new Uint32Array(new ArrayBuffer(8));
let addressOf: ((view: Int32Array | Uint32Array) => number) | null = null;

function load(): LibcSymbols | null {
  if (symbols !== undefined) return symbols;
  symbols = null;
  if (process.platform !== "linux") return symbols;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ffi = require("bun:ffi") as typeof import("bun:ffi");
    const { dlopen, FFIType, ptr } = ffi;
    for (const name of ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"]) {
      try {
        const lib = dlopen(name, {
          setsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
          getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
          madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
          getpagesize: { args: [], returns: FFIType.i32 },
        });
        symbols = lib.symbols as unknown as LibcSymbols;
        addressOf = (view) => ptr(view) as unknown as number;
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

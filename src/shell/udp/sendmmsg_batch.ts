/**
 * A batch of datagrams for one socket, sent with sendmmsg(2) through bun:ffi (libc_calls.ts).
 *
 * Bun's `sendMany` makes one sendmmsg too, but before it, for every datagram, it reads the
 * destination's address string, copies it into a fresh C string and parses it (inet_pton): about
 * 150 ns of the runtime's CPU per datagram here, 7–8 % of the bare relay's whole CPU in the 1 → 50
 * fan-out (perf, bench/support/perf_jit.ts, 2026-12-06). This batch instead keeps the kernel's
 * structures built once — a `struct mmsghdr` per entry pointing at its own `struct iovec` and its
 * own socket address — and per datagram writes only the payload's address and length and the
 * destination's address and port, taken from the endpoint's numeric IPv4 key (core/endpoint.ts
 * ipv4Key): no string is read, nothing is allocated.
 *
 * IPv4 destinations only: an IPv4 socket gets `sockaddr_in`; a dual-stack IPv6 socket gets the
 * same peer as an IPv4-mapped `sockaddr_in6` (::ffff:a.b.c.d), the form it saw the peer in. An
 * IPv6 peer has no numeric key and goes out through Bun's `sendMany` (udp_host.ts keeps the order).
 *
 * Layouts (Linux LP64: x86-64 and arm64, little-endian; `man 2 sendmmsg`, <bits/socket.h>,
 * <netinet/in.h>):
 *   struct mmsghdr  64 bytes: msghdr (56) + msg_len (u32) + padding
 *   struct msghdr   msg_name ptr @0, msg_namelen u32 @8, msg_iov ptr @16, msg_iovlen size_t @24,
 *                   msg_control ptr @32, msg_controllen size_t @40, msg_flags int @48
 *   struct iovec    16 bytes: iov_base ptr @0, iov_len size_t @8
 *   sockaddr_in     16 bytes: family u16 @0 (AF_INET 2), port u16 big-endian @2, address @4 (network order)
 *   sockaddr_in6    28 bytes: family u16 @0 (AF_INET6 10), port @2, flowinfo @4, address @8, scope_id @24
 * Anything else (another OS, a 32-bit or big-endian CPU, no bun:ffi, a socket without `fd`): `open`
 * returns null and the host sends through Bun.
 * @module
 */
import { assert } from "../../lib/assert.ts";
import { ipv4KeyAddress, ipv4KeyPort } from "../../core/endpoint.ts";
import { bytesAddress, sendmmsg } from "./libc_calls.ts";

/** Entries per batch: a 1 → 256 fan-out in one system call; more are sent in further calls (the kernel's own cap is UIO_MAXIOV, 1024). */
export const SENDMMSG_BATCH_ENTRIES = 256;

/** sizeof(struct mmsghdr), sizeof(struct iovec) on LP64 Linux, in 32-bit words. */
const MMSGHDR_WORDS = 16;
const IOVEC_WORDS = 4;
/** One socket address per entry: room for a sockaddr_in6 (28 bytes), 32-byte aligned. */
const NAME_WORDS = 8;
/** msghdr word offsets: msg_name, msg_namelen, msg_iov, msg_iovlen. */
const MSG_NAME = 0;
const MSG_NAMELEN = 2;
const MSG_IOV = 4;
const MSG_IOVLEN = 6;
/** Address families (<bits/socket.h>) and the sockaddr lengths that go with them. */
const AF_INET = 2;
const AF_INET6 = 10;
const SOCKADDR_IN_BYTES = 16;
const SOCKADDR_IN6_BYTES = 28;
/** sockaddr_in6 word holding bytes 8–11 of the address: 00 00 ff ff in an IPv4-mapped one (RFC 4291 §2.5.5.2). */
const IN6_MAPPED_MARK_WORD = 4;
/** sockaddr_in6 word holding the IPv4 address (address bytes 12–15). */
const IN6_IPV4_WORD = 5;
/** sockaddr_in word holding the address. */
const IN_ADDRESS_WORD = 1;
const TWO_32 = 2 ** 32;

/** Why a socket sends through Bun rather than sendmmsg (null: it does not). */
export type SendmmsgUnavailable = "not Linux x64/arm64" | "bun:ffi or libc unavailable" | "no socket fd" | "address family unknown";

/** Port in network byte order, shifted into the high half of a sockaddr's first word (after the family). */
function familyAndPort(family: number, port: number): number {
  return (family | (((port & 0xff) << 8) | (port >>> 8)) << 16) >>> 0;
}

/** A 64-bit pointer into two 32-bit words at `at` (little-endian: low word first). */
function writePointer(words: Uint32Array, at: number, address: number): void {
  words[at] = address >>> 0;
  words[at + 1] = Math.floor(address / TWO_32);
}

/** a.b.c.d as one number → the 32-bit word whose bytes in memory are a, b, c, d (little-endian). */
function networkOrder(address: number): number {
  return ((address >>> 24) | ((address >>> 8) & 0xff00) | ((address & 0xff00) << 8) | ((address & 0xff) << 24)) >>> 0;
}

export class SendmmsgBatch {
  /** Entries added since the last clear. */
  count = 0;
  readonly capacity: number;
  readonly #messages: Uint32Array;
  readonly #iovecs: Uint32Array;
  readonly #names: Uint32Array;
  /** Address of #messages: its ArrayBuffer is never detached or resized, and JSC does not move its contents. */
  readonly #messagesAddress: number;
  readonly #addressOf: (view: ArrayBufferView) => number;
  /** The sockaddr family written, and the word of it that holds the IPv4 address: AF_INET, or AF_INET6 on a dual-stack socket (IPv4-mapped). */
  readonly #family: number;
  readonly #addressWord: number;

  /**
   * The batch for the socket `fd` of family `family`, or why there is none (then the host sends
   * through Bun). `capacity` entries (at most UIO_MAXIOV).
   */
  static open(fd: number | undefined, family: string | undefined, capacity = SENDMMSG_BATCH_ENTRIES): SendmmsgBatch | SendmmsgUnavailable {
    if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) return "not Linux x64/arm64";
    const addressOf = bytesAddress();
    if (addressOf === null) return "bun:ffi or libc unavailable";
    if (typeof fd !== "number" || fd < 0) return "no socket fd";
    if (family !== "IPv4" && family !== "IPv6") return "address family unknown";
    return new SendmmsgBatch(fd, family === "IPv6", addressOf, capacity);
  }

  private constructor(
    readonly fd: number,
    ipv6: boolean,
    addressOf: (view: ArrayBufferView) => number,
    capacity: number,
  ) {
    assert(capacity > 0 && capacity <= 1024, "a sendmmsg batch holds 1 … UIO_MAXIOV entries");
    this.capacity = capacity;
    this.#family = ipv6 ? AF_INET6 : AF_INET;
    this.#addressWord = ipv6 ? IN6_IPV4_WORD : IN_ADDRESS_WORD;
    this.#addressOf = addressOf;
    this.#messages = new Uint32Array(new ArrayBuffer(capacity * MMSGHDR_WORDS * 4));
    this.#iovecs = new Uint32Array(new ArrayBuffer(capacity * IOVEC_WORDS * 4));
    this.#names = new Uint32Array(new ArrayBuffer(capacity * NAME_WORDS * 4));
    this.#messagesAddress = addressOf(this.#messages);
    const iovecsAddress = addressOf(this.#iovecs);
    const namesAddress = addressOf(this.#names);
    const messages = this.#messages;
    for (let i = 0; i < capacity; i++) {
      const m = i * MMSGHDR_WORDS;
      const name = namesAddress + i * NAME_WORDS * 4;
      const iovec = iovecsAddress + i * IOVEC_WORDS * 4;
      writePointer(messages, m + MSG_NAME, name);
      messages[m + MSG_NAMELEN] = ipv6 ? SOCKADDR_IN6_BYTES : SOCKADDR_IN_BYTES;
      writePointer(messages, m + MSG_IOV, iovec);
      messages[m + MSG_IOVLEN] = 1;
      // msg_control, msg_controllen, msg_flags and msg_len stay 0
      if (ipv6) this.#names[i * NAME_WORDS + IN6_MAPPED_MARK_WORD] = 0xffff0000;
    }
  }

  /**
   * Queue `length` bytes of `data` to the IPv4 endpoint with numeric key `ipv4Key` (≥ 0,
   * core/endpoint.ts). The bytes are read by `send`: they must not change before it. Their address
   * is taken here and used in the same drain, while the outbox still holds the array (JSC does not
   * move a live array's contents). The caller sends first when the batch is full.
   */
  add(data: Uint8Array, length: number, ipv4Key: number): void {
    const i = this.count++;
    assert(i < this.capacity && ipv4Key >= 0 && length > 0 && length <= data.length, "sendmmsg batch entry out of range");
    const payload = this.#addressOf(data);
    const v = i * IOVEC_WORDS;
    const iovecs = this.#iovecs;
    writePointer(iovecs, v, payload);
    iovecs[v + 2] = length;
    const n = i * NAME_WORDS;
    this.#names[n] = familyAndPort(this.#family, ipv4KeyPort(ipv4Key));
    this.#names[n + this.#addressWord] = networkOrder(ipv4KeyAddress(ipv4Key));
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * One sendmmsg of the entries from `first` to the end: how many went out (the kernel stops at
   * the first that fails), or −errno when the first of them failed.
   */
  send(first: number): number {
    assert(first >= 0 && first < this.count, "sendmmsg from an entry that is queued");
    return sendmmsg(this.fd, this.#messagesAddress + first * MMSGHDR_WORDS * 4, this.count - first);
  }

  clear(): void {
    this.count = 0;
  }
}

/**
 * Overload degrades by dropping, not by delay. The HBP socket has a large receive buffer (4–8 MiB)
 * so a login storm after an outage is absorbed; under sustained voice overload the same buffer
 * would queue seconds of stale voice (measured: p99 0.1–1 s at 1.3× the loss-free rate). So the
 * host watches each socket's queued bytes (SO_MEMINFO through bun:ffi, libc_calls.ts) while datagrams
 * arrive: at most every CHECK_INTERVAL_MS while the queue holds something, every
 * QUIET_CHECK_INTERVAL_MS while it is nearly empty (never per datagram, and not on the tick, which a
 * flood starves). Shedding starts when the backlog is above `highBytes`,
 * or has stayed above `lowBytes` for `sustainMs` (a backlog that does not drain: the server is
 * behind, however slow its CPU), and lasts until the backlog is back under `lowBytes`; meanwhile
 * voice bursts are dropped unprocessed and counted. Everything else — pings,
 * logins, options, voice headers and terminators, data — is still handled, so sessions stay up and
 * streams keep their start and end; only audio that would arrive too late anyway is lost.
 *
 * Classification is three byte compares: a DMRD (hbp-and-dmr.md §1.4; OpenBridge/FBP carry the
 * same first 53 bytes) whose frame type (flags byte 15, bits 5–4) is voice (0) or voice sync (1).
 * @module
 */
import { receiveQueueBytes } from "./libc_calls.ts";

/** Start shedding above this backlog: ~300 DMRD datagrams (~830 B truesize each on loopback), tens of ms of work. */
export const DEFAULT_SHED_HIGH_BYTES = 256 * 1024;
/** Stop once the backlog is below this (~80 datagrams). */
export const DEFAULT_SHED_LOW_BYTES = 64 * 1024;
/**
 * A backlog above the low mark for this long starts shedding too (a server that is not catching up,
 * however slow its CPU); shorter stalls (another process on the core, a GC) are ridden out.
 */
export const DEFAULT_SHED_SUSTAIN_MS = 60;
/** Look at the queue at most this often per socket (one getsockopt each) while it holds something. */
export const CHECK_INTERVAL_MS = 2;
/**
 * While the last look found the queue nearly empty (under a quarter of `lowBytes`), look again only
 * this much later: one getsockopt per datagram pair at 1,000 pkt/s cost about 0.4 % of the server's
 * CPU for nothing (perf, bench/fanout.bench.ts). A backlog that builds meanwhile is seen at most this
 * late; reaching `highBytes` from there within it takes a flood of over 20,000 datagrams/s.
 */
export const QUIET_CHECK_INTERVAL_MS = 10;

/** DMRD flags byte (hbp-and-dmr.md §1.4). */
const DMRD_OFFSET_FLAGS = 15;
/** Shortest DMRD we classify (53 bytes without BER/RSSI, §1.4). */
const DMRD_MIN_LENGTH = 53;
/** Frame type 2 = data sync (headers, terminators, CSBK, data) — never shed. */
const FRAME_TYPE_DATA_SYNC = 2;

export interface SheddingOptions {
  /** Backlog (bytes of kernel truesize) that starts shedding; 0 turns shedding off. */
  readonly highBytes: number;
  readonly lowBytes: number;
  /** How long a backlog above lowBytes may last before shedding starts (ms). */
  readonly sustainMs: number;
}

export const DEFAULT_SHEDDING: SheddingOptions = { highBytes: DEFAULT_SHED_HIGH_BYTES, lowBytes: DEFAULT_SHED_LOW_BYTES, sustainMs: DEFAULT_SHED_SUSTAIN_MS };

/** A voice burst (DMRD, frame type voice or voice sync)? */
export function isVoiceBurst(data: Uint8Array): boolean {
  return (
    data.length >= DMRD_MIN_LENGTH &&
    data[0] === 0x44 && // D
    data[1] === 0x4d && // M
    data[2] === 0x52 && // R
    data[3] === 0x44 && // D
    ((data[DMRD_OFFSET_FLAGS]! >>> 4) & 3) !== FRAME_TYPE_DATA_SYNC
  );
}

/** Per-socket state: is its backlog deep, when was it last measured. */
export class QueueWatch {
  shedding = false;
  lastCheckMs = Number.NEGATIVE_INFINITY;
  /** Last measured backlog (bytes), -1 if it cannot be measured. */
  queuedBytes = 0;
  /** Deepest backlog seen. */
  peakBytes = 0;
  /** Since when the backlog has been above lowBytes (-Infinity: it is not). */
  aboveLowSinceMs = Number.NEGATIVE_INFINITY;
  /** Times shedding started. */
  episodes = 0;

  constructor(
    readonly fd: number,
    readonly options: SheddingOptions,
  ) {}

  /** When the queue is looked at next (lastCheckMs + the interval its last depth calls for). */
  nextCheckMs = Number.NEGATIVE_INFINITY;

  /** Should this datagram be dropped unprocessed? Allocates nothing. */
  shed(nowMs: number, data: Uint8Array): boolean {
    if (this.fd < 0 || this.options.highBytes <= 0) return false;
    if (nowMs >= this.nextCheckMs) this.check(nowMs);
    return this.shedding && isVoiceBurst(data);
  }

  check(nowMs: number): void {
    this.lastCheckMs = nowMs;
    const queued = receiveQueueBytes(this.fd);
    this.queuedBytes = queued;
    this.nextCheckMs = nowMs + (queued >= 0 && queued < this.options.lowBytes / 4 && !this.shedding ? QUIET_CHECK_INTERVAL_MS : CHECK_INTERVAL_MS);
    if (queued < 0) return;
    if (queued > this.peakBytes) this.peakBytes = queued;
    if (queued < this.options.lowBytes) {
      this.aboveLowSinceMs = Number.NEGATIVE_INFINITY;
      this.shedding = false;
      return;
    }
    if (this.aboveLowSinceMs === Number.NEGATIVE_INFINITY) this.aboveLowSinceMs = nowMs;
    if (!this.shedding && (queued > this.options.highBytes || nowMs - this.aboveLowSinceMs >= this.options.sustainMs)) {
      this.shedding = true;
      this.episodes++;
    }
  }
}

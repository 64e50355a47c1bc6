/**
 * One clock for every benchmark process: CLOCK_MONOTONIC in milliseconds. Bun's performance.now()
 * and process.hrtime() both count from process start, so times taken in the generator, the server
 * and the receiver could not be compared. clock_gettime is read once through bun:ffi to learn this
 * process's offset (best of 200 samples, sub-microsecond); after that `monoNowMs()` is
 * performance.now() plus a constant — as cheap as performance.now() and allocation-free.
 * @module
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const CLOCK_MONOTONIC = 1;

function calibrate(): number {
  try {
    const libc = dlopen("libc.so.6", { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
    const ts = new BigInt64Array(2);
    const at = ptr(ts);
    let best = Infinity;
    let offset = 0;
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      libc.symbols.clock_gettime(CLOCK_MONOTONIC, at);
      const b = performance.now();
      if (b - a < best) {
        best = b - a;
        offset = Number(ts[0]) * 1000 + Number(ts[1]) / 1e6 - (a + b) / 2;
      }
    }
    libc.close();
    return offset;
  } catch {
    // No libc.so.6 (not glibc): fall back to the wall clock origin (good to a few µs between processes).
    return performance.timeOrigin;
  }
}

const OFFSET_MS = calibrate();

/** monoNowMs() − performance.now(): add it to a performance.now() reading (e.g. the shell's monotonicMs). */
export const MONO_OFFSET_MS = OFFSET_MS;

/** CLOCK_MONOTONIC in ms, comparable across processes on this machine. */
export function monoNowMs(): number {
  return performance.now() + OFFSET_MS;
}

/**
 * Where the benchmarks put the send time in a DMRD voice burst: payload bytes 4–11 (datagram bytes
 * 24–31) as a float64, right after the 32-bit frame tag (payload bytes 0–3). These are AMBE bits of
 * the first half-burst, which routing never rewrites (test/sim/frames.ts). 0 or less means "not
 * measured" (latency_gen.ts stamps warm-up bursts with the send time negated).
 */
export const SEND_TIME_OFFSET = 24;

const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

export function writeSendTime(datagram: Uint8Array, ms: number): void {
  scratch[0] = ms;
  datagram.set(scratchBytes, SEND_TIME_OFFSET);
}

export function readSendTime(datagram: Uint8Array): number {
  if (datagram.length < SEND_TIME_OFFSET + 8) return 0;
  for (let i = 0; i < 8; i++) scratchBytes[i] = datagram[SEND_TIME_OFFSET + i]!;
  return scratch[0]!;
}

/**
 * Experiment: ask the kernel (EEVDF, Linux ≥ 6.12) for a short time slice for this thread with
 * sched_setattr(sched_runtime) under SCHED_OTHER. A shorter requested slice gives an earlier
 * virtual deadline, so a wake-up preempts a CPU-bound neighbour sooner. Set BENCH_SCHED_SLICE_US.
 * @module
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

export function requestSlice(microseconds: number): string {
  const SYS_sched_setattr = process.arch === "arm64" ? 274 : 314;
  const libc = dlopen("libc.so.6", { syscall: { args: [FFIType.i64, FFIType.i64, FFIType.ptr, FFIType.i64], returns: FFIType.i64 } });
  const attr = new ArrayBuffer(56);
  const v = new DataView(attr);
  v.setUint32(0, 56, true); // size
  v.setUint32(4, 0, true); // SCHED_OTHER
  v.setBigUint64(8, 0n, true); // flags
  v.setInt32(16, 0, true); // nice
  v.setUint32(20, 0, true); // priority
  v.setBigUint64(24, BigInt(microseconds * 1000), true); // sched_runtime (ns): the slice
  const r = libc.symbols.syscall(SYS_sched_setattr, 0, ptr(new Uint8Array(attr)), 0);
  return `sched_setattr(slice ${microseconds} µs) = ${r}`;
}

const us = Number(process.env.BENCH_SCHED_SLICE_US ?? "0");
if (us > 0) console.error(requestSlice(us));

/**
 * CPU time of another process, for "packets per server CPU-second": the sum of every thread's
 * run time from /proc/<pid>/task/<tid>/schedstat (nanoseconds, first field). Falls back to
 * utime+stime from /proc/<pid>/stat (clock ticks, assumed 100 Hz) where schedstat is missing.
 * Over a window in which threads may end, use ProcessCpuMeter instead.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

export function processCpuNs(pid: number): number {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8");
        total += Number(text.split(" ")[0]);
      } catch {
        // thread exited between readdir and read
      }
    }
    return total;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000_000;
  }
}

/**
 * CPU time of another process over a window, thread by thread. `processCpuNs` read twice is wrong
 * when a thread ends inside the window: JSC's compiler and GC helper threads exit after a few
 * seconds idle, and their whole run time leaves the sum, so the window can even come out
 * negative. The meter keeps each thread's first and last seen run time; `sample()` during the
 * window (every ~100 ms) bounds what a thread that ends can take with it.
 */
export class ProcessCpuMeter {
  readonly #pid: number;
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();

  constructor(pid: number) {
    this.#pid = pid;
    this.#read(this.#first);
    for (const [tid, ns] of this.#first) this.#last.set(tid, ns);
  }

  /** Read every live thread's run time (cheap: one small file per thread). */
  sample(): void {
    this.#read(this.#last);
  }

  /** Run time of all threads since the meter was made (a new thread counts from zero), after a last sample. */
  elapsedNs(): number {
    this.sample();
    let total = 0;
    for (const [tid, ns] of this.#last) total += ns - (this.#first.get(tid) ?? 0);
    return total;
  }

  #read(into: Map<number, number>): void {
    try {
      for (const tid of readdirSync(`/proc/${this.#pid}/task`)) {
        try {
          into.set(Number(tid), Number(readFileSync(`/proc/${this.#pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
        } catch {
          // thread exited between readdir and read: its last sample stands
        }
      }
    } catch {
      // the process is gone: the last samples stand
    }
  }
}

/** This process's own CPU time in ns (user + system). */
export function selfCpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

export interface ThreadTimes {
  readonly name: string;
  readonly cpuNs: number;
  readonly waitNs: number;
}

/** Per-thread run time and run-queue wait (schedstat) and name (comm) of another process. */
export function threadTimes(pid: number): Map<number, ThreadTimes> {
  const out = new Map<number, ThreadTimes>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        out.set(Number(tid), { name, cpuNs: Number(fields[0]), waitNs: Number(fields[1]) });
      } catch {
        // thread exited
      }
    }
  } catch {}
  return out;
}

/** CPU and wait per thread name between two threadTimes() readings, busiest first. */
export function threadDelta(before: Map<number, ThreadTimes>, after: Map<number, ThreadTimes>): { name: string; cpuNs: number; waitNs: number }[] {
  const byName = new Map<string, { name: string; cpuNs: number; waitNs: number }>();
  for (const [tid, a] of after) {
    const b = before.get(tid);
    // a thread started inside the window counts from zero; one that ended is not in `after`
    const row = byName.get(a.name) ?? { name: a.name, cpuNs: 0, waitNs: 0 };
    row.cpuNs += a.cpuNs - (b?.cpuNs ?? 0);
    row.waitNs += a.waitNs - (b?.waitNs ?? 0);
    byName.set(a.name, row);
  }
  return [...byName.values()].sort((x, y) => y.cpuNs - x.cpuNs);
}

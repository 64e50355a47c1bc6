/**
 * CPU time of another process, for "packets per server CPU-second": the sum of every thread's
 * run time from /proc/<pid>/task/<tid>/schedstat (nanoseconds, first field). Falls back to
 * utime+stime from /proc/<pid>/stat (clock ticks, assumed 100 Hz) where schedstat is missing.
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

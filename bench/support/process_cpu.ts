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

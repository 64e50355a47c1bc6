/**
 * Start a server under test in its own process, optionally pinned to one core with `taskset`,
 * and wait for the line `READY <port>` on its stdout.
 * @module
 */
import { existsSync } from "node:fs";

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly name: string;
  stop(): Promise<void>;
}

export const TASKSET = ["/usr/bin/taskset", "/bin/taskset"].find((p) => existsSync(p)) ?? null;

/** Pin this (generator) process and all its threads to `core`. */
export function pinSelf(core: number): boolean {
  if (TASKSET === null) return false;
  const r = Bun.spawnSync([TASKSET, "-a", "-p", "-c", String(core), String(process.pid)], { stdout: "ignore", stderr: "ignore" });
  return r.exitCode === 0;
}

export async function startServerProcess(name: string, argv: string[], core: number | null, timeoutMs = 15_000): Promise<ServerProcess> {
  const cmd = core !== null && TASKSET !== null ? [TASKSET, "-c", String(core), ...argv] : argv;
  const child = Bun.spawn(cmd, { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + timeoutMs;
  let port = -1;
  while (port < 0) {
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`${name}: no READY line within ${timeoutMs} ms`);
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name}: exited before READY (output: ${buffered.slice(-500)})`);
    buffered += decoder.decode(value);
    const m = /READY (\d+)/.exec(buffered);
    if (m !== null) port = Number(m[1]);
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch {}
  })();
  return {
    pid: child.pid,
    port,
    name,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

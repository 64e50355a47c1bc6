/**
 * Start a server under test in its own process, optionally pinned to one core with `taskset`,
 * and wait for the line `READY <port>` on its stdout. Later stdout lines (e.g. the `PROBE {json}`
 * line of the in-server latency probe) are kept and can be read after `stop()`.
 * @module
 */
import { existsSync } from "node:fs";

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly name: string;
  stop(): Promise<void>;
  /** stdout after the READY line (complete once stop() has resolved). */
  output(): string;
}

export interface ServerProcessOptions {
  /** Extra environment for the child. */
  readonly env?: Record<string, string>;
  /** Write the child's stderr here instead of inheriting it (e.g. a BUN_JSC_logGC=1 log). */
  readonly stderrPath?: string;
  readonly timeoutMs?: number;
  /** Command prefix, e.g. ["chrt", "-f", "10"] to run the server at real-time priority. */
  readonly prefix?: readonly string[];
}

export const TASKSET = ["/usr/bin/taskset", "/bin/taskset"].find((p) => existsSync(p)) ?? null;

/** Pin this (generator) process and all its threads to `core`. */
export function pinSelf(core: number): boolean {
  if (TASKSET === null) return false;
  const r = Bun.spawnSync([TASKSET, "-a", "-p", "-c", String(core), String(process.pid)], { stdout: "ignore", stderr: "ignore" });
  return r.exitCode === 0;
}

let exitOnSignal = false;

/**
 * Kill `child` when this process exits, however it ends: an exception, a normal exit, or (once
 * this has been called) SIGINT/SIGTERM — a signal's default action would skip the exit handlers
 * and leave the child running, holding ports, CPU and any pipe it inherited.
 */
export function killOnExit(child: { kill(signal?: number | NodeJS.Signals): void }): void {
  process.on("exit", () => child.kill("SIGKILL"));
  if (exitOnSignal) return;
  exitOnSignal = true;
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
}

export async function startServerProcess(name: string, argv: string[], core: number | null, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const base = [...(options.prefix ?? []), ...argv];
  const cmd = core !== null && TASKSET !== null ? [TASKSET, "-c", String(core), ...base] : base;
  const child = Bun.spawn(cmd, {
    stdout: "pipe",
    stderr: options.stderrPath !== undefined ? Bun.file(options.stderrPath) : "inherit",
    stdin: "ignore",
    env: { ...process.env, ...options.env },
  });
  killOnExit(child);
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
  let rest = buffered.slice(buffered.indexOf("READY"));
  rest = rest.slice(rest.indexOf("\n") + 1);
  // Keep draining stdout so the child never blocks on a full pipe.
  const drained = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += decoder.decode(value);
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
      await drained;
    },
    output: () => rest,
  };
}

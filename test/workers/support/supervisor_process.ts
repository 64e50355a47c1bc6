/**
 * `freedmr --workers N` as a real process tree (bun src/main.ts, or the compiled binary): its
 * output lines parsed (JSON; each worker's lines carry "worker": I), the workers' pids and API URLs
 * as they log them. Killed in `stopAllSupervisors` (afterAll).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entryPoint } from "../../core/federation/support/processes.ts";
import { apiUrlOf } from "./worker_net.ts";
import { readJsonLines } from "../../support/json_lines.ts";

export type Line = Record<string, unknown>;

export interface SupervisorProcess {
  readonly process: ReturnType<typeof Bun.spawn>;
  readonly lines: Line[];
  readonly dir: string;
  waitForLog(predicate: (line: Line) => boolean, timeoutMs?: number, from?: number): Promise<Line | null>;
  /** the pid worker `index` logged last ("worker I started (pid …)") */
  workerPid(index: number): number;
  /** the API URL worker `index` logged last */
  apiUrl(index: number): string | null;
}

const running: SupervisorProcess[] = [];

export async function startSupervisor(toml: string, workers: number, command: string[] = [process.execPath, entryPoint()]): Promise<SupervisorProcess> {
  const dir = mkdtempSync(join(tmpdir(), "freedmr-workers-"));
  const configPath = join(dir, "freedmr.toml");
  writeFileSync(configPath, toml);
  const proc = Bun.spawn([...command, "--config", configPath, "--workers", String(workers)], { cwd: dir, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const lines: Line[] = [];
  const waiters: { predicate: (l: Line) => boolean; from: number; resolve: (l: Line | null) => void }[] = [];
  const onLine = (line: Line): void => {
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.predicate(line)) w.resolve(line);
      else waiters.push(w);
    }
  };
  void readJsonLines(proc.stdout as ReadableStream<Uint8Array>, onLine);
  void readJsonLines(proc.stderr as ReadableStream<Uint8Array>, onLine);
  const supervisor: SupervisorProcess = {
    process: proc,
    lines,
    dir,
    waitForLog(predicate, timeoutMs = 15_000, from = 0) {
      const found = lines.slice(from).find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const waiter = { predicate, from, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          resolve(null);
        }, timeoutMs);
      });
    },
    workerPid(index) {
      const line = lines.findLast((l) => l["worker"] === index && typeof l["pid"] === "number" && String(l["msg"]).startsWith(`worker ${index} started`));
      return line === undefined ? 0 : (line["pid"] as number);
    },
    apiUrl(index) {
      const line = lines.findLast((l) => l["worker"] === index && apiUrlOf(l) !== null);
      return line === undefined ? null : apiUrlOf(line);
    },
  };
  running.push(supervisor);
  return supervisor;
}

/** Lines that say worker `index` listens on its HBP socket. */
export function isListening(index: number): (l: Line) => boolean {
  return (l) => l["worker"] === index && typeof l["msg"] === "string" && (l["msg"] as string).startsWith("listening on UDP");
}

export async function stopAllSupervisors(): Promise<void> {
  for (const s of running.splice(0)) {
    if (s.process.exitCode === null && s.process.signalCode === null) {
      s.process.kill("SIGTERM");
      const done = await Promise.race([s.process.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!done) s.process.kill("SIGKILL");
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
}

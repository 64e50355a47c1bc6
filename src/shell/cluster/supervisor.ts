/**
 * `[cluster] workers = N` (N ≥ 2): this process starts N freedmr workers (itself again, with
 * FREEDMR_CLUSTER_WORKER=1…N; see worker_role.ts), passes their output through, restarts a worker
 * that exits on its own (1 s, doubling to 30 s while it keeps failing within a minute of starting),
 * and on stop forwards SIGTERM to every worker and waits for them (SIGKILL after 10 s).
 * The hotspots of a crashed worker are NAKed by whichever worker the kernel now gives their
 * datagrams to, and log in again there (their state follows through the cluster's KV).
 * @module
 */
import type { Subprocess } from "bun";
import type { Config } from "../../config/schema.ts";
import type { Logger } from "../log.ts";
import { WORKER_ENV } from "./worker_role.ts";

const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
const STABLE_MS = 60_000;
const STOP_GRACE_MS = 10_000;

interface WorkerSlot {
  index: number;
  proc: Subprocess | null;
  startedAt: number;
  backoffMs: number;
  restarts: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface Supervisor {
  stop(reason?: string): Promise<void>;
  /** process ids of the running workers, by worker index − 1 (0 = not running) */
  pids(): number[];
}

/** argv to start this program again: the compiled binary takes its arguments directly. */
function selfCommand(): string[] {
  const script = process.argv[1] ?? "";
  const compiled = script.startsWith("/$bunfs/") || script.startsWith("B:/~BUN/");
  return compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, ...process.argv.slice(1)];
}

export function startSupervisor(config: Config, log: Logger, count: number): Supervisor {
  const command = selfCommand();
  const slots: WorkerSlot[] = [];
  let stopping = false;
  log.info({ workers: count, node: config.cluster.node_name }, `cluster: supervising ${count} worker processes sharing the HBP port`);

  const spawn = (slot: WorkerSlot): void => {
    slot.timer = null;
    if (stopping) return;
    const proc = Bun.spawn(command, {
      env: { ...process.env, [WORKER_ENV]: String(slot.index) },
      // its own process group: a group signal (Ctrl-C, `timeout`) reaches only this process, which
      // then stops each worker once (a worker stops by itself if this process disappears)
      detached: true,
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
    });
    slot.proc = proc;
    slot.startedAt = performance.now();
    log.info({ worker: slot.index, pid: proc.pid, restarts: slot.restarts }, "cluster: worker started");
    void proc.exited.then((code) => {
      if (slot.proc === proc) slot.proc = null;
      if (stopping) return;
      const ranMs = performance.now() - slot.startedAt;
      slot.backoffMs = ranMs >= STABLE_MS ? RESTART_MIN_MS : Math.min(RESTART_MAX_MS, Math.max(RESTART_MIN_MS, slot.backoffMs * 2));
      slot.restarts++;
      log.warn({ worker: slot.index, pid: proc.pid, code, signal: proc.signalCode, restartInMs: slot.backoffMs }, "cluster: worker exited; restarting it");
      slot.timer = setTimeout(() => spawn(slot), slot.backoffMs);
    });
  };

  for (let i = 1; i <= count; i++) {
    const slot: WorkerSlot = { index: i, proc: null, startedAt: 0, backoffMs: RESTART_MIN_MS / 2, restarts: 0, timer: null };
    slots.push(slot);
    spawn(slot);
  }

  return {
    pids: () => slots.map((s) => s.proc?.pid ?? 0),
    async stop(reason = "stop") {
      if (stopping) return;
      stopping = true;
      log.info({ reason }, "cluster: stopping the workers");
      const running = slots.filter((s) => s.proc !== null).map((s) => s.proc!);
      for (const s of slots) if (s.timer !== null) clearTimeout(s.timer);
      for (const p of running) p.kill("SIGTERM");
      const all = Promise.all(running.map((p) => p.exited));
      const grace = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), STOP_GRACE_MS).unref());
      if ((await Promise.race([all, grace])) === "timeout") {
        for (const p of running) if (p.exitCode === null) p.kill("SIGKILL");
        await all;
      }
    },
  };
}

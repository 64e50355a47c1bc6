/**
 * Helpers for worker processes (started by src/cli/supervisor.ts for `[workers] count`,
 * `[cluster] workers` or `--workers`): watching that the supervisor is still there, and the node
 * group workers of one host share. Imports nothing of NATS.
 * @module
 */

export const WORKER_ENV = "FREEDMR_CLUSTER_WORKER";
/** the supervisor's process id, given to each worker (its parent until the supervisor is gone) */
export const SUPERVISOR_ENV = "FREEDMR_CLUSTER_SUPERVISOR";

/**
 * Worker: stop when the supervisor is gone (its process id is no longer our parent: it was killed
 * with SIGKILL, or crashed), so no orphan keeps the HBP port. Workers run in their own process
 * group (a terminal's Ctrl-C or a service manager's group signal reaches the supervisor, which
 * stops them one by one); under systemd the unit's control group is killed as a whole anyway.
 */
export function watchSupervisor(onGone: () => void, intervalMs = 1000): () => void {
  // the pid the supervisor gave us, not process.ppid now: it may already be gone while we started
  const given = Number(process.env[SUPERVISOR_ENV]);
  const parent = Number.isInteger(given) && given > 0 ? given : process.ppid;
  if (process.ppid !== parent) {
    onGone();
    return () => {};
  }
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The group a node belongs to (workers of one host share it): the hand-over counts only other groups. */
export function nodeGroup(nodeName: string, env: Record<string, string | undefined>): string {
  return env[WORKER_ENV] !== undefined && env[WORKER_ENV] !== "" ? nodeName.replace(/-w\d+$/, "") : nodeName;
}

/**
 * Which role this process plays when `[cluster] workers` ≥ 2: the supervisor (the process the
 * operator started: it starts and restarts the workers, opens no socket) or worker i (started by
 * the supervisor with FREEDMR_CLUSTER_WORKER=i: a cluster node named `<node_name>-w<i>` sharing the
 * HBP port with SO_REUSEPORT; only worker 1 keeps the dashboard and the OpenBridge/upstream links,
 * which belong to one node). Anything else is a single process. Imports nothing of NATS.
 * @module
 */
import { hostname } from "node:os";
import type { Config } from "../../config/schema.ts";

export const WORKER_ENV = "FREEDMR_CLUSTER_WORKER";

export type WorkerRole =
  | { kind: "single" }
  | { kind: "supervisor"; workers: number }
  | { kind: "worker"; index: number; config: Config };

export function workerRole(config: Config, env: Record<string, string | undefined>): WorkerRole {
  const count = config.cluster.workers;
  if (!config.cluster.enabled || count < 2) return { kind: "single" };
  const raw = env[WORKER_ENV];
  if (raw === undefined || raw === "") return { kind: "supervisor", workers: count };
  const index = Number(raw);
  if (!Number.isInteger(index) || index < 1 || index > count) return { kind: "supervisor", workers: count };
  const base = config.cluster.node_name !== "" ? config.cluster.node_name : hostname().replace(/[^A-Za-z0-9_.-]/g, "-");
  const worker: Config = {
    ...config,
    cluster: { ...config.cluster, node_name: `${base}-w${index}`.slice(0, 64), node_id: config.cluster.node_id === 0 ? 0 : (config.cluster.node_id + index - 1) >>> 0 },
    http: index === 1 ? config.http : { ...config.http, enabled: false },
    openbridge: index === 1 ? config.openbridge : [],
    upstream: index === 1 ? config.upstream : [],
  };
  return { kind: "worker", index, config: worker };
}

/**
 * Worker: stop when the supervisor is gone (its process id is no longer our parent: it was killed
 * with SIGKILL, or crashed), so no orphan keeps the HBP port. Workers run in their own process
 * group (a terminal's Ctrl-C or a service manager's group signal reaches the supervisor, which
 * stops them one by one); under systemd the unit's control group is killed as a whole anyway.
 */
export function watchSupervisor(onGone: () => void, intervalMs = 1000): () => void {
  const parent = process.ppid;
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

/**
 * What makes worker I of N (started by the supervisor, src/cli/supervisor.ts) differ from the
 * config it shares with the others. Applied to the raw config document, like the command-line
 * overrides, so it is validated with the file and survives every reload (SIGHUP):
 *
 * - `hbp.reuse_port = true`: all workers bind the one HBP port; the kernel keeps each hotspot on one.
 * - `cluster.node_name` gets "-wI" (the host name when empty) and a set `cluster.node_id` becomes
 *   node_id + I - 1: each worker is its own cluster node.
 * - `cluster.handover_on_stop = false`: a worker that stops says goodbye (MSTCL) to its hotspots;
 *   the ones that keep sending land on another worker by the kernel's hash and log in there.
 * - `http.port` (when not 0) becomes port + I - 1: each worker's dashboard, API and metrics on its own port.
 * - OpenBridge/FBP and upstream links stay on worker 1 only: a link is one peer relationship with
 *   fixed ports and ids, and two processes cannot both own it; with [cluster] the other workers
 *   reach it through NATS (the node holding a link subscribes to every talkgroup).
 * @module
 */
import { hostname } from "node:os";
import { defaultConfig } from "../config/schema.ts";

function section(document: Record<string, unknown>, name: string): Record<string, unknown> {
  const existing = document[name];
  if (existing !== null && typeof existing === "object" && !Array.isArray(existing)) return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  document[name] = created;
  return created;
}

/** A host name as a node name (cluster.node_name allows [A-Za-z0-9_.-]). */
function nodeNameBase(configured: unknown): string {
  if (typeof configured === "string" && configured !== "") return configured;
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 56);
  return host === "" ? "freedmr" : host;
}

export function applyWorkerOverrides(document: Record<string, unknown>, index: number, count: number): void {
  const defaults = defaultConfig();
  // the supervisor's workers.count is not the worker's: a worker never supervises
  section(document, "workers")["count"] = 1;
  section(document, "hbp")["reuse_port"] = true;

  const cluster = section(document, "cluster");
  cluster["node_name"] = `${nodeNameBase(cluster["node_name"])}-w${index}`;
  const nodeId = cluster["node_id"];
  if (typeof nodeId === "number" && nodeId > 0) cluster["node_id"] = nodeId + index - 1;
  cluster["handover_on_stop"] = false;
  // [cluster] workers (the cluster's own supervisor, src/shell/cluster/worker_role.ts) must not
  // make a worker supervise again
  cluster["workers"] = 0;

  const http = section(document, "http");
  const port = typeof http["port"] === "number" ? http["port"] : defaults.http.port;
  if (port > 0) http["port"] = port + index - 1;

  if (index > 1) {
    document["openbridge"] = [];
    document["upstream"] = [];
  }
  void count;
}

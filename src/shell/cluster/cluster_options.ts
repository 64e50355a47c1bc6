/**
 * `[cluster]` config → what the cluster node needs: node name and id (0 = a 32-bit FNV-1a hash of
 * the name, never 0), subjects, NATS connection options (servers, authentication, TLS).
 * Loaded only when clustering is on.
 * @module
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { ClusterConfig } from "../../config/sections/cluster.ts";
import { nodeGroup } from "./worker_role.ts";
import { bridgeKey } from "../../core/cluster/cluster_wire.ts";

export interface ClusterSettings {
  nodeName: string;
  /** workers of one host share a group (their base name); otherwise the node name */
  group: string;
  nodeId: number;
  prefix: string;
  lingerMs: number;
  publishQueue: number;
  maxPendingBytes: number;
  sharedState: boolean;
  /** share HBP sessions through the KV (shared_sessions.ts); only with sharedState */
  sharedSessions: boolean;
  kvReplicas: number;
  handoverOnStop: boolean;
  servers: string[];
}

/** FNV-1a 32-bit hash of the name (never 0: 0 means "derive" in the config); the same hash keys bridges. */
export function nodeIdFromName(name: string): number {
  return bridgeKey(name);
}

export function clusterSettings(config: ClusterConfig): ClusterSettings {
  const nodeName = config.node_name !== "" ? config.node_name : hostname().replace(/[^A-Za-z0-9_.-]/g, "-");
  return {
    nodeName,
    group: nodeGroup(nodeName, process.env),
    nodeId: config.node_id !== 0 ? config.node_id : nodeIdFromName(nodeName),
    prefix: config.subject_prefix,
    lingerMs: config.interest_linger_seconds * 1000,
    publishQueue: config.publish_queue,
    maxPendingBytes: config.max_pending_bytes,
    sharedState: config.shared_state,
    sharedSessions: config.shared_state && config.shared_sessions,
    kvReplicas: config.kv_replicas,
    handoverOnStop: config.handover_on_stop,
    servers: config.servers.slice(),
  };
}

/** Connection options for @nats-io/transport-node's connect (authenticators built lazily by the caller's module). */
export async function natsConnectOptions(config: ClusterConfig, settings: ClusterSettings): Promise<Record<string, unknown>> {
  const nats = await import("@nats-io/transport-node");
  const options: Record<string, unknown> = {
    servers: settings.servers,
    name: `freedmr:${settings.nodeName}`,
    noEcho: true,
    // the servers in the order given: list the node's own (nearest) NATS server first
    noRandomize: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    pingInterval: 10_000,
    maxPingOut: 2,
    timeout: 5000,
  };
  if (config.user !== "") {
    options["user"] = config.user;
    options["pass"] = config.password;
  }
  if (config.token !== "") options["token"] = config.token;
  if (config.creds_file !== "") options["authenticator"] = nats.credsAuthenticator(readFileSync(config.creds_file));
  else if (config.nkey_seed_file !== "") {
    const seed = readFileSync(config.nkey_seed_file, "utf8").trim();
    options["authenticator"] = nats.nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  const anyTls = config.tls || config.tls_ca_file !== "" || config.tls_cert_file !== "" || config.tls_key_file !== "";
  if (anyTls) {
    const tls: Record<string, string> = {};
    if (config.tls_ca_file !== "") tls["caFile"] = config.tls_ca_file;
    if (config.tls_cert_file !== "") tls["certFile"] = config.tls_cert_file;
    if (config.tls_key_file !== "") tls["keyFile"] = config.tls_key_file;
    options["tls"] = tls;
  }
  return options;
}

/**
 * Config section `[cluster]`: freedmr nodes joined through NATS into one network (docs/cluster.md).
 * Off by default; with it off nothing of NATS is loaded and a node is exactly a single server.
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const ClusterSection = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        "Join the other freedmr nodes of this network through NATS: group calls by talkgroup subject, private calls to the node where the radio was last heard, shared state in JetStream KV. Off = a single server, NATS never loaded.",
      default: false,
    }),
    node_name: Type.String({
      description: 'This node\'s name in logs and the shared state. Empty = the host name. Unique per node ("fra-1", "nyc-2").',
      default: "",
      maxLength: 64,
      pattern: "^[A-Za-z0-9_.-]*$",
    }),
    node_id: Type.Integer({
      description: "This node's id on the wire (unique per node, 1–4294967295). 0 = derived from node_name (a 32-bit hash).",
      default: 0,
      minimum: 0,
      maximum: 4294967295,
    }),
    servers: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      description: 'NATS server URLs ("nats://host:4222", "tls://host:4222"), nearest first: the client tries them in this order and follows the cluster\'s advertised servers.',
      default: ["nats://127.0.0.1:4222"],
      minItems: 1,
      maxItems: 32,
    }),
    subject_prefix: Type.String({
      description: "First subject tokens of this network's messages and name of its KV bucket (several networks can share one NATS system with different prefixes).",
      default: "freedmr",
      minLength: 1,
      maxLength: 64,
      pattern: "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$",
    }),
    user: Type.String({ description: "NATS user name (with password). Empty = none.", default: "", maxLength: 256 }),
    password: Type.String({ description: "NATS password (with user).", default: "", maxLength: 256 }),
    token: Type.String({ description: "NATS authentication token. Empty = none.", default: "", maxLength: 1024 }),
    creds_file: Type.String({ description: "NATS credentials file (JWT + NKey seed, from nsc). Empty = none.", default: "", maxLength: 4096 }),
    nkey_seed_file: Type.String({ description: "File holding an NKey user seed (SU…) for NKey authentication. Empty = none.", default: "", maxLength: 4096 }),
    tls: Type.Boolean({ description: "Require TLS to the NATS servers (also implied by tls:// URLs or any tls_* file).", default: false }),
    tls_ca_file: Type.String({ description: "CA certificate (PEM) to verify the NATS servers. Empty = the system's.", default: "", maxLength: 4096 }),
    tls_cert_file: Type.String({ description: "Client certificate (PEM) for mutual TLS. Empty = none.", default: "", maxLength: 4096 }),
    tls_key_file: Type.String({ description: "Client key (PEM) for mutual TLS. Empty = none.", default: "", maxLength: 4096 }),
    interest_linger_seconds: Type.Number({
      description: "How long a talkgroup subscription stays after the last local listener left (no subscribe/unsubscribe churn when hotspots come and go).",
      default: 30,
      minimum: 0,
      maximum: 3600,
    }),
    publish_queue: Type.Integer({
      description: "Frames queued for NATS between two drains of the event loop; more are dropped and counted (NATS slow or away never delays local delivery).",
      default: 2048,
      minimum: 16,
      maximum: 1000000,
    }),
    max_pending_bytes: Type.Integer({
      description: "While the client's unsent buffer holds more than this, frames for NATS are dropped and counted instead of buffered.",
      default: 1048576,
      minimum: 4096,
      maximum: 1073741824,
    }),
    shared_state: Type.Boolean({
      description:
        "Keep the subscriber map, where each repeater id is logged in, user-activated talkgroups, dial links and self-care settings in a JetStream KV bucket, so a hotspot moving to another node finds them (needs JetStream on the NATS servers).",
      default: true,
    }),
    shared_sessions: Type.Boolean({
      description:
        "Share the hotspots' HBP sessions through the KV (needs shared_state): a hotspot whose datagrams reach another node (a floating address moved, a worker restarted) is taken over there from exactly the address and port it logged in from, without a new login, when its node stopped, handed it over or is a worker of this host. Off = such a hotspot is NAKed and logs in again.",
      default: true,
    }),
    handover_on_stop: Type.Boolean({
      description:
        "When this node stops while other nodes of the cluster are alive, send hotspots no MSTCL: they keep talking to the shared address (DNS name or floating IP in front of the nodes) and move to another node at their own pace, finding their state there (as DMRHub's hand-off). Off = always say goodbye.",
      default: true,
    }),
    workers: Type.Integer({
      description:
        "Run this many freedmr worker processes on this host (2 or more; 0 = one process), the same as [workers] count (set only one of the two): each is a cluster node (node_name-w1, -w2, …) sharing the HBP port through SO_REUSEPORT (the kernel keeps each hotspot's datagrams on one worker) and joined through the NATS servers above ([workers] start_nats_server runs a local nats-server). The first process supervises them and restarts a crashed worker; only worker 1 runs the OpenBridge/upstream links; worker I serves its dashboard on http.port + I − 1. Needs enabled = true.",
      default: 0,
      minimum: 0,
      maximum: 256,
    }),
    kv_replicas: Type.Integer({ description: "Replicas of the KV bucket when freedmr creates it (1, or 3 on a three-server NATS cluster).", default: 1, minimum: 1, maximum: 5 }),
  },
  { ...strict, description: "Several freedmr nodes as one network, joined through NATS (docs/cluster.md).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const clusterSections = {
  cluster: ClusterSection,
};

export type ClusterConfig = Static<typeof ClusterSection>;

/**
 * Config section `[workers]`: several freedmr processes on one host sharing the HBP port
 * (SO_REUSEPORT), started and supervised by one `freedmr` (src/cli/supervisor.ts, docs/workers.md).
 * @module
 */
import { Type, type Static } from "@sinclair/typebox";

const strict = { additionalProperties: false } as const;

export const WorkersSection = Type.Object(
  {
    count: Type.Integer({
      description:
        "freedmr processes to run on this host (also `--workers N`). 1 = this process is the server. More: this process supervises that many worker processes sharing the HBP port (hbp.reuse_port), each a cluster node; their calls cross only through [cluster] (NATS).",
      default: 1,
      minimum: 1,
      maximum: 256,
    }),
    start_nats_server: Type.Boolean({
      description:
        "With count > 1 and [cluster] enabled: also start and supervise a local nats-server (JetStream on) listening where cluster.servers[0] points (a loopback nats:// URL). Off = use a NATS you run yourself.",
      default: false,
    }),
    nats_server_command: Type.String({
      description: "The nats-server executable (a path, or a name looked up in PATH).",
      default: "nats-server",
      minLength: 1,
      maxLength: 4096,
    }),
    nats_store_directory: Type.String({
      description: "JetStream store of the local nats-server. Empty = nats/ under the working directory (the state directory under systemd).",
      default: "",
      maxLength: 4096,
    }),
    restart_delay_seconds: Type.Number({
      description: "Wait before restarting a worker that exited unasked; doubles after each crash that follows a short run, up to restart_delay_max_seconds.",
      default: 1,
      minimum: 0,
      maximum: 60,
    }),
    restart_delay_max_seconds: Type.Number({
      description: "Longest wait before restarting a crashed worker.",
      default: 30,
      minimum: 0,
      maximum: 3600,
    }),
    stop_timeout_seconds: Type.Number({
      description: "On SIGTERM: how long workers get to say goodbye to their peers (MSTCL) before they are killed.",
      default: 10,
      minimum: 1,
      maximum: 600,
    }),
  },
  { ...strict, description: "Several freedmr processes on one host sharing the HBP port (docs/workers.md).", default: {} },
);

/** Top-level properties this file contributes to the config object. */
export const workersSections = {
  workers: WorkersSection,
};

export type WorkersConfig = Static<typeof WorkersSection>;

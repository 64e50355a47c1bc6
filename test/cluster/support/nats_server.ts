/**
 * A real nats-server (the Debian package) for the cluster tests: 127.0.0.1, a client port picked at
 * run time (bind 0, read back, release; retried when another process took it meanwhile), JetStream
 * with a temporary store. Optionally one server of a NATS cluster (routes between the servers).
 * Missing binary: `natsServerMissing()` says why; the tests skip, or FAIL under CI=true.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NATS_SERVER = Bun.which("nats-server") ?? (Bun.file("/usr/sbin/nats-server").size > 0 ? "/usr/sbin/nats-server" : null);

/** null when nats-server is here; otherwise the reason (CI: a failing test; elsewhere: a skip). */
export function natsServerMissing(): string | null {
  return NATS_SERVER === null ? "nats-server is not installed (apt-get install nats-server; .ci/run installs it)" : null;
}

/** A TCP port that was free a moment ago. */
export async function freeTcpPort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export interface NatsServer {
  readonly port: number;
  readonly url: string;
  readonly clusterPort: number;
  readonly storeDir: string;
  readonly log: string[];
  /** the running server's process id (0 when stopped) */
  pid(): number;
  stop(): Promise<void>;
  /** Start again on the same ports and store (after stop). */
  restart(): Promise<void>;
}

export interface NatsServerOptions {
  /** server name (unique in a NATS cluster) */
  name?: string;
  /** this server's cluster (route) port; 0 = no cluster */
  clusterPort?: number;
  /** route URLs of the other servers */
  routes?: string[];
  /** the client port to use (default: a free one) */
  port?: number;
  /** more nats-server arguments (e.g. ["--user", "u", "--pass", "p"]) */
  args?: string[];
}

const running = new Set<NatsServer>();

async function spawnNats(args: string[], log: string[], timeoutMs = 10_000): Promise<ReturnType<typeof Bun.spawn> | null> {
  const proc = Bun.spawn([NATS_SERVER!, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  let ready = false;
  const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const line of decoder.decode(value).split("\n")) {
        if (line === "") continue;
        log.push(line);
        if (line.includes("Server is ready")) ready = true;
      }
    }
  };
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !ready && proc.exitCode === null) await Bun.sleep(20);
  if (ready) return proc;
  proc.kill("SIGKILL");
  await proc.exited;
  return null;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  if (NATS_SERVER === null) throw new Error(natsServerMissing()!);
  const storeDir = mkdtempSync(join(tmpdir(), "freedmr-nats-"));
  const log: string[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const port = options.port ?? (await freeTcpPort());
    const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir];
    if (options.name !== undefined) args.push("-n", options.name);
    if (options.args !== undefined) args.push(...options.args);
    if (options.clusterPort !== undefined && options.clusterPort !== 0) {
      args.push("--cluster_name", "freedmr-test", "--cluster", `nats://127.0.0.1:${options.clusterPort}`);
      if (options.routes !== undefined && options.routes.length > 0) args.push("--routes", options.routes.join(","));
    }
    let proc = await spawnNats(args, log);
    if (proc === null) {
      if (options.port !== undefined) break; // a fixed port (restart) cannot move
      continue; // the port was taken meanwhile: another one
    }
    const server: NatsServer = {
      port,
      url: `nats://127.0.0.1:${port}`,
      clusterPort: options.clusterPort ?? 0,
      storeDir,
      log,
      pid: () => proc?.pid ?? 0,
      async stop() {
        if (proc !== null && proc.exitCode === null && proc.signalCode === null) {
          proc.kill("SIGKILL");
          await proc.exited;
        }
        proc = null;
      },
      async restart() {
        await server.stop();
        for (let i = 0; i < 50 && proc === null; i++) {
          proc = await spawnNats(args, log);
          if (proc === null) await Bun.sleep(100);
        }
        if (proc === null) throw new Error(`nats-server did not restart on ${port}:\n${log.slice(-20).join("\n")}`);
      },
    };
    running.add(server);
    return server;
  }
  rmSync(storeDir, { recursive: true, force: true });
  throw new Error(`nats-server did not start:\n${log.slice(-20).join("\n")}`);
}

/** Three NATS servers routed into one cluster (JetStream on each). */
export async function startNatsCluster(count = 3): Promise<NatsServer[]> {
  const clusterPorts: number[] = [];
  for (let i = 0; i < count; i++) clusterPorts.push(await freeTcpPort());
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`);
  return Promise.all(clusterPorts.map((cp, i) => startNatsServer({ name: `n${i}`, clusterPort: cp, routes: routes.filter((_, j) => j !== i) })));
}

export async function stopAllNats(): Promise<void> {
  for (const s of [...running]) {
    await s.stop().catch(() => {});
    rmSync(s.storeDir, { recursive: true, force: true });
    running.delete(s);
  }
}


/**
 * The worker supervisor: `freedmr --workers N` (or `[workers] count = N`) runs N freedmr processes
 * from the one config, all bound to the HBP port with SO_REUSEPORT (src/shell/udp/reuse_port.ts; each
 * worker's differences: src/cli/worker_overrides.ts), each a cluster node of its own; with
 * `[workers] start_nats_server` also a local nats-server they join (cluster.servers[0]).
 *
 * - A worker (or the nats-server) that exits unasked is restarted after restart_delay_seconds,
 *   doubling after each crash that follows a short run (< 10 s), up to restart_delay_max_seconds.
 *   Its hotspots keep sending: the kernel hashes them onto the surviving workers (which answer
 *   MSTNAK to an unknown peer), they log in there, and find their state through [cluster] KV.
 * - SIGTERM/SIGINT: every worker gets SIGTERM (each says goodbye, MSTCL, to its hotspots), the ones
 *   still running after stop_timeout_seconds get SIGKILL; then the nats-server stops; exit 0.
 * - SIGHUP: forwarded to every worker (each re-reads the config file: src/shell/reload.ts).
 * - Each worker's output lines are passed through with a worker tag: `"worker":I` added to a JSON
 *   line, `[wI] ` before a pretty one; the nats-server's lines get "nats".
 * - The supervisor killed (even SIGKILL): each worker sees its stdin pipe close and stops cleanly.
 * The supervisor itself holds no socket and runs no server code.
 * @module
 */
import { SUPERVISOR_ENV, WORKER_ENV } from "../shell/cluster/worker_role.ts";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config/schema.ts";
import { createLogger, flushLogger, type Logger } from "../shell/log.ts";
import type { Overrides } from "./args.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Output } from "./commands.ts";
import { COMMIT, VERSION } from "./version.ts";

/** A run shorter than this counts as a crash loop: the next restart waits twice as long. */
const SHORT_RUN_MS = 10_000;

type Child = ReturnType<typeof Bun.spawn>;

/** How to run freedmr again: the compiled binary itself, or `bun <entry script>` in development. */
export function selfCommand(): string[] {
  const compiled = (Bun as { isStandaloneExecutable?: boolean }).isStandaloneExecutable === true || (process.argv[1] ?? "").startsWith("/$bunfs/");
  return compiled ? [process.execPath] : [process.execPath, resolve(process.argv[1] ?? Bun.main)];
}

/** The command-line a worker gets: the supervisor's own serving options, then `--worker I/N`. */
export function workerArgs(configPath: string | undefined, overrides: Overrides, hbpPort: number, logFormat: "json" | "pretty", index: number, count: number): string[] {
  const args: string[] = [];
  if (configPath !== undefined) args.push("--config", resolve(configPath));
  args.push("--port", String(hbpPort));
  if (overrides.httpPort !== undefined) args.push("--http-port", String(overrides.httpPort));
  for (const address of overrides.bindAddresses ?? []) args.push("--bind", address);
  if (overrides.logLevel !== undefined) args.push("--log-level", overrides.logLevel);
  args.push("--log-format", logFormat, "--worker", `${index}/${count}`);
  return args;
}

/**
 * One output line of child `tag`, tagged: a JSON line gets a "worker" field; another line (the
 * nats-server's, a worker's pretty line) a `[wI] ` prefix, or with json output becomes a JSON line.
 */
export function tagLine(line: string, tag: number | string, json: boolean): string {
  if (line.startsWith("{") && line.endsWith("}")) return `{"worker":${JSON.stringify(tag)},${line.slice(1)}`;
  if (json) return `{"worker":${JSON.stringify(tag)},"msg":${JSON.stringify(line)}}`;
  return `[${typeof tag === "number" ? `w${tag}` : tag}] ${line}`;
}

/** host and port of a loopback nats:// URL (where the local nats-server listens), or why not. */
export function localNatsAddress(url: string): { ok: true; host: string; port: number } | { ok: false; error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: `"${url}" is not a URL` };
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (parsed.protocol !== "nats:") return { ok: false, error: `"${url}" is not a nats:// URL (a local nats-server is started without TLS)` };
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") return { ok: false, error: `"${url}" is not a loopback address (127.0.0.1, ::1, localhost)` };
  const port = parsed.port === "" ? 4222 : Number(parsed.port);
  return { ok: true, host: host === "localhost" ? "127.0.0.1" : host, port };
}

/** Restart back-off: the delay before the next start, given how long the last run lasted. */
export function nextDelayMs(previousMs: number, ranMs: number, baseMs: number, maxMs: number): number {
  if (ranMs >= SHORT_RUN_MS) return baseMs;
  return Math.min(maxMs, Math.max(baseMs, previousMs * 2));
}

async function freeUdpPort(bindAddress: string): Promise<number> {
  const socket = await Bun.udpSocket({ hostname: bindAddress === "::" ? "0.0.0.0" : bindAddress, port: 0 });
  const port = socket.port;
  socket.close();
  return port;
}

/** A supervised child process: started, restarted with back-off, stopped on request. */
class Supervised {
  child: Child | null = null;
  startedAt = 0;
  delayMs = 0;
  restarts = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopping = false;

  constructor(
    readonly tag: number | string,
    readonly command: () => string[],
    readonly log: Logger,
    readonly baseDelayMs: number,
    readonly maxDelayMs: number,
    readonly onExit: (s: Supervised) => void,
    readonly json: boolean,
  ) {}

  start(): void {
    this.#timer = null;
    if (this.#stopping) return;
    const command = this.command();
    let child: Child;
    try {
      // workers: stdin is a pipe kept open while the supervisor lives (its end stops an orphaned worker)
      // workers know their number and their supervisor (src/shell/cluster/worker_role.ts: the node
      // group of a host's workers, and stopping when the supervisor is gone)
      const env = this.tag === "nats" ? process.env : { ...process.env, [WORKER_ENV]: String(this.tag), [SUPERVISOR_ENV]: String(process.pid) };
      child = Bun.spawn(command, { stdin: this.tag === "nats" ? "ignore" : "pipe", stdout: "pipe", stderr: "pipe", env });
    } catch (error) {
      this.log.error({ worker: this.tag, err: error }, `${this.label}: cannot start ${command[0]}`);
      this.#scheduleRestart(0);
      return;
    }
    this.child = child;
    this.startedAt = performance.now();
    this.log.info({ worker: this.tag, pid: child.pid, restarts: this.restarts }, `${this.label} started (pid ${child.pid})`);
    void pipeLines(child.stdout as ReadableStream<Uint8Array>, this.tag, this.json, process.stdout);
    void pipeLines(child.stderr as ReadableStream<Uint8Array>, this.tag, this.json, process.stderr);
    void child.exited.then((code) => {
      if (this.child !== child) return;
      this.child = null;
      const ranMs = performance.now() - this.startedAt;
      if (this.#stopping) {
        this.log.info({ worker: this.tag, pid: child.pid, code, signal: child.signalCode }, `${this.label} stopped`);
      } else {
        this.#scheduleRestart(ranMs, code, child.signalCode === null ? null : String(child.signalCode));
      }
      this.onExit(this);
    });
  }

  get label(): string {
    return typeof this.tag === "number" ? `worker ${this.tag}` : this.tag;
  }

  #scheduleRestart(ranMs: number, code?: number | null, signal?: string | null): void {
    this.delayMs = nextDelayMs(this.delayMs, ranMs, this.baseDelayMs, this.maxDelayMs);
    this.restarts++;
    this.log.warn(
      { worker: this.tag, code: code ?? null, signal: signal ?? null, ranMs: Math.round(ranMs), restartInMs: this.delayMs },
      `${this.label} exited unasked (${signal ?? `code ${code}`}); restarting in ${(this.delayMs / 1000).toFixed(1)} s`,
    );
    this.#timer = setTimeout(() => this.start(), this.delayMs);
  }

  signal(signal: NodeJS.Signals): void {
    try {
      this.child?.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Stop for good: SIGTERM, SIGKILL after timeoutMs; resolves when it has exited (true = cleanly). */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#stopping = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const child = this.child;
    if (child === null) return true;
    this.signal("SIGTERM");
    const killed = await Promise.race([child.exited.then(() => false), Bun.sleep(timeoutMs).then(() => true)]);
    if (killed) {
      this.log.error({ worker: this.tag, pid: child.pid, timeoutMs }, `${this.label} did not stop in time; killing it`);
      child.kill("SIGKILL");
      await child.exited;
    }
    return !killed;
  }
}

async function pipeLines(stream: ReadableStream<Uint8Array>, tag: number | string, json: boolean, out: NodeJS.WriteStream): Promise<void> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      let text = "";
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line !== "") text += `${tagLine(line, tag, json)}\n`;
      }
      if (text !== "") out.write(text);
    }
  } catch {
    // the child went away
  }
  if (buffer !== "") out.write(`${tagLine(buffer, tag, json)}\n`);
}

async function waitForTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ok = await new Promise<boolean>((done) => {
      Bun.connect({ hostname: host, port, socket: { open: (s) => (s.end(), done(true)), data() {}, error: () => done(false), connectError: () => done(false) } }).catch(() => done(false));
    });
    if (ok) return true;
    await Bun.sleep(100);
  }
  return false;
}

/**
 * Serve as the supervisor of config.workers.count workers. Returns once they are started (0), or
 * EXIT_USAGE/EXIT_FAILURE when the config cannot work with workers; the process then lives until a
 * signal and exits from the stop path.
 */
export async function superviseWorkers(config: Config, configPath: string | undefined, overrides: Overrides, io: Output): Promise<number> {
  const w = config.workers;
  const count = w.count;
  let nats: { host: string; port: number } | null = null;
  if (w.start_nats_server) {
    if (!config.cluster.enabled) {
      io.err("freedmr: cannot start: workers.start_nats_server needs [cluster] enabled = true (the workers join through it)\n");
      return EXIT_USAGE;
    }
    const address = localNatsAddress(config.cluster.servers[0]!);
    if (!address.ok) {
      io.err(`freedmr: cannot start: workers.start_nats_server: cluster.servers[0] ${address.error}\n`);
      return EXIT_USAGE;
    }
    nats = address;
  }

  const log = createLogger(config.log);
  const logFormat: "json" | "pretty" = config.log.format === "pretty" || (config.log.format === "auto" && process.stdout.isTTY === true) ? "pretty" : "json";
  // every worker binds the same port: with hbp.port 0, one free port is picked here, once
  const hbpPort = config.hbp.port !== 0 ? config.hbp.port : await freeUdpPort(config.hbp.bind_addresses[0] ?? "127.0.0.1");
  log.info({ version: VERSION, commit: COMMIT, workers: count, hbpPort, pid: process.pid, config: configPath ?? "embedded default" }, `freedmr supervisor: ${count} workers sharing UDP port ${hbpPort} (SO_REUSEPORT)`);
  if (!config.cluster.enabled) {
    log.warn("workers: [cluster] is not enabled, so the workers do not share calls: a hotspot hears only the hotspots on its own worker. Enable [cluster] (with workers.start_nats_server for a local NATS) — docs/workers.md");
  }

  const base = w.restart_delay_seconds * 1000;
  const max = Math.max(base, w.restart_delay_max_seconds * 1000);
  let natsChild: Supervised | null = null;
  if (nats !== null) {
    const storeDir = resolve(w.nats_store_directory !== "" ? w.nats_store_directory : join(process.cwd(), "nats"));
    try {
      mkdirSync(storeDir, { recursive: true });
    } catch (error) {
      log.fatal({ err: error }, `workers: cannot create the nats-server store ${storeDir} (workers.nats_store_directory)`);
      await flushLogger();
      return EXIT_FAILURE;
    }
    const address = nats;
    const natsCommand = (): string[] => [w.nats_server_command, "-a", address.host, "-p", String(address.port), "-js", "-sd", storeDir, "-n", `freedmr-local-${address.port}`];
    natsChild = new Supervised("nats", natsCommand, log, base, max, () => {}, logFormat === "json");
    natsChild.start();
    if (!(await waitForTcp(address.host, address.port, 10_000))) {
      log.error({ nats: `${address.host}:${address.port}` }, "workers: the local nats-server does not accept connections yet; starting the workers anyway (they join when it is up)");
    } else {
      log.info({ nats: `${address.host}:${address.port}` }, "workers: local nats-server is up");
    }
  }

  const command = selfCommand();
  const workers: Supervised[] = [];
  for (let index = 1; index <= count; index++) {
    const args = workerArgs(configPath, overrides, hbpPort, logFormat, index, count);
    const worker = new Supervised(index, () => [...command, ...args], log, base, max, () => {}, logFormat === "json");
    workers.push(worker);
    worker.start();
  }

  let stopping = false;
  const stopAll = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      log.warn({ signal }, "second signal: killing the workers");
      for (const worker of workers) worker.signal("SIGKILL");
      natsChild?.signal("SIGKILL");
      await flushLogger();
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    log.info({ signal }, "stopping the workers");
    const clean = await Promise.all(workers.map((worker) => worker.stop(w.stop_timeout_seconds * 1000)));
    if (natsChild !== null) clean.push(await natsChild.stop(5000));
    const ok = clean.every(Boolean);
    log.info({ clean: ok }, "supervisor stopped");
    await flushLogger();
    process.exit(ok ? EXIT_OK : EXIT_FAILURE);
  };
  process.on("SIGTERM", (signal) => void stopAll(signal));
  process.on("SIGINT", (signal) => void stopAll(signal));
  process.on("SIGHUP", () => {
    if (stopping) return;
    log.info("SIGHUP: forwarded to every worker (each reloads the config)");
    for (const worker of workers) worker.signal("SIGHUP");
  });
  return EXIT_OK;
}

/**
 * Serving: config (file or embedded default) + command-line overrides → validated Config → logger →
 * server. A bad config exits 2 before any socket is opened; a failure to start (port in use, ...)
 * exits 1. SIGTERM/SIGINT stop the server cleanly (it says goodbye to its peers), flush the log and
 * exit 0; a second signal exits at once. SIGHUP does not stop it (src/shell/reload_signal.ts).
 * @module
 */
import { isIP } from "node:net";
import { scheduleStartupPageRelease } from "../shell/memory/startup_pages.ts";
import { scheduleSettleAfterLogins } from "../shell/memory/settle_after_logins.ts";
import { scheduleWorkingSetTrim } from "../shell/memory/working_set_trim.ts";
import { formatConfigError } from "../config/errors.ts";
import { hostErrors, systemLookup, type HostLookup } from "../config/host_check.ts";
import { clusterFileErrors } from "../config/cluster_files.ts";
import { readConfigDocument, validateConfig } from "../config/load.ts";
import { resolvePassphraseFile } from "../config/passphrase_file.ts";
import { describeMemory, estimateMemory } from "../config/memory_estimate.ts";
import type { Config } from "../config/schema.ts";
import type { SocketSpec } from "../core/datagram_handler.ts";
import { createLogger, flushLogger, flushLoggerSync, type Logger } from "../shell/log.ts";
import type { ControlQueue } from "../shell/control_commands.ts";
import type { Reloader, ReloadReport } from "../shell/reload.ts";
import { installReloadSignal } from "../shell/reload_signal.ts";
import { applyWorkerOverrides } from "./worker_overrides.ts";
import { superviseWorkers } from "./supervisor.ts";
import type { Overrides } from "./args.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Output } from "./commands.ts";
import { COMMIT, VERSION } from "./version.ts";
import { idleWarnings, passphraseWarnings } from "./warnings.ts";

/** What the composition root needs from a running server. */
export interface Stoppable {
  stop(reason: string): Promise<void> | void;
  /** Config reload (SIGHUP, the admin API), when the server offers it (src/shell/reload.ts). */
  readonly reloader?: Pick<Reloader, "reload" | "refused">;
  /** Where the admin API's reload command is answered. */
  readonly control?: Pick<ControlQueue, "setReloader">;
  /** The HBP master, when there is one: its login count drives settleAfterLogins. */
  readonly hbp?: { readonly counters: { readonly loginsConnected: number } } | null;
}

export type StartServer = (config: Config, log: Logger) => Promise<Stoppable> | Stoppable;

/** How long a clean stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Load and validate the config with overrides applied, with `hbp.passphrase_file` read; errors are
 * printed and yield `undefined`.
 */
export async function resolveConfig(configPath: string | undefined, overrides: Overrides, io: Output): Promise<Config | undefined> {
  const loaded = await loadConfig(configPath, overrides);
  if (!loaded.ok) {
    printErrors(configPath ?? "embedded default config", loaded.errors, io);
    return undefined;
  }
  return loaded.config;
}

/**
 * The one path from a config file (or the embedded default) plus overrides to a validated Config,
 * with `hbp.passphrase_file` read: used at start and by every reload (SIGHUP, the admin API).
 * Every problem is returned, one line each, naming the key.
 */
export async function loadConfig(
  configPath: string | undefined,
  overrides: Overrides,
): Promise<{ ok: true; config: Config } | { ok: false; errors: string[] }> {
  let document: Record<string, unknown> = {};
  if (configPath !== undefined) {
    const read = await readConfigDocument(configPath);
    if (!read.ok) return { ok: false, errors: read.errors.map(formatConfigError) };
    document = read.document;
  }
  applyOverrides(document, overrides);
  const result = validateConfig(document);
  const errors = result.ok ? [...(await hostErrors(result.config)), ...clusterFileErrors(result.config)] : result.errors;
  if (errors.length > 0 || !result.ok) return { ok: false, errors: errors.map(formatConfigError) };
  const resolved = resolvePassphraseFile(result.config, configPath);
  if (!resolved.ok) return { ok: false, errors: [formatConfigError(resolved.error)] };
  return { ok: true, config: resolved.config };
}

function printErrors(source: string, lines: readonly string[], io: Output): void {
  io.err(`freedmr: cannot start, the config has ${lines.length} problem${lines.length === 1 ? "" : "s"} (${source}):\n`);
  for (const line of lines) io.err(`  ${line}\n`);
}

/** Overrides go into the raw document so they are validated like the file itself. */
function applyOverrides(document: Record<string, unknown>, overrides: Overrides): void {
  const section = (name: string): Record<string, unknown> => {
    const existing = document[name];
    if (existing !== null && typeof existing === "object" && !Array.isArray(existing)) return existing as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    document[name] = created;
    return created;
  };
  if (overrides.port !== undefined) section("hbp")["port"] = overrides.port;
  if (overrides.httpPort !== undefined) section("http")["port"] = overrides.httpPort;
  if (overrides.bindAddresses !== undefined) section("hbp")["bind_addresses"] = [...overrides.bindAddresses];
  if (overrides.logLevel !== undefined) section("log")["level"] = overrides.logLevel;
  if (overrides.logFormat !== undefined) section("log")["format"] = overrides.logFormat;
  if (overrides.workers !== undefined) section("workers")["count"] = overrides.workers;
  if (overrides.worker !== undefined) applyWorkerOverrides(document, overrides.worker.index, overrides.worker.count);
}

export async function serve(configPath: string | undefined, overrides: Overrides, io: Output, startServer: StartServer): Promise<number> {
  const config = await resolveConfig(configPath, overrides, io);
  if (config === undefined) return EXIT_USAGE;
  // [workers] count > 1 (or --workers N), or [cluster] workers ≥ 2 (the same thing, named where the
  // cluster is configured): this process supervises N worker processes instead
  const clusterWorkers = config.cluster.enabled && config.cluster.workers >= 2 ? config.cluster.workers : 0;
  if ((config.workers.count > 1 || clusterWorkers > 0) && overrides.worker === undefined) {
    if (config.workers.count > 1 && clusterWorkers > 0) {
      io.err("freedmr: cannot start: workers.count (or --workers) and cluster.workers both ask for worker processes; set only one of them\n");
      return EXIT_USAGE;
    }
    const count = Math.max(config.workers.count, clusterWorkers);
    return superviseWorkers({ ...config, workers: { ...config.workers, count } }, configPath, overrides, io);
  }

  const log = createLogger(config.log);
  log.info({ version: VERSION, commit: COMMIT, config: configPath ?? "embedded default", pid: process.pid }, "freedmr starting");
  log.debug({ config }, "effective config");
  for (const warning of passphraseWarnings(config)) log.warn(`SECURITY: ${warning}`);
  for (const warning of idleWarnings(config)) log.warn(warning);
  const memory = estimateMemory(config);
  log.info({ memoryAtStartBytes: memory.startBytes, memoryFullBytes: memory.fullBytes }, `memory: ${describeMemory(memory)}`);

  // Signals are handled from before the start: a SIGTERM while the server is still starting (the
  // services Worker comes up after the UDP sockets) stops it cleanly once it has started, instead
  // of killing it without a goodbye to the peers already logged in. SIGHUP would otherwise kill the
  // process without a goodbye to the peers; reload hooks in there.
  let server: Stoppable | null = null;
  let signalledDuringStart: NodeJS.Signals | null = null;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (server === null) {
      if (signalledDuringStart === null) log.info({ signal }, "signal while starting: stopping as soon as the server has started");
      signalledDuringStart ??= signal;
      return;
    }
    stopSignalled(signal, server);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // a worker's stdin is a pipe from its supervisor: when it closes, the supervisor is gone (even by
  // SIGKILL) and the worker stops cleanly instead of serving on as an orphan (src/cli/supervisor.ts)
  if (overrides.worker !== undefined) void watchSupervisor(() => onSignal("SIGTERM"));
  // SIGHUP reloads the config (the systemd unit's ExecReload): re-read through the same path as the
  // start, validated, then applied to the running server (src/shell/reload.ts). While starting, or
  // on a server without reload, it is logged and ignored (never the default: terminate).
  const reloadFromFile = async (): Promise<ReloadReport | null> => {
    const reloader = server?.reloader;
    if (server === null || stopping || reloader === undefined) {
      log.warn("reload: not possible now (starting, stopping, or not supported); ignored");
      return null;
    }
    const source = configPath ?? "embedded default config";
    log.info({ config: source }, "reloading the config");
    const loaded = await loadConfig(configPath, overrides);
    if (!loaded.ok) return reloader.refused(loaded.errors, source);
    for (const warning of passphraseWarnings(loaded.config)) log.warn(`SECURITY: ${warning}`);
    return reloader.reload(loaded.config);
  };
  const removeReloadSignal = installReloadSignal(log, async () => {
    const report = await reloadFromFile();
    if (report === null) return { level: "warn", line: "SIGHUP: the server cannot reload now (starting or stopping); ignored" };
    if (!report.ok) return { level: "warn", line: `SIGHUP: reload ${report.errors.length > 0 && report.applied.length === 0 ? "refused" : "incomplete"}: ${report.errors.join("; ")}` };
    return { level: "info", line: `SIGHUP: config reloaded${report.needsRestart.length > 0 ? ` (needs a restart for ${report.needsRestart.join(", ")})` : ""}` };
  });

  try {
    server = await startServer(config, log);
  } catch (error) {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    removeReloadSignal();
    // An operator's problem (port taken, address not here, name not resolving) in plain words, no
    // stack trace; anything else is a bug and keeps its stack.
    const reason = await startFailureReason(error, config);
    if (reason !== null) log.fatal({ code: errorCode(error) ?? errorCode(causeOf(error)) }, `freedmr could not start: ${reason}`);
    else log.fatal({ err: error }, "freedmr could not start");
    await flushLogger();
    // Whatever the failed start left open (a socket bound before the failing one, a timer) must
    // not keep the process alive: exit soon even if the event loop does not drain by itself.
    setTimeout(() => process.exit(EXIT_FAILURE), 1000).unref();
    return EXIT_FAILURE;
  }
  // Start-up-only code pages of the compiled binary go back to the kernel once settled (startup_pages.ts).
  scheduleStartupPageRelease((released) => log.debug({ released }, "start-up pages released"));
  // ... and after each burst of logins, what the burst left behind (settle_after_logins.ts).
  const hbp = server.hbp ?? null;
  if (hbp !== null) scheduleSettleAfterLogins(() => hbp.counters.loginsConnected, (released) => log.debug({ released }, "memory settled after a burst of logins"));
  // ... and again whenever what the runtime ran now and then has faulted back in (working_set_trim.ts).
  scheduleWorkingSetTrim((released, before, after) => log.debug({ released, fileBackedBytes: { before, after } }, "binary pages handed back"));

  function stopSignalled(signal: NodeJS.Signals, running: Stoppable): void {
    if (stopping && overrides.worker !== undefined) {
      // a worker gets the signal twice (from its process group or cgroup and from the supervisor,
      // which kills it if it does not stop in time): keep stopping cleanly
      log.debug({ signal }, "signal again while stopping (worker): still stopping");
      return;
    }
    if (stopping) {
      log.warn({ signal }, "second signal: exiting without waiting");
      flushLoggerSync();
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    log.info({ signal }, "stopping");
    const deadline = setTimeout(() => {
      log.error({ deadlineMs: STOP_DEADLINE_MS }, "clean stop took too long; exiting");
      flushLoggerSync();
      process.exit(EXIT_FAILURE);
    }, STOP_DEADLINE_MS);
    const exit = async (code: number): Promise<void> => {
      clearTimeout(deadline);
      await flushLogger();
      process.exit(code);
    };
    Promise.resolve()
      .then(() => running.stop(signal))
      .then(
        () => {
          log.info("stopped");
          return exit(EXIT_OK);
        },
        (error: unknown) => {
          log.error({ err: error }, "error while stopping");
          return exit(EXIT_FAILURE);
        },
      );
  }
  server.control?.setReloader(async () => {
    const report = await reloadFromFile();
    if (report === null) return { ok: false, code: "unavailable", message: "the server cannot reload now" };
    if (!report.ok) return { ok: false, code: "invalid", message: `reload refused or incomplete: ${report.errors.join("; ")}` };
    return { ok: true, data: report };
  });
  if (signalledDuringStart !== null) stopSignalled(signalledDuringStart, server);
  return EXIT_OK;
}

async function watchSupervisor(gone: () => void): Promise<void> {
  try {
    const reader = Bun.stdin.stream().getReader();
    while (!(await reader.read()).done) {
      // the supervisor writes nothing; only the end matters
    }
  } catch {
    // stdin unreadable: treat as gone
  }
  gone();
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function causeOf(error: unknown): unknown {
  return (error as { cause?: unknown } | null)?.cause;
}

/** Plain-words cause for the common start-up failures; null for anything unexpected. */
export async function startFailureReason(error: unknown, config: Config, lookup: HostLookup = systemLookup): Promise<string | null> {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { name?: unknown } | null)?.name === "HttpApiStartError" || message.includes("(http.bind_address")) {
    const code = errorCode(causeOf(error)) ?? errorCode(error);
    const where = `TCP port ${config.http.port} on ${config.http.bind_address} (http.bind_address, http.port)`;
    if (code === "EADDRINUSE") return `the HTTP status API cannot listen: ${where} is already in use`;
    if (code === "EADDRNOTAVAIL") return `the HTTP status API cannot listen on ${where}: not an address of this machine`;
    if (code === "EACCES") return `the HTTP status API is not allowed to listen on ${where} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
    if (isIP(config.http.bind_address) === 0) {
      try {
        const addresses = await lookup(config.http.bind_address);
        if (addresses.length === 0) return `the HTTP status API cannot listen: http.bind_address "${config.http.bind_address}" has no addresses`;
      } catch (lookupError) {
        return `the HTTP status API cannot listen: http.bind_address "${config.http.bind_address}" does not resolve (${errorCode(lookupError) ?? String(lookupError)})`;
      }
    }
    return message;
  }
  const code = errorCode(error);
  const socket = (error as { socket?: SocketSpec } | null)?.socket;
  const where = socket !== undefined ? `UDP port ${socket.port} on ${socket.bindAddress}` : `UDP port ${config.hbp.port} on ${config.hbp.bind_addresses.join(", ")}`;
  const keys = socket !== undefined ? socketKeys(socket, config) : "hbp.port, hbp.bind_addresses";
  const hbp = keys.startsWith("hbp.");
  if (code === "EADDRINUSE") return `${where} is already in use (${keys}${hbp ? "; is another freedmr, FreeDMR or HBlink running?" : ""})`;
  if (code === "EADDRNOTAVAIL") return `cannot listen on ${where} (${keys}): no such local address on this machine`;
  if (code === "EACCES") return `not allowed to listen on ${where} (${keys})`;
  return null;
}

/** The config keys behind a socket the shell could not open ("hbp", "obp:NAME", "upstream:NAME"). */
function socketKeys(socket: SocketSpec, config: Config): string {
  const [kind, ...rest] = socket.name.split(":");
  const name = rest.join(":");
  if (kind === "obp") {
    const index = config.openbridge.findIndex((link) => link.name === name);
    if (index >= 0) return `openbridge[${index}].port, openbridge[${index}].bind_address`;
  } else if (kind === "upstream") {
    const index = config.upstream.findIndex((link) => link.name === name);
    if (index >= 0) return `upstream[${index}].bind_address`;
  }
  return "hbp.port, hbp.bind_addresses";
}

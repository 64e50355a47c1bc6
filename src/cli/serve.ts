/**
 * Serving: config (file or embedded default) + command-line overrides → validated Config → logger →
 * server. A bad config exits 2 before any socket is opened; a failure to start (port in use, ...)
 * exits 1. SIGTERM/SIGINT stop the server cleanly (it says goodbye to its peers), flush the log and
 * exit 0; a second signal exits at once.
 * @module
 */
import { scheduleStartupPageRelease } from "../shell/startup_pages.ts";
import { formatConfigError } from "../config/errors.ts";
import { readConfigDocument, validateConfig } from "../config/load.ts";
import { resolvePassphraseFile } from "../config/passphrase_file.ts";
import type { Config } from "../config/schema.ts";
import { createLogger, flushLogger, flushLoggerSync, type Logger } from "../shell/log.ts";
import type { Overrides } from "./args.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Output } from "./commands.ts";
import { COMMIT, VERSION } from "./version.ts";
import { passphraseWarnings } from "./warnings.ts";

/** What the composition root needs from a running server. */
export interface Stoppable {
  stop(reason: string): Promise<void> | void;
}

export type StartServer = (config: Config, log: Logger) => Promise<Stoppable> | Stoppable;

/** How long a clean stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 5000;

/**
 * Load and validate the config with overrides applied, with `hbp.passphrase_file` read; errors are
 * printed and yield `undefined`.
 */
export async function resolveConfig(configPath: string | undefined, overrides: Overrides, io: Output): Promise<Config | undefined> {
  let document: Record<string, unknown> = {};
  if (configPath !== undefined) {
    const read = await readConfigDocument(configPath);
    if (!read.ok) {
      printErrors(configPath, read.errors.map(formatConfigError), io);
      return undefined;
    }
    document = read.document;
  }
  applyOverrides(document, overrides);
  const result = validateConfig(document);
  if (!result.ok) {
    printErrors(configPath ?? "embedded default config", result.errors.map(formatConfigError), io);
    return undefined;
  }
  const resolved = resolvePassphraseFile(result.config, configPath);
  if (!resolved.ok) {
    printErrors(configPath ?? "embedded default config", [formatConfigError(resolved.error)], io);
    return undefined;
  }
  return resolved.config;
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
}

export async function serve(configPath: string | undefined, overrides: Overrides, io: Output, startServer: StartServer): Promise<number> {
  const config = await resolveConfig(configPath, overrides, io);
  if (config === undefined) return EXIT_USAGE;

  const log = createLogger(config.log);
  log.info({ version: VERSION, commit: COMMIT, config: configPath ?? "embedded default", pid: process.pid }, "freedmr starting");
  log.debug({ config }, "effective config");
  for (const warning of passphraseWarnings(config)) log.warn(`SECURITY: ${warning}`);

  // Signals are handled from before the start: a SIGTERM while the server is still starting (the
  // services Worker comes up after the UDP sockets) stops it cleanly once it has started, instead
  // of killing it without a goodbye to the peers already logged in.
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

  try {
    server = await startServer(config, log);
  } catch (error) {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    log.fatal({ err: error }, `freedmr could not start${startFailureHint(error, config)}`);
    await flushLogger();
    // Whatever the failed start left open (a socket bound before the failing one, a timer) must
    // not keep the process alive: exit soon even if the event loop does not drain by itself.
    setTimeout(() => process.exit(EXIT_FAILURE), 1000).unref();
    return EXIT_FAILURE;
  }
  // Start-up-only code pages of the compiled binary go back to the kernel once settled (startup_pages.ts).
  scheduleStartupPageRelease((released) => log.debug({ released }, "start-up pages released"));

  function stopSignalled(signal: NodeJS.Signals, running: Stoppable): void {
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
  if (signalledDuringStart !== null) stopSignalled(signalledDuringStart, server);
  return EXIT_OK;
}

/** Plain-words cause for the common start-up failures. */
function startFailureHint(error: unknown, config: Config): string {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `UDP port ${config.hbp.port} on ${config.hbp.bind_addresses.join(", ")}`;
  if (code === "EADDRINUSE") return `: ${where} is already in use (is another freedmr, FreeDMR or HBlink running?)`;
  if (code === "EADDRNOTAVAIL") return `: cannot listen on ${where} (no such local address on this machine)`;
  if (code === "EACCES") return `: not allowed to listen on ${where}`;
  return "";
}

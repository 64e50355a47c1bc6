/**
 * The process logger: pino writing NDJSON to stdout (one JSON object per line, journald- and
 * log-shipper-friendly) or, when stdout is a terminal (format "auto") or format is "pretty",
 * human-readable lines from a small in-process formatter. No pino transports: they need worker
 * threads and module paths that do not exist inside a compiled binary (bun-notes.md §4).
 *
 * Secrets never reach the output: any key whose name contains "passphrase", "password" or "secret",
 * at any depth of a logged object or child binding, is replaced by "[redacted]"; and a hotspot
 * options `KEY=` value anywhere in a line becomes `KEY=***` (src/lib/option_key.ts).
 * @module
 */
import pino from "pino";
import { redactOptionKey } from "../lib/option_key.ts";

export type Logger = pino.Logger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export type LogFormat = "auto" | "json" | "pretty";

export interface LogSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/** Anything with a string `write`: stdout, a sonic-boom, or a test's collector. */
export interface LogSink {
  write(text: string): unknown;
}

export interface LoggerOptions {
  /** Where lines go; default: asynchronous stdout (flushed by `flushLogger`). */
  readonly destination?: LogSink;
  /** Overrides terminal detection for format "auto" (default: `process.stdout.isTTY`). */
  readonly isTty?: boolean;
  /** Colours in pretty output (default: only when writing to a terminal). */
  readonly colour?: boolean;
}

const REDACTED = "[redacted]";
const SECRET_KEY = /passphrase|password|secret/i;
const MAX_SCRUB_DEPTH = 8;

let stdoutSink: pino.DestinationStream & { flushSync?: () => void } | undefined;

export function createLogger(settings: LogSettings, options: LoggerOptions = {}): Logger {
  const isTty = options.isTty ?? process.stdout.isTTY === true;
  const pretty = settings.format === "pretty" || (settings.format === "auto" && isTty);
  const target = options.destination ?? stdout();
  const destination: LogSink = pretty
    ? new PrettySink(target, options.colour ?? (options.destination === undefined && isTty))
    : new SecretFilterSink(target);
  return pino(
    {
      level: settings.level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrub(bindings, 0) as Record<string, unknown>,
        log: (object) => scrub(object, 0) as Record<string, unknown>,
      },
    },
    destination as pino.DestinationStream,
  );
}

/**
 * Write out everything buffered for stdout, in order, then resolve (call before process.exit).
 *
 * sonic-boom's own flush(cb) does not wait when minLength is 0 (it calls back at once), so this
 * waits on the stream itself: while an asynchronous write is in flight it polls until that write
 * has completed (the stream then starts the next one by itself), and once nothing is in flight it
 * writes whatever is still buffered synchronously — in order, since no earlier write can overtake
 * it. After `timeoutMs` (a stuck pipe, an emulated or overloaded Pi) it flushes synchronously
 * anyway: the last lines may then come out of order, but they are not lost.
 */
export function flushLogger(timeoutMs = 3000): Promise<void> {
  const sink = stdoutSink as (pino.DestinationStream & { flushSync?: () => void; _writing?: boolean; _len?: number }) | undefined;
  if (sink === undefined) return Promise.resolve();
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (sink._writing === true && performance.now() < deadline) {
        setTimeout(check, 1);
        return;
      }
      if (sink._writing === true || (sink._len ?? 0) > 0) flushLoggerSync();
      resolve();
    };
    check();
  });
}

/** Last resort before an immediate exit: synchronous, may reorder the final lines. */
export function flushLoggerSync(): void {
  try {
    stdoutSink?.flushSync?.();
  } catch {
    // not ready: nothing written yet
  }
}

function stdout(): pino.DestinationStream {
  stdoutSink ??= pino.destination({ dest: 1, sync: false, minLength: 0 });
  return stdoutSink;
}

/** Copy-on-write scrub of secret-named keys; returns the input itself when it holds no secrets. */
export function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object" || depth > MAX_SCRUB_DEPTH) return value;
  if (value instanceof Error || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const cleaned = scrub(item, depth + 1);
      if (cleaned !== item) {
        copy ??= value.slice();
        copy[i] = cleaned;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const cleaned = SECRET_KEY.test(key) && item !== undefined ? REDACTED : scrub(item, depth + 1);
    if (cleaned !== item) {
      copy ??= { ...record };
      copy[key] = cleaned;
    }
  }
  return copy ?? value;
}

/** A secret-named key whose value is not already redacted (pino skips formatters for child bindings). */
const UNREDACTED_SECRET_IN_JSON = /"[^"\\]*(?:passphrase|password|secret)[^"\\]*":(?!"\[redacted\]")/i;

/** Last line of defence in json mode: re-scrubs a line that still carries a secret-named key. */
class SecretFilterSink implements LogSink {
  constructor(private readonly target: LogSink) {}

  write(line: string): void {
    this.target.write(redactOptionKey(UNREDACTED_SECRET_IN_JSON.test(line) ? rescrubLine(line) : line));
  }
}

function rescrubLine(line: string): string {
  try {
    return `${JSON.stringify(scrub(JSON.parse(line), 0))}\n`;
  } catch {
    return `${JSON.stringify({ level: "error", msg: "log line dropped: it carried a secret and could not be re-parsed" })}\n`;
  }
}

const LEVEL_COLOURS: Record<string, string> = {
  trace: "\x1b[90m",
  debug: "\x1b[36m",
  info: "\x1b[32m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
  fatal: "\x1b[41;97m",
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

/**
 * pino line → `2025-01-01 12:00:00.123 INFO  hotspot logged in repeaterId=2345601 callsign=G4ABC`.
 * Errors (`err`) print their stack on the following lines.
 */
export class PrettySink implements LogSink {
  constructor(
    private readonly target: LogSink,
    private readonly colour: boolean,
  ) {}

  write(line: string): void {
    this.target.write(redactOptionKey(formatPrettyLine(line, this.colour)));
  }
}

export function formatPrettyLine(line: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = scrub(JSON.parse(line), 0) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const { time, level, msg, err, ...rest } = record;
  const label = typeof level === "string" ? level : String(level ?? "");
  const stamp = typeof time === "string" ? time.replace("T", " ").replace(/Z$/, "") : String(time ?? "");
  const levelText = label.toUpperCase().padEnd(5);
  let out = colour ? `${DIM}${stamp}${RESET} ${LEVEL_COLOURS[label] ?? ""}${levelText}${RESET}` : `${stamp} ${levelText}`;
  if (msg !== undefined) out += ` ${String(msg)}`;
  for (const [key, value] of Object.entries(rest)) {
    out += colour ? ` ${DIM}${key}=${RESET}${prettyValue(value)}` : ` ${key}=${prettyValue(value)}`;
  }
  if (err !== undefined && err !== null && typeof err === "object") {
    const error = err as Record<string, unknown>;
    out += typeof error["stack"] === "string" ? `\n    ${error["stack"].replaceAll("\n", "\n    ")}` : ` err=${prettyValue(err)}`;
  } else if (err !== undefined) {
    out += ` err=${prettyValue(err)}`;
  }
  return `${out}\n`;
}

function prettyValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

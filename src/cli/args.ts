/**
 * Command-line parsing. One command per invocation (serve is the default), plus the overrides that
 * apply when serving. Errors are values with a message a user can act on; nothing here exits.
 * @module
 */

export type Command =
  | { readonly kind: "serve"; readonly configPath: string | undefined; readonly overrides: Overrides }
  | { readonly kind: "check-config"; readonly configPath: string }
  | { readonly kind: "first-boot"; readonly configPath: string }
  | { readonly kind: "print-default-config" }
  | { readonly kind: "print-config-schema" }
  | { readonly kind: "version" }
  | { readonly kind: "help" };

export interface Overrides {
  /** --port N: replaces hbp.port (tests and benchmarks run the default config on another port). */
  readonly port?: number;
  /** --http-port N: replaces http.port (0 = a free port, logged); tests never bind the fixed 8062. */
  readonly httpPort?: number;
  /** --bind ADDR (repeatable): replaces hbp.bind_addresses. */
  readonly bindAddresses?: readonly string[];
  /** --log-level LEVEL: replaces log.level. */
  readonly logLevel?: string;
  /** --log-format FORMAT: replaces log.format. */
  readonly logFormat?: string;
  /** --workers N: replaces workers.count (N > 1: this process supervises N workers, src/cli/supervisor.ts). */
  readonly workers?: number;
  /** --worker I/N (set by the supervisor): this process is worker I of N (src/cli/worker_overrides.ts). */
  readonly worker?: { readonly index: number; readonly count: number };
}

export type ParsedArgs = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly error: string };

export const USAGE = `Usage: freedmr [options]

DMR master server: hotspots and repeaters (Pi-Star, WPSD, DMRGateway, MMDVMHost) log in over the
HomeBrew protocol; other servers link over OpenBridge/FBP.

With no options freedmr serves its embedded default config: an HBP master on UDP port 62031 (IPv4
and IPv6), passphrase "passw0rd".

Options:
  -c, --config FILE           Serve with the config in FILE (TOML, or JSON if it ends in .json)
      --check-config FILE     Check FILE, print every problem, exit 0 if valid or 2 if not
      --first-boot FILE       Create what the config in FILE names but this machine lacks: the
                              hbp.passphrase_file, with a random passphrase (kept if it exists)
      --print-default-config  Print the complete default config as a commented TOML file
      --print-config-schema   Print the config's JSON Schema (for editors)
  -V, --version               Print the version
  -h, --help                  Print this help

Commands:
  import --from freedmr|hblink3|hblink4 CONFIG [rules.py]
                              Convert a FreeDMR, HBlink3 or HBlink4 config (see "freedmr import --help")

Overrides when serving (applied on top of the config):
      --port N                UDP port of the HBP master (0 picks a free port)
      --http-port N           TCP port of the dashboard and API (0 picks a free port)
      --bind ADDR             Address to listen on (repeat for several); default "::" (IPv4 + IPv6)
      --log-level LEVEL       trace, debug, info, warn, error, fatal or silent
      --log-format FORMAT     auto, json or pretty
      --workers N             Run N freedmr processes sharing the HBP port, supervised by this one
                              (workers.count; docs/workers.md)
      --worker I/N            (set by the supervisor) serve as worker I of N

Exit status: 0 on success, 1 on a runtime failure (e.g. the port is in use), 2 on a bad config or
bad arguments.`;

const COMMAND_FLAGS = new Set(["--check-config", "--first-boot", "--print-default-config", "--print-config-schema", "--version", "-V", "--help", "-h"]);
const VALUE_FLAGS = new Set(["--config", "-c", "--check-config", "--first-boot", "--port", "--http-port", "--bind", "--log-level", "--log-format", "--workers", "--worker"]);
const KNOWN_FLAGS = new Set([...COMMAND_FLAGS, ...VALUE_FLAGS]);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let configPath: string | undefined;
  let checkPath: string | undefined;
  let command: Command["kind"] | undefined;
  let port: number | undefined;
  let httpPort: number | undefined;
  const bindAddresses: string[] = [];
  let logLevel: string | undefined;
  let logFormat: string | undefined;
  let workers: number | undefined;
  let worker: { index: number; count: number } | undefined;

  const setCommand = (kind: Command["kind"], flag: string): string | undefined => {
    if (command !== undefined && command !== kind) return `${flag} cannot be combined with another command option`;
    command = kind;
    return undefined;
  };

  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    let flag = raw;
    let inlineValue: string | undefined;
    if (raw.startsWith("--") && raw.includes("=")) {
      flag = raw.slice(0, raw.indexOf("="));
      inlineValue = raw.slice(raw.indexOf("=") + 1);
    }
    if (!flag.startsWith("-")) {
      const hint = /\.(toml|json)$/i.test(raw) ? ` (did you mean --config ${raw}?)` : "";
      return { ok: false, error: `unexpected argument "${raw}"${hint}` };
    }
    if (!KNOWN_FLAGS.has(flag)) return { ok: false, error: `unknown option "${flag}"` };
    let value: string | undefined;
    if (VALUE_FLAGS.has(flag)) {
      value = inlineValue ?? argv[++i];
      if (value === undefined || (inlineValue === undefined && value.startsWith("-") && value !== "-")) {
        return { ok: false, error: `${flag} needs a value` };
      }
    } else if (inlineValue !== undefined) {
      return { ok: false, error: `${flag} takes no value` };
    }
    let problem: string | undefined;
    switch (flag) {
      case "--config":
      case "-c":
        if (configPath !== undefined) return { ok: false, error: "--config given twice" };
        configPath = value;
        break;
      case "--check-config":
        problem = setCommand("check-config", flag);
        checkPath = value;
        break;
      case "--first-boot":
        problem = setCommand("first-boot", flag);
        checkPath = value;
        break;
      case "--print-default-config":
        problem = setCommand("print-default-config", flag);
        break;
      case "--print-config-schema":
        problem = setCommand("print-config-schema", flag);
        break;
      case "--version":
      case "-V":
        problem = setCommand("version", flag);
        break;
      case "--help":
      case "-h":
        problem = setCommand("help", flag);
        break;
      case "--port": {
        const text = value!;
        if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return { ok: false, error: `--port needs a port number from 0 to 65535, got "${text}"` };
        port = Number(text);
        break;
      }
      case "--http-port": {
        const text = value!;
        if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return { ok: false, error: `--http-port needs a port number from 0 to 65535, got "${text}"` };
        httpPort = Number(text);
        break;
      }
      case "--bind":
        bindAddresses.push(value!);
        break;
      case "--log-level":
        logLevel = value;
        break;
      case "--log-format":
        logFormat = value;
        break;
      case "--workers": {
        const text = value!;
        if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 256) return { ok: false, error: `--workers needs a number of processes from 1 to 256, got "${text}"` };
        workers = Number(text);
        break;
      }
      case "--worker": {
        const match = /^(\d{1,3})\/(\d{1,3})$/.exec(value!);
        const index = Number(match?.[1]);
        const count = Number(match?.[2]);
        if (match === null || index < 1 || index > count || count > 256) return { ok: false, error: `--worker needs I/N with 1 <= I <= N <= 256, got "${value!}"` };
        worker = { index, count };
        break;
      }
    }
    if (problem !== undefined) return { ok: false, error: problem };
  }

  const servingOptions = configPath !== undefined || port !== undefined || httpPort !== undefined || bindAddresses.length > 0 || logLevel !== undefined || logFormat !== undefined || workers !== undefined || worker !== undefined;
  if (command !== undefined && command !== "help" && servingOptions) {
    return { ok: false, error: "--config, --port, --bind, --log-level and --log-format only apply when serving; use --check-config FILE to check a file" };
  }
  switch (command) {
    case undefined: {
      const overrides: Overrides = {
        ...(port !== undefined ? { port } : {}),
        ...(httpPort !== undefined ? { httpPort } : {}),
        ...(bindAddresses.length > 0 ? { bindAddresses } : {}),
        ...(logLevel !== undefined ? { logLevel } : {}),
        ...(logFormat !== undefined ? { logFormat } : {}),
        ...(workers !== undefined ? { workers } : {}),
        ...(worker !== undefined ? { worker } : {}),
      };
      return { ok: true, command: { kind: "serve", configPath, overrides } };
    }
    case "check-config":
    case "first-boot":
      return { ok: true, command: { kind: command, configPath: checkPath! } };
    case "serve":
      return { ok: true, command: { kind: "serve", configPath, overrides: {} } };
    case "print-default-config":
    case "print-config-schema":
    case "version":
    case "help":
      return { ok: true, command: { kind: command } };
  }
}

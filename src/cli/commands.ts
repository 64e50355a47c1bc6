/**
 * The one-shot commands: --help, --version, --print-default-config, --print-config-schema,
 * --check-config. Each writes to the given streams and returns the exit code.
 * @module
 */
import { configJsonSchema } from "../config/json_schema.ts";
import { renderDefaultConfigToml } from "../config/default_toml.ts";
import { formatConfigError } from "../config/errors.ts";
import { hostErrors } from "../config/host_check.ts";
import { loadConfigFile } from "../config/load.ts";
import { describeMemory, estimateMemory } from "../config/memory_estimate.ts";
import { resolvePassphraseFile } from "../config/passphrase_file.ts";
import { idleWarnings, passphraseWarnings } from "./warnings.ts";
import { USAGE } from "./args.ts";
import { VERSION, versionLine } from "./version.ts";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function printHelp(io: Output): number {
  io.out(`${USAGE}\n`);
  return EXIT_OK;
}

export function printVersion(io: Output): number {
  io.out(`${versionLine()}\n`);
  return EXIT_OK;
}

export function printDefaultConfig(io: Output): number {
  io.out(renderDefaultConfigToml(VERSION));
  return EXIT_OK;
}

export function printConfigSchema(io: Output): number {
  io.out(`${JSON.stringify(configJsonSchema(VERSION), null, 2)}\n`);
  return EXIT_OK;
}

export async function checkConfig(path: string, io: Output): Promise<number> {
  const result = await loadConfigFile(path);
  const errors = result.ok ? await hostErrors(result.config) : result.errors;
  if (errors.length > 0) {
    for (const error of errors) io.err(`${path}: ${formatConfigError(error)}\n`);
    const count = errors.length;
    io.err(`${path}: ${count} problem${count === 1 ? "" : "s"} found\n`);
    return EXIT_USAGE;
  }
  if (!result.ok) return EXIT_USAGE;
  // The passphrase file belongs to the machine the config runs on (an image is checked where it is
  // built, before first boot creates the file): a problem with it is a warning here, an error at start.
  const resolved = resolvePassphraseFile(result.config, path);
  if (!resolved.ok) io.err(`${path}: warning: ${formatConfigError(resolved.error)}; freedmr will refuse to start until this is fixed\n`);
  const known = resolved.ok ? resolved.config : { ...result.config, hbp: { ...result.config.hbp, passphrase: "" } }; // not known yet
  for (const warning of [...passphraseWarnings(known), ...idleWarnings(result.config)]) io.err(`${path}: warning: ${warning}\n`);
  io.out(`OK: ${path} is a valid freedmr config\n`);
  io.out(`memory: ${describeMemory(estimateMemory(result.config))}\n`);
  return EXIT_OK;
}

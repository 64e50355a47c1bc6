/**
 * Dispatch: parse the arguments and run the command. Returns the exit code for one-shot commands;
 * for serving, 0 once the server runs (the process then lives until a signal).
 * @module
 */
import { parseArgs } from "./args.ts";
import {
  checkConfig,
  EXIT_USAGE,
  printConfigSchema,
  printDefaultConfig,
  printHelp,
  printVersion,
  type Output,
} from "./commands.ts";
import { firstBoot } from "./first_boot.ts";
import { runImport } from "./import_command.ts";
import { serve, type StartServer } from "./serve.ts";

export async function runCli(argv: readonly string[], io: Output, startServer: StartServer): Promise<number> {
  // subcommands (a word, not an option) come first
  if (argv[0] === "import") return runImport(argv.slice(1), io);
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    io.err(`freedmr: ${parsed.error}\nRun "freedmr --help" for the options.\n`);
    return EXIT_USAGE;
  }
  const command = parsed.command;
  switch (command.kind) {
    case "help":
      return printHelp(io);
    case "version":
      return printVersion(io);
    case "print-default-config":
      return printDefaultConfig(io);
    case "print-config-schema":
      return printConfigSchema(io);
    case "check-config":
      return checkConfig(command.configPath, io);
    case "first-boot":
      return firstBoot(command.configPath, io);
    case "serve":
      return serve(command.configPath, command.overrides, io, startServer);
  }
}

export const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

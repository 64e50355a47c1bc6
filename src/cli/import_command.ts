/**
 * `freedmr import --from freedmr|hblink3|hblink4 CONFIG [rules.py] [--out FILE] [--force]`:
 * converts another server's config (src/config/import/) and writes the freedmr TOML to standard
 * output or FILE, and the mapping report to standard error. Exit 0 when written, 2 on bad
 * arguments, an unreadable or unparseable input, or a result that does not validate.
 * @module
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { convertConfig, SOURCE_FORMATS, type SourceFormat } from "../config/import/index.ts";
import { EXIT_OK, EXIT_USAGE, type Output } from "./commands.ts";
import { VERSION } from "./version.ts";

export const IMPORT_USAGE = `Usage: freedmr import --from FORMAT CONFIG [RULES] [--out FILE] [--force]

Convert another DMR server's config into a freedmr config and print a mapping report: what mapped,
what has no equivalent, and what changed meaning.

  --from freedmr   FreeDMR's freedmr.cfg / hblink.cfg (INI), optionally with its rules.py
  --from hblink3   HBlink3's hblink.cfg (INI), optionally with its rules.py
  --from hblink4   HBlink4's config.json
  --out FILE       write the TOML to FILE (refuses to overwrite it without --force); default: stdout
  --force          overwrite FILE

rules.py is read without running Python: only its BRIDGES (and UNIT) literals are used.
The report goes to standard error.`;

interface ImportArgs {
  from: SourceFormat;
  config: string;
  rules?: string;
  out?: string;
  force: boolean;
}

export function parseImportArgs(argv: readonly string[]): { ok: true; args: ImportArgs } | { ok: false; error: string } | { ok: true; help: true } {
  let from: string | undefined;
  let out: string | undefined;
  let force = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { ok: true, help: true };
    if (arg === "--from" || arg.startsWith("--from=")) {
      from = arg.includes("=") ? arg.slice(7) : argv[++i];
      if (from === undefined) return { ok: false, error: "--from needs a format: freedmr, hblink3 or hblink4" };
      continue;
    }
    if (arg === "--out" || arg === "-o" || arg.startsWith("--out=")) {
      out = arg.includes("=") ? arg.slice(6) : argv[++i];
      if (out === undefined || out === "") return { ok: false, error: "--out needs a file name" };
      continue;
    }
    if (arg === "--force") {
      force = true;
      continue;
    }
    if (arg.startsWith("-")) return { ok: false, error: `unknown option "${arg}"` };
    files.push(arg);
  }
  if (from === undefined) return { ok: false, error: "--from is required: freedmr, hblink3 or hblink4" };
  if (!(SOURCE_FORMATS as readonly string[]).includes(from)) return { ok: false, error: `--from must be freedmr, hblink3 or hblink4, got "${from}"` };
  if (files.length === 0) return { ok: false, error: "name the config file to import" };
  if (files.length > 2) return { ok: false, error: `too many files: ${files.join(", ")} (a config, and for FreeDMR/HBlink3 optionally its rules.py)` };
  if (from === "hblink4" && files.length === 2) return { ok: false, error: "HBlink4 has no rules.py: give only its config.json" };
  return { ok: true, args: { from: from as SourceFormat, config: files[0]!, ...(files[1] !== undefined ? { rules: files[1] } : {}), ...(out !== undefined ? { out } : {}), force } };
}

export function runImport(argv: readonly string[], io: Output): number {
  const parsed = parseImportArgs(argv);
  if (!parsed.ok) {
    io.err(`freedmr import: ${parsed.error}\nRun "freedmr import --help" for the options.\n`);
    return EXIT_USAGE;
  }
  if ("help" in parsed) {
    io.out(`${IMPORT_USAGE}\n`);
    return EXIT_OK;
  }
  const { args } = parsed;
  const read = (path: string): string | { error: string } => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { error: code === "ENOENT" ? `${path}: no such file` : code === "EACCES" ? `${path}: permission denied` : code === "EISDIR" ? `${path}: is a directory` : `${path}: cannot be read (${code ?? (error as Error).message})` };
    }
  };
  const configText = read(args.config);
  if (typeof configText !== "string") return fail(io, configText.error);
  let rulesText: string | undefined;
  if (args.rules !== undefined) {
    const text = read(args.rules);
    if (typeof text !== "string") return fail(io, text.error);
    rulesText = text;
  }
  if (args.out !== undefined && existsSync(args.out) && !args.force) return fail(io, `${args.out} exists; add --force to overwrite it`);
  const result = convertConfig(
    { from: args.from, configText, configName: basename(args.config), ...(rulesText !== undefined ? { rulesText, rulesName: basename(args.rules!) } : {}) },
    VERSION,
  );
  if (result.report !== undefined) io.err(result.report.render());
  if (!result.ok) return fail(io, result.error);
  if (args.out === undefined) io.out(result.toml);
  else {
    try {
      const temporary = `${args.out}.tmp-${process.pid}`;
      writeFileSync(temporary, result.toml, { mode: 0o600 });
      renameSync(temporary, args.out);
    } catch (error) {
      return fail(io, `${args.out}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    io.err(`wrote ${args.out} (mode 0600: it holds passphrases). Check it with: freedmr --check-config ${args.out}\n`);
  }
  return EXIT_OK;
}

function fail(io: Output, message: string): number {
  io.err(`freedmr import: ${message}\n`);
  return EXIT_USAGE;
}

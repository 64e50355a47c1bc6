/**
 * `npm run build [-- --target x64|arm64|all] [--out DIR]`: compile src/main.ts into one
 * self-contained binary per architecture with `bun build --compile`, then write SHA256SUMS (the
 * format `sha256sum -c` reads) and a copy of install.sh next to them:
 *
 *   dist/freedmr-linux-x64  dist/freedmr-linux-arm64  dist/SHA256SUMS  dist/install.sh
 *
 * Flags: --minify, --sourcemap (embedded: stack traces name src/…ts lines), --bytecode with
 * --format=esm (about half the start-up time; main.ts uses top-level await, bun-notes.md §3), the
 * version and commit baked in with --define, and --no-compile-autoload-dotenv /
 * --no-compile-autoload-bunfig so a stray .env or bunfig.toml in the working directory of a
 * running service is never read. Cross-compiling arm64 fetches Bun's arm64 runtime from the npm
 * registry into ~/.bun/install/cache on first use.
 *
 * The services Worker (src/services/worker/main.ts: dashboard, HTTP API, metrics) is a second
 * entry point of the same compile (WORKER_ENTRY): Bun bundles each entry separately into the
 * binary, and the shell starts it as "./services/worker/main.ts" relative to the bundle root
 * (src/shell/services_worker_host.ts). The dashboard's HTML imports are bundled and embedded with it.
 *
 * Each binary is written to a temporary name and renamed into place, so a concurrent reader never
 * sees half a file.
 * @module
 */
import { createHash } from "node:crypto";
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };

export const TARGETS = { x64: "bun-linux-x64", arm64: "bun-linux-arm64" } as const;
export type Arch = keyof typeof TARGETS;

export interface BuildOptions {
  readonly arches: readonly Arch[];
  readonly outDir: string;
  readonly log?: (line: string) => void;
}

const root = resolve(import.meta.dir, "..");

/**
 * The `bun build` flags every binary is compiled with (besides target, defines and paths). The
 * last two keep a running service deterministic: a compiled binary would otherwise load `.env`
 * and `bunfig.toml` (including `preload` scripts) from its working directory.
 */
export const COMPILE_FLAGS = [
  "--compile",
  "--minify",
  "--sourcemap",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
] as const;

/** Entry points of every binary, relative to the repository: the server and its services Worker. */
export const ENTRY_POINTS = ["src/main.ts", "src/services/worker/main.ts"] as const;

export function binaryName(arch: Arch): string {
  return `freedmr-linux-${arch}`;
}

export async function build(options: BuildOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  mkdirSync(options.outDir, { recursive: true });
  const version = packageJson.version;
  const commit = gitCommit();
  for (const arch of options.arches) {
    const started = performance.now();
    const final = join(options.outDir, binaryName(arch));
    const temporary = `${final}.tmp-${process.pid}`;
    const args = [
      process.execPath,
      "build",
      ...COMPILE_FLAGS,
      `--define=FREEDMR_BUILD_VERSION=${JSON.stringify(version)}`,
      `--define=FREEDMR_BUILD_COMMIT=${JSON.stringify(commit)}`,
      `--target=${TARGETS[arch]}`,
      ...ENTRY_POINTS.map((entry) => join(root, entry)),
      "--outfile",
      temporary,
    ];
    const result = Bun.spawnSync(args, { cwd: root, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const output = `${result.stdout.toString()}${result.stderr.toString()}`;
    if (result.exitCode !== 0) {
      rmSync(temporary, { force: true });
      rmSync(`${temporary}.map`, { force: true });
      throw new Error(`bun build for ${arch} failed (exit ${result.exitCode}):\n${output}`);
    }
    // The source map is embedded in the binary; the side file is not shipped.
    rmSync(`${temporary}.map`, { force: true });
    renameSync(temporary, final);
    const warnings = output.split("\n").filter((line) => /^warn/i.test(line));
    for (const warning of warnings) log(`  ${warning}`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`built ${final} (${(Bun.file(final).size / 1048576).toFixed(1)} MiB, ${seconds} s, freedmr ${version} commit ${commit})`);
  }
  copyFileSync(join(root, "install.sh"), join(options.outDir, "install.sh"));
  await writeChecksums(options.outDir);
  log(`wrote ${join(options.outDir, "SHA256SUMS")}`);
}

/** SHA256SUMS over every freedmr-linux-* binary and install.sh present in the directory. */
export async function writeChecksums(outDir: string): Promise<void> {
  const names = readdirSync(outDir)
    .filter((name) => /^freedmr-linux-(x64|arm64)$/.test(name) || name === "install.sh")
    .sort();
  const lines: string[] = [];
  for (const name of names) lines.push(`${await sha256File(join(outDir, name))}  ${name}`);
  const temporary = join(outDir, `SHA256SUMS.tmp-${process.pid}`);
  writeFileSync(temporary, `${lines.join("\n")}\n`);
  renameSync(temporary, join(outDir, "SHA256SUMS"));
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(hash.digest("hex")));
  });
}

function gitCommit(): string {
  if (process.env.FREEDMR_BUILD_COMMIT !== undefined && process.env.FREEDMR_BUILD_COMMIT !== "") return process.env.FREEDMR_BUILD_COMMIT;
  if (!existsSync(join(root, ".git"))) return "unknown";
  const result = Bun.spawnSync(["git", "rev-parse", "--short=10", "HEAD"], { cwd: root, stdout: "pipe", stderr: "ignore" });
  const commit = result.exitCode === 0 ? result.stdout.toString().trim() : "";
  return commit === "" ? "unknown" : commit;
}

function parseCli(argv: readonly string[]): BuildOptions {
  let arches: Arch[] = ["x64", "arm64"];
  let outDir = join(root, "dist");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--target") {
      const target = value();
      if (target === "all") arches = ["x64", "arm64"];
      else if (target === "x64" || target === "arm64") arches = [target];
      else throw new Error(`--target must be x64, arm64 or all, got "${target}"`);
    } else if (flag === "--out") {
      outDir = resolve(value());
    } else {
      throw new Error(`usage: bun scripts/build.ts [--target x64|arm64|all] [--out DIR] (unknown "${arg}")`);
    }
  }
  return { arches, outDir };
}

if (import.meta.main) {
  try {
    const options = parseCli(process.argv.slice(2));
    const started = performance.now();
    await build(options);
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${options.arches.map(binaryName).join(", ")} in ${basename(options.outDir)}/`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

/** Running `bun src/main.ts ARGS` to completion from a work folder, and reading its JSON log. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const MAIN = join(import.meta.dir, "..", "..", "..", "src", "main.ts");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A runner and a file writer bound to `work` (the child's working folder). */
export function cliIn(work: string): { run(args: string[]): CliResult; file(name: string, text: string): string } {
  return {
    run(args) {
      const result = Bun.spawnSync([process.execPath, MAIN, ...args], { cwd: work, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
    },
    file(name, text) {
      const path = join(work, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** The log lines (one JSON object per line) of a run's stdout. */
export function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The message of the first fatal log line. */
export function fatalMessage(stdout: string): string {
  return String(logLines(stdout).find((line) => line["level"] === "fatal")?.["msg"]);
}

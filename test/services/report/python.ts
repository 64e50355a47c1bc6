/**
 * python3 for the report socket tests: Python's own pickle must load what freedmr writes. Under
 * CI=true a missing python3 fails the test; elsewhere it is skipped with a message.
 */
export const python = Bun.which("python3");
export const skipPython = python === null && process.env.CI !== "true";
export const skipPythonMessage = "python3 is not installed: the pickle checks against Python's own pickle.loads are skipped";

/** Runs a Python script with `input` on stdin; returns stdout (throws with stderr on failure). */
export function runPython(script: string, input: Uint8Array = new Uint8Array(0)): string {
  if (python === null) throw new Error("python3 is required under CI=true (apt-get install python3)");
  const run = Bun.spawnSync([python, "-c", script], { stdin: input, stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`python3 failed: ${run.stderr.toString()}`);
  return run.stdout.toString();
}

/** The whole tree type-checks (tsconfig: strict, noUncheckedIndexedAccess), so CI catches type errors too. */
import { expect, test } from "bun:test";
import { join } from "node:path";

test("bun check: no type errors in src, test, bench, scripts", () => {
  const root = join(import.meta.dir, "..");
  const result = Bun.spawnSync([process.execPath, "check", "src", "test", "bench", "scripts"], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const output = result.stdout.toString() + result.stderr.toString();
  if (result.exitCode !== 0) console.log(output);
  expect(result.exitCode).toBe(0);
}, 120_000);

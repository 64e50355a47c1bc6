import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { USAGE } from "../../src/cli/args.ts";
import { withConfigReference } from "../../src/config/reference_markdown.ts";
import { ConfigSchema } from "../../src/config/schema.ts";

const root = join(import.meta.dir, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

describe("README.md", () => {
  test("the configuration reference is up to date with the schema (fix: npm run docs)", () => {
    expect(readme).toBe(withConfigReference(readme));
  });

  test("documents every top-level section", () => {
    for (const key of Object.keys((ConfigSchema as unknown as { properties: Record<string, unknown> }).properties)) {
      expect(readme).toMatch(new RegExp(`#### \`\\[{1,2}${key}\\]{1,2}\``));
    }
  });

  test("has the two set-up commands, and .ci/run runs exactly the README's test command", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toMatch(/^npm test +# runs the whole test suite$/m);
    const ci = readFileSync(join(root, ".ci", "run"), "utf8");
    const commands = ci.split("\n").filter((line) => /^\s*npm (test|run|start)\b/.test(line));
    // The command may have its output captured (2>&1 | tee …), but nothing else may change it.
    expect(commands.map((line) => line.trim().replace(/ 2>&1 \| tee "\$log"$/, ""))).toEqual(["npm test"]);
  });

  test("the command-line section lists every option exactly as --help does", () => {
    const optionLines = USAGE.split("\n").filter((line) => /^\s+-/.test(line));
    expect(optionLines.length).toBeGreaterThan(8);
    for (const line of optionLines) expect(readme).toContain(line);
  });
});

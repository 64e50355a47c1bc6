/**
 * `npm run docs`: regenerate the configuration reference in README.md from the config schema
 * (between the BEGIN/END CONFIG REFERENCE markers). test/config/readme.test.ts fails when it is stale.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withConfigReference } from "../src/config/reference_markdown.ts";

const readmePath = join(import.meta.dir, "..", "README.md");
const before = readFileSync(readmePath, "utf8");
const after = withConfigReference(before);
if (after === before) {
  console.log("README.md config reference is up to date");
} else {
  writeFileSync(readmePath, after);
  console.log("README.md config reference regenerated");
}

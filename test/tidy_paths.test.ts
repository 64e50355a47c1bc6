/**
 * A fresh clone runs `npm test` with nothing beside it: no test, helper, benchmark or script reads a
 * path outside the repository (the reference material's fixtures are vendored in test/fixtures).
 *
 * 1. A static scan of every .ts file under test/, bench/ and scripts/: relative path literals,
 *    `join/resolve(import.meta.dir, ...)`, `${import.meta.dir}/...` templates (and constants built
 *    from them), `new URL(..., import.meta.url)` must resolve inside the repository, and nothing
 *    names the reference folder or an absolute path under /work.
 * 2. A few fixture-loading tests run in a copy of the repository in a fresh temporary directory,
 *    where nothing sits beside it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";

const root = resolve(import.meta.dir, "..");

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (/\.(ts|js|mjs|sh)$/.test(name)) out.push(path);
  }
  return out;
}

function insideRoot(path: string, repoRoot: string): boolean {
  const rel = relative(repoRoot, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
}

/** Names built so they do not match themselves in this file. */
const referenceFolder = new RegExp(["(^|[^A-Za-z0-9_])shared", "(fixtures|docs)\\b"].join("[/\\\\]"));
const workAbsolute = new RegExp(["[\"'`]", "work", ""].join("/"));

/** The string literals of a `(` ... `)` argument list starting at `open` (literal segments only, up to the first non-literal). */
function literalArguments(text: string): string[] {
  const out: string[] = [];
  const re = /\s*,\s*(?:"([^"\\]*)"|'([^'\\]*)')/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] ?? m[2] ?? "");
  return out;
}

/**
 * Paths a source file points at, resolved; each with the line it is on. `file` is the source's
 * absolute path (relative literals and import.meta.dir resolve against its folder).
 */
/** A path into the reading material beside the repository, as no test may write one (made from parts, so that this file is not one itself). */
const READING_MATERIAL_SAMPLE = ["..", ["sha", "red"].join(""), "fixtures", "captures"].join("/");

function pathsOutside(file: string, source: string, repoRoot: string): string[] {
  const dir = dirname(file);
  const problems: string[] = [];
  const lines = source.split("\n");
  /** Constants holding a directory: `const ROOT = join(import.meta.dir, "..", "..")`. */
  const constants = new Map<string, string>([["import.meta.dir", dir], ["import.meta.dirname", dir], ["__dirname", dir]]);
  const flag = (line: number, what: string, target: string) => {
    if (!insideRoot(target, repoRoot)) problems.push(`${relative(repoRoot, file)}:${line}: ${what.trim()}  → ${target} is outside the repository`);
  };
  lines.forEach((text, i) => {
    const line = i + 1;
    if (referenceFolder.test(text)) problems.push(`${relative(repoRoot, file)}:${line}: ${text.trim()}  → names the reference folder; vendor what you need into test/fixtures`);
    if (workAbsolute.test(text)) problems.push(`${relative(repoRoot, file)}:${line}: ${text.trim()}  → absolute path under /work`);
    // relative string literals: import specifiers and paths ("./x", "../../src/y")
    for (const m of text.matchAll(/(["'`])(\.\.?\/[^"'`$]*)\1/g)) flag(line, m[0], resolve(dir, m[2]!));
    // join/resolve(<dir constant>, "seg", ...)
    for (const m of text.matchAll(/\b(?:join|resolve)\(\s*(import\.meta\.dirname|import\.meta\.dir|__dirname|[A-Za-z_$][\w$]*)/g)) {
      const base = constants.get(m[1]!);
      if (base === undefined) continue;
      const segments = literalArguments(text.slice(m.index! + m[0].length));
      const target = resolve(base, ...segments);
      flag(line, m[0] + segments.map((s) => `, "${s}"`).join("") + ")", target);
      const assigned = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*string\s*)?=\s*$/.exec(text.slice(0, m.index!).replace(/\bexport\s+/, ""));
      if (assigned) constants.set(assigned[1]!, target);
    }
    // `${import.meta.dir}/../x` and `${ROOT}/../x`
    for (const m of text.matchAll(/`\$\{\s*(import\.meta\.dirname|import\.meta\.dir|__dirname|[A-Za-z_$][\w$]*)\s*\}((?:\/[^`$/]*)*)/g)) {
      const base = constants.get(m[1]!);
      if (base !== undefined) flag(line, m[0], resolve(base, "." + m[2]!));
    }
    // new URL("../x", import.meta.url)
    for (const m of text.matchAll(/new URL\(\s*(["'`])([^"'`]*)\1\s*,\s*import\.meta\.url/g)) flag(line, m[0], resolve(dir, m[2]!));
  });
  return problems;
}

describe("tidy: tests, benchmarks and scripts read nothing outside the repository", () => {
  for (const folder of ["test", "bench", "scripts"]) {
    test(`${folder}/`, () => {
      const problems: string[] = [];
      for (const file of filesUnder(join(root, folder))) {
        if (file === join(root, "test", "tidy_paths.test.ts")) continue;
        problems.push(...pathsOutside(file, readFileSync(file, "utf8"), root));
      }
      expect(problems).toEqual([]);
    });
  }

  test("the scan catches each way of escaping the repository (scanner self-test)", () => {
    const file = join(root, "test", "x", "y.test.ts");
    const bad = [
      'const p = join(import.meta.dir, "..", "..", "..", "other", "fixtures");',
      "const q = readPcapUdp(`${import.meta.dir}/../../../other/captures/a.pcap`);",
      'import { x } from "../../../outside.ts";',
      'const ROOT = join(import.meta.dir, "..", "..");\nconst up = join(ROOT, "..", "sibling");',
      'const u = new URL("../../../../x", import.meta.url);',
      `const s = '${READING_MATERIAL_SAMPLE}';`,
      ["const w = \"", "work", "anything\""].join("/") + ";",
    ];
    for (const source of bad) expect(pathsOutside(file, source, root).length).toBeGreaterThan(0);
    const good = [
      'const p = join(import.meta.dir, "..", "fixtures");',
      'import { x } from "../../src/main.ts";',
      'const ROOT = join(import.meta.dir, "..", "..");\nconst m = join(ROOT, "src", "main.ts");',
      "const q = `${import.meta.dir}/../../src/a.ts`;",
    ];
    for (const source of good) expect(pathsOutside(file, source, root)).toEqual([]);
  });
});

describe("fixture-loading tests pass in a copy of the repository with nothing beside it", () => {
  const work = mkdtempSync(join(tmpdir(), "freedmr-isolated-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("wire (captures) and dmr (vectors, captures) tests", () => {
    const copy = join(work, "repo");
    for (const entry of ["src", "test", "package.json", "bunfig.toml", "tsconfig.json"]) {
      cpSync(join(root, entry), join(copy, entry), { recursive: true });
    }
    // Dependencies are installed, not part of the repository's own files.
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
    const files = ["test/wire/rptc.test.ts", "test/dmr/csbk_data_header.test.ts", "test/dmr/captures.test.ts"];
    const result = Bun.spawnSync([process.execPath, "test", ...files.map((f) => "./" + f)], { cwd: copy, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const output = result.stdout.toString() + result.stderr.toString();
    if (result.exitCode !== 0) console.log(output);
    expect(output).toMatch(/\b0 fail\b/);
    expect(output).toMatch(/Ran \d+ tests across 3 files/);
    expect(result.exitCode).toBe(0);
  }, 120_000);
});

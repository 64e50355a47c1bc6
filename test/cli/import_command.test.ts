/**
 * `freedmr import` run from source as a subprocess: TOML on stdout and the report on stderr, --out
 * with mode 0600 and no silent overwrite, exit 2 on bad arguments or input, and the result accepted
 * by `freedmr --check-config`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const main = join(root, "src", "main.ts");
const fixtures = join(root, "test", "config", "import", "fixtures");
const work = mkdtempSync(join(tmpdir(), "freedmr-import-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): { exitCode: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([process.execPath, main, ...args], { cwd: work, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe("freedmr import (CLI)", () => {
  test("FreeDMR config + rules.py: TOML on stdout, mapping report on stderr, and --check-config accepts it", () => {
    const { exitCode, stdout, stderr } = run(["import", "--from", "freedmr", join(fixtures, "freedmr.cfg"), join(fixtures, "freedmr_rules.py")]);
    expect(exitCode).toBe(0);
    expect(stdout).toStartWith("# freedmr config imported from FreeDMR: freedmr.cfg + freedmr_rules.py\n");
    expect(stdout).toContain('passphrase = "club-secret-2026"');
    expect(stderr).toContain("Changed meaning (check these)");
    expect(stderr).toContain("No equivalent in freedmr (left out)");
    expect(stderr).toMatch(/\d+ mapped, \d+ changed meaning, \d+ without equivalent\.\n$/);
    const path = join(work, "from-stdout.toml");
    writeFileSync(path, stdout);
    const check = run(["--check-config", path]);
    expect(check.stderr).toBe("");
    expect(check.exitCode).toBe(0);
  });

  test("--out writes the file with mode 0600 and refuses to overwrite it without --force", () => {
    const out = join(work, "hblink4.toml");
    const first = run(["import", "--from", "hblink4", join(fixtures, "hblink4.json"), "--out", out]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe("");
    expect(first.stderr).toContain(`wrote ${out} (mode 0600`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, "utf8")).toContain('name = "KS-DMR Network #2"');
    const again = run(["import", "--from", "hblink4", join(fixtures, "hblink4.json"), "--out", out]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`${out} exists; add --force to overwrite it`);
    const forced = run(["import", "--from=hblink4", join(fixtures, "hblink4.json"), `--out=${out}`, "--force"]);
    expect(forced.exitCode).toBe(0);
  });

  test("bad arguments and bad input exit 2 with one clear line, no stack trace, nothing written", () => {
    const cases: [string[], string][] = [
      [["import"], "freedmr import: --from is required: freedmr, hblink3 or hblink4"],
      [["import", "--from", "mmdvm", "x.cfg"], 'freedmr import: --from must be freedmr, hblink3 or hblink4, got "mmdvm"'],
      [["import", "--from", "freedmr"], "freedmr import: name the config file to import"],
      [["import", "--from", "hblink4", "a.json", "rules.py"], "freedmr import: HBlink4 has no rules.py: give only its config.json"],
      [["import", "--from", "freedmr", join(work, "missing.cfg")], `freedmr import: ${join(work, "missing.cfg")}: no such file`],
      [["import", "--from", "freedmr", "--bogus", "x"], 'freedmr import: unknown option "--bogus"'],
    ];
    for (const [args, message] of cases) {
      const { exitCode, stdout, stderr } = run(args);
      expect(exitCode).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.split("\n")[0]).toBe(message);
      expect(stderr).not.toContain("    at ");
    }
    const rules = join(work, "evil_rules.py");
    writeFileSync(rules, "import os\nBRIDGES = {'A': os.system('touch pwned')}\n");
    const out = join(work, "never.toml");
    const refused = run(["import", "--from", "hblink3", join(fixtures, "hblink.cfg"), rules, "--out", out]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('freedmr import: evil_rules.py: line 2, column 17: "os" is a name, not a literal');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(work, "pwned"))).toBe(false);
  });

  test("--help describes the command; the main --help mentions it", () => {
    const help = run(["import", "--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("Usage: freedmr import --from FORMAT CONFIG [RULES]");
    expect(run(["--help"]).stdout).toContain("import --from freedmr|hblink3|hblink4");
  });
});

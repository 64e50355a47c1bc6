/**
 * Problems with a config file as a whole read as plain sentences: TOML syntax errors with their line
 * and column (and the line, with a caret), JSON syntax errors, files that cannot be read.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfigError } from "../../src/config/errors.ts";
import { loadConfigFile, parseConfigText } from "../../src/config/load.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-config-files-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function problem(text: string, format: "toml" | "json" | "auto" = "toml"): string {
  const result = parseConfigText(text, format);
  if (result.ok) throw new Error("expected a problem");
  expect(result.errors.length).toBe(1);
  return formatConfigError(result.errors[0]!);
}

describe("TOML syntax errors", () => {
  const cases: [string, string, string][] = [
    ["[hbp]\nport = 1\n\nfoo bar\n", "line 4, column 5: expected '=' after a key but found 'b'", "    foo bar\n        ^"],
    ["[hbp]\nport = \n", "line 2, column 8: missing value after '='", "    port = \n           ^"],
    ["[hbp\nport = 1\n", "line 1, column 5: expected ']' to close a table header but found the end of the line", "    [hbp\n        ^"],
    ['[hbp]\nbind_addresses = ["::",\n"127.0.0.1",\nx]\n', 'line 4, column 1: strings must be quoted: "x"', "    x]\n    ^"],
    ["[hbp]\nport = tru\n", 'line 2, column 8: strings must be quoted: "tru"', "    port = tru\n           ^"],
    ["[hbp]\nport = 1\n[hbp]\n", "line 3, column 2: cannot redefine table 'hbp'", "    [hbp]\n     ^"],
  ];
  for (const [text, where, shown] of cases) {
    test(JSON.stringify(text), () => {
      const message = problem(text);
      const [first, ...rest] = message.split("\n");
      expect(first).toStartWith(`TOML syntax error at ${where}`);
      expect(rest.join("\n")).toBe(shown);
      expect(message).not.toContain("valid TOML");
      expect(message).not.toContain("expected a");
    });
  }
});

describe("JSON and unreadable files", () => {
  test("a JSON syntax error says so", () => {
    expect(problem('{"hbp": {"port": 1,}}', "json")).toStartWith("JSON syntax error: ");
  });

  test("a document that is not a table", () => {
    expect(problem("[1, 2]", "json")).toContain("a table of sections");
  });

  test("missing, a directory, not a regular file, too large", async () => {
    const cases: [string, string][] = [
      [join(work, "nope.toml"), `cannot read the config file ${join(work, "nope.toml")}: no such file (ENOENT)`],
      [work, `cannot read the config file ${work}: it is a directory`],
      ["/dev/zero", "cannot read the config file /dev/zero: not a regular file"],
      [join(work, "nope", "x.toml"), `cannot read the config file ${join(work, "nope", "x.toml")}: no such file (ENOENT)`],
    ];
    const latin1 = join(work, "latin1.toml");
    writeFileSync(latin1, Buffer.from('[server]\nname = "Mu\xf1oz"\n', "latin1"));
    cases.push([latin1, `cannot read the config file ${latin1}: it is not UTF-8 text (save it as UTF-8)`]);
    const utf16 = join(work, "utf16.toml");
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("[hbp]\n", "utf16le")]));
    cases.push([utf16, `cannot read the config file ${utf16}: it is not UTF-8 text (save it as UTF-8)`]);
    const big = join(work, "big.toml");
    writeFileSync(big, "# x\n".repeat(5_000_000));
    cases.push([big, `cannot read the config file ${big}: 20000000 bytes, more than a config file can be (16777216)`]);
    for (const [path, message] of cases) {
      const result = await loadConfigFile(path);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map(formatConfigError)).toEqual([message]);
    }
  });

  test("a pipe is read (`--config <(generate-config)`)", async () => {
    const fifo = join(work, "pipe.toml");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const writer = Bun.spawn(["sh", "-c", `printf '[server]\\nname = "piped"\\n' > '${fifo}'`]);
    const result = await loadConfigFile(fifo);
    await writer.exited;
    expect(result.ok && result.config.server.name).toBe("piped");
  });

  test("a UTF-8 file with a byte-order mark is read", async () => {
    const path = join(work, "bom.toml");
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[server]\nname = "Muñoz"\n')]));
    const result = await loadConfigFile(path);
    expect(result.ok && result.config.server.name).toBe("Muñoz");
  });

  // root may read anything: there the case cannot be made
  test.skipIf(process.getuid?.() === 0)("permission denied", async () => {
    const dir = join(work, "locked");
    mkdirSync(dir);
    const path = join(dir, "c.toml");
    writeFileSync(path, "[hbp]\n");
    chmodSync(path, 0);
    const result = await loadConfigFile(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatConfigError(result.errors[0]!)).toBe(`cannot read the config file ${path}: permission denied (EACCES)`);
  });
});

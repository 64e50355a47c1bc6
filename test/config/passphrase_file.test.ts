/**
 * `hbp.passphrase_file` in the config layer: mutually exclusive with a literal passphrase (on the raw
 * document), resolved against the config's directory, read into `hbp.passphrase` and consumed — and
 * a config whose file was never read is refused by the server rather than run on the default.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { passphraseFilePath, resolvePassphraseFile } from "../../src/config/passphrase_file.ts";
import { DEFAULT_PASSPHRASE, type Config } from "../../src/config/schema.ts";
import { hbpMasterOptions } from "../../src/shell/server.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-passphrase-file-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function parse(text: string): Config {
  const result = parseConfigText(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

describe("hbp.passphrase_file", () => {
  test("is optional and unset by default", () => {
    expect(parse("").hbp.passphrase_file).toBeUndefined();
  });

  test("together with hbp.passphrase is one error naming the key, with no secret in it", () => {
    const result = parseConfigText('[hbp]\npassphrase = "s3cret"\npassphrase_file = "/x"\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: "hbp.passphrase_file", value: undefined, expected: "either hbp.passphrase or hbp.passphrase_file, not both (remove one of them from [hbp])" },
    ]);
  });

  test("an empty path is refused by the schema", () => {
    const result = parseConfigText('[hbp]\npassphrase_file = ""\n');
    expect(result.ok).toBe(false);
  });

  test("a relative path is relative to the config file's directory", () => {
    const config = parse('[hbp]\npassphrase_file = "state/passphrase"\n');
    expect(passphraseFilePath(config, "/etc/freedmr/freedmr.toml")).toBe("/etc/freedmr/state/passphrase");
    const absolute = parse('[hbp]\npassphrase_file = "/var/lib/freedmr/passphrase"\n');
    expect(passphraseFilePath(absolute, "/etc/freedmr/freedmr.toml")).toBe("/var/lib/freedmr/passphrase");
  });

  test("is read into hbp.passphrase (one final newline dropped, CRLF too) and consumed", () => {
    for (const [content, expected] of [
      ["abc\n", "abc"],
      ["abc\r\n", "abc"],
      ["abc", "abc"],
      [" spaced secret \n", " spaced secret "],
    ] as const) {
      const file = join(work, "secret");
      writeFileSync(file, content);
      const resolved = resolvePassphraseFile(parse(`[hbp]\npassphrase_file = ${JSON.stringify(file)}\n`), undefined);
      expect(resolved.ok).toBe(true);
      if (!resolved.ok) continue;
      expect(resolved.config.hbp.passphrase).toBe(expected);
      expect(resolved.file).toBe(file);
      expect("passphrase_file" in resolved.config.hbp).toBe(false);
      expect(hbpMasterOptions(resolved.config.hbp).passphrase).toBe(expected);
    }
  });

  test("a config without the key resolves to itself", () => {
    const config = parse('[hbp]\npassphrase = "literal"\n');
    const resolved = resolvePassphraseFile(config, undefined);
    expect(resolved).toEqual({ ok: true, config, file: undefined });
  });

  test("the server refuses a config whose passphrase file was never read (never the default passphrase)", () => {
    const config = parse('[hbp]\npassphrase_file = "/nowhere"\n');
    expect(config.hbp.passphrase).toBe(DEFAULT_PASSPHRASE); // what an unresolved config would carry
    expect(() => hbpMasterOptions(config.hbp)).toThrow("hbp.passphrase_file must be read before the server starts");
  });
});

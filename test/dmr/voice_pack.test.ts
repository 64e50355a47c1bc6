/**
 * Voice pack formats (src/dmr/voice_pack.ts) and their start-up loading from disk
 * (src/shell/voice_pack_loader.ts): both formats resolve onto the logical words, bad packs are
 * refused with a reason naming what is wrong, the ident callsign's letters become required.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { folderPack, parseIndexedPack, REQUIRED_WORDS, spell, digits } from "../../src/dmr/voice_pack.ts";
import { loadVoicePacks } from "../../src/shell/voice_pack_loader.ts";
import { FOLDER_WORDS, INDEXED_WORDS, indexedFiles, syntheticPack, writeFolderPack, writeIndexedPack } from "../support/voice_pack_fixture.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "freedmr-voice-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("indexed packs (DMRGateway/FreeDMR <lang>.ambe + <lang>.indx)", () => {
  test("words resolve onto the logical names, frames cut at start·9 … (start+length)·9", () => {
    const synthetic = syntheticPack(1, INDEXED_WORDS);
    const { ambe, indx } = indexedFiles(synthetic);
    const r = parseIndexedPack("en_US", ambe, indx);
    if (!r.ok) throw new Error(r.reason);
    expect(r.pack.format).toBe("indexed");
    expect(r.pack.words.get("linked")).toEqual(synthetic.words.get("linkedto")!);
    expect(r.pack.words.get("notlinked")).toEqual(synthetic.words.get("notlinked")!);
    expect(r.pack.words.get("busy")).toEqual(synthetic.words.get("isbusy")!);
    expect(r.pack.words.get("unlinked")).toEqual(synthetic.words.get("notlinked")!);
    expect(r.pack.words.get("k")).toEqual(synthetic.words.get("K")!);
    expect(r.pack.words.get("7")).toEqual(synthetic.words.get("7")!);
    expect(r.pack.words.has("thisis")).toBe(false);
  });

  test("missing words are named and the pack refused", () => {
    const synthetic = syntheticPack(1, INDEXED_WORDS.filter((w) => w !== "isbusy" && w !== "3"));
    const { ambe, indx } = indexedFiles(synthetic);
    const r = parseIndexedPack("en_US", ambe, indx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain("missing words");
      expect(r.reason).toContain("3 (3)");
      expect(r.reason).toContain("busy (busy/isbusy");
    }
  });

  test("an index entry beyond the .ambe file or a malformed line refuses the pack, naming the line", () => {
    const { ambe, indx } = indexedFiles(syntheticPack(1, INDEXED_WORDS));
    const beyond = parseIndexedPack("xx", ambe, `${indx}extra\t100000\t5\n`);
    expect(beyond.ok ? "" : beyond.reason).toContain('word "extra"');
    const bad = parseIndexedPack("xx", ambe, `0\tzero\t5\n${indx}`);
    expect(bad.ok ? "" : bad.reason).toContain("xx.indx line 1");
  });

  test("ident callsign letters are required when asked for", () => {
    const { ambe, indx } = indexedFiles(syntheticPack(1, INDEXED_WORDS.filter((w) => w !== "Q")));
    expect(parseIndexedPack("en_GB", ambe, indx).ok).toBe(true);
    const r = parseIndexedPack("en_GB", ambe, indx, spell("GB7QR"));
    expect(r.ok ? "" : r.reason).toContain("q (q/quebec)");
  });
});

describe("folder packs (FreeDMR <lang>/<word>.ambe)", () => {
  test("resolve FreeDMR names; a file that is not whole 9-byte frames is refused by name", () => {
    const synthetic = syntheticPack(3, FOLDER_WORDS);
    const r = folderPack("es_ES", synthetic.words);
    if (!r.ok) throw new Error(r.reason);
    expect(r.pack.words.get("linked")).toEqual(synthetic.words.get("linked-to")!);
    expect(r.pack.words.get("thisis")).toEqual(synthetic.words.get("this-is")!);
    expect(r.pack.words.get("freedmr")).toEqual(synthetic.words.get("freedmr")!);
    const broken = new Map(synthetic.words);
    broken.set("busy", new Uint8Array(10));
    const b = folderPack("es_ES", broken);
    expect(b.ok ? "" : b.reason).toContain("es_ES/busy.ambe: 10 bytes");
  });

  test("spell and digits", () => {
    expect(spell("GB7-fr")).toEqual(["g", "b", "7", "f", "r"]);
    expect(digits(2350)).toEqual(["2", "3", "5", "0"]);
    expect(REQUIRED_WORDS).toContain("linked");
  });
});

describe("loading from a directory at start-up", () => {
  test("both formats side by side; a refused pack is reported with its reason and skipped", () => {
    const dir = tempDir();
    writeIndexedPack(dir, "en_US", syntheticPack(1, INDEXED_WORDS));
    writeFolderPack(dir, "fr_FR", syntheticPack(2, FOLDER_WORDS));
    writeFolderPack(dir, "de_DE", syntheticPack(3, FOLDER_WORDS.filter((w) => w !== "not-linked")));
    mkdirSync(join(dir, "fr_FR", "ondemand"));
    writeFileSync(join(dir, "fr_FR", "ondemand", "9991.ambe"), new Uint8Array(18));
    writeFileSync(join(dir, "README"), "not a pack");
    const load = loadVoicePacks(dir, []);
    expect(load.packs.map((p) => [p.language, p.format])).toEqual([
      ["en_US", "indexed"],
      ["fr_FR", "folder"],
    ]);
    expect(load.problems.length).toBe(1);
    expect(load.problems[0]).toContain("de_DE");
    expect(load.problems[0]).toContain("notlinked");
    expect(load.problems[0]).toContain("pack refused");
  });

  test("only the configured languages; a configured language without a pack is reported; a missing directory too", () => {
    const dir = tempDir();
    writeIndexedPack(dir, "en_US", syntheticPack(1, INDEXED_WORDS));
    writeIndexedPack(dir, "it_IT", syntheticPack(2, INDEXED_WORDS));
    const load = loadVoicePacks(dir, ["it_IT", "pl_PL"]);
    expect(load.packs.map((p) => p.language)).toEqual(["it_IT"]);
    expect(load.problems.join()).toContain("no voice pack for pl_PL");
    const none = loadVoicePacks(join(dir, "nope"), []);
    expect(none.packs).toEqual([]);
    expect(none.problems[0]).toContain("voice.directory");
    expect(loadVoicePacks("", [])).toEqual({ packs: [], problems: [] });
  });

  test("an .indx without its .ambe is refused", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "en_GB.indx"), "0\t0\t1\n");
    const load = loadVoicePacks(dir, []);
    expect(load.packs).toEqual([]);
    expect(load.problems[0]).toContain("en_GB.indx has no en_GB.ambe");
  });
});

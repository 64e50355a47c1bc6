/**
 * Start-up loading of voice packs (I/O; the format is src/dmr/voice_pack.ts). Looks in the
 * configured directory for `<lang>.indx` + `<lang>.ambe` (indexed) and `<lang>/` folders of
 * `<word>.ambe` files, validates each pack once (required words, frame sizes, index ranges) and
 * returns the good ones as immutable data for the core. A bad pack is refused with its reason;
 * it never fails at call time. Subfolders of a folder pack (FreeDMR's `ondemand/`) are ignored.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { folderPack, parseIndexedPack, spell, type PackResult, type VoicePack } from "../dmr/voice_pack.ts";

export interface VoicePackLoad {
  readonly packs: VoicePack[];
  /** one line per refused pack or missing language, naming it and why */
  readonly problems: string[];
}

const LANGUAGE = /^[A-Za-z0-9_]+$/;

/**
 * Load the packs in `directory` (only `languages` when non-empty). `identCallsign`: when set, its
 * letters and digits become required words (the ident spells it).
 */
export function loadVoicePacks(directory: string, languages: readonly string[], identCallsign = ""): VoicePackLoad {
  const packs: VoicePack[] = [];
  const problems: string[] = [];
  if (directory === "") return { packs, problems };
  let entries: string[];
  try {
    if (!statSync(directory).isDirectory()) throw new Error("not a directory");
    entries = readdirSync(directory).sort();
  } catch (error) {
    problems.push(`voice.directory: "${directory}" is not a readable directory (${(error as Error).message}); no announcements`);
    return { packs, problems };
  }
  const required = [...new Set(spell(identCallsign))];
  const found = new Map<string, () => PackResult>();
  for (const name of entries) {
    const path = join(directory, name);
    if (name.endsWith(".indx")) {
      const language = name.slice(0, -".indx".length);
      if (!LANGUAGE.test(language)) continue;
      found.set(language, () => {
        const ambePath = join(directory, `${language}.ambe`);
        if (!existsSync(ambePath)) return { ok: false, reason: `${language}.indx has no ${language}.ambe next to it` };
        return parseIndexedPack(language, new Uint8Array(readFileSync(ambePath)), readFileSync(path, "utf8"), required);
      });
    } else if (LANGUAGE.test(name) && !found.has(name)) {
      let isDirectory = false;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (!isDirectory) continue;
      found.set(name, () => {
        const files = new Map<string, Uint8Array>();
        for (const file of readdirSync(path).sort()) {
          if (!file.endsWith(".ambe")) continue;
          const filePath = join(path, file);
          if (!statSync(filePath).isFile()) continue;
          files.set(file.slice(0, -".ambe".length), new Uint8Array(readFileSync(filePath)));
        }
        if (files.size === 0) return { ok: false, reason: `voice pack ${name}: folder ${path} holds no .ambe files` };
        return folderPack(name, files, required);
      });
    }
  }
  const wanted = languages.length > 0 ? languages : [...found.keys()];
  for (const language of wanted) {
    const load = found.get(language);
    if (load === undefined) {
      problems.push(`voice.languages: no voice pack for ${language} in "${directory}" (expected ${language}.indx + ${language}.ambe, or a folder ${language}/)`);
      continue;
    }
    let result: PackResult;
    try {
      result = load();
    } catch (error) {
      result = { ok: false, reason: `voice pack ${language}: ${(error as Error).message}` };
    }
    if (result.ok) packs.push(result.pack);
    else problems.push(`${result.reason}; pack refused`);
  }
  return { packs, problems };
}

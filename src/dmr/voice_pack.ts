/**
 * Voice packs: pre-encoded AMBE+2 words the server concatenates into announcements (freedmr-reference.md
 * §1.10; field-2026-12.md §5.1). Both formats the field uses carry raw 9-byte (72-bit) AMBE frames,
 * three per DMR voice burst (hbp-and-dmr.md §2.1):
 *
 *   indexed (DMRGateway, FreeDMR)   `<lang>.ambe` = frames back to back; `<lang>.indx` = lines
 *                                   `word<TAB>start<TAB>length`, start and length counted in frames
 *   folder (FreeDMR)                `<lang>/<word>.ambe`, one file of frames per word
 *
 * Packs name their words differently (`linkedto` vs `linked-to`, `isbusy` vs `busy`, letters as
 * `A` or `alpha`), so a pack is resolved once, at start-up, onto the logical words freedmr speaks
 * (PromptWord); the core only ever sees the resolved map. Pure: the shell reads the files
 * (src/shell/voice_pack_loader.ts) and hands the bytes over. No audio ships with freedmr.
 * @module
 */

/** one AMBE+2 frame: 72 bits (hbp-and-dmr.md §2.1: three per 216-bit voice burst) */
export const AMBE_FRAME_BYTES = 9;

export const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;
export const LETTERS = "abcdefghijklmnopqrstuvwxyz".split("");
const PHONETICS = [
  "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
  "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
];

/**
 * The words freedmr speaks and, for each, the file/index names packs use for it, first match wins
 * (DMRGateway indexed packs: `linkedto`, `notlinked`, `isbusy`, `A`…`Z`; FreeDMR folders:
 * `linked-to`, `not-linked`, `busy`, `this-is`, `freedmr`).
 */
export const WORD_ALIASES: Readonly<Record<string, readonly string[]>> = (() => {
  const aliases: Record<string, readonly string[]> = {
    linked: ["linkedto", "linked-to", "linked_to", "linked"],
    notlinked: ["notlinked", "not-linked", "not_linked"],
    unlinked: ["unlinked", "disconnected", "notlinked", "not-linked", "not_linked"],
    busy: ["busy", "isbusy", "is-busy", "is_busy"],
    rejected: ["rejected", "invalid", "error", "busy", "isbusy", "is-busy"],
    thisis: ["this-is", "thisis", "this_is"],
    freedmr: ["freedmr"],
  };
  for (const d of DIGITS) aliases[d] = [d];
  LETTERS.forEach((l, i) => (aliases[l] = [l, PHONETICS[i]!]));
  return aliases;
})();

/** Words every pack must have: digits and the dial replies. */
export const REQUIRED_WORDS: readonly string[] = [...DIGITS, "linked", "notlinked", "busy"];

/** A validated pack: logical word → its AMBE frames (9·n bytes). Immutable after load. */
export interface VoicePack {
  readonly language: string;
  readonly format: "indexed" | "folder";
  readonly words: ReadonlyMap<string, Uint8Array>;
}

export type PackResult = { readonly ok: true; readonly pack: VoicePack } | { readonly ok: false; readonly reason: string };

/**
 * Parse an indexed pack. Index lines that are blank or start with `#` are skipped; any other line
 * must be `word start length` (tabs or spaces) inside the .ambe file, else the pack is refused
 * naming the line.
 */
export function parseIndexedPack(language: string, ambe: Uint8Array, indx: string, requiredExtra: readonly string[] = []): PackResult {
  const frames = Math.floor(ambe.length / AMBE_FRAME_BYTES);
  const raw = new Map<string, Uint8Array>();
  const lines = indx.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    const start = Number(parts[1]);
    const length = Number(parts[2]);
    if (parts.length < 3 || !Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length <= 0) {
      return { ok: false, reason: `${language}.indx line ${i + 1}: expected "word start length" (frames), got "${line}"` };
    }
    if (start + length > frames) {
      return { ok: false, reason: `${language}.indx line ${i + 1}: word "${parts[0]}" (frames ${start}–${start + length - 1}) lies beyond the end of ${language}.ambe (${frames} frames)` };
    }
    raw.set(parts[0]!.toLowerCase(), ambe.slice(start * AMBE_FRAME_BYTES, (start + length) * AMBE_FRAME_BYTES));
  }
  return resolvePack(language, "indexed", raw, requiredExtra);
}

/** A folder pack from its files (word name without `.ambe` → bytes); each must hold whole frames. */
export function folderPack(language: string, files: ReadonlyMap<string, Uint8Array>, requiredExtra: readonly string[] = []): PackResult {
  const raw = new Map<string, Uint8Array>();
  for (const [word, bytes] of files) {
    if (bytes.length === 0 || bytes.length % AMBE_FRAME_BYTES !== 0) {
      return { ok: false, reason: `${language}/${word}.ambe: ${bytes.length} bytes is not a whole number of ${AMBE_FRAME_BYTES}-byte AMBE frames` };
    }
    raw.set(word.toLowerCase(), bytes);
  }
  return resolvePack(language, "folder", raw, requiredExtra);
}

/** Map a pack's own names onto the logical words; refuse it when required words are missing. */
export function resolvePack(language: string, format: "indexed" | "folder", raw: ReadonlyMap<string, Uint8Array>, requiredExtra: readonly string[] = []): PackResult {
  const words = new Map<string, Uint8Array>();
  for (const [word, names] of Object.entries(WORD_ALIASES)) {
    for (const name of names) {
      const frames = raw.get(name);
      if (frames !== undefined) {
        words.set(word, frames);
        break;
      }
    }
  }
  const missing = [...REQUIRED_WORDS, ...requiredExtra].filter((w, i, all) => all.indexOf(w) === i && !words.has(w));
  if (missing.length > 0) {
    const named = missing.map((w) => `${w} (${(WORD_ALIASES[w] ?? [w]).join("/")})`);
    return { ok: false, reason: `voice pack ${language} (${format}) is missing ${missing.length === 1 ? "word" : "words"}: ${named.join(", ")}` };
  }
  return { ok: true, pack: { language, format, words } };
}

/** The logical words that spell `text` (letters and digits; anything else is skipped). */
export function spell(text: string): string[] {
  const out: string[] = [];
  for (const ch of text.toLowerCase()) if ((ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9")) out.push(ch);
  return out;
}

/** The logical words of a number, digit by digit ("linked to 9 1"). */
export function digits(n: number): string[] {
  return String(Math.max(0, Math.floor(n))).split("");
}

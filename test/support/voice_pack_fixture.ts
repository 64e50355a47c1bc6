/**
 * Synthetic voice packs for tests (freedmr ships no audio, and tests read nothing outside the
 * repository): every word is a few 9-byte AMBE frames in the frame layout of real packs, built from the AMBE silence
 * frame with a marker (0xA5 0x5A, pack number, word number, frame number) in its first bytes, so a
 * test can read back from the bursts it receives which words were played, in which order, from
 * which pack. Helpers write both on-disk formats (indexed `<lang>.ambe` + `<lang>.indx`, and a
 * folder of `<word>.ambe`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AMBE_SILENCE_FRAME, readAmbe } from "../../src/dmr/ambe_silence.ts";
import { AMBE_FRAME_BYTES } from "../../src/dmr/voice_pack.ts";
import { DMRD_PAYLOAD_OFFSET, FrameType } from "../../src/wire/dmrd.ts";

/** DMRGateway-style names (indexed packs). */
export const INDEXED_WORDS = [..."0123456789".split(""), ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ".split(""), "linkedto", "notlinked", "isbusy"];
/** FreeDMR-style names (folder packs). */
export const FOLDER_WORDS = [..."0123456789".split(""), ..."abcdefghijklmnopqrstuvwxyz".split(""), "linked-to", "not-linked", "busy", "this-is", "freedmr"];

const MARKER_0 = 0xa5;
const MARKER_1 = 0x5a;

export interface SyntheticPack {
  /** word → its frames (9·n bytes) */
  readonly words: Map<string, Uint8Array>;
  readonly packNumber: number;
}

/** Frames for each word: 2 + (index mod 4) frames, so words straddle burst boundaries. */
export function syntheticPack(packNumber: number, words: readonly string[]): SyntheticPack {
  const map = new Map<string, Uint8Array>();
  words.forEach((word, w) => {
    const n = 2 + (w % 4);
    const bytes = new Uint8Array(n * AMBE_FRAME_BYTES);
    for (let f = 0; f < n; f++) {
      bytes.set(AMBE_SILENCE_FRAME, f * AMBE_FRAME_BYTES);
      bytes[f * AMBE_FRAME_BYTES] = MARKER_0;
      bytes[f * AMBE_FRAME_BYTES + 1] = MARKER_1;
      bytes[f * AMBE_FRAME_BYTES + 2] = packNumber;
      bytes[f * AMBE_FRAME_BYTES + 3] = w;
      bytes[f * AMBE_FRAME_BYTES + 4] = f;
    }
    map.set(word, bytes);
  });
  return { words: map, packNumber };
}

/** The indexed format: frames back to back (after `leadFrames` silence frames) and `word start length` lines. */
export function indexedFiles(pack: SyntheticPack, leadFrames = 5): { ambe: Uint8Array; indx: string } {
  const total = leadFrames + [...pack.words.values()].reduce((n, b) => n + b.length / AMBE_FRAME_BYTES, 0);
  const ambe = new Uint8Array(total * AMBE_FRAME_BYTES);
  for (let i = 0; i < leadFrames; i++) ambe.set(AMBE_SILENCE_FRAME, i * AMBE_FRAME_BYTES);
  let frame = leadFrames;
  const lines: string[] = [];
  for (const [word, bytes] of pack.words) {
    ambe.set(bytes, frame * AMBE_FRAME_BYTES);
    const n = bytes.length / AMBE_FRAME_BYTES;
    lines.push(`${word}\t${frame}\t${n}`);
    frame += n;
  }
  return { ambe, indx: `${lines.join("\n")}\n` };
}

/** Write `<dir>/<lang>.ambe` + `<dir>/<lang>.indx`. */
export function writeIndexedPack(dir: string, language: string, pack: SyntheticPack): void {
  const { ambe, indx } = indexedFiles(pack);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${language}.ambe`), ambe);
  writeFileSync(join(dir, `${language}.indx`), indx);
}

/** Write `<dir>/<lang>/<word>.ambe`. */
export function writeFolderPack(dir: string, language: string, pack: SyntheticPack): void {
  const folder = join(dir, language);
  mkdirSync(folder, { recursive: true });
  for (const [word, bytes] of pack.words) writeFileSync(join(folder, `${word}.ambe`), bytes);
}

export interface PlayedWords {
  /** words in order (a new word starts at its frame 0) */
  readonly words: string[];
  /** pack numbers seen */
  readonly packs: Set<number>;
  /** AMBE frames that were neither silence nor a marker frame */
  readonly unknownFrames: number;
  /** marker frames out of order within a word */
  readonly outOfOrder: number;
}

/** Read the words played in the voice bursts of DMRD datagrams (one call). */
export function playedWords(datagrams: readonly Uint8Array[], names: readonly string[]): PlayedWords {
  const words: string[] = [];
  const packs = new Set<number>();
  let unknownFrames = 0;
  let outOfOrder = 0;
  let expected = -1;
  let current = -1;
  const ambe = new Uint8Array(27);
  const silence = Buffer.from(AMBE_SILENCE_FRAME).toString("hex");
  for (const d of datagrams) {
    const frameType = (d[15]! >>> 4) & 3;
    if (frameType !== FrameType.Voice && frameType !== FrameType.VoiceSync) continue;
    readAmbe(d, DMRD_PAYLOAD_OFFSET, ambe, 0);
    for (let f = 0; f < 3; f++) {
      const frame = ambe.subarray(f * 9, f * 9 + 9);
      if (Buffer.from(frame).toString("hex") === silence) continue;
      if (frame[0] !== MARKER_0 || frame[1] !== MARKER_1) {
        unknownFrames++;
        continue;
      }
      packs.add(frame[2]!);
      const w = frame[3]!;
      const i = frame[4]!;
      if (i === 0) {
        words.push(names[w] ?? `?${w}`);
        current = w;
        expected = 1;
      } else if (w !== current || i !== expected) {
        outOfOrder++;
      } else {
        expected++;
      }
    }
  }
  return { words, packs, unknownFrames, outOfOrder };
}

/**
 * A callsign as one number instead of a string of its own: every hotspot has one (RPTC bytes 8–15,
 * hbp-and-dmr.md §1.3: at most 8 characters) and almost no two hotspots share it, so a pool cannot
 * help; a short string costs ~50 bytes of heap, a number in a field nothing extra. Callsigns of up
 * to 8 characters from CALLSIGN_ALPHABET (letters, digits, '-' and '/') are coded as
 * length + 16 · Σ symbolᵢ · 64ⁱ (at most 2^52: exact in a double); anything else stays a string
 * (callsignText hands either back as the text). Decoding makes a string: read on logins, events and
 * API calls, never per frame.
 * @module
 */

/** The 64 characters a coded callsign may hold (6 bits each). */
const CALLSIGN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/";
/** Characters coded at most (the RPTC callsign field). */
const MAX_CODED = 8;
const LENGTH_RANGE = 16;
const SYMBOLS = 64;

const SYMBOL_OF = new Int8Array(256).fill(-1);
for (let i = 0; i < CALLSIGN_ALPHABET.length; i++) SYMBOL_OF[CALLSIGN_ALPHABET.charCodeAt(i)] = i;

/** A coded callsign, or the text itself when it cannot be coded. */
export type CallsignCode = number | string;

export function encodeCallsign(text: string): CallsignCode {
  if (text.length > MAX_CODED) return text;
  let code = 0;
  let scale = LENGTH_RANGE;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const symbol = c < 256 ? SYMBOL_OF[c]! : -1;
    if (symbol < 0) return text;
    code += symbol * scale;
    scale *= SYMBOLS;
  }
  return code + text.length;
}

/** CALLSIGN_ALPHABET's character codes, by symbol. */
const CHAR_OF = new Uint16Array(SYMBOLS);
for (let i = 0; i < SYMBOLS; i++) CHAR_OF[i] = CALLSIGN_ALPHABET.charCodeAt(i);
/** The character codes of the callsign being decoded (reused: decoding allocates only its string). */
const DECODED: number[] = [];

/**
 * The text of a callsign code: one flat string from String.fromCharCode, not a character at a time
 * (eight concatenations make a rope the runtime flattens later). A session's name is made from it
 * for each call's events (session.ts `name`).
 */
export function callsignText(code: CallsignCode): string {
  if (typeof code === "string") return code;
  const length = code % LENGTH_RANGE;
  let rest = Math.floor(code / LENGTH_RANGE);
  DECODED.length = length;
  for (let i = 0; i < length; i++) {
    DECODED[i] = CHAR_OF[rest % SYMBOLS]!;
    rest = Math.floor(rest / SYMBOLS);
  }
  return String.fromCharCode.apply(null, DECODED);
}

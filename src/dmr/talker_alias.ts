/**
 * Talker alias (ETSI TS 102 361-2 §7.1.1.2 / §7.2.18; hbp-and-dmr.md §3.1): a header LC (FLCO 4) and
 * up to three block LCs (FLCO 5, 6, 7), FID 0, each carrying 7 data bytes (LC bytes 2–8). They
 * arrive as embedded LCs in bursts B–E of later superframes, or as full LCs, or through the DMRA
 * side channel (src/wire/dmra.ts, type = FLCO − 4).
 *
 * Header data byte 0 = format(2) ‖ length(5) ‖ first data bit. Formats: 0 7-bit (49 bits in the
 * header, 56 per block, ≤ 31 characters), 1 ISO-8859-1, 2 UTF-8, 3 UTF-16BE; for formats 1–3 the
 * text starts at header data byte 1 (6 bytes) and continues with 7 bytes per block (≤ 27 bytes).
 *
 * What `length` counts (ETSI TS 102 361-2 §7.2.19 Talker Alias Data Length): the units of the
 * format — 7-bit characters, octets for the two 8-bit formats (ISO-8859-1 and UTF-8), 16-bit units
 * for UTF-16BE. §7.2.19 speaks of the length in bytes while its table 7.26 says characters; the two
 * agree everywhere except multibyte UTF-8, and there the octet count is what radios send (reading
 * it as characters ran into the padding and left a trailing NUL, e.g. "Jürgen DL1ABC\0"). So a
 * UTF-8 alias is `length` octets, and the encoder writes the octet count. Bytes beyond the length
 * are padding (not always zero), and NUL padding inside the length is stripped.
 * @module
 */

import { lcFid, lcFlco } from "./full_lc.ts";

export const enum TalkerAliasFormat {
  SevenBit = 0,
  Iso88591 = 1,
  Utf8 = 2,
  Utf16Be = 3,
}

/** FLCO of the talker-alias header; blocks are 5, 6, 7 (ETSI TS 102 361-2 Table 7.1) */
const FLCO_TA_HEADER = 4;
const FLCO_TA_LAST_BLOCK = 7;
/** 7 data bytes per TA LC (LC bytes 2–8) */
const TA_BYTES_PER_LC = 7;
/** header data bits of a 7-bit alias: 1 bit of data byte 0 + 6 bytes (§3.1) */
const SEVEN_BIT_HEADER_BITS = 49;
const SEVEN_BIT_BLOCK_BITS = 56;

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Collects TA LCs of one stream. Allocation-free until the alias is complete; then the text is
 * decoded once (one string per alias).
 */
export class TalkerAliasAssembler {
  /** data bytes: header at 0–6, block n at 7n–7n+6 */
  readonly data = new Uint8Array(4 * TA_BYTES_PER_LC);
  /** bit n set = LC with FLCO 4+n received */
  present = 0;
  complete = false;
  /** the decoded alias, "" until complete */
  text = "";

  reset(): void {
    this.present = 0;
    this.complete = false;
    this.text = "";
  }

  get format(): TalkerAliasFormat {
    return (this.data[0]! >>> 6) as TalkerAliasFormat;
  }
  /** the length field of the header (units of the format: 7-bit characters, octets, 16-bit units) */
  get length(): number {
    return (this.data[0]! >>> 1) & 0x1f;
  }

  /**
   * Offer a 9-byte LC (full or embedded). Returns true when this LC completed the alias (text set).
   * LCs that are not FID-0 TA LCs are ignored.
   */
  addLc(lc: Uint8Array, offset: number): boolean {
    const flco = lcFlco(lc, offset);
    if (flco < FLCO_TA_HEADER || flco > FLCO_TA_LAST_BLOCK || lcFid(lc, offset) !== 0) return false;
    return this.addData(flco - FLCO_TA_HEADER, lc, offset + 2);
  }

  /** Offer 7 TA data bytes of LC `index` (0 = header, 1–3 = blocks), e.g. from DMRA. */
  addData(index: number, bytes: Uint8Array, offset: number, count = TA_BYTES_PER_LC): boolean {
    if (index < 0 || index > 3) return false;
    const base = index * TA_BYTES_PER_LC;
    const had = (this.present & (1 << index)) !== 0;
    let differs = false;
    const n = count < TA_BYTES_PER_LC ? count : TA_BYTES_PER_LC;
    for (let i = 0; i < n; i++) {
      const v = bytes[offset + i]!;
      if (this.data[base + i] !== v) differs = true;
      this.data[base + i] = v;
    }
    if (had && !differs) return false;
    if (index === 0 && had) {
      // a different header: a new alias starts
      this.present = 0;
      this.complete = false;
      this.text = "";
    } else if (had && this.complete) {
      // a block changed under a complete alias: decode again
      this.complete = false;
      this.text = "";
    }
    this.present |= 1 << index;
    if (this.complete || (this.present & 1) === 0) return false;
    return this.#tryComplete();
  }

  /** consecutive data bytes available from the start of the text area */
  #contiguousBlocks(): number {
    let blocks = 0;
    while (blocks < 3 && (this.present & (1 << (blocks + 1))) !== 0) blocks++;
    return blocks;
  }

  #tryComplete(): boolean {
    const length = this.length;
    const blocks = this.#contiguousBlocks();
    const format = this.format;
    let text: string | null = null;
    if (format === TalkerAliasFormat.SevenBit) {
      if (length * 7 <= SEVEN_BIT_HEADER_BITS + blocks * SEVEN_BIT_BLOCK_BITS) text = this.#decodeSevenBit(length);
    } else {
      const available = 6 + blocks * TA_BYTES_PER_LC;
      // §7.2.19: octets (ISO-8859-1, UTF-8) or 16-bit units (UTF-16BE); a length beyond the 27 octets
      // a header and three blocks hold is read as "all of them" once every block is here
      const octets = format === TalkerAliasFormat.Utf16Be ? length * 2 : length;
      const end = octets <= available ? octets : blocks === 3 ? available : -1;
      if (end >= 0) {
        if (format === TalkerAliasFormat.Iso88591) text = this.#decodeLatin1(trimNul(this.data, 1, 1 + end) - 1);
        else if (format === TalkerAliasFormat.Utf16Be) text = this.#decodeUtf16(trimNul16(this.data, 1, 1 + (end & ~1)) >>> 1);
        else text = utf8Decoder.decode(this.data.subarray(1, trimNul(this.data, 1, 1 + end)));
      }
    }
    if (text === null) return false;
    this.text = text;
    this.complete = true;
    return true;
  }

  #decodeLatin1(length: number): string {
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(this.data[1 + i]!);
    return s;
  }

  #decodeUtf16(length: number): string {
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode((this.data[1 + 2 * i]! << 8) | this.data[2 + 2 * i]!);
    return s;
  }

  #decodeSevenBit(length: number): string {
    // the 7-bit stream starts at the last bit of header data byte 0 (bit 7 of the 56 header bits)
    let s = "";
    for (let c = 0; c < length; c++) {
      let v = 0;
      for (let i = 0; i < 7; i++) {
        const bit = 7 + c * 7 + i;
        v = (v << 1) | ((this.data[bit >>> 3]! >>> (7 - (bit & 7))) & 1);
      }
      s += String.fromCharCode(v);
    }
    // padding: 7-bit NULs at the end of the length
    let end = s.length;
    while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
    return end === s.length ? s : s.slice(0, end);
  }
}

/** End of bytes[start..end) without its trailing NUL octets (padding). */
function trimNul(bytes: Uint8Array, start: number, end: number): number {
  while (end > start && bytes[end - 1] === 0) end--;
  return end;
}

/** The same for 16-bit units (end − start even): the offset past the last non-NUL unit, relative to start. */
function trimNul16(bytes: Uint8Array, start: number, end: number): number {
  while (end - 2 >= start && bytes[end - 2] === 0 && bytes[end - 1] === 0) end -= 2;
  return end - start;
}

/**
 * Build the TA LCs (header + blocks) for `text` in the given format, for generated streams and
 * tests. Returns the number of LCs written into lcs (9 bytes each, up to 4).
 */
export function encodeTalkerAlias(text: string, format: TalkerAliasFormat, lcs: Uint8Array): number {
  const data = new Uint8Array(28);
  let length: number;
  let bytes: number;
  if (format === TalkerAliasFormat.SevenBit) {
    length = Math.min(text.length, 31);
    for (let c = 0; c < length; c++) {
      const v = text.charCodeAt(c) & 0x7f;
      for (let i = 0; i < 7; i++) {
        const bit = 7 + c * 7 + i;
        if ((v >>> (6 - i)) & 1) data[bit >>> 3] = data[bit >>> 3]! | (0x80 >>> (bit & 7));
      }
    }
    bytes = Math.ceil((7 + length * 7) / 8);
  } else if (format === TalkerAliasFormat.Utf16Be) {
    length = Math.min(text.length, 13);
    for (let c = 0; c < length; c++) {
      data[1 + 2 * c] = text.charCodeAt(c) >>> 8;
      data[2 + 2 * c] = text.charCodeAt(c) & 0xff;
    }
    bytes = 1 + 2 * length;
  } else if (format === TalkerAliasFormat.Utf8) {
    // §7.2.19: the length of a UTF-8 alias counts octets; cut at a character boundary within 27
    const encoded = new TextEncoder().encode(text);
    let end = 0;
    while (end < encoded.length) {
      const lead = encoded[end]!;
      const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
      if (end + size > 27) break;
      end += size;
    }
    length = end;
    data.set(encoded.subarray(0, end), 1);
    bytes = 1 + end;
  } else {
    length = Math.min(text.length, 27);
    for (let c = 0; c < length; c++) data[1 + c] = text.charCodeAt(c) & 0xff;
    bytes = 1 + length;
  }
  data[0] = (data[0]! & 0x01) | (format << 6) | (length << 1);
  const count = Math.max(1, Math.ceil(bytes / TA_BYTES_PER_LC));
  for (let n = 0; n < count; n++) {
    lcs[9 * n] = FLCO_TA_HEADER + n;
    lcs[9 * n + 1] = 0;
    lcs.set(data.subarray(7 * n, 7 * n + 7), 9 * n + 2);
  }
  return count;
}

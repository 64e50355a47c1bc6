/**
 * Talker alias insertion: give listeners the caller's callsign and first name when the caller's
 * radio sends no talker alias (as BrandMeister does; field-2026-12.md §2.5). The alias goes where
 * radios look for it: talker-alias LCs (ETSI TS 102 361-2 §7.1.1.2, §7.2.18: header FLCO 4, blocks
 * FLCO 5–7, FID 0; hbp-and-dmr.md §3.1) carried as embedded LCs in bursts B–E of voice superframes
 * (ETSI TS 102 361-1 Annex B.2.1; hbp-and-dmr.md §2.8), in block order header, block 1, …
 *
 * Rotation: superframes alternate between the stream's own embedded LC and one alias LC (odd
 * superframes carry the alias: 1 header, 3 block 1, 5 header …), so a radio entering late still
 * gets the identity LC every other superframe (late entry), as radios themselves rotate.
 *
 * Never overwrite what the caller sends: a superframe is replaced only when its burst B carries
 * the stream's identity LC (compared with the identity fragment, as the rewriter does), and as soon
 * as the stream shows any embedded LC of its own that is not the identity (its own talker alias,
 * GPS …) insertion stops for the rest of the stream. A stream carrying its own alias from its
 * second superframe on (as radios send it) therefore passes byte-identical.
 *
 *   const ta = new TalkerAliasInserter();          // one per pooled stream record
 *   ta.start(frame, "N0CALL", "Ada");              // at stream start (allocation-free)
 *   ta.observe(frame);                             // every inbound frame, before delivery
 *   if (ta.write) writeEmbeddedFragment(copy, 20, ta.fragment);   // per egress copy
 *
 * Per frame it allocates nothing. The alias is ISO-8859-1 (format 1, up to 27 characters).
 * @module
 */

import { popcount32 } from "./bits.ts";
import { AssemblerResult, EmbeddedLcAssembler, encodeEmbeddedLc, readEmbeddedFragment } from "./embedded_lc.ts";
import { Flco, FullLcStatus, LC_BYTES, decodeFullLc, isIdentityFlco, lcFlco, writeLc } from "./full_lc.ts";
import { RS_MASK_VOICE_HEADER } from "./rs_12_9.ts";
import { CallType, DMRD_PAYLOAD_OFFSET, DataType, FrameType, type DmrdFrame } from "../wire/dmrd.ts";

/** Callsign and first name of a radio id (from the alias data, e.g. a RadioID user list). */
export interface AliasNames {
  readonly callsign: string;
  readonly firstName: string;
}

/** sourceId → names, or undefined when the id is unknown. Must not allocate per call (a Map lookup). */
export type AliasLookup = (sourceId: number) => AliasNames | undefined;

/** TA format 1 = ISO-8859-1, ≤ 27 characters (ETSI TS 102 361-2 §7.2.18; hbp-and-dmr.md §3.1) */
const TA_FORMAT_ISO_8859_1 = 1;
const TA_MAX_CHARACTERS = 27;
/** 7 data bytes per TA LC (LC bytes 2–8), at most 4 LCs (header + 3 blocks) */
const TA_BYTES_PER_LC = 7;
const TA_MAX_LCS = 4;
/** bit errors tolerated when recognising the identity fragment B (as stream_rewriter.ts) */
const IDENTITY_MATCH_MAX_DISTANCE = 3;

export class TalkerAliasInserter {
  /** inserting in this stream (alias known, stream not yet showing its own embedded signalling) */
  active = false;
  /** for the frame last observed: write `fragment` into burst bits 116–147 of every copy */
  write = false;
  fragment = 0;
  /** the stream sent embedded LCs of its own (alias, GPS …): insertion stopped */
  yielded = false;
  /** alias superframes written so far (tests, counters) */
  inserted = 0;
  readonly #data = new Uint8Array(TA_MAX_LCS * TA_BYTES_PER_LC);
  readonly #lcs = new Uint8Array(TA_MAX_LCS * LC_BYTES);
  readonly #fragments = new Uint32Array(TA_MAX_LCS * 4);
  #count = 0;
  #next = 0;
  readonly #identity = new Uint8Array(LC_BYTES);
  readonly #identityFragments = new Uint32Array(4);
  readonly #scratch = new Uint8Array(LC_BYTES);
  readonly #assembler = new EmbeddedLcAssembler();
  /** superframe index (counted at each burst A; -1 before the first) and its decision */
  #superframe = -1;
  #decided = -1;
  #insertThis = false;

  /** Stop inserting (a stream without an alias, or opted out). */
  stop(): void {
    this.active = false;
    this.write = false;
  }

  /**
   * Start a stream whose first frame is `frame`: alias text "callsign firstName" (ISO-8859-1,
   * other characters as '?', cut at 27). Allocation-free. Returns `active`.
   */
  start(frame: DmrdFrame, callsign: string, firstName: string): boolean {
    this.write = false;
    this.yielded = false;
    this.inserted = 0;
    this.#superframe = -1;
    this.#decided = -1;
    this.#insertThis = false;
    this.#next = 0;
    this.#assembler.reset();
    const data = this.#data;
    data.fill(0);
    let length = 0;
    for (let i = 0; i < callsign.length && length < TA_MAX_CHARACTERS; i++) data[1 + length++] = latin1(callsign.charCodeAt(i));
    if (firstName.length > 0 && length > 0 && length < TA_MAX_CHARACTERS) data[1 + length++] = 0x20;
    for (let i = 0; i < firstName.length && length < TA_MAX_CHARACTERS; i++) data[1 + length++] = latin1(firstName.charCodeAt(i));
    if (length === 0) {
      this.active = false;
      return false;
    }
    // header data byte 0: format(2) ‖ length(5) ‖ 1 data bit (0 for formats 1–3)
    data[0] = (TA_FORMAT_ISO_8859_1 << 6) | (length << 1);
    this.#count = Math.ceil((1 + length) / TA_BYTES_PER_LC);
    for (let n = 0; n < this.#count; n++) {
      const o = n * LC_BYTES;
      this.#lcs[o] = Flco.TalkerAliasHeader + n;
      this.#lcs[o + 1] = 0; // FID 0
      for (let i = 0; i < TA_BYTES_PER_LC; i++) this.#lcs[o + 2 + i] = data[n * TA_BYTES_PER_LC + i]!;
      encodeEmbeddedLc(this.#lcs, o, this.#fragments, 4 * n);
    }
    // identity LC seeded from the DMRD fields until a header or embedded LC says otherwise
    writeLc(this.#identity, 0, 0, frame.callType === CallType.Unit ? Flco.UnitToUnitVoice : Flco.GroupVoice, 0, 0, frame.destinationId, frame.sourceId);
    encodeEmbeddedLc(this.#identity, 0, this.#identityFragments, 0);
    this.active = true;
    this.#learnHeader(frame);
    return true;
  }

  /** Number of TA LCs the alias takes (1–4). */
  get lcCount(): number {
    return this.#count;
  }

  /** Decide for one inbound frame whether its copies carry an alias fragment. Allocation-free. */
  observe(frame: DmrdFrame): void {
    this.write = false;
    if (!this.active) return;
    const frameType = frame.frameType;
    if (frameType === FrameType.DataSync) {
      this.#learnHeader(frame);
      return;
    }
    const bytes = frame.bytes;
    const sequence = frameType === FrameType.VoiceSync ? 0 : frame.dataType;
    if (sequence === 0) this.#superframe++;
    // what the caller sends itself
    const result = this.#assembler.push(bytes, DMRD_PAYLOAD_OFFSET, sequence);
    if (result === AssemblerResult.Valid) {
      const lc = this.#assembler.lc;
      if (isIdentityFlco(lcFlco(lc, 0))) this.#setIdentity(lc);
      else this.yielded = true;
    }
    if (this.yielded || sequence < 1 || sequence > 4 || this.#superframe < 0) return;
    if (sequence === 1) {
      this.#decided = this.#superframe;
      this.#insertThis =
        (this.#superframe & 1) === 1 &&
        popcount32(readEmbeddedFragment(bytes, DMRD_PAYLOAD_OFFSET) ^ this.#identityFragments[0]!) <= IDENTITY_MATCH_MAX_DISTANCE;
    } else if (this.#decided !== this.#superframe) {
      return; // burst B of this superframe was lost: leave it alone
    }
    if (!this.#insertThis) return;
    this.write = true;
    this.fragment = this.#fragments[4 * this.#next + sequence - 1]!;
    if (sequence === 4) {
      this.inserted++;
      this.#next = this.#next + 1 === this.#count ? 0 : this.#next + 1;
    }
  }

  #learnHeader(frame: DmrdFrame): void {
    if (frame.frameType !== FrameType.DataSync || frame.dataType !== DataType.VoiceLcHeader) return;
    if (frame.bytes.length < DMRD_PAYLOAD_OFFSET + 33) return;
    if (decodeFullLc(frame.bytes, DMRD_PAYLOAD_OFFSET, RS_MASK_VOICE_HEADER, this.#scratch, 0) === FullLcStatus.Invalid) return;
    if (isIdentityFlco(lcFlco(this.#scratch, 0))) this.#setIdentity(this.#scratch);
  }

  #setIdentity(lc: Uint8Array): void {
    let same = true;
    for (let i = 0; i < LC_BYTES; i++) if (this.#identity[i] !== lc[i]) same = false;
    if (same) return;
    for (let i = 0; i < LC_BYTES; i++) this.#identity[i] = lc[i]!;
    encodeEmbeddedLc(this.#identity, 0, this.#identityFragments, 0);
  }
}

/** ISO-8859-1 code of a UTF-16 unit; anything outside it becomes '?'. */
function latin1(code: number): number {
  return code >= 0x20 && code <= 0xff && (code < 0x7f || code >= 0xa0) ? code : 0x3f;
}

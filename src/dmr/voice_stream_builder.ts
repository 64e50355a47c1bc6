/**
 * Builds voice streams freedmr sends itself (parrot replies, announcements) as complete 55-byte
 * DMRD frames, with the same codecs the rewriter uses: a voice LC header, superframes A–F (voice
 * sync in A; EMB + embedded LC fragments in B–E; null fragment with LCSS 0 in F) around given AMBE
 * bursts or AMBE silence, and a terminator with LC (hbp-and-dmr.md §2.2, §2.8, §5.2).
 *
 *   const builder = new VoiceStreamBuilder();
 *   builder.start({ sourceId, destinationId, repeaterId, slot, callType, streamId, colourCode });
 *   builder.writeHeader(buffer);                 // 55 bytes each, into caller-owned buffers
 *   builder.writeVoice(buffer);                  // A, B, C, D, E, F, A, … (silence)
 *   builder.writeVoice(buffer, ambe27, offset);  // or with 3 AMBE frames (27 bytes)
 *   builder.writeTerminator(buffer);
 *
 * Embedded LCs rotate per superframe: identity LC, then each talker-alias LC given to
 * setTalkerAlias, then the identity LC again, … (as radios do). Sequence numbers count up from
 * `firstSequence` (default 0) per frame written. After start(), writing frames does not allocate.
 * @module
 */

import { CallType, DMRD_LENGTH, DMRD_PAYLOAD_OFFSET, DataType, FrameType, dmrdFlags, writeUint24, writeUint32 } from "../wire/dmrd.ts";
import { AMBE_SILENCE_BURST, writeAmbe } from "./ambe_silence.ts";
import { LCSS_OF_BURST, encodeEmb } from "./emb.ts";
import { encodeEmbeddedLc, writeEmbeddedFragment } from "./embedded_lc.ts";
import { Flco, LC_BYTES, encodeFullLc, writeLc } from "./full_lc.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER } from "./rs_12_9.ts";
import { encodeSlotType } from "./slot_type.ts";
import { SyncPattern, writeSync } from "./sync.ts";
import { encodeTalkerAlias, type TalkerAliasFormat } from "./talker_alias.ts";

export interface VoiceStreamParams {
  sourceId: number;
  destinationId: number;
  repeaterId: number;
  slot: 1 | 2;
  callType: CallType;
  streamId: number;
  colourCode: number;
  /** base-station (duplex repeater) or mobile-station (simplex hotspot) syncs; default BS */
  msSync?: boolean;
  /** LC options (default 0) */
  protectFlag?: number;
  fid?: number;
  serviceOptions?: number;
  /** sequence number of the first frame (default 0) */
  firstSequence?: number;
}

/** DMRD tag 'DMRD' */
const DMRD_TAG = [0x44, 0x4d, 0x52, 0x44] as const;
/** at most: identity + TA header + 3 TA blocks */
const MAX_EMBEDDED_LCS = 5;

export class VoiceStreamBuilder {
  readonly lc = new Uint8Array(LC_BYTES);
  #sequence = 0;
  /** next voice burst: 0 = A … 5 = F */
  #burst = 0;
  #superframe = 0;
  #sourceId = 0;
  #destinationId = 0;
  #repeaterId = 0;
  #slot: 1 | 2 = 1;
  #callType: CallType = CallType.Group;
  #streamId = 0;
  #colourCode = 0;
  #ms = false;
  /** embedded LCs in rotation (identity first), 4 fragments each */
  readonly #fragments = new Uint32Array(4 * MAX_EMBEDDED_LCS);
  #embeddedCount = 1;
  readonly #header = new Uint8Array(33);
  readonly #terminator = new Uint8Array(33);
  readonly #taLcs = new Uint8Array(4 * LC_BYTES);

  start(params: VoiceStreamParams): void {
    this.#sourceId = params.sourceId;
    this.#destinationId = params.destinationId;
    this.#repeaterId = params.repeaterId;
    this.#slot = params.slot;
    this.#callType = params.callType;
    this.#streamId = params.streamId;
    this.#colourCode = params.colourCode;
    this.#ms = params.msSync === true;
    this.#sequence = params.firstSequence ?? 0;
    this.#burst = 0;
    this.#superframe = 0;
    const flco = params.callType === CallType.Unit ? Flco.UnitToUnitVoice : Flco.GroupVoice;
    writeLc(this.lc, 0, params.protectFlag ?? 0, flco, params.fid ?? 0, params.serviceOptions ?? 0, params.destinationId, params.sourceId);
    encodeEmbeddedLc(this.lc, 0, this.#fragments, 0);
    this.#embeddedCount = 1;
    const dataSync = this.#ms ? SyncPattern.MsData : SyncPattern.BsData;
    for (const [burst, mask, dataType] of [
      [this.#header, RS_MASK_VOICE_HEADER, DataType.VoiceLcHeader],
      [this.#terminator, RS_MASK_TERMINATOR, DataType.TerminatorWithLc],
    ] as const) {
      burst.fill(0);
      encodeFullLc(this.lc, 0, mask, burst, 0);
      encodeSlotType(burst, 0, this.#colourCode, dataType);
      writeSync(burst, 0, dataSync);
    }
  }

  /** Carry a talker alias in the embedded LCs of the superframes after the first (rotation). */
  setTalkerAlias(text: string, format: TalkerAliasFormat): void {
    const count = encodeTalkerAlias(text, format, this.#taLcs);
    for (let i = 0; i < count; i++) encodeEmbeddedLc(this.#taLcs, LC_BYTES * i, this.#fragments, 4 * (i + 1));
    this.#embeddedCount = 1 + count;
  }

  /** Carry arbitrary extra embedded LCs (e.g. a GPS LC) in rotation after the identity LC. */
  setExtraEmbeddedLcs(lcs: Uint8Array, count: number): void {
    const n = Math.min(count, MAX_EMBEDDED_LCS - 1);
    for (let i = 0; i < n; i++) encodeEmbeddedLc(lcs, LC_BYTES * i, this.#fragments, 4 * (i + 1));
    this.#embeddedCount = 1 + n;
  }

  get sequence(): number {
    return this.#sequence;
  }

  #writeDmrd(out: Uint8Array, offset: number, frameType: FrameType, dataType: number): void {
    out[offset] = DMRD_TAG[0];
    out[offset + 1] = DMRD_TAG[1];
    out[offset + 2] = DMRD_TAG[2];
    out[offset + 3] = DMRD_TAG[3];
    out[offset + 4] = this.#sequence & 0xff;
    this.#sequence = (this.#sequence + 1) & 0xff;
    writeUint24(out, offset + 5, this.#sourceId);
    writeUint24(out, offset + 8, this.#destinationId);
    writeUint32(out, offset + 11, this.#repeaterId);
    out[offset + 15] = dmrdFlags(this.#slot, this.#callType, frameType, dataType);
    writeUint32(out, offset + 16, this.#streamId);
    out[offset + 53] = 0; // BER
    out[offset + 54] = 0; // RSSI
  }

  /** Voice LC header (may be written more than once, as MMDVMHost repeats it). Returns 55. */
  writeHeader(out: Uint8Array, offset = 0): number {
    this.#writeDmrd(out, offset, FrameType.DataSync, DataType.VoiceLcHeader);
    out.set(this.#header, offset + DMRD_PAYLOAD_OFFSET);
    return DMRD_LENGTH;
  }

  /** Terminator with LC. Returns 55. */
  writeTerminator(out: Uint8Array, offset = 0): number {
    this.#writeDmrd(out, offset, FrameType.DataSync, DataType.TerminatorWithLc);
    out.set(this.#terminator, offset + DMRD_PAYLOAD_OFFSET);
    return DMRD_LENGTH;
  }

  /**
   * The next voice burst (A, B, … F, A, …) carrying 3 AMBE frames (27 bytes at ambe[ambeOffset..];
   * default AMBE silence). Returns 55.
   */
  writeVoice(out: Uint8Array, offset = 0, ambe: Uint8Array = AMBE_SILENCE_BURST, ambeOffset = 0): number {
    const burst = this.#burst;
    const payload = offset + DMRD_PAYLOAD_OFFSET;
    if (burst === 0) {
      this.#writeDmrd(out, offset, FrameType.VoiceSync, 0);
      writeSync(out, payload, this.#ms ? SyncPattern.MsVoice : SyncPattern.BsVoice);
    } else {
      this.#writeDmrd(out, offset, FrameType.Voice, burst);
      encodeEmb(out, payload, this.#colourCode, 0, LCSS_OF_BURST[burst]!);
      const lcIndex = this.#superframe % this.#embeddedCount;
      writeEmbeddedFragment(out, payload, burst <= 4 ? this.#fragments[4 * lcIndex + burst - 1]! : 0);
    }
    writeAmbe(ambe, ambeOffset, out, payload);
    if (burst === 5) {
      this.#burst = 0;
      this.#superframe++;
    } else {
      this.#burst = burst + 1;
    }
    return DMRD_LENGTH;
  }
}

/**
 * Stream rewriting: deliver a voice or data stream under another destination (dial-a-TG 9 ↔ N,
 * bridges joining different TG numbers, group ↔ unit) with the link control inside the bursts
 * rewritten exactly (hbp-and-dmr.md §2.10, pitfall §6.8). Radios and MMDVMHost trust the LC in the
 * 33-byte burst, not the DMRD header.
 *
 * ## API for the routing core
 *
 *   const source = new SourceLc();            // one per inbound stream (reuse across streams)
 *   source.reset(frame);                      // at stream start: LC seeded from DMRD fields
 *   source.observe(frame);                    // every inbound frame; true = LC changed
 *
 *   const rewrite = new LcRewrite();          // one per (inbound stream, target dst + call type)
 *   rewrite.prepare(source, destinationId, callType);   // once; allocation-free
 *   copyDmrdTo55(frame.bytes, target); ...patch repeater id / slot bit...
 *   rewrite.apply(frame, target);             // per packet: in place, allocation-free
 *
 * `observe` must run before `apply` for the same frame. `apply` notices by itself when the source
 * LC changed since `prepare` (it compares `source.version`) and re-prepares in place at the next
 * superframe boundary (never between bursts B and E, so a superframe is never spliced from two
 * LCs); calling `prepare` again with the same arguments is a no-op, so it is optional. Call
 * `release()` (or prepare with another source) when the LcRewrite is reused for a new stream.
 * Calling `apply` when the destination did not change is harmless: when the rewritten LC equals
 * the source LC no burst bit is touched.
 *
 * ## What `apply` does (frame = decoded inbound DmrdFrame, target = its 55-byte egress copy)
 *
 *  - DMRD bytes 8–10 = destinationId, flag bit 6 = call type. The slot is DMRD flag bit 7 only
 *    (nothing in the burst encodes it; use `setDmrdSlot`).
 *  - Voice LC header (DT 1) / terminator (DT 2): the 196 BPTC bits are replaced by the precomputed
 *    ones (RS mask 0x96 / 0x99); burst bits 98–165 (slot type, sync) are kept.
 *  - PI header (DT 0): if it carries an RS-valid voice LC (DMR+ sends its voice header labelled
 *    DT 0, see SOURCES.md) it is rewritten like a header; a real privacy (encryption) header is left
 *    untouched — its key association is the sender's business and MMDVMHost passes it through.
 *  - Voice bursts B–E: the decision is taken once per superframe, at burst B, without holding any
 *    burst back (FLCO is only known after burst C): when B's 32 embedded bits are within
 *    FRAGMENT_MATCH_MAX_DISTANCE bits of fragment B of the ORIGINAL identity LC, B, C, D and E of
 *    that superframe all get the fragments of the new LC; otherwise all four are left untouched.
 *    Talker-alias and GPS embedded LCs (FLCO 4–8) therefore pass byte-identical, and a superframe is
 *    never spliced from two LCs (which would make it invalid: the real captures contain an LC that
 *    changes mid-stream from TG 4404 to 4400, whose fragment B still matches). If burst B of a
 *    superframe was lost, the first of C–E that arrives decides the same way. Burst F (null / RC
 *    fragment) and burst A (sync) are never touched.
 *  - CSBK (DT 3): destination (bytes 4–6) and the preamble's group bit rewritten, CRC ⊕ 0xA5A5.
 *    Data header (DT 6): destination (bytes 2–4) and G/I, CRC ⊕ 0xCCCC. Invalid CRCs are left
 *    untouched. Data blocks (DT 7/8/10), idle, MBC: never touched.
 *  - AMBE bits are never touched.
 *
 * Late entry: without a header the source LC is seeded from the DMRD fields (FLCO 0/3 by call type,
 * FID 0, service options 0); the first complete valid identity embedded LC replaces it (observe
 * returns true), and rewrites follow it from the next superframe on.
 *
 * Streams freedmr generates itself use VoiceStreamBuilder (voice_stream_builder.ts). To check what
 * a receiver gets (tests), feed the egress datagrams to StreamInspector (stream_inspector.ts):
 * header/terminator LCs, every embedded LC set, talker aliases, GPS, slot type / EMB validity;
 * decodeBurstFullLc / decodeFragments / dmrdEmbeddedFragment decode single bursts.
 *
 * Cost (bench/dmr_rewrite.bench.ts, x64): apply ≈ 8–10 ns per packet, 0 allocations; set-up
 * (reset + observe(header) + prepare) ≈ 0.75 µs per stream and target.
 * @module
 */

import { CallType, DMRD_OFFSET_DESTINATION, DMRD_OFFSET_FLAGS, DMRD_PAYLOAD_OFFSET, DataType, FLAG_CALL_UNIT, FLAG_SLOT_TS2, FrameType, type DmrdFrame } from "../wire/dmrd.ts";
import { popcount32 } from "./bits.ts";
import { AddressRewrite, rewriteCsbkDestination } from "./csbk.ts";
import { rewriteDataHeaderDestination } from "./data_header.ts";
import { AssemblerResult, EmbeddedLcAssembler, encodeEmbeddedLc, readEmbeddedFragment, writeEmbeddedFragment } from "./embedded_lc.ts";
import { Flco, FullLcStatus, LC_BYTES, decodeFullLc, encodeFullLc, isIdentityFlco, lcFlco, writeLc } from "./full_lc.ts";
import { FLCO_GPS_INFO, GpsPosition, decodeGpsLc } from "./gps.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER } from "./rs_12_9.ts";
import { TalkerAliasAssembler } from "./talker_alias.ts";

/**
 * A received B–E fragment within this many bit errors of the original identity fragment is treated
 * as the identity fragment. Network traffic is regenerated by MMDVMHost (0 errors); 3 keeps the
 * replacement working across a few bit errors while TA/GPS fragments of the real captures stay at
 * distance ≥ 6 (measured in test/dmr/stream_rewriter_captures.test.ts).
 */
export const FRAGMENT_MATCH_MAX_DISTANCE = 3;

export const enum LcOrigin {
  /** seeded from the DMRD header fields (no LC seen yet) */
  Dmrd = 0,
  /** RS-valid voice LC header (or PI-labelled header, or terminator) */
  Header = 1,
  /** first complete valid identity embedded LC (late entry) */
  Embedded = 2,
}

/** `SourceLc.changes` bits, set by each `observe` */
export const SOURCE_CHANGED_LC = 1;
export const SOURCE_CHANGED_TALKER_ALIAS = 2;
export const SOURCE_CHANGED_GPS = 4;

/** Group or unit FLCO for a call type (ETSI TS 102 361-2 Table 7.1) */
function flcoOfCallType(callType: CallType): number {
  return callType === CallType.Unit ? Flco.UnitToUnitVoice : Flco.GroupVoice;
}

/** The LC of one inbound stream, and what rides along with it (talker alias, GPS). */
export class SourceLc {
  /** the identity LC (9 bytes) the stream carries */
  readonly lc = new Uint8Array(LC_BYTES);
  origin: LcOrigin = LcOrigin.Dmrd;
  /** incremented whenever `lc` changes */
  version = 0;
  /** incremented by every reset(): a new stream */
  epoch = 0;
  /** SOURCE_CHANGED_* bits of the last observe() */
  changes = 0;
  readonly talkerAlias = new TalkerAliasAssembler();
  /** talkerAlias.complete, mirrored here whenever the alias changes (a router checks it for every frame) */
  talkerAliasComplete = false;
  readonly gps = new GpsPosition();
  hasGps = false;
  /** embedded LC sets seen: valid, failing checks, missing a fragment */
  embeddedValid = 0;
  embeddedInvalid = 0;
  embeddedIncomplete = 0;
  readonly #assembler = new EmbeddedLcAssembler();
  readonly #scratch = new Uint8Array(LC_BYTES);

  /** Start a stream: LC from the DMRD fields (FLCO by call type, FID 0, service options 0). */
  reset(frame: DmrdFrame): void {
    writeLc(this.lc, 0, 0, flcoOfCallType(frame.callType), 0, 0, frame.destinationId, frame.sourceId);
    this.origin = LcOrigin.Dmrd;
    this.version++;
    this.epoch++;
    this.changes = SOURCE_CHANGED_LC;
    this.talkerAlias.reset();
    this.talkerAliasComplete = false;
    this.hasGps = false;
    this.embeddedValid = 0;
    this.embeddedInvalid = 0;
    this.embeddedIncomplete = 0;
    this.#assembler.reset();
  }

  /** Learn from one inbound frame. Returns true when the identity LC changed. Never throws. */
  observe(frame: DmrdFrame): boolean {
    this.changes = 0;
    const bytes = frame.bytes;
    if (bytes.length < DMRD_PAYLOAD_OFFSET + 33) return false;
    if (frame.frameType === FrameType.DataSync) {
      const dataType = frame.dataType;
      if (dataType === DataType.VoiceLcHeader || dataType === DataType.PiHeader) {
        if (decodeFullLc(bytes, DMRD_PAYLOAD_OFFSET, RS_MASK_VOICE_HEADER, this.#scratch, 0) !== FullLcStatus.Invalid) {
          this.#learnFullLc(LcOrigin.Header);
        }
      } else if (dataType === DataType.TerminatorWithLc) {
        if (decodeFullLc(bytes, DMRD_PAYLOAD_OFFSET, RS_MASK_TERMINATOR, this.#scratch, 0) !== FullLcStatus.Invalid) {
          this.#learnFullLc(LcOrigin.Header);
        }
      }
    } else {
      const result = this.#assembler.push(bytes, DMRD_PAYLOAD_OFFSET, frame.frameType === FrameType.VoiceSync ? 0 : frame.dataType);
      if (result === AssemblerResult.Valid) {
        this.embeddedValid++;
        const lc = this.#assembler.lc;
        for (let i = 0; i < LC_BYTES; i++) this.#scratch[i] = lc[i]!;
        this.#learnFullLc(LcOrigin.Embedded);
      } else if (result === AssemblerResult.Invalid) {
        this.embeddedInvalid++;
      } else if (result === AssemblerResult.Incomplete) {
        this.embeddedIncomplete++;
      }
    }
    return (this.changes & SOURCE_CHANGED_LC) !== 0;
  }

  /** A valid LC is in #scratch: identity → adopt, TA → alias, GPS → position. */
  #learnFullLc(origin: LcOrigin): void {
    const scratch = this.#scratch;
    const flco = lcFlco(scratch, 0);
    if (isIdentityFlco(flco)) {
      let same = true;
      for (let i = 0; i < LC_BYTES; i++) if (this.lc[i] !== scratch[i]) same = false;
      if (!same) {
        this.lc.set(scratch);
        this.version++;
        this.changes |= SOURCE_CHANGED_LC;
      }
      if (this.origin === LcOrigin.Dmrd || origin === LcOrigin.Header || !same) this.origin = origin;
    } else if (flco === FLCO_GPS_INFO) {
      if (decodeGpsLc(scratch, 0, this.gps)) {
        this.hasGps = true;
        this.changes |= SOURCE_CHANGED_GPS;
      }
    } else if (this.talkerAlias.addLc(scratch, 0)) {
      this.talkerAliasComplete = this.talkerAlias.complete;
      this.changes |= SOURCE_CHANGED_TALKER_ALIAS;
    }
  }

  get destinationId(): number {
    return (this.lc[3]! << 16) | (this.lc[4]! << 8) | this.lc[5]!;
  }
  get sourceId(): number {
    return (this.lc[6]! << 16) | (this.lc[7]! << 8) | this.lc[8]!;
  }
}

/** Header / terminator: burst bytes fully inside the BPTC bits (0–95 and 168–263) */
const BPTC_HEAD_BYTES = 12;
const BPTC_TAIL_FIRST_BYTE = 21;
const BURST_BYTES = 33;
/** byte 12: bits 96–97 BPTC, 98–103 slot type; byte 20: bits 160–165 slot type, 166–167 BPTC */
const BYTE12_BPTC_MASK = 0xc0;
const BYTE20_BPTC_MASK = 0x03;

const enum SuperframeMatch {
  Unknown = 0,
  Identity = 1,
  Other = 2,
}

/** Outcome of one apply(), for counters. */
export const enum RewriteResult {
  /** rewritten (or nothing in the burst needed it) */
  Ok = 0,
  /** a CSBK / data header with a bad CRC or no address: passed on with only DMRD fields changed */
  Untouched = 1,
}

/** Precomputed rewrite of one inbound stream towards one destination + call type. */
export class LcRewrite {
  destinationId = 0;
  callType: CallType = CallType.Group;
  /** the LC the egress stream carries */
  readonly lc = new Uint8Array(LC_BYTES);
  /** false when the rewritten LC equals the source LC (bursts need no change) */
  rewritesBursts = false;
  readonly #header = new Uint8Array(BURST_BYTES);
  readonly #terminator = new Uint8Array(BURST_BYTES);
  readonly #fragments = new Uint32Array(4);
  readonly #originalFragments = new Uint32Array(4);
  #source: SourceLc | null = null;
  #sourceVersion = -1;
  #sourceEpoch = -1;
  #superframe: SuperframeMatch = SuperframeMatch.Unknown;

  /**
   * Precompute everything for `source` → (destinationId, callType). Allocation-free. Calling it
   * again with the same source and target only schedules a refresh (taken at the next superframe
   * boundary), so re-preparing after observe() returned true is safe mid-superframe.
   */
  prepare(source: SourceLc, destinationId: number, callType: CallType): void {
    const target = destinationId & 0xffffff;
    if (source === this.#source && source.epoch === this.#sourceEpoch && target === this.destinationId && callType === this.callType) return;
    this.#source = source;
    this.destinationId = target;
    this.callType = callType;
    this.#superframe = SuperframeMatch.Unknown;
    this.#refresh(source);
  }

  /** Forget the source (e.g. when the stream ends) so that the next prepare() starts afresh. */
  release(): void {
    this.#source = null;
    this.#sourceVersion = -1;
    this.#sourceEpoch = -1;
  }

  #refresh(source: SourceLc): void {
    this.#sourceVersion = source.version;
    this.#sourceEpoch = source.epoch;
    const original = source.lc;
    const lc = this.lc;
    lc.set(original);
    const flco = lcFlco(original, 0);
    if (isIdentityFlco(flco)) lc[0] = (original[0]! & 0xc0) | flcoOfCallType(this.callType);
    lc[3] = (this.destinationId >>> 16) & 0xff;
    lc[4] = (this.destinationId >>> 8) & 0xff;
    lc[5] = this.destinationId & 0xff;
    let same = true;
    for (let i = 0; i < LC_BYTES; i++) if (lc[i] !== original[i]) same = false;
    this.rewritesBursts = !same;
    this.#header.fill(0);
    this.#terminator.fill(0);
    encodeFullLc(lc, 0, RS_MASK_VOICE_HEADER, this.#header, 0);
    encodeFullLc(lc, 0, RS_MASK_TERMINATOR, this.#terminator, 0);
    encodeEmbeddedLc(lc, 0, this.#fragments, 0);
    encodeEmbeddedLc(original, 0, this.#originalFragments, 0);
  }

  /**
   * Rewrite the 55-byte egress copy `target` of inbound `frame` in place. Allocation-free: copies of
   * precomputed bits (CSBK / data headers, one per data call, are re-encoded in scratch space).
   */
  apply(frame: DmrdFrame, target: Uint8Array): RewriteResult {
    const frameType = frame.frameType;
    // voice sequence 1..4 = bursts B..E; their fragments must come from one LC per superframe, so a
    // changed source LC is only taken up at B, at a superframe boundary or at a data-sync burst
    const position = frameType === FrameType.Voice ? frame.dataType - 1 : -1;
    const source = this.#source;
    if (source !== null && source.version !== this.#sourceVersion) {
      if (source.epoch !== this.#sourceEpoch) {
        // the SourceLc was reset for a new stream: start afresh whatever the burst
        this.#superframe = SuperframeMatch.Unknown;
        this.#refresh(source);
      } else if (position <= 0 || position > 3) {
        this.#refresh(source);
      }
    }
    const destinationId = this.destinationId;
    target[DMRD_OFFSET_DESTINATION] = (destinationId >>> 16) & 0xff;
    target[DMRD_OFFSET_DESTINATION + 1] = (destinationId >>> 8) & 0xff;
    target[DMRD_OFFSET_DESTINATION + 2] = destinationId & 0xff;
    const flags = target[DMRD_OFFSET_FLAGS]!;
    target[DMRD_OFFSET_FLAGS] = this.callType === CallType.Unit ? flags | FLAG_CALL_UNIT : flags & ~FLAG_CALL_UNIT;
    if (frameType === FrameType.VoiceSync) {
      this.#superframe = SuperframeMatch.Unknown;
      return RewriteResult.Ok;
    }
    if (frameType === FrameType.Voice) {
      if (position < 0 || position > 3) {
        this.#superframe = SuperframeMatch.Unknown;
        return RewriteResult.Ok;
      }
      let state = position === 0 ? SuperframeMatch.Unknown : this.#superframe;
      if (state === SuperframeMatch.Unknown) {
        const fragment = readEmbeddedFragment(target, DMRD_PAYLOAD_OFFSET);
        state = popcount32(fragment ^ this.#originalFragments[position]!) <= FRAGMENT_MATCH_MAX_DISTANCE ? SuperframeMatch.Identity : SuperframeMatch.Other;
        this.#superframe = state;
      }
      if (state === SuperframeMatch.Identity && this.rewritesBursts) writeEmbeddedFragment(target, DMRD_PAYLOAD_OFFSET, this.#fragments[position]!);
      return RewriteResult.Ok;
    }
    // data sync
    switch (frame.dataType) {
      case DataType.VoiceLcHeader:
        if (this.rewritesBursts) copyBptcBits(this.#header, target);
        return RewriteResult.Ok;
      case DataType.TerminatorWithLc:
        if (this.rewritesBursts) copyBptcBits(this.#terminator, target);
        return RewriteResult.Ok;
      case DataType.PiHeader:
        if (this.rewritesBursts && decodeFullLc(target, DMRD_PAYLOAD_OFFSET, RS_MASK_VOICE_HEADER, piScratch, 0) !== FullLcStatus.Invalid) {
          copyBptcBits(this.#header, target);
        }
        return RewriteResult.Ok;
      case DataType.Csbk:
        return rewriteCsbkDestination(target, DMRD_PAYLOAD_OFFSET, destinationId, this.callType === CallType.Group) === AddressRewrite.Rewritten
          ? RewriteResult.Ok
          : RewriteResult.Untouched;
      case DataType.DataHeader:
        return rewriteDataHeaderDestination(target, DMRD_PAYLOAD_OFFSET, destinationId, this.callType === CallType.Group) === AddressRewrite.Rewritten
          ? RewriteResult.Ok
          : RewriteResult.Untouched;
      default:
        return RewriteResult.Ok;
    }
  }
}

const piScratch = new Uint8Array(LC_BYTES);

/** Copy the 196 BPTC bits of a precomputed burst image into the DMRD at target (payload at 20). */
function copyBptcBits(image: Uint8Array, target: Uint8Array): void {
  const o = DMRD_PAYLOAD_OFFSET;
  for (let i = 0; i < BPTC_HEAD_BYTES; i++) target[o + i] = image[i]!;
  target[o + 12] = (target[o + 12]! & ~BYTE12_BPTC_MASK) | image[12]!;
  target[o + 20] = (target[o + 20]! & ~BYTE20_BPTC_MASK) | image[20]!;
  for (let i = BPTC_TAIL_FIRST_BYTE; i < BURST_BYTES; i++) target[o + i] = image[i]!;
}

/** Move a DMRD to another slot: flag bit 7 only (hbp-and-dmr.md §2.1). */
export function setDmrdSlot(target: Uint8Array, slot: 1 | 2): void {
  const flags = target[DMRD_OFFSET_FLAGS]!;
  target[DMRD_OFFSET_FLAGS] = slot === 2 ? flags | FLAG_SLOT_TS2 : flags & ~FLAG_SLOT_TS2;
}

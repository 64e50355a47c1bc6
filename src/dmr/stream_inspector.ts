/**
 * Decoding helpers for tests, tools and logs (not the packet path: they allocate). Feed received
 * DMRD datagrams to a StreamInspector and read back what a radio would see: header and terminator
 * LCs, every embedded LC set of bursts B–E, the talker alias, GPS, slot types and EMBs.
 *
 *   const inspector = new StreamInspector();
 *   for (const datagram of received) inspector.push(datagram);
 *   inspector.headers[0]?.destinationId; inspector.embedded.every((e) => e.valid); inspector.talkerAlias;
 * @module
 */

import { DMRD_PAYLOAD_OFFSET, DataType, DmrdFrame, DmrdStatus, FrameType, decodeDmrd } from "../wire/dmrd.ts";
import { Emb, LCSS_OF_BURST, decodeEmb } from "./emb.ts";
import { AssemblerResult, EmbeddedLcAssembler, decodeEmbeddedLc, isEmbeddedLcValid, readEmbeddedFragment, type EmbeddedLcStatus } from "./embedded_lc.ts";
import { FullLcStatus, LinkControl, decodeFullLc, lcFlco, isIdentityFlco } from "./full_lc.ts";
import { GpsPosition, decodeGpsLc } from "./gps.ts";
import { RS_MASK_TERMINATOR, RS_MASK_VOICE_HEADER } from "./rs_12_9.ts";
import { SlotType, decodeSlotType } from "./slot_type.ts";
import { TalkerAliasAssembler } from "./talker_alias.ts";
import { toHex } from "../lib/hex.ts";

export interface DecodedFullLc {
  valid: boolean;
  status: FullLcStatus;
  /** the 9 LC bytes, hex */
  hex: string;
  pf: number;
  flco: number;
  fid: number;
  serviceOptions: number;
  destinationId: number;
  sourceId: number;
}

function describe(lc: Uint8Array, status: FullLcStatus, valid: boolean): DecodedFullLc {
  const f = new LinkControl().read(lc, 0);
  return { valid, status, hex: toHex(lc), pf: f.pf, flco: f.flco, fid: f.fid, serviceOptions: f.serviceOptions, destinationId: f.destinationId, sourceId: f.sourceId };
}

/**
 * Decode the full LC of a 33-byte burst at burst[offset..] (offset 20 for a DMRD datagram) with the
 * RS mask of `dataType` (1 header, 2 terminator; 0 = PI header tried with the header mask).
 */
export function decodeBurstFullLc(burst: Uint8Array, offset: number, dataType: number): DecodedFullLc {
  const lc = new Uint8Array(9);
  const status = decodeFullLc(burst, offset, dataType === DataType.TerminatorWithLc ? RS_MASK_TERMINATOR : RS_MASK_VOICE_HEADER, lc, 0);
  return describe(lc, status, status !== FullLcStatus.Invalid);
}

/** Decode an embedded LC from four 32-bit fragments (B, C, D, E). */
export function decodeFragments(b: number, c: number, d: number, e: number): DecodedFullLc & { embeddedStatus: EmbeddedLcStatus } {
  const lc = new Uint8Array(9);
  const status = decodeEmbeddedLc(Uint32Array.of(b, c, d, e), 0, lc, 0);
  const valid = isEmbeddedLcValid(status);
  return { ...describe(lc, valid ? FullLcStatus.Valid : FullLcStatus.Invalid, valid), embeddedStatus: status };
}

/** The 32 embedded bits (burst bits 116–147) of a DMRD datagram's burst. */
export function dmrdEmbeddedFragment(datagram: Uint8Array): number {
  return readEmbeddedFragment(datagram, DMRD_PAYLOAD_OFFSET);
}

export interface InspectedEmbedded extends DecodedFullLc {
  /** sequence number of the DMRD that carried burst E */
  sequence: number;
  /** true for FLCO 0/3 */
  identity: boolean;
}

interface PerStream {
  readonly assembler: EmbeddedLcAssembler;
  readonly talkerAlias: TalkerAliasAssembler;
}

/**
 * Accumulates what a receiver decodes from a sequence of DMRD datagrams (one or more streams, told
 * apart by slot + stream id; embedded LCs and talker aliases are assembled per stream).
 */
export class StreamInspector {
  readonly headers: DecodedFullLc[] = [];
  readonly terminators: DecodedFullLc[] = [];
  /** PI-labelled bursts (DT 0), tried as voice LC with the header mask */
  readonly piHeaders: DecodedFullLc[] = [];
  /** every complete B–E set */
  readonly embedded: InspectedEmbedded[] = [];
  /** B–E sets that missed a burst */
  incompleteEmbedded = 0;
  slotTypesValid = 0;
  slotTypesInvalid = 0;
  embsValid = 0;
  embsInvalid = 0;
  /** EMBs whose LCSS did not match the burst position (B 1, C 3, D 3, E 2, F 0) */
  embLcssMismatch = 0;
  badDatagrams = 0;
  /** every alias completed, in order */
  readonly talkerAliases: string[] = [];
  /** completed aliases with the stream that carried them */
  readonly talkerAliasesByStream: { streamId: number; sourceId: number; text: string }[] = [];
  readonly gps: GpsPosition[] = [];
  readonly frame = new DmrdFrame();
  readonly #streams = new Map<string, PerStream>();
  #current: PerStream = { assembler: new EmbeddedLcAssembler(), talkerAlias: new TalkerAliasAssembler() };
  readonly #slotType = new SlotType();
  readonly #emb = new Emb();

  push(datagram: Uint8Array): void {
    const frame = this.frame;
    if (decodeDmrd(datagram, frame) !== DmrdStatus.Ok) {
      this.badDatagrams++;
      return;
    }
    const o = DMRD_PAYLOAD_OFFSET;
    const key = `${frame.slot}:${frame.streamId}`;
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      stream = { assembler: new EmbeddedLcAssembler(), talkerAlias: new TalkerAliasAssembler() };
      this.#streams.set(key, stream);
    }
    this.#current = stream;
    if (frame.frameType === FrameType.DataSync) {
      if (decodeSlotType(datagram, o, this.#slotType) && this.#slotType.dataType === frame.dataType) this.slotTypesValid++;
      else this.slotTypesInvalid++;
      if (frame.dataType === DataType.VoiceLcHeader) this.#full(this.headers, decodeBurstFullLc(datagram, o, DataType.VoiceLcHeader));
      else if (frame.dataType === DataType.TerminatorWithLc) this.#full(this.terminators, decodeBurstFullLc(datagram, o, DataType.TerminatorWithLc));
      else if (frame.dataType === DataType.PiHeader) this.#full(this.piHeaders, decodeBurstFullLc(datagram, o, DataType.PiHeader));
      return;
    }
    const sequence = frame.frameType === FrameType.VoiceSync ? 0 : frame.dataType;
    if (sequence >= 1 && sequence <= 5) {
      if (decodeEmb(datagram, o, this.#emb)) {
        this.embsValid++;
        if (this.#emb.lcss !== LCSS_OF_BURST[sequence]) this.embLcssMismatch++;
      } else {
        this.embsInvalid++;
      }
    }
    const result = stream.assembler.push(datagram, o, sequence);
    if (result === AssemblerResult.Incomplete) this.incompleteEmbedded++;
    else if (result === AssemblerResult.Valid || result === AssemblerResult.Invalid) {
      const valid = result === AssemblerResult.Valid;
      const lc = stream.assembler.lc;
      const d = describe(lc, valid ? FullLcStatus.Valid : FullLcStatus.Invalid, valid);
      this.embedded.push({ ...d, sequence: frame.sequence, identity: isIdentityFlco(lcFlco(lc, 0)) });
      if (valid) this.#learn(lc);
    }
  }

  #full(list: DecodedFullLc[], decoded: DecodedFullLc): void {
    list.push(decoded);
    if (decoded.valid && !isIdentityFlco(decoded.flco)) {
      const lc = new Uint8Array(9);
      for (let i = 0; i < 9; i++) lc[i] = Number.parseInt(decoded.hex.slice(2 * i, 2 * i + 2), 16);
      this.#learn(lc);
    }
  }

  #learn(lc: Uint8Array): void {
    const position = new GpsPosition();
    if (decodeGpsLc(lc, 0, position)) this.gps.push(position);
    else if (this.#current.talkerAlias.addLc(lc, 0)) {
      const text = this.#current.talkerAlias.text;
      this.talkerAliases.push(text);
      this.talkerAliasesByStream.push({ streamId: this.frame.streamId, sourceId: this.frame.sourceId, text });
    }
  }

  get identityEmbedded(): InspectedEmbedded[] {
    return this.embedded.filter((e) => e.valid && e.identity);
  }
}

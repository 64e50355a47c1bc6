/**
 * Paced voice-call generator for the benchmarks: back-to-back group calls (header, N superframes
 * of bursts A–F, terminator; hbp-and-dmr.md §2.2) with a fresh stream id per call and a 32-bit
 * frame index in the first AMBE bytes, written into a ring of reusable 55-byte buffers. With an
 * LC encoder (support/lc.ts: radio-like LC), bursts B–E also carry the call's embedded LC, as a
 * radio sends it every superframe (hbp-and-dmr.md §2.8); without one they carry filler there,
 * which freedmr's LC tracking decodes down the error-correcting path.
 * @module
 */
import { encodeEmbeddedLc, writeEmbeddedFragment } from "../../src/dmr/embedded_lc.ts";
import { Flco, LC_BYTES, writeLc } from "../../src/dmr/full_lc.ts";
import { CallType, DMRD_PAYLOAD_OFFSET } from "../../src/wire/dmrd.ts";
import { SimFrameKind, writeFrame, type FrameFields, type LcPayloadEncoder } from "../../test/sim/frames.ts";

export class CallFrameSource {
  private readonly ring: Uint8Array[];
  private ringIndex = 0;
  private positionInCall = 0;
  private sequence = 0;
  private streamId: number;
  /** frames produced so far; also the next frame's index (tag) */
  produced = 0;
  private readonly fields: FrameFields;
  /** the embedded LC's four fragments (bursts B–E), when the frames carry a radio-like LC */
  private readonly embedded: Uint32Array | null;

  constructor(
    readonly repeaterId: number,
    readonly sourceId: number,
    readonly talkgroupId: number,
    readonly slot: 1 | 2,
    readonly superframesPerCall: number,
    streamIdBase: number,
    private readonly tagBase: number,
    private readonly lc: LcPayloadEncoder | null = null,
    ringSize = 1024,
  ) {
    this.ring = Array.from({ length: ringSize }, () => new Uint8Array(55));
    this.embedded = lc === null ? null : new Uint32Array(4);
    if (this.embedded !== null) {
      // the call's group voice LC (FID 0, service options 0): hbp-and-dmr.md §2.7
      const identity = new Uint8Array(LC_BYTES);
      writeLc(identity, 0, 0, Flco.GroupVoice, 0, 0, talkgroupId, sourceId);
      encodeEmbeddedLc(identity, 0, this.embedded, 0);
    }
    this.streamId = streamIdBase >>> 0;
    this.fields = {
      sequence: 0,
      sourceId,
      destinationId: talkgroupId,
      repeaterId,
      slot,
      callType: CallType.Group,
      kind: SimFrameKind.Header,
      voiceIndex: 0,
      streamId: this.streamId,
      tag: 0,
    };
  }

  get framesPerCall(): number {
    return this.superframesPerCall * 6 + 2;
  }

  /** The next frame of the endless sequence of calls (the buffer is reused after ringSize frames). */
  next(): Uint8Array {
    const f = this.fields;
    const pos = this.positionInCall;
    const last = this.framesPerCall - 1;
    if (pos === 0) {
      f.kind = SimFrameKind.Header;
    } else if (pos === last) {
      f.kind = SimFrameKind.Terminator;
    } else {
      f.kind = SimFrameKind.Burst;
      f.voiceIndex = (pos - 1) % 6;
    }
    f.sequence = this.sequence;
    f.streamId = this.streamId;
    f.tag = (this.tagBase + this.produced) >>> 0;
    const buffer = this.ring[this.ringIndex]!;
    this.ringIndex = (this.ringIndex + 1) % this.ring.length;
    writeFrame(buffer, f, this.lc);
    if (this.embedded !== null && f.kind === SimFrameKind.Burst && f.voiceIndex >= 1 && f.voiceIndex <= 4) {
      writeEmbeddedFragment(buffer, DMRD_PAYLOAD_OFFSET, this.embedded[f.voiceIndex - 1]!);
    }
    this.produced++;
    this.sequence = (this.sequence + 1) & 0xff;
    this.positionInCall = pos === last ? 0 : pos + 1;
    if (pos === last) this.streamId = (this.streamId + 0x9e3779b1) >>> 0 || 1;
    return buffer;
  }
}

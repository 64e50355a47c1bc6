/**
 * Parrot (echo test, FreeDMR TG 9990, freedmr-reference.md §1.11): a group call to the parrot TG
 * is recorded and, `delayMs` after it ended, played back to the caller's port and slot with a new
 * stream id, one frame per `frameIntervalMs` (a burst is 60 ms, hbp-and-dmr.md §2.2). A playback
 * starts only when the caller's slot is free (one playback per slot at a time, never interleaved);
 * a recording without voice (a lone header) is not played at all. Recording
 * storage is allocated once at start-up: `maxConcurrent` recordings × `maxFrames` frames × 55 bytes.
 *
 * The router owns the pacing (onTick) and slot contention; this module holds the recordings and the
 * internal RouterPort the playback streams come from.
 * @module
 */
import type { Outbox } from "../../outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../../router_port.ts";
import { CallType, DMRD_LENGTH, DMRD_OFFSET_FLAGS } from "../../../wire/dmrd.ts";
import { VoiceStreamBuilder } from "../../../dmr/voice_stream_builder.ts";
import type { PortState, Stream } from "../state.ts";

export const enum RecordingState {
  Free = 0,
  Recording = 1,
  Waiting = 2,
  Playing = 3,
}

export class Recording {
  state: RecordingState = RecordingState.Free;
  ps: PortState | null = null;
  port: RouterPort | null = null;
  slot: Slot = 2;
  sourceId = 0;
  frameCount = 0;
  /** voice bursts recorded (a recording without any is not played back) */
  voiceFrames = 0;
  truncated = false;
  playAtMs = 0;
  nextFrameAtMs = 0;
  played = 0;
  skipped = 0;
  playbackStreamId = 0;
  readonly frames: Uint8Array;

  constructor(
    readonly index: number,
    maxFrames: number,
    /** the playback stream (owns the caller's slot while playing) */
    readonly playback: Stream,
  ) {
    this.frames = new Uint8Array(maxFrames * DMRD_LENGTH);
  }

  get maxFrames(): number {
    return this.frames.length / DMRD_LENGTH;
  }

  /** Start a recording of `sourceId` → `talkgroupId` (the builder can synthesise a header/terminator). */
  begin(sourceId: number, talkgroupId: number, slot: Slot, repeaterId: number): void {
    this.sourceId = sourceId;
    this.slot = slot;
    this.frameCount = 0;
    this.voiceFrames = 0;
    this.truncated = false;
    this.played = 0;
    this.skipped = 0;
    this.#builder.start({ sourceId, destinationId: talkgroupId, repeaterId, slot, callType: CallType.Group, streamId: 0, colourCode: 1 });
  }

  /**
   * Copy a 53/55-byte DMRD into the recording (BER/RSSI padded). A recording that starts without a
   * voice header (late entry) gets one synthesised first, so playback opens like a normal call.
   * False when full.
   */
  record(bytes: Uint8Array): boolean {
    if (this.frameCount === 0 && (bytes[DMRD_OFFSET_FLAGS]! & 0x3f) !== HEADER_FLAGS && this.maxFrames > 1) {
      this.#builder.writeHeader(this.frames, 0);
      this.frameCount = 1;
    }
    if (this.frameCount >= this.maxFrames) return false;
    const base = this.frameCount * DMRD_LENGTH;
    const n = bytes.length < DMRD_LENGTH ? bytes.length : DMRD_LENGTH;
    const frames = this.frames;
    for (let i = 0; i < n; i++) frames[base + i] = bytes[i]!;
    for (let i = n; i < DMRD_LENGTH; i++) frames[base + i] = 0;
    this.frameCount++;
    if (((bytes[DMRD_OFFSET_FLAGS]! >>> 4) & 3) !== DATA_SYNC_FRAME) this.voiceFrames++;
    return true;
  }

  /** The call ended: make sure playback ends with a terminator (replacing the last frame when full). */
  finish(): void {
    if (this.frameCount === 0) return;
    const lastFlags = this.frames[(this.frameCount - 1) * DMRD_LENGTH + DMRD_OFFSET_FLAGS]!;
    if ((lastFlags & 0x3f) === TERMINATOR_FLAGS) return;
    if (this.frameCount >= this.maxFrames) this.frameCount--;
    this.#builder.writeTerminator(this.frames, this.frameCount * DMRD_LENGTH);
    this.frameCount++;
  }

  readonly #builder = new VoiceStreamBuilder();
}

/** DMRD flags without slot/call-type bits: data sync (2 << 4) + data type (hbp-and-dmr.md §1.4) */
const HEADER_FLAGS = 0x21;
/** DMRD frame type (flags bits 5–4) of headers, terminators and data; voice bursts are 0 or 1 */
const DATA_SYNC_FRAME = 2;
const TERMINATOR_FLAGS = 0x22;

/** The internal port parrot playback comes from (never a delivery target). */
export class ParrotPort implements RouterPort {
  readonly portIndex = -1;
  readonly kind = PortKind.Internal;
  readonly name = "PARROT";
  readonly simplex = false;
  readonly callsign = "PARROT";
  readonly accessRule = null;
  readonly #buffer = new Uint8Array(DMRD_LENGTH);
  constructor(readonly repeaterId: number) {}
  txBuffer(): Uint8Array {
    return this.#buffer;
  }
  emit(_nowMs: number, _frame: Uint8Array, _outbox: Outbox): void {}
}

/**
 * Parrot (echo test, FreeDMR TG 9990, freedmr-reference.md §1.11): a group call to the parrot TG
 * is recorded and, `delayMs` after it ended, played back to the caller's port and slot with a new
 * stream id, one frame per `frameIntervalMs` (a burst is 60 ms, hbp-and-dmr.md §2.2). Recording
 * storage is allocated once at start-up: `maxConcurrent` recordings × `maxFrames` frames × 55 bytes.
 *
 * The router owns the pacing (onTick) and slot contention; this module holds the recordings and the
 * internal RouterPort the playback streams come from.
 * @module
 */
import type { Outbox } from "../outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import { DMRD_LENGTH } from "../../wire/dmrd.ts";
import type { PortState, Stream } from "./state.ts";

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

  /** Copy a 53/55-byte DMRD into the recording (BER/RSSI padded). False when full. */
  record(bytes: Uint8Array): boolean {
    if (this.frameCount >= this.maxFrames) return false;
    const base = this.frameCount * DMRD_LENGTH;
    const n = bytes.length < DMRD_LENGTH ? bytes.length : DMRD_LENGTH;
    const frames = this.frames;
    for (let i = 0; i < n; i++) frames[base + i] = bytes[i]!;
    for (let i = n; i < DMRD_LENGTH; i++) frames[base + i] = 0;
    this.frameCount++;
    return true;
  }
}

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

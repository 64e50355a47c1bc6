/**
 * One voice announcement (a pooled record): the AMBE frames of its words, composed once when it is
 * queued, and the builder that turns them into a complete DMR voice call frame by frame (voice LC
 * headers, superframes with sync / EMB / embedded LC, terminator; voice_stream_builder.ts).
 * Storage is allocated at start-up: `maxBursts` × 27 bytes per record. Playback and contention
 * live in announcements.ts.
 * @module
 */
import type { RouterPort, Slot } from "../../router_port.ts";
import { CallType } from "../../../wire/dmrd.ts";
import { AMBE_BURST_BYTES, AMBE_SILENCE_FRAME } from "../../../dmr/ambe_silence.ts";
import { AMBE_FRAME_BYTES } from "../../../dmr/voice_pack.ts";
import { VoiceStreamBuilder } from "../../../dmr/voice_stream_builder.ts";
import type { PortState, Stream } from "../state.ts";

export const enum AnnouncementState {
  Free = 0,
  Waiting = 1,
  Playing = 2,
}

/** Voice LC headers before the voice (DMRGateway and FreeDMR send 3, so late radios still sync). */
export const ANNOUNCEMENT_HEADERS = 3;
/** Silence before and after the words, in AMBE frames (DMRGateway DynVoice: 9 = 3 bursts each side). */
const SILENCE_FRAMES = 9;

export class Announcement {
  state: AnnouncementState = AnnouncementState.Free;
  ps: PortState | null = null;
  port: RouterPort | null = null;
  slot: Slot = 2;
  sourceId = 0;
  destinationId = 0;
  callType: CallType = CallType.Unit;
  kind = "";
  words = "";
  language = "";
  queuedAtMs = 0;
  nextFrameAtMs = 0;
  streamId = 0;
  /** voice bursts composed; frames played so far (headers, bursts, terminator) */
  bursts = 0;
  played = 0;
  /** the words did not all fit */
  truncated = false;
  /** AMBE frames: maxBursts × 3 × 9 bytes */
  readonly ambe: Uint8Array;
  readonly builder = new VoiceStreamBuilder();

  constructor(
    readonly maxBursts: number,
    /** stands for the announcement as its slot's txStream while it plays */
    readonly stream: Stream,
  ) {
    this.ambe = new Uint8Array(maxBursts * AMBE_BURST_BYTES);
  }

  /** Frames of the whole call: headers + voice bursts + terminator. */
  get frameCount(): number {
    return ANNOUNCEMENT_HEADERS + this.bursts + 1;
  }

  /**
   * Compose the AMBE of `words` (each a 9·n-byte frame list): silence, the words, silence, padded
   * with silence to whole bursts. Words that do not fit are cut (truncated = true).
   */
  compose(words: readonly Uint8Array[]): void {
    const ambe = this.ambe;
    const capacity = this.maxBursts * 3;
    let frame = 0;
    const silence = (n: number): void => {
      for (let i = 0; i < n && frame < capacity; i++, frame++) ambe.set(AMBE_SILENCE_FRAME, frame * AMBE_FRAME_BYTES);
    };
    this.truncated = false;
    silence(SILENCE_FRAMES);
    for (const w of words) {
      const n = w.length / AMBE_FRAME_BYTES;
      if (frame + n > capacity - SILENCE_FRAMES) {
        this.truncated = true;
        break;
      }
      ambe.set(w, frame * AMBE_FRAME_BYTES);
      frame += n;
    }
    silence(SILENCE_FRAMES);
    silence((3 - (frame % 3)) % 3);
    this.bursts = Math.ceil(frame / 3);
  }
}

/**
 * Stream id 0 (BrandMeister-style senders, hbp-and-dmr.md §1.4) names no stream, so the finished-
 * stream memory (finished_streams.ts) cannot recognise a late copy of such a call: a voice burst
 * duplicated or reordered on the way and arriving just after the call's terminator would open a
 * new one-frame "call" (late entry) to every listener, and into the parrot. This remembers, per
 * (hotspot/upstream port, slot), the last stream with id 0 that ended by its terminator: a voice
 * frame (not a header: a new call starts with one) from the same source to the same destination
 * within STRAGGLER_WINDOW_MS whose sequence number is not newer than the call's last (within
 * SEQUENCE_WINDOW behind it: the sending slot numbers its packets +1 each, §1.4) is dropped as a
 * straggler. A new call of that radio (after STRAGGLER_WINDOW_MS: a person re-keying) is let
 * through, with or without its header.
 *
 * One small record per (port, slot) that ever carried a stream with id 0, reused; bounded by the
 * router's port capacity. Time is an argument.
 * @module
 */
import type { DmrdFrame } from "../../../wire/dmrd.ts";

/**
 * How long after its terminator a copy of a call's frame is still taken for a straggler: copies
 * duplicated or reordered on the way arrive within tens of milliseconds, while a person keying
 * up again (release, press, the radio's own set-up) takes longer — and a new call may number its
 * packets from 0 again, close behind a short call's last number, so the window is kept short.
 */
export const STRAGGLER_WINDOW_MS = 250;
/** How far behind the call's last sequence number a straggler may be (a second of voice is ~17 packets). */
export const SEQUENCE_WINDOW = 32;

interface ZeroIdEnd {
  sourceId: number;
  destinationId: number;
  sequence: number;
  endedAtMs: number;
}

export class ZeroIdStragglers {
  readonly #ends = new Map<number, ZeroIdEnd>();

  /** A stream with id 0 on (port, slot) ended by its terminator. `key` = port index · 2 + slot − 1. */
  remember(key: number, sourceId: number, destinationId: number, sequence: number, nowMs: number): void {
    const end = this.#ends.get(key);
    if (end === undefined) {
      this.#ends.set(key, { sourceId, destinationId, sequence, endedAtMs: nowMs });
      return;
    }
    end.sourceId = sourceId;
    end.destinationId = destinationId;
    end.sequence = sequence;
    end.endedAtMs = nowMs;
  }

  /** Whether a voice frame with stream id 0 that would open a stream on (port, slot) is a late copy of the call that just ended there. */
  isStraggler(key: number, frame: DmrdFrame, nowMs: number): boolean {
    const end = this.#ends.get(key);
    if (end === undefined || nowMs - end.endedAtMs > STRAGGLER_WINDOW_MS) return false;
    if (frame.sourceId !== end.sourceId || frame.destinationId !== end.destinationId) return false;
    const behind = (end.sequence - frame.sequence) & 0xff;
    return behind < SEQUENCE_WINDOW;
  }

  /** The port is gone: its records go with it (a new port may get its index). */
  forgetPort(portIndex: number): void {
    this.#ends.delete(portIndex * 2);
    this.#ends.delete(portIndex * 2 + 1);
  }

  get size(): number {
    return this.#ends.size;
  }
}

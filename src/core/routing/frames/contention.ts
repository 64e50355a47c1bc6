/**
 * Slot contention (freedmr-reference.md §1.10): one stream per (port, slot), the port's own
 * transmission wins, group hang time after each call, a refused stream's tail waits for the stream
 * timeout after the previous call; and resetting a slot's state.
 * @module
 */
import { CallType } from "../../../wire/dmrd.ts";
import type { SlotState } from "../state.ts";

/**
 * Contention at a target slot: free (no own transmission, nothing else delivered) and, within the
 * hang time of the last call, the same destination, the same radio, or a unit reply to that radio.
 */
export function canTake(nowMs: number, ss: SlotState, sourceId: number, destinationId: number, callType: CallType): boolean {
  if (ss.rxStream !== null || ss.txStream !== null) return false;
  if (nowMs >= ss.hangUntilMs) return true;
  if (ss.hangDestinationId === destinationId && ss.hangCallType === callType) return true;
  if (ss.hangSourceId === sourceId) return true;
  return callType === CallType.Unit && destinationId === ss.hangSourceId;
}

/**
 * A stream that found this slot busy and kept going is a tail without its header: it may take the
 * slot only once the slot has carried nothing for the stream timeout (HBlink/FreeDMR STREAM_TO,
 * 360 ms, hbp-and-dmr.md §2.2), so a listener never hears it glued to the end of the previous call.
 */
export function tailMayTake(nowMs: number, ss: SlotState, streamTimeoutMs: number): boolean {
  return nowMs - ss.lastTxAtMs >= streamTimeoutMs;
}

/** Forget a slot's streams and hang (port up/down). */
export function resetSlot(ss: SlotState): void {
  ss.rxStream = null;
  ss.txStream = null;
  ss.hangUntilMs = 0;
  ss.hangDestinationId = 0;
  ss.hangCallType = CallType.Group;
  ss.hangSourceId = 0;
  ss.lastTxAtMs = Number.NEGATIVE_INFINITY;
}

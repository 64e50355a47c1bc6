/**
 * Slot contention (freedmr-reference.md §1.10): one stream per (port, slot), the port's own
 * transmission wins, group hang time after each call; and resetting a slot's state.
 * @module
 */
import { CallType } from "../../wire/dmrd.ts";
import type { SlotState } from "./state.ts";

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

/** Forget a slot's streams and hang (port up/down). */
export function resetSlot(ss: SlotState): void {
  ss.rxStream = null;
  ss.txStream = null;
  ss.hangUntilMs = 0;
  ss.hangDestinationId = 0;
  ss.hangCallType = CallType.Group;
  ss.hangSourceId = 0;
}

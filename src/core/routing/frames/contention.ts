/**
 * Slot contention (freedmr-reference.md §1.10): one stream per (port, slot), the port's own
 * transmission wins, group hang time after each call, a refused stream's tail waits for the stream
 * timeout after the previous call. The state is the router's SlotTable (slot_table.ts).
 * @module
 */
import { CallType } from "../../../wire/dmrd.ts";
import type { SlotTable } from "../slot_table.ts";

/**
 * Contention at a target slot: free (no own transmission, nothing else delivered) and, within the
 * hang time of the last call, the same destination, the same radio, or a unit reply to that radio.
 */
export function canTake(nowMs: number, slots: SlotTable, k: number, sourceId: number, destinationId: number, callType: CallType): boolean {
  if (slots.rx(k) !== null || slots.tx(k) !== null) return false;
  if (nowMs >= slots.hangUntilMs(k)) return true;
  if (slots.hangDestinationId(k) === destinationId && slots.hangCallType(k) === callType) return true;
  const hangSourceId = slots.hangSourceId(k);
  if (hangSourceId === sourceId) return true;
  return callType === CallType.Unit && destinationId === hangSourceId;
}

/**
 * A stream that found this slot busy and kept going is a tail without its header: it may take the
 * slot only once the slot has carried nothing for the stream timeout (HBlink/FreeDMR STREAM_TO,
 * 360 ms, hbp-and-dmr.md §2.2), so a listener never hears it glued to the end of the previous call.
 */
export function tailMayTake(nowMs: number, slots: SlotTable, k: number, streamTimeoutMs: number): boolean {
  return nowMs - slots.lastTxAtMs(k) >= streamTimeoutMs;
}

/**
 * Delivery of one frame to a stream's targets: contention at each target slot (late entry), copy
 * into the target's egress buffer, slot bit, prepared LC rewrite, emit. The frame is staged once
 * in aligned words; an HBP session taking a plain copy (no rewrite, no inserted alias fragment)
 * gets it in one call, RouterPort.emitStaged (copy + its id + flags in word stores, queue), the
 * others through txBuffer/emit. Allocation-free.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { copyDmrdTo55, copyDmrdWords, DmrdStage, DMRD_OFFSET_FLAGS, DMRD_PAYLOAD_OFFSET, DMRD_WORDS_TS2, FLAG_SLOT_TS2, type CallType, type DmrdFrame } from "../../../wire/dmrd.ts";
import { writeEmbeddedFragment } from "../../../dmr/embedded_lc.ts";
import { TargetOutcome, type Stream } from "../state.ts";
import { ROW_CALL_TYPE, ROW_OUTCOME, ROW_PORT_INDEX_WORD, ROW_QUENCHED, ROW_REFUSED, ROW_REWRITE, ROW_SLOT, ROW_TRUNK, TARGET_ROW_BYTES, TARGET_ROW_WORDS } from "../streams/target_arena.ts";
import { canTake, tailMayTake } from "./contention.ts";
import type { RouterContext } from "../router_context.ts";
import { relayBridgeFrame } from "../features/bridge_trunk.ts";
import { slotKey } from "../slot_table.ts";

/** The frame being delivered, copied once into aligned words (then 14 word stores per target with txWords). */
const stage = new DmrdStage();

/** Emit one frame to every target of the stream that may take it now (late entry: busy targets retry on the next frame). */
export function deliver(ctx: RouterContext, nowMs: number, stream: Stream, frame: DmrdFrame): void {
  const stats = ctx.stats;
  const outbox = ctx.deps.outbox;
  const streamTimeoutMs = ctx.options.streamTimeoutMs;
  const slots = ctx.slots;
  const n = stream.targetCount;
  // inserted talker alias (talker_alias_insertion.ts): the same fragment for every copy of this frame
  const ta = stream.talkerAlias;
  const taFragment = ta !== null && ta.write ? ta.fragment : -1;
  // the bridges it joined, for their members on the other nodes (features/bridge_trunk.ts)
  if (stream.bridgeTrunk !== null) relayBridgeFrame(nowMs, stream, frame);
  const staged = stage.words;
  copyDmrdTo55(frame.bytes, stage.bytes);
  // the flags byte of every copy: the frame's with the target slot's bit (hbp-and-dmr.md §1.4)
  const flagsTs1 = stage.bytes[DMRD_OFFSET_FLAGS]! & ~FLAG_SLOT_TS2;
  const flagsTs2 = flagsTs1 | FLAG_SLOT_TS2;
  // the stream's target rows (streams/target_arena.ts), through the arena's arrays, read once
  // (nothing in the loop adds targets, so nothing replaces them)
  const arena = ctx.targets;
  const rowPorts = arena.ports;
  const words = arena.i32;
  const bytes = arena.u8;
  const firstRow = stream.targetRow;
  const sourceId = stream.sourceId;
  const hangUntilMs = stream.routedHangUntilMs;
  let delivered = 0;
  let quenched = 0;
  for (let i = 0; i < n; i++) {
    const row = firstRow + i;
    const port = rowPorts[row]!;
    if (port === null) continue;
    const at = row * TARGET_ROW_BYTES;
    if (bytes[at + ROW_QUENCHED] !== 0) {
      quenched++;
      continue;
    }
    const slot = bytes[at + ROW_SLOT]! as Slot;
    const destinationId = words[row * TARGET_ROW_WORDS]!;
    if (bytes[at + ROW_TRUNK] === 0) {
      const k = slotKey(words[row * TARGET_ROW_WORDS + ROW_PORT_INDEX_WORD]!, slot);
      // the slot carries this stream already (every frame after the first): nothing to write, its
      // hang and last delivery are written when the stream lets it go (slot_table.ts)
      if (!slots.holds(k, stream)) {
        const callType = bytes[at + ROW_CALL_TYPE]! as CallType;
        if (!canTake(nowMs, slots, k, sourceId, destinationId, callType) || (bytes[at + ROW_REFUSED] !== 0 && !tailMayTake(nowMs, slots, k, streamTimeoutMs))) {
          bytes[at + ROW_REFUSED] = 1;
          stats.deliveriesBusy++;
          if (bytes[at + ROW_OUTCOME] !== TargetOutcome.Delivered) {
            bytes[at + ROW_OUTCOME] = slots.rx(k) !== null ? TargetOutcome.BusyOwn : slots.tx(k) !== null ? TargetOutcome.BusyOther : TargetOutcome.HangTime;
          }
          continue;
        }
        slots.take(k, stream, nowMs, hangUntilMs, destinationId, callType, sourceId);
      }
    }
    bytes[at + ROW_OUTCOME] = TargetOutcome.Delivered;
    delivered++;
    // the rewrite index, a signed byte in the row (−1 = none)
    const rw = (bytes[at + ROW_REWRITE]! << 24) >> 24;
    // bytes 11–14 keep the source's repeater id: each port stamps its own id on its wire (HBP
    // session, upstream link) or carries the source on (FBP v5 source repeater, §2.3)
    if (rw < 0 && taFragment === -1 && port.emitStaged !== undefined) {
      // the usual copy (HBP session, nothing to change but the slot bit): copy, stamp, queue in one call
      port.emitStaged(nowMs, slot, staged, slot === 2 ? flagsTs2 : flagsTs1, outbox);
      continue;
    }
    const buffer = port.txBuffer(slot);
    if (port.txWords !== undefined) copyDmrdWords(staged, port.txWords(), slot === 2 ? DMRD_WORDS_TS2 : 0);
    else copyDmrdTo55(stage.bytes, buffer);
    buffer[DMRD_OFFSET_FLAGS] = slot === 2 ? flagsTs2 : flagsTs1;
    if (taFragment !== -1) writeEmbeddedFragment(buffer, DMRD_PAYLOAD_OFFSET, taFragment);
    if (rw >= 0) stream.rewrites[rw]!.apply(frame, buffer);
    port.emit(nowMs, buffer, outbox);
  }
  stats.framesOut += delivered;
  if (quenched !== 0) stats.deliveriesQuenched += quenched;
}

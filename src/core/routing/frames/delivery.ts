/**
 * Delivery of one frame to a stream's targets: contention at each target slot (late entry), copy
 * into the target's egress buffer, slot bit, prepared LC rewrite, emit. Allocation-free.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import { copyDmrdTo55, DMRD_OFFSET_FLAGS, DMRD_PAYLOAD_OFFSET, FLAG_SLOT_TS2, type CallType, type DmrdFrame } from "../../../wire/dmrd.ts";
import { writeEmbeddedFragment } from "../../../dmr/embedded_lc.ts";
import { TargetOutcome, type Stream } from "../state.ts";
import { canTake, tailMayTake } from "./contention.ts";
import type { RouterContext } from "../router_context.ts";
import { relayBridgeFrame } from "../features/bridge_trunk.ts";
import { slotKey } from "../slot_table.ts";

/** Emit one frame to every target of the stream that may take it now (late entry: busy targets retry on the next frame). */
export function deliver(ctx: RouterContext, nowMs: number, stream: Stream, frame: DmrdFrame): void {
  const stats = ctx.stats;
  const outbox = ctx.deps.outbox;
  const hangTimeMs = ctx.options.hangTimeMs;
  const streamTimeoutMs = ctx.options.streamTimeoutMs;
  const slots = ctx.slots;
  const sourceId = stream.sourceId;
  const n = stream.targetCount;
  // inserted talker alias (talker_alias_insertion.ts): the same fragment for every copy of this frame
  const ta = stream.talkerAlias;
  const taFragment = ta !== null && ta.write ? ta.fragment : -1;
  // the bridges it joined, for their members on the other nodes (features/bridge_trunk.ts)
  if (stream.bridgeTrunk !== null) relayBridgeFrame(nowMs, stream, frame);
  for (let i = 0; i < n; i++) {
    const tps = stream.targetPorts[i];
    if (tps === null || tps === undefined) continue;
    if (stream.targetQuenched[i] !== 0) {
      stats.deliveriesQuenched++;
      continue;
    }
    const port = tps.port!;
    const slot = stream.targetSlots[i]! as Slot;
    const destinationId = stream.targetDestinations[i]!;
    if (!tps.trunk) {
      const k = slotKey(tps.index, slot);
      const callType = stream.targetCallTypes[i]! as CallType;
      // the slot carries this stream already (every frame after the first): one call
      if (!slots.deliveredIfHeld(k, stream, nowMs, nowMs + hangTimeMs, destinationId, callType, sourceId)) {
        if (!canTake(nowMs, slots, k, sourceId, destinationId, callType) || (stream.targetRefused[i] !== 0 && !tailMayTake(nowMs, slots, k, streamTimeoutMs))) {
          stream.targetRefused[i] = 1;
          stats.deliveriesBusy++;
          if (stream.targetOutcome[i] !== TargetOutcome.Delivered) {
            stream.targetOutcome[i] = slots.rx(k) !== null ? TargetOutcome.BusyOwn : slots.tx(k) !== null ? TargetOutcome.BusyOther : TargetOutcome.HangTime;
          }
          continue;
        }
        slots.setTx(k, stream);
        slots.deliveredIfHeld(k, stream, nowMs, nowMs + hangTimeMs, destinationId, callType, sourceId);
      }
    }
    const buffer = port.txBuffer(slot);
    // bytes 11–14 keep the source's repeater id: each port stamps its own id on its wire (HBP
    // session, upstream link) or carries the source on (FBP v5 source repeater, §2.3)
    copyDmrdTo55(frame.bytes, buffer);
    const flags = buffer[DMRD_OFFSET_FLAGS]!;
    buffer[DMRD_OFFSET_FLAGS] = slot === 2 ? flags | FLAG_SLOT_TS2 : flags & ~FLAG_SLOT_TS2;
    if (taFragment !== -1) writeEmbeddedFragment(buffer, DMRD_PAYLOAD_OFFSET, taFragment);
    const rw = stream.targetRewrites[i]!;
    if (rw >= 0) stream.rewrites[rw]!.apply(frame, buffer);
    port.emit(nowMs, buffer, outbox);
    stream.targetOutcome[i] = TargetOutcome.Delivered;
    stats.framesOut++;
  }
}

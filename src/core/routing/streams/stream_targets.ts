/**
 * A stream's target list: add a (port, slot) once with its LC rewrite, take one out, release the
 * slots a stream holds, prepare rewrites; and the conferences a stream joined. Targets are rows of
 * the router's TargetArena (target_arena.ts), a run per pooled Stream that grows only at stream start.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import type { CallType, DmrdFrame } from "../../../wire/dmrd.ts";
import { MAX_REWRITES_PER_STREAM, type PortState, type Stream } from "../state.ts";
import type { RouterContext } from "../router_context.ts";
import { slotKey } from "../slot_table.ts";

/** Add (tps, slot) as a target once per stream, with the LC rewrite its destination needs (capacity-bounded). */
export function addTarget(ctx: RouterContext, stream: Stream, tps: PortState, slot: Slot, destinationId: number, callType: CallType): void {
  const key = tps.index * 2 + slot - 1;
  if (ctx.slots.targetStamp(key) === stream.serial) return; // never twice to the same (port, slot)
  if (stream.targetCount >= ctx.options.capacities.maxTargetsPerStream) {
    ctx.stats.targetsOverCapacity++;
    return;
  }
  ctx.slots.setTargetStamp(key, stream.serial);
  const i = stream.targetCount++;
  stream.ensureTargetCapacity(i + 1);
  stream.setTarget(i, tps, slot, destinationId, callType);
  if (destinationId !== stream.destinationId || callType !== stream.callType) {
    let r = 0;
    while (r < stream.rewriteCount && (stream.rewriteDestinations[r] !== destinationId || stream.rewriteCallTypes[r] !== callType)) r++;
    if (r === stream.rewriteCount) {
      if (r >= MAX_REWRITES_PER_STREAM) {
        // more distinct destinations than rewrites: deliver this one unrewritten rather than not at all
        ctx.stats.targetsOverCapacity++;
        return;
      }
      if (stream.rewrites.length <= r) stream.rewrites.push(ctx.rewriter.lcRewrite());
      stream.rewriteDestinations[r] = destinationId;
      stream.rewriteCallTypes[r] = callType;
      stream.rewriteCount++;
    }
    stream.setTargetRewrite(i, r);
  }
}

/** Prepare every rewrite of a new stream from its source LC. */
export function prepareRewrites(stream: Stream, frame: DmrdFrame): void {
  void frame;
  for (let r = 0; r < stream.rewriteCount; r++) {
    const rewrite = stream.rewrites[r]!;
    if (rewrite.release !== undefined) rewrite.release();
    rewrite.prepare(stream.sourceLc, stream.rewriteDestinations[r]!, stream.rewriteCallTypes[r]! as CallType);
  }
}

/** Take target `t` out of the stream (swap with the last): its slot is released if it held it. */
export function dropTarget(ctx: RouterContext, stream: Stream, t: number): void {
  const tps = stream.targetPort(t);
  const slot = stream.targetSlot(t);
  if (tps !== null) {
    // it may join again later (a new subscription, a new login on this port index)
    const key = slotKey(tps.index, slot);
    if (!tps.trunk && ctx.slots.tx(key) === stream) ctx.slots.setTx(key, null);
    if (ctx.slots.targetStamp(key) === stream.serial) ctx.slots.setTargetStamp(key, 0);
  }
  const last = --stream.targetCount;
  if (t !== last) stream.moveTarget(last, t);
  stream.clearTargetPort(last);
}

/** Free the target slots this stream holds. */
export function releaseTargets(ctx: RouterContext, stream: Stream): void {
  const slots = ctx.slots;
  for (let t = 0; t < stream.targetCount; t++) {
    const tps = stream.targetPort(t);
    if (tps === null || tps.trunk) continue;
    const k = slotKey(tps.index, stream.targetSlot(t));
    if (slots.tx(k) === stream) slots.setTx(k, null);
  }
}

/** Is `id` among the first n conferences? */
export function hasConference(confs: Int32Array, n: number, id: number): boolean {
  for (let i = 0; i < n; i++) if (confs[i] === id) return true;
  return false;
}

/** The stream no longer feeds conference `id`. */
export function removeConference(stream: Stream, id: number): void {
  const confs = stream.conferences;
  let n = 0;
  for (let i = 0; i < stream.conferenceCount; i++) if (confs[i] !== id) confs[n++] = confs[i]!;
  stream.conferenceCount = n;
}

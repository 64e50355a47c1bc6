/**
 * Link talkgroup maps (OpenBridge, upstream): link (slot, TG) ↔ local conference, and the local-only
 * talkgroups that never cross a link.
 * @module
 */
import type { Slot } from "../../router_port.ts";
import type { LinkTalkgroupMap } from "../options.ts";

/** Repeater-local (≤ 79), server-local (9990–9999) and D-APRS (900999) TGs never cross a link. */
export function isLocalOnly(tg: number): boolean {
  return tg <= 79 || (tg >= 9990 && tg <= 9999) || tg === 900999;
}

/** Link (slot, TG) → local conference, or -1. */
export function linkToLocal(map: LinkTalkgroupMap, slot: Slot, tg: number): number {
  for (const r of map.ranges) {
    if (r.linkSlot === slot && tg >= r.linkFirst && tg <= r.linkLast) return r.localFirst + (tg - r.linkFirst);
  }
  return -1;
}

/** Where localToLink put its answer (module state: no object per lookup). */
export let mappedSlot: Slot = 1;
export let mappedTalkgroup = 0;

/** Local conference → link (slot, TG) in mappedSlot/mappedTalkgroup; false when not mapped. */
export function localToLink(map: LinkTalkgroupMap, conferenceId: number): boolean {
  for (const r of map.ranges) {
    const last = r.localFirst + (r.linkLast - r.linkFirst);
    if (conferenceId >= r.localFirst && conferenceId <= last) {
      mappedSlot = r.linkSlot;
      mappedTalkgroup = r.linkFirst + (conferenceId - r.localFirst);
      return true;
    }
  }
  return false;
}

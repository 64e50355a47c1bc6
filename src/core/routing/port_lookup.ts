/**
 * Port table lookups: the state of a port index, the state of a live port (up, and this very
 * port object), and a port's RF slot (simplex hotspots have only TS2).
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import type { PortState } from "./state.ts";
import type { SubscriberEntry } from "./subscriber_map.ts";
import type { RouterContext } from "./router_context.ts";

/** The state record at a port index (null beyond the table). */
export function portStateAt(ctx: RouterContext, portIndex: number): PortState | null {
  return portIndex >= 0 && portIndex < ctx.ports.length ? ctx.ports[portIndex]! : null;
}

/** The state of a port that is up and is this very port object. */
export function livePort(ctx: RouterContext, port: RouterPort): PortState | null {
  const ps = portStateAt(ctx, port.portIndex);
  return ps !== null && ps.up && ps.port === port ? ps : null;
}

/** Simplex/DMO hotspots have one RF slot: everything lives on TS2. */
export function rfSlotOf(ps: PortState, slot: Slot): Slot {
  return ps.port!.simplex ? 2 : slot;
}

/** The live hotspot port of a repeater id (null: not connected). A scan: control plane and restored entries only. */
export function hotspotByRepeater(ctx: RouterContext, repeaterId: number): PortState | null {
  for (const ps of ctx.ports) if (ps.up && ps.local && ps.port !== null && ps.port.repeaterId === repeaterId) return ps;
  return null;
}

/**
 * The live port a subscriber-map entry points at. A restored entry (heard before a restart) knows
 * only its hotspot's repeater id: it is bound to that hotspot's port once the hotspot is back.
 */
export function subscriberPort(ctx: RouterContext, entry: SubscriberEntry): PortState | null {
  if (entry.port === null && entry.repeaterId !== 0) {
    const ps = hotspotByRepeater(ctx, entry.repeaterId);
    if (ps === null) return null;
    entry.port = ps.port;
    entry.repeaterId = 0;
  }
  return entry.port === null ? null : livePort(ctx, entry.port);
}

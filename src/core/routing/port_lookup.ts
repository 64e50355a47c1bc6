/**
 * Port table lookups: the state of a port index, the state of a live port (up, and this very
 * port object), and a port's RF slot (simplex hotspots have only TS2).
 * @module
 */
import type { RouterPort, Slot } from "../router_port.ts";
import type { PortState } from "./state.ts";
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

/**
 * Reload of the routing options (src/shell/reload.ts): the context's options are replaced as a
 * whole, between datagrams, so every decision taken at a stream's start (ACLs, access-rule
 * routing, dial, reserved ranges) follows the new values from the next call on, while streams in
 * progress keep the targets they were given. Timers (hang time, UA timer, stream timeouts) are read
 * where they are used, so they follow too.
 *
 * Kept from the start-up options (pools and tables were sized or built from them): capacities,
 * parrot, voice, talker alias, bridges and the server id. A differing value there is reported
 * (the caller logs "needs a restart") and the old one stays in force.
 * @module
 */
import type { RoutingOptions } from "./options.ts";
import type { RouterContext } from "./router_context.ts";

const KEPT = ["capacities", "parrot", "voice", "talkerAlias", "bridges", "serverId"] as const;

export function updateRoutingOptions(ctx: RouterContext, next: RoutingOptions): { kept: string[] } {
  const old = ctx.options;
  const kept: string[] = [];
  for (const key of KEPT) {
    if (!sameValue(old[key], next[key])) kept.push(key);
  }
  ctx.options = {
    ...next,
    capacities: old.capacities,
    parrot: old.parrot,
    voice: old.voice,
    talkerAlias: old.talkerAlias,
    bridges: old.bridges,
    serverId: old.serverId,
  };
  return { kept };
}

/** Structural equality of plain option or config data (ACLs, arrays, nested records); undefined members count as absent. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

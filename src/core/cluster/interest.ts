/**
 * Cluster interest: which talkgroups this node needs from the other nodes right now — every
 * conference (a plain talkgroup, below the bridge range) that has a subscription of a port other
 * than the cluster port (static, user-activated or dialled by a hotspot; API subscriptions of a
 * link), or every talkgroup when a link other than the cluster is up (an OpenBridge/FBP link or an
 * upstream master carries every talkgroup its map names, so the node needs all of them).
 * The router bumps `interestVersion` whenever the answer can change; the shell compares versions on
 * its tick and collects only then (control plane, never per packet).
 * @module
 */
import { PortKind } from "../router_port.ts";
import type { RouterContext } from "../routing/router_context.ts";
import { BRIDGE_CONFERENCE_BASE } from "../routing/state.ts";

/** Fill `out` with the talkgroups needed here; true = every talkgroup (a link is up). */
export function collectInterest(ctx: RouterContext, out: Set<number>): boolean {
  out.clear();
  let wildcard = false;
  for (const link of ctx.links) {
    if (link.up && link.port !== null && link.port.kind !== PortKind.Cluster) wildcard = true;
  }
  for (const [conferenceId, list] of ctx.conferences) {
    if (conferenceId <= 0 || conferenceId >= BRIDGE_CONFERENCE_BASE) continue;
    for (const sub of list) {
      const port = sub.ps?.port ?? null;
      if (port !== null && port.kind !== PortKind.Cluster) {
        out.add(conferenceId);
        break;
      }
    }
  }
  return wildcard;
}

/** Fill `out` with the indexes of the configured bridges that have a member on a port other than the cluster port. */
export function collectBridgeInterest(ctx: RouterContext, out: Set<number>): void {
  out.clear();
  for (let index = 0; index < ctx.bridgeNames.length; index++) {
    for (const sub of ctx.conferences.get(BRIDGE_CONFERENCE_BASE + index) ?? []) {
      const port = sub.ps?.port ?? null;
      if (port !== null && port.kind !== PortKind.Cluster) {
        out.add(index);
        break;
      }
    }
  }
}

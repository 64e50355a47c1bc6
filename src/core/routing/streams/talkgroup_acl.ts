/**
 * Talkgroup ACLs per slot (freedmr-reference.md §1.12): the global ACL, then the port's access rule.
 * @module
 */
import { aclPermits, type Acl } from "../../acl.ts";
import type { Slot } from "../../router_port.ts";
import { DEFAULT_ACCESS_RULE_ROUTING } from "../options.ts";
import type { PortState } from "../state.ts";
import type { RouterContext } from "../router_context.ts";

/** May (port, slot) carry this TG: the global ACL of the slot, then the access rule's. */
export function talkgroupAllowed(ctx: RouterContext, ps: PortState, slot: Slot, tg: number): boolean {
  const o = ctx.options;
  const rule = ps.rule ?? DEFAULT_ACCESS_RULE_ROUTING;
  const global: Acl = slot === 1 ? o.talkgroupTs1Acl : o.talkgroupTs2Acl;
  const local: Acl = slot === 1 ? rule.talkgroupTs1Acl : rule.talkgroupTs2Acl;
  return aclPermits(global, tg) && aclPermits(local, tg);
}

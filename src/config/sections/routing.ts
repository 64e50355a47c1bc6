/**
 * Config sections for routing (owned by the routing work): `[routing]`, `[parrot]`, `[[bridges]]`.
 * Placeholder until the routing core lands; the composed schema in ../schema.ts imports these.
 * @module
 */
import { Type } from "@sinclair/typebox";

/** Top-level properties this file contributes to the config object. */
export const routingSections = {};

/** Properties this file contributes to each `[[hbp.access_rules]]` entry (e.g. static talkgroups). */
export const routingAccessRuleProperties = {};

void Type;

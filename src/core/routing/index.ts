/** The routing core: createRouter and its options, API types and counters. @module */
export { createRouter } from "./router.ts";
export * from "./options.ts";
export * from "./types.ts";
export { RoutingStats } from "./stats.ts";
export { EMPTY_HOTSPOT_SETTINGS, type HotspotSettings } from "./hotspot_settings.ts";
export type { DynamicTalkgroupRecord, HotspotSessionRecord, HotspotStateRecord, ImportOptions, ImportResult, StateChange, StateSnapshot, SubscriberRecord } from "./state_records.ts";

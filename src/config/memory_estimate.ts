/**
 * What the config's sized tables cost in memory, so a limit that would hurt the machine is refused
 * at --check-config and at start (exit 2, naming the key) instead of allocating gigabytes.
 *
 * Two figures: `startBytes`, allocated when the server starts (pools and typed arrays sized by the
 * config), and `fullBytes`, the whole process with every table full (start + the tables that grow as
 * hotspots log in, subscribe and radios are heard + the runtime itself). Refused when the start
 * allocation is above START_LIMIT_BYTES (or half the machine's memory), or when `fullBytes` is
 * above the machine's memory (os.totalmem).
 *
 * Per-entry costs were measured with `npm run bench -- config_memory` (bun 1.4.5, linux x64: live
 * heap + array buffers after a full GC, and RSS, per entry between two table sizes; the larger of
 * the two, rounded up). That benchmark re-measures them and fails when an estimate here is off by
 * more than a quarter.
 * @module
 */
import type { Config } from "./schema.ts";
import type { ConfigError } from "./errors.ts";
import { STREAM_POOL_STEP } from "../core/routing/streams/stream_table.ts";

/** A pooled routing stream record (src/core/routing/state.ts Stream + its source-LC decoder): measured 1.88 KB heap, 1.95 KB RSS. */
export const STREAM_BYTES = 2048;
/** A finished-stream slot (src/core/routing/finished_streams.ts: Float64 + Int32 + Int32 + Float64 + Uint8). */
export const FINISHED_STREAM_BYTES = 25;
/**
 * Per router port at start: an Outbox entry (~20 B), the voice ident tables' entries and the slot
 * table's columns (slot_table.ts: 2 × (56 B record + rx, tx, delivered) = 130 B), which are
 * allocated for every port at start but become resident only as port indexes are used.
 * bench/config_memory measured 118 B of heap and array buffers, 16 B of RSS, per port at
 * 1,000,000 (2026-12-06; the figure was 32 B before the slot table became columns).
 */
export const PORT_SLOT_BYTES = 128;
/**
 * A logged-in hotspot (HBP session, router port state, slot records, buffers): bench/config_memory
 * measured 0.36 KB live heap and 1.0 KB RSS per hotspot from 2,000 to 22,000 (2026-12-06, after
 * issue 14's work: the session, its port state and its RPTC record in smaller size classes or
 * columns by port index, the master's tables NumberMaps; session.ts, state.ts, session_columns.ts,
 * number_map.ts). Before: 0.8 KB heap and 1.3–1.9 KB RSS; 1.4 KB and 2.9 KB before that.
 */
export const HOTSPOT_BYTES = 1280;
/** A subscription (record + conference list + indexes): measured 232 B heap, 284 B RSS per entry over 100 000 (282 B heap before the record fit JSC's 112-byte size class, state.ts), 414 B over the first 20 000 (Map growth). */
export const SUBSCRIPTION_BYTES = 384;
/** A last-heard radio id (SubscriberEntry + its Map slot): measured 129–132 B heap per entry at 200 000–400 000, up to 238 B while the Map doubles. */
export const SUBSCRIBER_BYTES = 176;
/**
 * A federation loop-control slot without quench masks (stream_table.ts: 1+4+4+1+4+4+8 bytes of
 * typed arrays, plus the FBP timestamp bookkeeping the address-following rule added); plus 8 bytes
 * per 32 links. bench/config_memory measured 58 B per slot with one link.
 */
export const FEDERATION_SLOT_BYTES = 50;
/** One parrot frame (a 55-byte DMRD) and the playback stream record of a recording. */
const PARROT_FRAME_BYTES = 55;
/** The runtime, code and sockets before any table: measured ~62 MB RSS for `bun src/main.ts` with the default config. */
export const RUNTIME_BYTES = 64 * 1024 * 1024;

/** No sane DMR master pre-allocates more than this at start (the default config: about 7 MiB). */
export const START_LIMIT_BYTES = 1024 * 1024 * 1024;

/** Ports beyond the hotspots (src/config/routing_options.ts PORT_HEADROOM). */
const PORT_HEADROOM = 64;
/** One burst per 60 ms (hbp-and-dmr.md §2.2), as routing_options.ts sizes parrot recordings. */
const FRAME_MS = 60;

export interface MemoryItem {
  /** The config key that sizes this table. */
  readonly key: string;
  /** The key's value. */
  readonly value: number;
  /** What it sizes, in words. */
  readonly what: string;
  /** Entries it allocates. */
  readonly entries: number;
  readonly bytesPerEntry: number;
  readonly bytes: number;
  /** "start": allocated when the server starts; "full": grows to this as the table fills. */
  readonly when: "start" | "full";
}

export interface MemoryEstimate {
  readonly items: readonly MemoryItem[];
  /** Allocated at start by the sized tables. */
  readonly startBytes: number;
  /** The whole process with every table full: runtime + start + growing tables. */
  readonly fullBytes: number;
}

/** The parts of Config the estimate reads. */
export interface MemoryConfigView {
  readonly hbp: { readonly enabled: boolean; readonly max_peers: number };
  readonly routing: {
    readonly max_streams: number;
    readonly max_finished_streams: number;
    readonly max_subscriptions: number;
    readonly max_subscribers: number;
  };
  readonly parrot: { readonly enabled: boolean; readonly max_concurrent: number; readonly max_seconds: number };
  readonly federation: { readonly stream_capacity: number };
  readonly openbridge: readonly { readonly enabled: boolean }[];
  readonly upstream: readonly { readonly enabled: boolean }[];
}

export function estimateMemory(config: MemoryConfigView): MemoryEstimate {
  const items: MemoryItem[] = [];
  const add = (key: string, value: number, what: string, entries: number, bytesPerEntry: number, when: "start" | "full"): void => {
    items.push({ key, value, what, entries, bytesPerEntry, bytes: entries * bytesPerEntry, when });
  };
  const r = config.routing;
  // The stream table starts at STREAM_POOL_STEP records and grows in steps as calls start (router_context.ts).
  const streamsAtStart = Math.min(r.max_streams, STREAM_POOL_STEP);
  add("routing.max_streams", r.max_streams, "stream records (pooled, made at start)", streamsAtStart, STREAM_BYTES, "start");
  if (r.max_streams > streamsAtStart) add("routing.max_streams", r.max_streams, "stream records (grown as calls start)", r.max_streams - streamsAtStart, STREAM_BYTES, "full");
  add("routing.max_finished_streams", r.max_finished_streams, "finished-stream memory", r.max_finished_streams, FINISHED_STREAM_BYTES, "start");
  const links = config.openbridge.filter((l) => l.enabled).length + config.upstream.filter((l) => l.enabled).length;
  add("hbp.max_peers", config.hbp.max_peers, "per-port tables", config.hbp.max_peers + links + PORT_HEADROOM, PORT_SLOT_BYTES, "start");
  if (links > 0) {
    // rounded up to a power of two (stream_table.ts); the table is dropped when no link is enabled
    let size = 8;
    while (size < config.federation.stream_capacity) size *= 2;
    add("federation.stream_capacity", config.federation.stream_capacity, "federation loop-control table", size, FEDERATION_SLOT_BYTES + 8 * Math.ceil(links / 32), "start");
  }
  if (config.parrot.enabled) {
    const frames = Math.ceil((config.parrot.max_seconds * 1000) / FRAME_MS) + 2;
    add("parrot.max_concurrent", config.parrot.max_concurrent, `parrot recordings (${config.parrot.max_seconds} s each)`, config.parrot.max_concurrent, frames * PARROT_FRAME_BYTES + STREAM_BYTES, "start");
  }
  if (config.hbp.enabled) add("hbp.max_peers", config.hbp.max_peers, "logged-in hotspots", config.hbp.max_peers, HOTSPOT_BYTES, "full");
  add("routing.max_subscriptions", r.max_subscriptions, "subscriptions", r.max_subscriptions, SUBSCRIPTION_BYTES, "full");
  add("routing.max_subscribers", r.max_subscribers, "last-heard radio ids", r.max_subscribers, SUBSCRIBER_BYTES, "full");
  const startBytes = sum(items.filter((i) => i.when === "start"));
  const fullBytes = RUNTIME_BYTES + sum(items);
  return { items, startBytes, fullBytes };
}

function sum(items: readonly MemoryItem[]): number {
  return items.reduce((total, item) => total + item.bytes, 0);
}

/**
 * Limits that would hurt the machine, each naming its key: the start allocation above
 * min(START_LIMIT_BYTES, half of `totalMemoryBytes`), or everything full above `totalMemoryBytes`.
 * The keys named are the ones carrying at least a fifth of the excess total (always the largest).
 */
export function memoryErrors(config: MemoryConfigView, totalMemoryBytes: number): ConfigError[] {
  const estimate = estimateMemory(config);
  const errors: ConfigError[] = [];
  const startLimit = Math.min(START_LIMIT_BYTES, Math.floor(totalMemoryBytes / 2));
  const startLimitText =
    startLimit === START_LIMIT_BYTES ? `the ${formatBytes(START_LIMIT_BYTES)} limit` : `half of this machine's ${formatBytes(totalMemoryBytes)} of memory`;
  if (estimate.startBytes > startLimit) {
    const start = estimate.items.filter((i) => i.when === "start");
    for (const item of culprits(start, estimate.startBytes)) {
      errors.push(limitError(item, estimate.startBytes, startLimit, `all tables together would allocate ${formatBytes(estimate.startBytes)} at start, above ${startLimitText}`));
    }
  }
  if (estimate.fullBytes > totalMemoryBytes) {
    const named = new Set(errors.map((e) => e.path));
    for (const item of culprits(estimate.items, estimate.fullBytes - RUNTIME_BYTES)) {
      if (named.has(item.key)) continue;
      named.add(item.key);
      errors.push(
        limitError(item, estimate.fullBytes, totalMemoryBytes, `with every table full the server would need about ${formatBytes(estimate.fullBytes)}, more than this machine's ${formatBytes(totalMemoryBytes)} of memory`),
      );
    }
  }
  return errors;
}

/** Items carrying at least a fifth of `total` (merged per key), largest first; at least the largest. */
function culprits(items: readonly MemoryItem[], total: number): MemoryItem[] {
  const byKey = new Map<string, MemoryItem>();
  for (const item of items) {
    const seen = byKey.get(item.key);
    byKey.set(
      item.key,
      seen === undefined ? item : { ...seen, bytes: seen.bytes + item.bytes, bytesPerEntry: seen.bytesPerEntry + item.bytesPerEntry, what: `${seen.what} and ${item.what}` },
    );
  }
  const sorted = [...byKey.values()].sort((a, b) => b.bytes - a.bytes);
  const big = sorted.filter((item) => item.bytes * 5 >= total);
  return big.length > 0 ? big : sorted.slice(0, 1);
}

function limitError(item: MemoryItem, total: number, limit: number, why: string): ConfigError {
  // the largest value of this key that fits with the others unchanged (per unit of the key's value)
  const perUnit = item.value > 0 ? item.bytes / item.value : item.bytesPerEntry;
  const room = limit - (total - item.bytes);
  const fits = room > 0 ? Math.floor(room / perUnit) : 0;
  const hint = fits > 0 && fits < item.value ? `at most about ${fits} here` : "a lower value here (or lower the other limits)";
  return {
    path: item.key,
    value: item.value,
    expected: `${hint}: ${item.what} take about ${formatBytes(item.bytes)} (${formatBytes(item.bytesPerEntry)} each); ${why}`,
  };
}

/** 1536 → "1.5 KiB", 7340032 → "7.0 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** One line for --check-config and the start-up log: `memory: about 6.6 MiB at start, up to 330 MiB with every table full (...)`. */
export function describeMemory(estimate: MemoryEstimate): string {
  const top = [...estimate.items].sort((a, b) => b.bytes - a.bytes).slice(0, 4);
  const parts = top.map((item) => `${item.key} ${item.value}: ${formatBytes(item.bytes)}${item.when === "full" ? " when full" : ""}`);
  return `about ${formatBytes(estimate.startBytes)} allocated at start, up to ${formatBytes(estimate.fullBytes)} with every table full (largest: ${parts.join("; ")})`;
}

/** Type check: Config satisfies the view. */
export function memoryView(config: Config): MemoryConfigView {
  return config;
}

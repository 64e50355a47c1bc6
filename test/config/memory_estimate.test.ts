/**
 * The memory estimate of the config's sized tables (src/config/memory_estimate.ts): what the
 * default config costs, and limits that would hurt the machine refused with the key named. The
 * per-entry costs themselves are measured by bench/config_memory.bench.ts.
 */
import { describe, expect, test } from "bun:test";
import { formatConfigError } from "../../src/config/errors.ts";
import { parseConfigText, validateConfig } from "../../src/config/load.ts";
import { describeMemory, estimateMemory, START_LIMIT_BYTES, STREAM_BYTES } from "../../src/config/memory_estimate.ts";
import { defaultConfig } from "../../src/config/schema.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe("memory estimate", () => {
  test("the default config: a few MiB at start, well under 512 MiB with every table full", () => {
    const estimate = estimateMemory(defaultConfig());
    expect(estimate.startBytes).toBeGreaterThan(4 * MiB);
    expect(estimate.startBytes).toBeLessThan(16 * MiB);
    expect(estimate.fullBytes).toBeLessThan(512 * MiB);
    expect(estimate.items.find((i) => i.key === "routing.max_streams")?.bytes).toBe(2048 * STREAM_BYTES);
    expect(describeMemory(estimate)).toMatch(/^about \d+\.\d MiB allocated at start, up to \d+\.\d MiB with every table full \(largest: /);
  });

  test("the federation table counts only when a link is enabled (it is dropped otherwise)", () => {
    const config = defaultConfig();
    expect(estimateMemory(config).items.some((i) => i.key === "federation.stream_capacity")).toBe(false);
    const linked = parseConfigText(
      '[server]\nserver_id = 1\n[federation]\nstream_capacity = 1000\n[[openbridge]]\nname = "a"\ntarget_address = "127.0.0.1"\npassphrase = "x"\nnetwork_id = 2\n',
    );
    if (!linked.ok) throw new Error(JSON.stringify(linked.errors));
    const item = estimateMemory(linked.config).items.find((i) => i.key === "federation.stream_capacity");
    expect(item?.entries).toBe(1024); // rounded up to a power of two
  });

  test("routing.max_streams = 1000000 (1.9 GB at start) is refused naming the key and the largest value that fits", () => {
    const result = parseConfigText("[routing]\nmax_streams = 1000000\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(["routing.max_streams"]);
    const text = formatConfigError(result.errors[0]!);
    expect(text).toStartWith("routing.max_streams: got 1000000, expected at most about ");
    expect(text).toContain("1.9 GiB");
    const fits = Number(/at most about (\d+)/.exec(text)![1]);
    // the suggested value itself passes
    expect(fits).toBeGreaterThan(16);
    expect(parseConfigText(`[routing]\nmax_streams = ${fits}\n`, "toml").ok).toBe(true);
    expect(parseConfigText(`[routing]\nmax_streams = ${fits + 2000}\n`, "toml").ok).toBe(false);
  });

  test("the start limit is the smaller of 1 GiB and half the machine's memory", () => {
    const document = { routing: { max_streams: 100_000 } }; // ~195 MiB at start
    expect(validateConfig(document, { totalMemoryBytes: 64 * GiB }).ok).toBe(true);
    const small = validateConfig(document, { totalMemoryBytes: 256 * MiB });
    expect(small.ok).toBe(false);
    if (small.ok) return;
    expect(small.errors[0]!.path).toBe("routing.max_streams");
    expect(small.errors[0]!.expected).toContain("half of this machine's 256.0 MiB of memory");
    expect(START_LIMIT_BYTES).toBe(GiB);
  });

  test("tables that grow are refused when, full, they would not fit the machine's memory; each big one is named", () => {
    const document = { routing: { max_subscriptions: 10_000_000, max_subscribers: 10_000_000 } }; // ~3.7 GiB + 1.6 GiB when full
    expect(validateConfig(document, { totalMemoryBytes: 64 * GiB }).ok).toBe(true);
    const result = validateConfig(document, { totalMemoryBytes: 4 * GiB });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(["routing.max_subscribers", "routing.max_subscriptions"]);
    for (const error of result.errors) expect(error.expected).toContain("more than this machine's 4.0 GiB of memory");
  });

  test("the default config fits a 512 MiB machine", () => {
    expect(validateConfig({}, { totalMemoryBytes: 512 * MiB }).ok).toBe(true);
  });
});

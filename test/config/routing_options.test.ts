import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import { defaultConfig, type Config } from "../../src/config/schema.ts";
import { aclPermits } from "../../src/core/acl.ts";
import { routingOptionsFromConfig } from "../../src/config/routing_options.ts";
import { DEFAULT_ROUTING_OPTIONS } from "../../src/core/routing/options.ts";

function load(toml: string): Config {
  const result = parseConfigText(toml, "toml");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

function errorsOf(toml: string): string[] {
  const result = parseConfigText(toml, "toml");
  return result.ok ? [] : result.errors.map((e) => e.path);
}

describe("routing config → RoutingOptions", () => {
  test("defaults map onto the core's defaults", () => {
    const o = routingOptionsFromConfig(defaultConfig());
    expect(o.hangTimeMs).toBe(DEFAULT_ROUTING_OPTIONS.hangTimeMs);
    expect(o.streamTimeoutMs).toBe(360);
    expect(o.maxStreamMs).toBe(180_000);
    expect(o.uaTimerMinutes).toBe(10);
    expect(o.subscriberTtlMs).toBe(24 * 3600_000);
    expect(o.parrot).toMatchObject({ enabled: true, talkgroupId: 9990, delayMs: 2000, frameIntervalMs: 60 });
    expect(o.dial.enabled).toBe(true);
    expect(o.bridges).toEqual([]);
    expect(o.capacities.maxPorts).toBeGreaterThanOrEqual(defaultConfig().hbp.max_peers);
  });

  test("a full routing config", () => {
    const config = load(`
[routing]
group_hang_time_seconds = 5
ua_timer_minutes = 30
single_mode = true
subscriber_acl = "DENY:1234567"
tgid_ts2_acl = "PERMIT:91,3100"

[parrot]
max_seconds = 30
max_concurrent = 4

[dial]
enabled = false

[[hbp.access_rules]]
name = "club"
callsign = "G4*"
ts1_static = [2350]
ts2_static = [23590, 91]
ua_timer_minutes = 0
single_mode = "off"
default_reflector = 2350
sub_acl = "PERMIT:2340000-2349999"

[[bridges]]
name = "uk"
[[bridges.members]]
system = "club"
slot = 1
talkgroup = 3100
[[bridges.members]]
system = "2345601"
slot = 2
talkgroup = 31000
active = false
timeout_minutes = 5
timeout_type = "on"
on = [8]
`);
    const o = routingOptionsFromConfig(config);
    expect(o.hangTimeMs).toBe(5000);
    expect(o.uaTimerMinutes).toBe(30);
    expect(o.singleModeDefault).toBe(true);
    expect(aclPermits(o.subscriberAcl, 1234567)).toBe(false);
    expect(aclPermits(o.talkgroupTs2Acl, 3100)).toBe(true);
    expect(aclPermits(o.talkgroupTs2Acl, 3101)).toBe(false);
    expect(o.parrot.maxConcurrent).toBe(4);
    expect(o.parrot.maxFrames).toBeGreaterThanOrEqual(500);
    expect(o.dial.enabled).toBe(false);
    const club = o.accessRules["club"]!;
    expect(club.ts1Static).toEqual([2350]);
    expect(club.ts2Static).toEqual([23590, 91]);
    expect(club.uaTimerMinutes).toBe(0);
    expect(club.singleMode).toBe(false);
    expect(club.defaultReflector).toBe(2350);
    expect(aclPermits(club.subscriberAcl, 2345678)).toBe(true);
    expect(aclPermits(club.subscriberAcl, 3120001)).toBe(false);
    expect(o.bridges).toEqual([
      {
        name: "uk",
        members: [
          { system: "club", slot: 1, talkgroupId: 3100, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] },
          { system: "2345601", slot: 2, talkgroupId: 31000, active: false, timeoutMinutes: 5, timeoutType: "on", on: [8], off: [], reset: [] },
        ],
      },
    ]);
  });

  test("semantic errors name their key paths", () => {
    const paths = errorsOf(`
[routing]
subscriber_acl = "ALLOW:1"

[[hbp.access_rules]]
name = "club"
callsign = "G4*"
ts1_static = [9990]
default_reflector = 9
tgid_ts1_acl = "PERMIT:"

[[bridges]]
name = "b"
[[bridges.members]]
system = "nobody"
talkgroup = 1
timeout_type = "on"
`);
    expect(paths).toContain("routing.subscriber_acl");
    expect(paths).toContain("hbp.access_rules[0].ts1_static[0]");
    expect(paths).toContain("hbp.access_rules[0].default_reflector");
    expect(paths).toContain("hbp.access_rules[0].tgid_ts1_acl");
    expect(paths).toContain("bridges[0].members");
    expect(paths).toContain("bridges[0].members[0].system");
    expect(paths).toContain("bridges[0].members[0].timeout_minutes");
  });

  test("an unnamed access rule is found as \"rule #N\" (the HBP master's name for it)", () => {
    const config = load(`
[[hbp.access_rules]]
name = "a"
callsign = "G4*"
[[hbp.access_rules]]
callsign = "M0*"
ts1_static = [2350]
[[bridges]]
name = "b"
[[bridges.members]]
system = "rule #2"
talkgroup = 3100
[[bridges.members]]
system = "a"
talkgroup = 3100
`);
    const o = routingOptionsFromConfig(config);
    expect(o.accessRules["rule #2"]!.ts1Static).toEqual([2350]);
    expect(errorsOf(`[[hbp.access_rules]]\nname = "x"\ncallsign = "A*"\n[[hbp.access_rules]]\nname = "x"\ncallsign = "B*"\n`)).toContain("hbp.access_rules[1].name");
  });

  test("unknown keys are errors (typos are never silently ignored)", () => {
    expect(errorsOf(`[routing]\nhang_time = 3\n`).some((p) => p.startsWith("routing"))).toBe(true);
    expect(errorsOf(`[parrot]\ntalkgroup = 9990\ndelay = 1\n`).some((p) => p.startsWith("parrot"))).toBe(true);
  });
});

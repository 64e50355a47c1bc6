import { describe, expect, test } from "bun:test";
import { aclPermits } from "../../src/core/acl.ts";
import { federationOptionsFromConfig } from "../../src/config/federation_options.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { renderDefaultConfigToml } from "../../src/config/default_toml.ts";

const GOOD = `
[server]
server_id = 2341

[[openbridge]]
name = "FreeDMR-UK"
port = 62044
target_address = "192.0.2.20"
target_port = 62045
passphrase = "link-secret"
network_id = 2345
protocol = 5
tgid_acl = "DENY:1-90"

[[openbridge.talkgroup_map]]
link_first = 2350
link_last = 2359
local_first = 91000

[[openbridge]]
name = "BM"
port = 62046
target_address = "2001:db8::1"
target_port = 62046
passphrase = "bm"
network_id = 2341999
protocol = 1
pass_all_talkgroups = false

[[openbridge]]
name = "off"
enabled = false

[[upstream]]
name = "BM-2341"
address = "192.0.2.31"
passphrase = "pw"
repeater_id = 234100101
callsign = "N0CALL"
options = "TS1=91;"

[[upstream.talkgroup_map]]
slot = 2
remote_first = 235
local_first = 2350
direction = "down"
`;

describe("[[openbridge]] / [[upstream]] config", () => {
  test("a complete file maps onto the link options", () => {
    const load = parseConfigText(GOOD, "toml");
    if (!load.ok) throw new Error(JSON.stringify(load.errors));
    const o = federationOptionsFromConfig(load.config);
    expect(o.serverId).toBe(2341);
    expect(o.streamMemoryMs).toBe(180_000);
    expect(o.openbridge.map((l) => l.name)).toEqual(["FreeDMR-UK", "BM"]);
    const uk = o.openbridge[0]!;
    expect([uk.protocol, uk.enhanced, uk.unitCalls, uk.relaxedChecks, uk.acceptAnyPeerId]).toEqual([5, true, true, true, false]);
    expect([uk.port, uk.targetAddress, uk.targetPort, uk.networkId, uk.keepaliveTimeoutMs, uk.maxAgeMs, uk.maxHops]).toEqual([
      62044, "192.0.2.20", 62045, 2345, 60_000, 5_000, 10,
    ]);
    expect(uk.talkgroupMap.ranges).toEqual([
      { linkSlot: 1, linkFirst: 2350, linkLast: 2359, localFirst: 91000 },
      { linkSlot: 1, linkFirst: 1, linkLast: 16777215, localFirst: 1 },
    ]);
    expect(aclPermits(uk.talkgroupMap.ingressAcl, 90)).toBe(false);
    expect(aclPermits(uk.talkgroupMap.ingressAcl, 91)).toBe(true);
    const bm = o.openbridge[1]!;
    expect([bm.protocol, bm.enhanced, bm.unitCalls]).toEqual([1, false, false]);
    expect(bm.talkgroupMap.ranges).toEqual([]);
    const up = o.upstream[0]!;
    expect([up.address, up.port, up.repeaterId, up.callsign, up.options, up.pingIntervalMs, up.retryMs, up.timeoutMs]).toEqual([
      "192.0.2.31", 62031, 234100101, "N0CALL", "TS1=91;", 10_000, 10_000, 60_000,
    ]);
    expect(up.talkgroups).toEqual([{ slot: 2, remoteFirst: 235, remoteLast: 235, localFirst: 2350, direction: "down" }]);
  });

  test("missing and wrong values are reported with their key paths", () => {
    const load = parseConfigText(
      `
[[openbridge]]
name = "a"
target_address = "peer.example.org"
protocol = 1

[[openbridge]]
name = "a"
port = 62031
target_address = "192.0.2.1"
passphrase = "x"
network_id = 5
sub_acl = "ALLOW:1"

[[upstream]]
name = "u"
address = ""
`,
      "toml",
    );
    expect(load.ok).toBe(false);
    if (load.ok) return;
    const paths = load.errors.map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        "openbridge[0].target_address",
        "openbridge[0].passphrase",
        "openbridge[0].network_id",
        "openbridge[1].name",
        "openbridge[1].port",
        "openbridge[1].sub_acl",
        "server.server_id",
        "upstream[0].address",
        "upstream[0].passphrase",
        "upstream[0].repeater_id",
      ].sort(),
    );
  });

  test("an unknown key inside [[openbridge]] is an error", () => {
    const load = parseConfigText(`[[openbridge]]\nname = "x"\npasphrase = "typo"\n`, "toml");
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.errors.some((e) => e.path === "openbridge[0].pasphrase")).toBe(true);
  });

  test("the generated default config loads back, with the federation sections present", () => {
    const text = renderDefaultConfigToml("test");
    expect(text).toContain("[[openbridge]]");
    expect(text).toContain("[[upstream]]");
    expect(text).toContain("[federation]");
    const load = parseConfigText(text, "toml");
    expect(load.ok).toBe(true);
  });
});

/**
 * The core's reload hooks, without sockets: federation links added and removed (port and
 * loop-control indexes reused, names unique), and the routing options update (what is kept from
 * the start-up options is reported). Over real sockets: test/shell/reload.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { aclOrThrow } from "../../src/core/acl.ts";
import { RecordingSink } from "../../src/core/events.ts";
import { createFederation, FEDERATION_PORTS_MIN } from "../../src/core/federation/federation.ts";
import { openBridgeLinkOptions } from "../../src/core/federation/link_options.ts";
import { Outbox } from "../../src/core/outbox.ts";
import { NullRouter } from "../../src/core/router_contract.ts";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { Prng } from "../../src/lib/prng.ts";
import { PortIndexPool } from "../../src/core/hbp_master/port_index_pool.ts";

const link = (name: string) => openBridgeLinkOptions({ name, port: 0, targetAddress: "127.0.0.1", targetPort: 9, passphrase: "p", networkId: 1 });

describe("federation reload hooks", () => {
  test("links added and removed; indexes reused; duplicate names refused; bounded", () => {
    const pool = new PortIndexPool();
    const f = createFederation({ serverId: 1, openbridge: [link("A")] }, { router: new NullRouter(), outbox: new Outbox(16), events: new RecordingSink(), wallClockMs: () => 0, portIndexes: pool });
    const a = f.linkByName("A")!;
    const b = f.addOpenBridge(link("B"));
    expect(f.handlers.map((h) => h.name)).toEqual(["A", "B"]);
    expect(() => f.addOpenBridge(link("A"))).toThrow('two links are named "A"');
    expect(f.removeLink("B")).toBe(true);
    expect(f.removeLink("B")).toBe(false);
    expect(f.handlers.map((h) => h.name)).toEqual(["A"]);
    const c = f.addOpenBridge(link("C"));
    expect(c.federationIndex).toBe(b.federationIndex);
    expect(c.portIndex).toBe(b.portIndex);
    expect(a.federationIndex).not.toBe(c.federationIndex);
    for (let i = 2; i < FEDERATION_PORTS_MIN; i++) f.addOpenBridge(link(`L${i}`));
    expect(() => f.addOpenBridge(link("one-too-many"))).toThrow("no room");
  });
});

describe("routing options update", () => {
  test("ACLs and timers replaced; start-up-sized parts kept and reported", () => {
    const router = createRouter(routingOptions({ hangTimeMs: 10_000 }), { outbox: new Outbox(16), events: new RecordingSink(), prng: new Prng(1) });
    const next = routingOptions({ hangTimeMs: 2_000, talkgroupTs1Acl: aclOrThrow("DENY:91"), capacities: { maxStreams: 7 }, bridges: [{ name: "x", members: [] }] });
    const { kept } = router.updateOptions(next);
    expect(kept.sort()).toEqual(["bridges", "capacities"]);
    expect(router.options.hangTimeMs).toBe(2_000);
    expect(router.options.talkgroupTs1Acl).toEqual(aclOrThrow("DENY:91"));
    expect(router.options.capacities.maxStreams).not.toBe(7);
    expect(router.options.bridges).toEqual([]);
  });
});

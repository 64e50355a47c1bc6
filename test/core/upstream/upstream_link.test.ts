import { describe, expect, test } from "bun:test";
import { createFederation } from "../../../src/core/federation/federation.ts";
import { HbpMaster } from "../../../src/core/hbp_master/hbp_master.ts";
import { defaultHbpMasterOptions } from "../../../src/core/hbp_master/options.ts";
import { UpstreamState, type UpstreamLink } from "../../../src/core/upstream/upstream_link.ts";
import { upstreamLinkOptions, type UpstreamLinkOptions } from "../../../src/core/upstream/upstream_options.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { classifyMasterMessage, MasterMessage } from "../../../src/core/upstream/master_messages.ts";
import { FakeNet, type FakeServer, voiceCall } from "../federation/support/fake_net.ts";
import { playCall } from "../federation/support/topology.ts";

const MASTER = "10.0.0.9";
const MASTER_PORT = 62031;

function startMaster(net: FakeNet, passphrase = "up-secret"): { server: FakeServer; master: HbpMaster } {
  const server = net.server(MASTER);
  const master = new HbpMaster(defaultHbpMasterOptions({ port: MASTER_PORT, passphrase, loginRateLimitPerMinute: 0 }), {
    router: server.router,
    outbox: server.outbox,
    events: server.events,
    prng: new Prng(1),
  });
  server.host(master);
  return { server, master };
}

function setup(overrides: Partial<UpstreamLinkOptions> = {}) {
  const net = new FakeNet();
  let m = startMaster(net);
  const client = net.server("10.0.0.1");
  const federation = createFederation(
    {
      serverId: 2341,
      upstream: [
        upstreamLinkOptions({
          name: "up",
          address: MASTER,
          port: MASTER_PORT,
          passphrase: "up-secret",
          repeaterId: 234100199,
          callsign: "N0CALL",
          options: "TS1=3100;TS2=3200;",
          retryMs: 10_000,
          ...overrides,
        }),
      ],
    },
    { router: client.router, outbox: client.outbox, events: client.events, wallClockMs: () => 0 },
  );
  for (const h of federation.handlers) client.host(h);
  const up = federation.upstreams[0]!;
  return {
    net,
    client,
    up,
    get master() {
      return m;
    },
    restartMaster(passphrase?: string) {
      net.remove(m.server);
      m = startMaster(net, passphrase);
    },
  };
}

function wireTags(net: FakeNet, from: string): string[] {
  return net.log.filter((d) => d.from.startsWith(from)).map((d) => String.fromCharCode(...d.bytes.subarray(0, Math.min(7, d.bytes.length))));
}

describe("upstream link (freedmr as an HBP client)", () => {
  test("logs in (RPTL, RPTK, RPTC, RPTO), pings every 10 s and comes up in the router", () => {
    const s = setup();
    s.net.advance(1_000);
    expect(s.up.state).toBe(UpstreamState.Running);
    const session = s.master.master.session(234100199);
    expect(session).toBeDefined();
    expect(s.master.master.sessionInfos()[0]!.callsign).toBe("N0CALL");
    expect(s.master.master.sessionInfos()[0]!.options).toBe("TS1=3100;TS2=3200;");
    expect(s.client.flood!.upEvents).toEqual(["up:up"]);
    expect(s.client.events.events.some((e) => e.type === "link.up" && e.link === "up")).toBe(true);
    const sent = wireTags(s.net, "10.0.0.1").map((t) => t.slice(0, 4));
    expect(sent.slice(0, 4)).toEqual(["RPTL", "RPTK", "RPTC", "RPTO"]);
    s.net.advance(35_000, 500);
    expect(s.up.counters.pingsOut).toBe(3);
    expect(s.up.counters.pongsIn).toBe(3);
    expect(s.up.state).toBe(UpstreamState.Running);
  });

  test("carries calls both ways; frames going up carry our repeater id", () => {
    const s = setup();
    s.net.advance(1_000);
    const hClient = s.client.addHotspot(3120001);
    const hMaster = s.master.server.addHotspot(3120002);
    const upCall = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x11 }, 3120001);
    playCall(s.net, { server: s.client, serverId: 0, federation: null as never }, hClient, upCall);
    expect(hMaster.ofStream(0x11).length).toBe(upCall.length);
    const upWire = s.net.log.filter((d) => d.to === `${MASTER}:${MASTER_PORT}` && d.bytes.length === 55);
    expect(upWire.every((d) => ((d.bytes[11]! << 24) | (d.bytes[12]! << 16) | (d.bytes[13]! << 8) | d.bytes[14]!) >>> 0 === 234100199)).toBe(true);
    const downCall = voiceCall({ sourceId: 3120202, destinationId: 3200, streamId: 0x12, slot: 2 }, 3120002);
    playCall(s.net, { server: s.master.server, serverId: 0, federation: null as never }, hMaster, downCall);
    expect(hClient.ofStream(0x12).length).toBe(downCall.length);
    expect(hClient.ofStream(0x12)[0]![15]! & 0x80).toBe(0x80); // slot kept (the router maps it)
    // a stream that came down is never sent back up
    expect(s.up.counters.egressEcho).toBe(0);
    expect(hMaster.ofStream(0x12).length).toBe(0);
  });

  test("survives a master restart: MSTNAK to a ping → log in again on the same port 10 s later", () => {
    const s = setup();
    s.net.advance(1_000);
    const portBefore = s.client.localPort(0);
    s.restartMaster();
    s.net.advance(12_000, 500); // next ping is NAKed by the new master
    expect(s.up.counters.naks).toBe(1);
    expect(s.up.state).toBe(UpstreamState.WaitingLogin);
    expect(s.client.flood!.upEvents).toEqual(["up:up", "down:up"]);
    s.net.advance(23_000, 500);
    expect(s.up.state).toBe(UpstreamState.Running);
    expect(s.client.localPort(0)).toBe(portBefore);
    expect(s.master.master.session(234100199)).toBeDefined();
    expect(s.client.flood!.upEvents).toEqual(["up:up", "down:up", "up:up"]);
    const hClient = s.client.addHotspot(3120001);
    const hMaster = s.master.server.addHotspot(3120002);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x21 }, 3120001);
    playCall(s.net, { server: s.client, serverId: 0, federation: null as never }, hClient, call);
    expect(hMaster.ofStream(0x21).length).toBe(call.length);
  });

  test("MSTCL (master shutting down) → reopen on a new source port, log in again", () => {
    const s = setup();
    s.net.advance(1_000);
    const portBefore = s.client.localPort(0);
    for (let i = 0; i < 10 && s.master.master.shutdown(s.net.nowMs) === false; i++) s.net.run();
    s.net.run();
    expect(s.up.counters.masterClosed).toBe(1);
    expect(s.up.state).toBe(UpstreamState.WaitingConnect);
    expect(s.client.localPort(0)).not.toBe(portBefore);
    s.restartMaster();
    s.net.advance(12_000, 500);
    expect(s.up.state).toBe(UpstreamState.Running);
  });

  test("no answer for 60 s → timeout, new source port, and login resumes when the master answers", () => {
    const s = setup();
    s.net.advance(1_000);
    const portBefore = s.client.localPort(0);
    s.net.drop = (d) => d.from.startsWith(MASTER);
    s.net.advance(62_000, 500);
    expect(s.up.counters.timeouts).toBe(1);
    expect(s.client.localPort(0)).not.toBe(portBefore);
    expect(s.client.flood!.upEvents).toEqual(["up:up", "down:up"]);
    s.net.drop = () => false;
    s.net.advance(90_000, 500);
    expect(s.up.state).toBe(UpstreamState.Running);
  });

  test("wrong passphrase: MSTNAK to RPTK, reopen, retry every 10 s, never up", () => {
    const s = setup({ passphrase: "wrong" });
    s.net.advance(35_000, 500);
    expect(s.up.state).not.toBe(UpstreamState.Running);
    expect(s.up.counters.loginFailures).toBeGreaterThanOrEqual(3);
    expect(s.up.counters.loginFailures).toBeLessThanOrEqual(4);
    expect(s.client.flood!.upEvents).toEqual([]);
    expect(s.client.events.events.some((e) => e.type === "log" && e.level === "warn" && e.msg.includes("refused"))).toBe(true);
  });

  test("talkgroup map directions: an up-only range is not accepted from the master", () => {
    const s = setup({ talkgroups: [{ slot: 1, remoteFirst: 91, remoteLast: 91, localFirst: 91, direction: "up" }], passAllTalkgroups: false });
    s.net.advance(1_000);
    const hClient = s.client.addHotspot(3120001);
    const hMaster = s.master.server.addHotspot(3120002);
    playCall(s.net, { server: s.master.server, serverId: 0, federation: null as never }, hMaster, voiceCall({ sourceId: 3120202, destinationId: 91, streamId: 0x31 }, 1));
    expect(hClient.ofStream(0x31).length).toBe(0);
    expect(s.up.counters.filtered).toBeGreaterThan(0);
    playCall(s.net, { server: s.client, serverId: 0, federation: null as never }, hClient, voiceCall({ sourceId: 3120101, destinationId: 91, streamId: 0x32 }, 1));
    expect(hMaster.ofStream(0x32).length).toBeGreaterThan(0);
    playCall(s.net, { server: s.client, serverId: 0, federation: null as never }, hClient, voiceCall({ sourceId: 3120101, destinationId: 92, streamId: 0x33 }, 1));
    expect(hMaster.ofStream(0x33).length).toBe(0);
  });

  test("ignores datagrams from anyone but the master", () => {
    const s = setup();
    s.net.advance(1_000);
    const link: UpstreamLink = s.up;
    const nak = new TextEncoder().encode("MSTNAK\0\0\0\0");
    expect(classifyMasterMessage(nak)).toBe(MasterMessage.Mstnak);
    link.onDatagram(s.net.nowMs, 0, "10.0.0.66", MASTER_PORT, nak);
    link.onDatagram(s.net.nowMs, 0, MASTER, MASTER_PORT + 1, nak);
    expect(link.counters.badSource).toBe(2);
    expect(link.state).toBe(UpstreamState.Running);
  });
});

describe("upstream talkgroup map", () => {
  test("options talkgroups go up on their slot, the rest on default_slot; the master's other slot still comes down", async () => {
    const { upstreamRouterMap, optionsTalkgroups } = await import("../../../src/core/upstream/upstream_options.ts");
    expect(optionsTalkgroups("TS1=91,92; TS2=3100;DIAL=0;TS3=5;TS2=abc")).toEqual([
      { slot: 1, talkgroupId: 91 },
      { slot: 1, talkgroupId: 92 },
      { slot: 2, talkgroupId: 3100 },
    ]);
    const map = upstreamRouterMap(
      upstreamLinkOptions({ name: "u", options: "TS1=91;", talkgroups: [{ slot: 1, remoteFirst: 235, remoteLast: 235, localFirst: 2350, direction: "both" }] }),
    );
    expect(map.ranges).toEqual([
      { linkSlot: 1, linkFirst: 235, linkLast: 235, localFirst: 2350 },
      { linkSlot: 1, linkFirst: 91, linkLast: 91, localFirst: 91 },
      { linkSlot: 2, linkFirst: 1, linkLast: 16777215, localFirst: 1 },
      { linkSlot: 1, linkFirst: 1, linkLast: 16777215, localFirst: 1 },
    ]);
    expect(upstreamRouterMap(upstreamLinkOptions({ name: "u", passAllTalkgroups: false })).ranges).toEqual([]);
  });

  test("the same stream from the master on both slots is taken once", () => {
    const s = setup();
    s.net.advance(1_000);
    const hClient = s.client.addHotspot(3120001);
    // frames as the master would send them, on both slots of our session
    const call = voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: 0x41 }, 1);
    for (const f of call) {
      for (const slot of [1, 2]) {
        const copy = f.slice();
        copy[15] = slot === 2 ? copy[15]! | 0x80 : copy[15]! & 0x7f;
        s.up.onDatagram(s.net.nowMs, 0, MASTER, MASTER_PORT, copy);
      }
      s.net.run();
      s.net.nowMs += 60;
    }
    expect(hClient.ofStream(0x41).length).toBe(call.length);
    expect(s.up.counters.duplicateSlot).toBe(call.length);
  });
});

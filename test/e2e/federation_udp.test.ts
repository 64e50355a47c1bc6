/**
 * Federation end to end over real UDP on 127.0.0.1, servers in this process: the real shell
 * (startServer), the real router, OpenBridge/FBP and upstream links wired through startServer's
 * extraHandlers, hotspots simulated by test/support/hbp_client.ts. Ports are chosen at run time.
 * (test/e2e/federation_processes.test.ts runs the same scenarios as separate processes through the CLI.)
 */
import { afterEach, describe, expect, test } from "bun:test";
import { openBridgeLinkOptions, type OpenBridgeProtocol } from "../../src/core/federation/link_options.ts";
import { UpstreamState } from "../../src/core/upstream/upstream_link.ts";
import { upstreamLinkOptions } from "../../src/core/upstream/upstream_options.ts";
import { Blake2b } from "../../src/lib/blake2b.ts";
import { HmacSha1 } from "../../src/lib/hmac_sha1.ts";
import { DmreStatus, FbpMeta, decodeDmre, encodeDmre } from "../../src/wire/fbp.ts";
import { voiceCall } from "../core/federation/support/fake_net.ts";
import { encodeBcka } from "../../src/wire/bridge_control.ts";
import { BCKA_LENGTH, openBridgeKey } from "../../src/wire/openbridge.ts";
import type { HbpClient } from "../support/hbp_client.ts";
import { HbpClient as Client } from "../support/hbp_client.ts";
import { framesOf, freePorts, hotspot, sendCall, startFederatedServer, until, waitForFrames, type FederatedServer } from "../core/federation/support/e2e.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning
    }
  }
});

const SERVER_IDS = [2341, 2342, 2343];

interface LinkPlan {
  a: number;
  b: number;
  protocol: OpenBridgeProtocol;
  passphraseB?: string;
}

/** Start `count` servers joined by `plans`; fast keepalives so liveness is observable in a test. */
async function network(count: number, plans: LinkPlan[], keepalive = { intervalMs: 200, timeoutMs: 1500 }): Promise<FederatedServer[]> {
  const ports = await freePorts(plans.length * 2);
  const links = Array.from({ length: count }, () => [] as ReturnType<typeof openBridgeLinkOptions>[]);
  plans.forEach((p, i) => {
    const portA = ports[i * 2]!;
    const portB = ports[i * 2 + 1]!;
    const common = { protocol: p.protocol, bindAddress: "127.0.0.1", relaxedChecks: false, keepaliveIntervalMs: keepalive.intervalMs, keepaliveTimeoutMs: keepalive.timeoutMs };
    links[p.a]!.push(openBridgeLinkOptions({ ...common, name: `to-${p.b}`, port: portA, targetAddress: "127.0.0.1", targetPort: portB, passphrase: "link-secret", networkId: SERVER_IDS[p.b]! }));
    links[p.b]!.push(openBridgeLinkOptions({ ...common, name: `to-${p.a}`, port: portB, targetAddress: "127.0.0.1", targetPort: portA, passphrase: p.passphraseB ?? "link-secret", networkId: SERVER_IDS[p.a]! }));
  });
  const servers: FederatedServer[] = [];
  for (let i = 0; i < count; i++) {
    const s = await startFederatedServer({ serverId: SERVER_IDS[i]!, openbridge: links[i]! });
    cleanups.push(() => s.stop());
    servers.push(s);
  }
  return servers;
}

async function hotspots(servers: FederatedServer[], options: string): Promise<HbpClient[]> {
  const clients: HbpClient[] = [];
  for (const s of servers) {
    const c = await hotspot(s.test.port, options);
    cleanups.push(() => c.close());
    clients.push(c);
  }
  return clients;
}

function linkUp(s: FederatedServer, name: string): boolean {
  return s.federation.links.find((l) => l.name === name)?.up ?? false;
}

let streamSeq = 0x7e000000;

for (const protocol of [1, 5] as const) {
  describe(`two servers over ${protocol === 1 ? "OpenBridge v1" : "FBP v5"} (real UDP)`, () => {
    test("calls cross in both directions, every frame, 55 bytes", async () => {
      const servers = await network(2, [{ a: 0, b: 1, protocol }]);
      const [hA, hB] = await hotspots(servers, "TS2=3100;");
      expect(await until(() => linkUp(servers[0]!, "to-1") && linkUp(servers[1]!, "to-0"))).toBe(true);
      const ab = ++streamSeq;
      const n = await sendCall(hA!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: ab });
      const got = await waitForFrames(hB!, ab, n);
      expect(got.length).toBe(n);
      expect(got.every((f) => f.length === 55 && f.slot === 2 && f.destinationId === 3100 && f.sourceId === 3120101)).toBe(true);
      const ba = ++streamSeq;
      const m = await sendCall(hB!, { sourceId: 3120202, destinationId: 3100, slot: 2, streamId: ba });
      expect((await waitForFrames(hA!, ba, m)).length).toBe(m);
      // nobody hears their own call back
      await Client.settle(100);
      expect(framesOf(hA!, ab).length).toBe(0);
      expect(framesOf(hB!, ba).length).toBe(0);
    });
  });
}

describe("loop triangle of three servers (real UDP)", () => {
  for (const protocol of [5, 1] as const) {
    test(`all v${protocol}: every hotspot receives every frame exactly once; nothing circulates after the call`, async () => {
      const servers = await network(3, [
        { a: 0, b: 1, protocol },
        { a: 1, b: 2, protocol },
        { a: 2, b: 0, protocol },
      ]);
      const hs = await hotspots(servers, "TS2=3100;");
      expect(await until(() => servers.every((s) => s.federation.links.every((l) => l.up)))).toBe(true);
      for (let origin = 0; origin < 3; origin++) {
        const sid = ++streamSeq;
        const n = await sendCall(hs[origin]!, { sourceId: 3120100 + origin, destinationId: 3100, slot: 2, streamId: sid, voiceFrames: 18 });
        for (let i = 0; i < 3; i++) if (i !== origin) expect((await waitForFrames(hs[i]!, sid, n)).length).toBe(n);
        await Client.settle(300);
        const before = servers.map((s) => s.federation.links.reduce((sum, l) => sum + l.counters.framesOut + l.counters.framesIn, 0));
        await Client.settle(500);
        const after = servers.map((s) => s.federation.links.reduce((sum, l) => sum + l.counters.framesOut + l.counters.framesIn, 0));
        expect(after).toEqual(before); // nothing circulates
        for (let i = 0; i < 3; i++) {
          const seqs = framesOf(hs[i]!, sid).map((f) => f.sequence);
          expect(seqs.length).toBe(i === origin ? 0 : n); // exactly once each
          expect(new Set(seqs).size).toBe(seqs.length);
        }
      }
    });
  }
});

describe("link failures (real UDP)", () => {
  test("a link with a wrong passphrase carries nothing", async () => {
    const servers = await network(2, [{ a: 0, b: 1, protocol: 5, passphraseB: "not-it" }]);
    const [hA, hB] = await hotspots(servers, "TS2=3100;");
    await Client.settle(500);
    expect(linkUp(servers[0]!, "to-1")).toBe(false);
    expect(linkUp(servers[1]!, "to-0")).toBe(false);
    const sid = ++streamSeq;
    await sendCall(hA!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: sid });
    const sid2 = ++streamSeq;
    await sendCall(hB!, { sourceId: 3120202, destinationId: 3100, slot: 2, streamId: sid2 });
    await Client.settle(300);
    expect(framesOf(hB!, sid).length).toBe(0);
    expect(framesOf(hA!, sid2).length).toBe(0);
    const bad = servers.map((s) => s.federation.links[0]!.counters.badMac);
    expect(bad[0]! + bad[1]!).toBeGreaterThan(0);
  });

  test("a link that goes silent stops receiving and resumes after keepalives return", async () => {
    const servers = await network(2, [{ a: 0, b: 1, protocol: 5 }]);
    const [hA] = await hotspots(servers.slice(0, 1), "TS2=3100;");
    expect(await until(() => linkUp(servers[0]!, "to-1"))).toBe(true);
    // B dies: A stops sending to it once its keepalives are 1.5 s old
    const bLink = servers[1]!.federation.links[0]!.options;
    await servers[1]!.stop();
    expect(await until(() => !linkUp(servers[0]!, "to-1"), 4000)).toBe(true);
    const outBefore = servers[0]!.federation.links[0]!.counters.framesOut;
    await sendCall(hA!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: ++streamSeq });
    await Client.settle(100);
    expect(servers[0]!.federation.links[0]!.counters.framesOut).toBe(outBefore);
    // B comes back on the same link port: its keepalives bring the link up and calls flow again
    const b2 = await startFederatedServer({ serverId: SERVER_IDS[1]!, openbridge: [bLink] });
    cleanups.push(() => b2.stop());
    const hB = await hotspot(b2.test.port, "TS2=3100;");
    cleanups.push(() => hB.close());
    expect(await until(() => linkUp(servers[0]!, "to-1"), 4000)).toBe(true);
    const sid = ++streamSeq;
    const n = await sendCall(hA!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: sid });
    expect((await waitForFrames(hB, sid, n)).length).toBe(n);
  });
});

describe("link address rules with relaxed checks (real UDP)", () => {
  test("a replayed BCKA from a third address gets nothing and the link stays; a peer that really moves is followed", async () => {
    const [portA, portB] = await freePorts(2);
    const common = { protocol: 5 as const, bindAddress: "127.0.0.1", keepaliveIntervalMs: 200, keepaliveTimeoutMs: 1500, passphrase: "link-secret" };
    const optsA = openBridgeLinkOptions({ ...common, name: "to-1", port: portA!, targetAddress: "127.0.0.1", targetPort: portB!, networkId: SERVER_IDS[1]!, relaxedChecks: true });
    const optsB = openBridgeLinkOptions({ ...common, name: "to-0", port: portB!, targetAddress: "127.0.0.1", targetPort: portA!, networkId: SERVER_IDS[0]!, relaxedChecks: false });
    const a = await startFederatedServer({ serverId: SERVER_IDS[0]!, openbridge: [optsA] });
    cleanups.push(() => a.stop());
    const b = await startFederatedServer({ serverId: SERVER_IDS[1]!, openbridge: [optsB] });
    const hA = await hotspot(a.test.port, "TS2=3100;");
    cleanups.push(() => hA.close());
    const hB = await hotspot(b.test.port, "TS2=3100;");
    cleanups.push(() => hB.close());
    const linkA = a.federation.links[0]!;
    expect(await until(() => linkA.up && b.federation.links[0]!.up)).toBe(true);

    // The attacker replays a keepalive (a constant: HMAC of "BCKA") from 127.0.0.3.
    const seen: Uint8Array[] = [];
    const attacker = await Bun.udpSocket({ hostname: "127.0.0.3", port: 0, socket: { data: (_s, data) => void seen.push(new Uint8Array(data)) } });
    cleanups.push(() => attacker.close());
    const bcka = new Uint8Array(BCKA_LENGTH);
    encodeBcka(new HmacSha1(openBridgeKey("link-secret")), bcka);
    for (let i = 0; i < 5; i++) {
      attacker.send(bcka, portA!, "127.0.0.1");
      await Client.settle(50);
    }
    await Client.settle(100);
    let sid = ++streamSeq;
    let n = await sendCall(hA, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: sid });
    expect((await waitForFrames(hB, sid, n)).length).toBe(n);
    await Client.settle(200);
    expect(seen.length).toBe(0);
    expect(linkA.target?.toString()).toBe(`127.0.0.1:${portB}`);
    expect(linkA.counters.addressNotFollowed).toBeGreaterThanOrEqual(5);

    // B's line changes address: B stops, B' (the same server) links from 127.0.0.2 on another port.
    await b.stop();
    const moved = await startFederatedServer({ serverId: SERVER_IDS[1]!, openbridge: [{ ...optsB, bindAddress: "127.0.0.2", port: 0 }] });
    cleanups.push(() => moved.stop());
    const hB2 = await hotspot(moved.test.port, "TS2=3100;");
    cleanups.push(() => hB2.close());
    // B''s keepalives are answered once B's old address has been silent 1.5 s, so B' comes up …
    expect(await until(() => moved.federation.links[0]!.up, 6000)).toBe(true);
    expect(linkA.target?.toString()).toBe(`127.0.0.1:${portB}`);
    // … and its first call, signed with fresh FBP timestamps, moves A's link to it.
    sid = ++streamSeq;
    n = await sendCall(hB2, { sourceId: 3120202, destinationId: 3100, slot: 2, streamId: sid });
    expect((await waitForFrames(hA, sid, n)).length).toBe(n);
    expect(linkA.target?.address).toBe("127.0.0.2");
    expect(linkA.counters.addressFollowed).toBe(1);
    sid = ++streamSeq;
    n = await sendCall(hA, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: sid });
    expect((await waitForFrames(hB2, sid, n)).length).toBe(n);
    expect(seen.length).toBe(0);
  });
});

describe("a FreeDMR PROTO_VER 4 peer (real UDP)", () => {
  test("its 85-byte frames with version byte 5 are heard (layout by length, counted); we answer in v4", async () => {
    const key = openBridgeKey("link-secret");
    const blake = new Blake2b(16, key);
    const got: Uint8Array[] = [];
    const peer = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, socket: { data: (_s, data) => void got.push(new Uint8Array(data)) } });
    cleanups.push(() => peer.close());
    const [port] = await freePorts(1);
    const opts = openBridgeLinkOptions({ name: "freedmr-v4", protocol: 4, bindAddress: "127.0.0.1", port: port!, targetAddress: "127.0.0.1", targetPort: peer.port, passphrase: "link-secret", networkId: SERVER_IDS[1]!, relaxedChecks: false, keepaliveIntervalMs: 200, keepaliveTimeoutMs: 1500 });
    const s = await startFederatedServer({ serverId: SERVER_IDS[0]!, openbridge: [opts] });
    cleanups.push(() => s.stop());
    const [h] = await hotspots([s], "TS2=3100;");
    const link = s.federation.links[0]!;
    const bcka = new Uint8Array(BCKA_LENGTH);
    encodeBcka(new HmacSha1(key), bcka);
    peer.send(bcka, port!, "127.0.0.1");
    expect(await until(() => link.up)).toBe(true);
    // what FreeDMR with PROTO_VER: 4 sends: the v4 layout (85 bytes) with 5 in byte 55
    const sid = ++streamSeq;
    const frames = voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: sid }, SERVER_IDS[1]!);
    const meta = new FbpMeta();
    meta.version = 4;
    meta.sourceServer = SERVER_IDS[1]!;
    meta.hops = 1;
    for (const f of frames) {
      const out = new Uint8Array(89);
      meta.timestampMs = Date.now();
      const n = encodeDmre(f, SERVER_IDS[1]!, meta, blake, out);
      out[55] = 5;
      blake.reset().update(out, 0, n - 16).digestTo(out, n - 16);
      peer.send(out.subarray(0, n), port!, "127.0.0.1");
      await Client.settle(5);
    }
    expect((await waitForFrames(h!, sid, frames.length)).length).toBe(frames.length);
    expect(link.counters.layoutByLength).toBe(frames.length);
    expect(link.version).toBe(4);
    // a call back goes out in v4: 85 bytes, version byte 4, a MAC that verifies
    const back = ++streamSeq;
    const n = await sendCall(h!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: back });
    expect(await until(() => got.filter((d) => d.length === 85).length >= n)).toBe(true);
    const decoded = new FbpMeta();
    for (const d of got.filter((x) => String.fromCharCode(...x.subarray(0, 4)) === "DMRE")) {
      expect(d.length).toBe(85);
      expect(d[55]).toBe(4);
      expect(decodeDmre(d, blake, new Uint8Array(16), decoded, new Uint8Array(55))).toBe(DmreStatus.Ok);
    }
  });
});

describe("upstream peer link to a second freedmr (real UDP)", () => {
  test("logs in, carries calls both ways, survives the master's restart (NAK → re-login)", async () => {
    const [masterPort] = await freePorts(1);
    let master = await startFederatedServer({ serverId: 2350 }, masterPort!);
    cleanups.push(() => master.stop());
    const client = await startFederatedServer({
      serverId: 2341,
      upstream: [
        upstreamLinkOptions({
          name: "up",
          bindAddress: "127.0.0.1",
          address: "127.0.0.1",
          port: masterPort!,
          passphrase: "passw0rd",
          repeaterId: 234100199,
          callsign: "N0CALL",
          options: "TS2=3100;",
          pingIntervalMs: 200,
          retryMs: 300,
          timeoutMs: 2000,
        }),
      ],
    });
    cleanups.push(() => client.stop());
    const up = client.federation.upstreams[0]!;
    expect(await until(() => up.state === UpstreamState.Running)).toBe(true);
    expect(await until(() => master.test.hbp.session(234100199) !== undefined)).toBe(true);
    const hLocal = await hotspot(client.test.port, "TS2=3100;");
    cleanups.push(() => hLocal.close());
    let hRemote = await hotspot(master.test.port, "TS2=3100;");
    cleanups.push(() => hRemote.close());

    const upSid = ++streamSeq;
    const n = await sendCall(hLocal, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: upSid });
    expect((await waitForFrames(hRemote, upSid, n)).length).toBe(n);
    const downSid = ++streamSeq;
    const m = await sendCall(hRemote, { sourceId: 3120202, destinationId: 3100, slot: 2, streamId: downSid });
    expect((await waitForFrames(hLocal, downSid, m)).length).toBe(m);

    // the master crashes (no MSTCL) and comes back on the same port: our next ping is NAKed and we
    // log in again from the same source port (hbp-and-dmr.md §1.6)
    const portBefore = client.test.server.host.localPort(client.test.server.boundSockets().find((b) => b.name === "upstream:up")!.socketIndex);
    (master.test.hbp as unknown as { shutdown: () => boolean }).shutdown = () => true;
    await master.stop();
    master = await startFederatedServer({ serverId: 2350 }, masterPort!);
    cleanups.push(() => master.stop());
    expect(await until(() => up.counters.naks >= 1, 4000)).toBe(true);
    expect(await until(() => up.state === UpstreamState.Running && master.test.hbp.session(234100199) !== undefined, 4000)).toBe(true);
    expect(up.counters.reopens).toBe(0);
    expect(client.test.server.host.localPort(client.test.server.boundSockets().find((b) => b.name === "upstream:up")!.socketIndex)).toBe(portBefore);
    hRemote = await hotspot(master.test.port, "TS2=3100;");
    cleanups.push(() => hRemote.close());
    const again = ++streamSeq;
    const k = await sendCall(hLocal, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: again });
    expect((await waitForFrames(hRemote, again, k)).length).toBe(k);
    const back = ++streamSeq;
    const j = await sendCall(hRemote, { sourceId: 3120202, destinationId: 3100, slot: 2, streamId: back });
    expect((await waitForFrames(hLocal, back, j)).length).toBe(j);

    // a clean restart: MSTCL → reopen on a new source port → log in again
    await master.stop();
    expect(await until(() => up.counters.masterClosed === 1, 2000)).toBe(true);
    master = await startFederatedServer({ serverId: 2350 }, masterPort!);
    cleanups.push(() => master.stop());
    expect(await until(() => up.state === UpstreamState.Running && master.test.hbp.session(234100199) !== undefined, 4000)).toBe(true);
    expect(up.counters.reopens).toBe(1);
    hRemote = await hotspot(master.test.port, "TS2=3100;");
    cleanups.push(() => hRemote.close());
    const last = ++streamSeq;
    const l = await sendCall(hLocal, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: last });
    expect((await waitForFrames(hRemote, last, l)).length).toBe(l);
  });
});

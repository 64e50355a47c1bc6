import { describe, expect, test } from "bun:test";
import { Blake2b } from "../../../src/lib/blake2b.ts";
import { HmacSha1 } from "../../../src/lib/hmac_sha1.ts";
import { toHex } from "../../../src/lib/hex.ts";
import { encodeBcka, encodeBcsq, encodeBcve } from "../../../src/wire/bridge_control.ts";
import { readUint24, readUint32 } from "../../../src/wire/dmrd.ts";
import { DmreStatus, FbpMeta, decodeDmre, encodeDmre } from "../../../src/wire/fbp.ts";
import { encodeObpV1, openBridgeKey, verifyObpV1 } from "../../../src/wire/openbridge.ts";
import { voiceCall } from "./support/fake_net.ts";
import { EPOCH_MS, buildNetwork, link, playCall } from "./support/topology.ts";

const KEY = openBridgeKey("s3cret-link");

function dmrdFramesTo(net: { log: { from: string; to: string; bytes: Uint8Array }[] }, to: string, tag: string): Uint8Array[] {
  return net.log.filter((d) => d.to === to && String.fromCharCode(...d.bytes.subarray(0, 4)) === tag).map((d) => d.bytes);
}

describe("OpenBridge v1 link between two servers", () => {
  test("a call crosses both ways: 73-byte frames with our server id, TS1, valid HMAC; 55-byte frames at the far hotspot", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 1 }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(100);
    expect(link(a, "to-1").up).toBe(true);
    expect(link(a, "to-1").options.enhanced).toBe(false);

    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0xaabbcc01, slot: 2 }, 3120001);
    playCall(net, a, hA, call);
    const got = hB.ofStream(0xaabbcc01);
    expect(got.length).toBe(call.length);
    for (let i = 0; i < call.length; i++) {
      expect(got[i]!.length).toBe(55);
      // everything but the repeater id, the slot bit and BER/RSSI is intact
      expect(toHex(got[i]!, 0, 11)).toBe(toHex(call[i]!, 0, 11));
      expect(got[i]![15]).toBe(call[i]![15]! & 0x7f);
      expect(toHex(got[i]!, 16, 53)).toBe(toHex(call[i]!, 16, 53));
      expect(got[i]![53]).toBe(0);
      expect(got[i]![54]).toBe(0);
    }
    const wire = dmrdFramesTo(net, "10.0.0.2:50100", "DMRD");
    expect(wire.length).toBe(call.length);
    const hmac = new HmacSha1(KEY);
    for (const w of wire) {
      expect(w.length).toBe(73);
      expect(readUint32(w, 11)).toBe(a.serverId);
      expect(w[15]! & 0x80).toBe(0);
      expect(verifyObpV1(w, hmac)).toBe(true);
    }

    const back = voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: 0xaabbcc02 }, 3120002);
    playCall(net, b, hB, back);
    expect(hA.ofStream(0xaabbcc02).length).toBe(back.length);
    expect(link(a, "to-1").counters.framesIn).toBe(back.length);
    expect(link(b, "to-0").counters.framesIn).toBe(call.length);
  });

  test("a wrong passphrase carries nothing, and is counted", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 1, passphraseB: "not-the-same" }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(100);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 7 }, 3120001);
    playCall(net, a, hA, call);
    playCall(net, b, hB, voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: 8 }, 3120002));
    expect(hB.received.length).toBe(0);
    expect(hA.received.length).toBe(0);
    expect(link(b, "to-0").counters.badMac).toBe(call.length);
    // one link.refused per second per reason, counting every drop it stands for
    const refused = b.server.events.ofType("link.refused").filter((e) => e.link === "to-0" && e.reason === "bad-mac");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(call.length);
    link(b, "to-0").onTick(net.nowMs + 5_000); // the tick publishes what is still held back
    const all = b.server.events.ofType("link.refused").filter((e) => e.link === "to-0" && e.reason === "bad-mac");
    expect(all.reduce((n, e) => n + e.count, 0)).toBe(link(b, "to-0").counters.badMac);
  });

  test("network id must match bytes 11–14 unless accept_any_peer_id (HBlink4) is set for that link", () => {
    const { net, nodes } = buildNetwork(3, [
      { a: 0, b: 1, protocol: 1, optionsB: { networkId: 999 } },
      { a: 0, b: 2, protocol: 1, optionsB: { networkId: 999, acceptAnyPeerId: true } },
    ]);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    const hC = c.server.addHotspot(3120003);
    net.advance(100);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 9 }, 3120001);
    playCall(net, a, hA, call);
    expect(hB.received.length).toBe(0);
    expect(link(b, "to-0").counters.badNetworkId).toBe(call.length);
    expect(hC.ofStream(9).length).toBe(call.length);
    // the drop is explained: which id came, which was expected (the log names accept_any_peer_id)
    const refused = b.server.events.ofType("link.refused").find((e) => e.reason === "wrong-network-id");
    expect(refused).toMatchObject({ link: "to-0", networkId: a.serverId, expectedNetworkId: 999, address: "10.0.0.1" });
    expect(refused!.count).toBeGreaterThanOrEqual(1);
    expect(c.server.events.ofType("link.refused").length).toBe(0);
  });

  test("strict checks drop a valid frame from the wrong address", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 1 }]);
    const b = nodes[1]!;
    const hB = b.server.addHotspot(3120002);
    net.advance(100);
    const frame = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 10 }, 1)[0]!;
    const wire = new Uint8Array(73);
    encodeObpV1(frame, nodes[0]!.serverId, new HmacSha1(KEY), wire);
    const l = link(b, "to-0");
    l.onDatagram(net.nowMs, 0, "10.0.0.66", 50001, wire);
    l.onDatagram(net.nowMs, 0, "10.0.0.1", 50002, wire); // right address, wrong port
    expect(l.counters.badSource).toBe(2);
    expect(hB.received.length).toBe(0);
    l.onDatagram(net.nowMs, 0, "::ffff:10.0.0.1", 50001, wire); // IPv4-mapped form of the peer
    expect(hB.received.length).toBe(1);
  });

  test("v1 drops TS2 frames, low-level-filtered talkgroups and unit calls", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 1 }]);
    const b = nodes[1]!;
    const hB = b.server.addHotspot(3120002);
    net.advance(100);
    const l = link(b, "to-0");
    const hmac = new HmacSha1(KEY);
    const send = (destinationId: number, flagsOr = 0, unit = false): void => {
      const f = voiceCall({ sourceId: 3120101, destinationId, streamId: destinationId, unit }, 1)[0]!;
      f[15] = f[15]! | flagsOr;
      const w = new Uint8Array(73);
      // encodeObpV1 clears TS2: write the MAC over the frame as is, like a broken peer would
      w.set(f.subarray(0, 53), 0);
      w.set([0, 0, 0x09, 0x25], 11);
      hmac.compute(w, 0, 53, w, 53);
      l.onDatagram(net.nowMs, 0, "10.0.0.1", 50001, w);
    };
    send(3100, 0x80);
    expect(l.counters.badSlot).toBe(1);
    for (const tg of [9, 79, 9990, 9999, 900999, 92, 150, 199]) send(tg);
    expect(l.counters.filtered).toBe(8);
    send(3120999, 0, true);
    expect(l.counters.unitRefused).toBe(1);
    send(3100);
    expect(hB.received.length).toBe(1);
  });
});

describe("FBP v5 link", () => {
  test("DMRE carries BER/RSSI, source server, source repeater and hops; each hop adds one", () => {
    const { net, nodes } = buildNetwork(3, [
      { a: 0, b: 1, protocol: 5 },
      { a: 1, b: 2, protocol: 5 },
    ]);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hC = c.server.addHotspot(3120003);
    net.advance(200);
    expect(link(a, "to-1").up).toBe(true);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x5005 }, 3120001);
    playCall(net, a, hA, call);
    expect(hC.ofStream(0x5005).length).toBe(call.length);
    const got = hC.ofStream(0x5005)[3]!;
    expect(got[53]).toBe(3);
    expect(got[54]).toBe(0x39);

    const blake = new Blake2b(16, KEY);
    const meta = new FbpMeta();
    const f55 = new Uint8Array(55);
    const firstHop = dmrdFramesTo(net, "10.0.0.2:50100", "DMRE");
    const secondHop = dmrdFramesTo(net, "10.0.0.3:50201", "DMRE");
    expect(firstHop.length).toBe(call.length);
    expect(secondHop.length).toBe(call.length);
    expect(decodeDmre(firstHop[0]!, blake, new Uint8Array(16), meta, f55)).toBe(DmreStatus.Ok);
    expect([meta.version, meta.sourceServer, meta.sourceRepeater, meta.hops]).toEqual([5, a.serverId, 3120001, 1]);
    expect(readUint32(firstHop[0]!, 11)).toBe(a.serverId);
    expect(Math.abs(meta.timestampMs - (EPOCH_MS + 200))).toBeLessThan(1);
    expect(decodeDmre(secondHop[0]!, blake, new Uint8Array(16), meta, f55)).toBe(DmreStatus.Ok);
    expect([meta.version, meta.sourceServer, meta.sourceRepeater, meta.hops]).toEqual([5, a.serverId, 3120001, 2]);
    expect(readUint32(secondHop[0]!, 11)).toBe(b.serverId);
  });

  test("old timestamps, too many hops and our own server id as source are dropped with one BCSQ per stream", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5 }]);
    const b = nodes[1]!;
    const hB = b.server.addHotspot(3120002);
    net.advance(200);
    const l = link(b, "to-0");
    const blake = new Blake2b(16, KEY);
    const meta = new FbpMeta();
    const send = (streamId: number, tweak: (m: FbpMeta) => void, frames = 3): void => {
      for (const f of voiceCall({ sourceId: 3120101, destinationId: 3100, streamId }, 1).slice(0, frames)) {
        meta.version = 5;
        meta.timestampMs = EPOCH_MS + net.nowMs;
        meta.sourceServer = 2341;
        meta.sourceRepeater = 1;
        meta.hops = 1;
        tweak(meta);
        const w = new Uint8Array(89);
        encodeDmre(f, 2341, meta, blake, w);
        l.onDatagram(net.nowMs, 0, "10.0.0.1", 50001, w);
      }
    };
    net.log.length = 0;
    send(101, (m) => (m.timestampMs -= 5_001));
    send(102, (m) => (m.hops = 10));
    send(103, (m) => (m.sourceServer = b.serverId));
    send(104, (m) => (m.sourceServer = 0));
    net.run();
    expect([l.counters.tooOld, l.counters.tooManyHops, l.counters.badSourceServer]).toEqual([3, 3, 6]);
    l.onTick(net.nowMs + 5_000);
    const refused = b.server.events.ofType("link.refused").filter((e) => e.link === "to-0");
    const total = (reason: string): number => refused.filter((e) => e.reason === reason).reduce((n, e) => n + e.count, 0);
    expect([total("too-old"), total("too-many-hops"), total("bad-source-server")]).toEqual([3, 3, 6]);
    expect(refused.find((e) => e.reason === "too-old")!.detail).toMatch(/^age 5\.0 s$/);
    expect(refused.find((e) => e.reason === "too-many-hops")!.detail).toBe("hops 10");
    const quenches = dmrdFramesTo(net, "10.0.0.1:50001", "BCSQ");
    expect(quenches.map((q) => readUint32(q, 7))).toEqual([101, 102, 103, 104]);
    expect(quenches.every((q) => readUint24(q, 4) === 3100)).toBe(true);
    expect(hB.received.length).toBe(0);
    send(105, (m) => (m.hops = 9)); // 9 + 1 = 10 is still allowed
    send(106, (m) => (m.timestampMs -= 4_900));
    expect(hB.received.length).toBe(6);
  });

  test("a received BCSQ stops that stream towards the peer; the router is told", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5 }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(200);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x77 }, 3120001);
    playCall(net, a, hA, call.slice(0, 4));
    const bcsq = new Uint8Array(31);
    encodeBcsq(3100, 0x77, new HmacSha1(KEY), bcsq);
    link(a, "to-1").onDatagram(net.nowMs, 0, "10.0.0.2", 50100, bcsq);
    playCall(net, a, hA, call.slice(4));
    expect(hB.ofStream(0x77).length).toBe(4);
    expect(link(a, "to-1").counters.egressQuenched).toBe(call.length - 4);
    expect(a.server.flood!.quenches).toEqual([{ port: link(a, "to-1"), talkgroupId: 3100, streamId: 0x77 }]);
  });

  test("version: BCVE upgrades 4 → 5 but never downgrades; plain DMRD on an FBP link is answered with BCVE", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 4, optionsB: { protocol: 4 } }]);
    const a = nodes[0]!;
    net.advance(200);
    const l = link(a, "to-1");
    expect(l.version).toBe(4);
    const hmac = new HmacSha1(KEY);
    const bcve = new Uint8Array(25);
    encodeBcve(5, hmac, bcve);
    l.onDatagram(net.nowMs, 0, "10.0.0.2", 50100, bcve);
    expect(l.version).toBe(5);
    encodeBcve(4, hmac, bcve);
    l.onDatagram(net.nowMs, 0, "10.0.0.2", 50100, bcve);
    encodeBcve(3, hmac, bcve);
    l.onDatagram(net.nowMs, 0, "10.0.0.2", 50100, bcve);
    expect(l.version).toBe(5);
    const w = new Uint8Array(73);
    encodeObpV1(voiceCall({ sourceId: 1234567, destinationId: 3100, streamId: 5 }, 1)[0]!, nodes[1]!.serverId, hmac, w);
    net.log.length = 0;
    l.onDatagram(net.nowMs, 0, "10.0.0.2", 50100, w);
    net.run();
    expect(l.counters.wrongProtocol).toBe(1);
    const sent = dmrdFramesTo(net, "10.0.0.2:50100", "BCVE");
    expect(sent.length).toBe(1);
    expect(sent[0]![4]).toBe(5);
  });

  test("a silent link stops receiving after 60 s and resumes when keepalives return", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5 }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(200);
    // cut B → A: A stops hearing B's keepalives
    net.drop = (d) => d.from.startsWith("10.0.0.2:");
    net.advance(59_000, 1000);
    expect(link(a, "to-1").up).toBe(true);
    net.advance(62_000, 1000);
    expect(link(a, "to-1").up).toBe(false);
    expect(a.server.events.events.flatMap((e) => (e.type === "link.down" ? [e.reason] : []))).toEqual(["keepalive-timeout"]);
    const framesOutBefore = link(a, "to-1").counters.framesOut;
    playCall(net, a, hA, voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x61 }, 3120001));
    expect(hB.ofStream(0x61).length).toBe(0);
    // the router was told the link is down; a frame emitted anyway is not sent
    expect(a.server.flood!.upEvents).toContain("down:to-1");
    expect(link(a, "to-1").counters.framesOut).toBe(framesOutBefore);
    link(a, "to-1").emit(net.nowMs, voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x63 }, 1)[0]!, a.server.outbox);
    expect(link(a, "to-1").counters.egressDown).toBe(1);
    expect(a.server.outbox.count).toBe(0);
    // B's keepalives return
    net.drop = () => false;
    net.advance(net.nowMs + 10_100, 1000);
    expect(link(a, "to-1").up).toBe(true);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x62 }, 3120001);
    playCall(net, a, hA, call);
    expect(hB.ofStream(0x62).length).toBe(call.length);
  });

  test("relaxed checks: a BCKA with the right MAC from another address moves nothing; a wrong MAC is counted", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5, optionsA: { relaxedChecks: true } }]);
    const a = nodes[0]!;
    net.advance(200);
    const l = link(a, "to-1");
    const peer = l.target!.toString();
    const bcka = new Uint8Array(24);
    encodeBcka(new HmacSha1(KEY), bcka);
    l.onDatagram(net.nowMs, 0, "192.0.2.77", 40404, bcka);
    expect(l.target?.toString()).toBe(peer);
    expect(l.counters.addressNotFollowed).toBe(1);
    const wrong = new Uint8Array(24);
    encodeBcka(new HmacSha1(openBridgeKey("other")), wrong);
    l.onDatagram(net.nowMs, 0, "198.51.100.1", 1, wrong);
    expect(l.target?.toString()).toBe(peer);
    expect(l.counters.badMac).toBe(1);
  });
});

describe("link address rules (relaxed checks): only fresh FBP traffic moves a link", () => {
  const ATTACKER = "10.0.0.66:40404";
  const MOVED = "10.0.0.77:40505";
  const at = (endpoint: string): [string, number] => [endpoint.slice(0, endpoint.lastIndexOf(":")), Number(endpoint.slice(endpoint.lastIndexOf(":") + 1))];
  const bcka = (): Uint8Array => {
    const b = new Uint8Array(24);
    encodeBcka(new HmacSha1(KEY), b);
    return b;
  };
  /** A DMRE frame as server `senderId` would sign it, with the given FBP timestamp. */
  const dmre = (senderId: number, timestampMs: number, streamId: number, version: 4 | 5 = 5, versionByte: number = version): Uint8Array => {
    const meta = new FbpMeta();
    meta.version = version;
    meta.timestampMs = timestampMs;
    meta.sourceServer = senderId;
    meta.hops = 1;
    const out = new Uint8Array(89);
    const blake = new Blake2b(16, KEY);
    const n = encodeDmre(voiceCall({ sourceId: 3120202, destinationId: 3100, streamId }, senderId)[0]!, senderId, meta, blake, out);
    out[55] = versionByte;
    blake.reset().update(out, 0, n - 16).digestTo(out, n - 16);
    return out.subarray(0, n);
  };

  test("a replayed BCKA from a third address gets nothing: no traffic, no answer; the real peer keeps the link", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5, optionsA: { relaxedChecks: true } }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(20_000);
    const l = link(a, "to-1");
    expect(l.up).toBe(true);
    // the attacker replays the keepalive every second for a minute (a BCKA is a constant)
    for (let t = 0; t < 60; t++) {
      l.onDatagram(net.nowMs, 0, ...at(ATTACKER), bcka());
      net.advance(net.nowMs + 1000);
    }
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x5101 }, 3120001);
    playCall(net, a, hA, call);
    expect(hB.ofStream(0x5101).length).toBe(call.length);
    expect(net.log.filter((d) => d.to === ATTACKER).length).toBe(0);
    expect(l.counters.addressNotFollowed).toBe(60);
    expect(l.counters.addressFollowed).toBe(0);
    expect(l.counters.keepaliveAnswers).toBe(0);
  });

  test("a peer that really moved is followed on fresh FBP traffic — not on a stale or replayed frame", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5, optionsA: { relaxedChecks: true } }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(200);
    const l = link(a, "to-1");
    const wall = (): number => EPOCH_MS + net.nowMs;
    // traffic from B's real address sets the newest timestamp
    playCall(net, b, hB, voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: 0x5201 }, 3120002));
    const newest = wall() - 60;
    // a replay of an earlier frame (timestamp not newer) from elsewhere: accepted as proof of life only
    l.onDatagram(net.nowMs, 0, ...at(ATTACKER), dmre(b.serverId, newest - 500, 0x5202));
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    // newer than anything seen, but older than max_age: no
    l.onDatagram(net.nowMs, 0, ...at(ATTACKER), dmre(b.serverId, wall() - 6_000, 0x5203));
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    expect(l.counters.addressFollowed).toBe(0);
    // B's line changes address: its next frame, fresh and newer, moves the link
    net.nowMs += 100;
    l.onDatagram(net.nowMs, 0, ...at(MOVED), dmre(b.serverId, wall(), 0x5204));
    expect(l.target?.toString()).toBe(MOVED);
    expect(l.counters.addressFollowed).toBe(1);
    expect(a.server.events.ofType("log").some((e) => e.msg.includes(`peer is now at ${MOVED}`))).toBe(true);
    // a keepalive from the old address does not move it back
    l.onDatagram(net.nowMs, 0, "10.0.0.2", 50100, bcka());
    expect(l.target?.toString()).toBe(MOVED);
    // the link's traffic now goes to the new address
    const sentBefore = net.log.length;
    playCall(net, a, hA, voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x5205 }, 3120001));
    const sent = net.log.slice(sentBefore).filter((d) => String.fromCharCode(...d.bytes.subarray(0, 4)) === "DMRE");
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((d) => d.to === MOVED)).toBe(true);
  });

  test("a peer that moved while idle: once its old address is silent its keepalives are answered (not followed) until its traffic proves the move", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5, optionsA: { relaxedChecks: true } }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    net.advance(200);
    const l = link(a, "to-1");
    // B vanishes from its old address
    net.remove(b.server);
    net.advance(30_000);
    l.onDatagram(net.nowMs, 0, ...at(MOVED), bcka());
    net.run();
    expect(net.log.filter((d) => d.to === MOVED).length).toBe(0); // the old address was heard < 60 s ago
    net.advance(70_000);
    l.onDatagram(net.nowMs, 0, ...at(MOVED), bcka());
    l.onDatagram(net.nowMs, 0, ...at(MOVED), bcka()); // at most one answer a second
    net.run();
    const answers = net.log.filter((d) => d.to === MOVED);
    expect(answers.length).toBe(1);
    expect(toHex(answers[0]!.bytes)).toBe(toHex(bcka()));
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    expect(l.counters.keepaliveAnswers).toBe(1);
    l.onDatagram(net.nowMs, 0, ...at(MOVED), dmre(b.serverId, EPOCH_MS + net.nowMs, 0x5301));
    expect(l.target?.toString()).toBe(MOVED);
  });

  test("OpenBridge v1 never moves a link: signed v1 frames and keepalives from another address are accepted, not followed", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 1, optionsA: { relaxedChecks: true, enhanced: true }, optionsB: { enhanced: true } }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(20_000);
    const l = link(a, "to-1");
    expect(l.up).toBe(true);
    const frame = voiceCall({ sourceId: 3120202, destinationId: 3100, streamId: 0x5401 }, 1)[0]!;
    const wire = new Uint8Array(73);
    encodeObpV1(frame, b.serverId, new HmacSha1(KEY), wire);
    l.onDatagram(net.nowMs, 0, ...at(MOVED), wire);
    l.onDatagram(net.nowMs, 0, ...at(MOVED), bcka());
    expect(hA.ofStream(0x5401).length).toBe(1);
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    expect(l.counters.addressNotFollowed).toBe(2);
    playCall(net, a, hA, voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x5402 }, 3120001));
    expect(hB.ofStream(0x5402).length).toBeGreaterThan(0);
    expect(net.log.filter((d) => d.to === MOVED).length).toBe(0);
  });

  test("with no target_address the first signed packet sets the peer's address; later keepalives from elsewhere do not move it", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5, optionsA: { relaxedChecks: true, targetAddress: "" } }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const l = link(a, "to-1");
    expect(l.target).toBe(null);
    net.advance(20_000); // B's keepalives reach A
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    expect(l.up).toBe(true);
    expect(l.counters.addressFollowed).toBe(1);
    l.onDatagram(net.nowMs, 0, ...at(ATTACKER), bcka());
    expect(l.target?.toString()).toBe("10.0.0.2:50100");
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(net.nowMs + 200);
    const call = voiceCall({ sourceId: 3120101, destinationId: 3100, streamId: 0x5601 }, 3120001);
    playCall(net, a, hA, call);
    expect(hB.ofStream(0x5601).length).toBe(call.length);
  });

  test("a FreeDMR PROTO_VER 4 peer (85-byte frames, version byte 5) is heard; the link stays v4 and counts it", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 4 }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    net.advance(200);
    const l = link(a, "to-1");
    const frame = dmre(b.serverId, EPOCH_MS + net.nowMs, 0x5501, 4, 5);
    expect(frame.length).toBe(85);
    l.onDatagram(net.nowMs, 0, "10.0.0.2", 50100, frame);
    expect(hA.ofStream(0x5501).length).toBe(1);
    expect(l.version).toBe(4);
    expect(l.counters.layoutByLength).toBe(1);
    expect(l.counters.malformed + l.counters.badMac).toBe(0);
  });
});

describe("unit calls across FBP links", () => {
  test("unit data to a radio id ≥ 1,000,000 crosses; to a local service number it does not", () => {
    const { net, nodes } = buildNetwork(2, [{ a: 0, b: 1, protocol: 5 }]);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const hA = a.server.addHotspot(3120001);
    const hB = b.server.addHotspot(3120002);
    net.advance(200);
    expect(link(a, "to-1").acceptsUnitDataFlood).toBe(true);
    playCall(net, a, hA, voiceCall({ sourceId: 3120101, destinationId: 3120202, streamId: 0x4401, unit: true }, 3120001));
    expect(hB.ofStream(0x4401).length).toBeGreaterThan(0);
    expect(hB.ofStream(0x4401)[0]![15]! & 0x40).toBe(0x40);
    playCall(net, a, hA, voiceCall({ sourceId: 3120101, destinationId: 4000, streamId: 0x4402, unit: true }, 3120001));
    expect(hB.ofStream(0x4402).length).toBe(0);
    expect(link(a, "to-1").counters.egressFiltered).toBeGreaterThan(0);
  });
});

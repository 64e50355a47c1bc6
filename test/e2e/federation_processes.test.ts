/**
 * Federation across separate freedmr processes (`bun src/main.ts --config …`) on 127.0.0.1, ports
 * chosen at run time: calls over v1 and v5 links both ways, the loop triangle (v5 and v1), a wrong
 * passphrase, a link that goes silent and comes back, and an upstream peer link that survives its
 * master's restart. Every spawned process is killed in afterAll.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { HbpClient } from "../support/hbp_client.ts";
import { framesOf, freePorts, hotspot, sendCall, waitForFrames } from "../core/federation/support/e2e.ts";
import { killAll, serverToml, spawnServer, type ObpLinkToml, type ServerProcess } from "../core/federation/support/processes.ts";


afterAll(async () => {
  await killAll();
});

const IDS = [2341, 2342, 2343];
let streamSeq = 0x6d000000;
const clients: HbpClient[] = [];
afterAll(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
});

interface Plan {
  a: number;
  b: number;
  protocol: 1 | 5;
  passphraseB?: string;
}

interface Net {
  servers: ServerProcess[];
  hbpPorts: number[];
  linkPorts: Map<string, number>;
  tomls: string[];
}

async function network(count: number, plans: Plan[]): Promise<Net> {
  const ports = await freePorts(count + plans.length * 2);
  const hbpPorts = ports.slice(0, count);
  const links: ObpLinkToml[][] = Array.from({ length: count }, () => []);
  const linkPorts = new Map<string, number>();
  plans.forEach((p, i) => {
    const portA = ports[count + i * 2]!;
    const portB = ports[count + i * 2 + 1]!;
    linkPorts.set(`${p.a}>${p.b}`, portA);
    linkPorts.set(`${p.b}>${p.a}`, portB);
    links[p.a]!.push({ name: `to-${p.b}`, port: portA, targetPort: portB, networkId: IDS[p.b]!, protocol: p.protocol });
    links[p.b]!.push({ name: `to-${p.a}`, port: portB, targetPort: portA, networkId: IDS[p.a]!, protocol: p.protocol, ...(p.passphraseB === undefined ? {} : { passphrase: p.passphraseB }) });
  });
  const tomls = links.map((l, i) => serverToml(IDS[i]!, hbpPorts[i]!, l));
  const servers = await Promise.all(tomls.map((t, i) => spawnServer(`s${i}-${streamSeq}`, t, 1 + links[i]!.length)));
  return { servers, hbpPorts, linkPorts, tomls };
}

async function hotspotsFor(net: Net): Promise<HbpClient[]> {
  const out: HbpClient[] = [];
  for (const port of net.hbpPorts) {
    const c = await hotspot(port, "TS2=3100;");
    clients.push(c);
    out.push(c);
  }
  return out;
}

/** A call from hotspot `from` reaches every other hotspot completely (links come up within a few keepalives). */
async function callArrives(from: HbpClient, to: HbpClient[], timeoutMs = 8000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const sid = ++streamSeq;
    const n = await sendCall(from, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: sid });
    let all = true;
    for (const t of to) all = (await waitForFrames(t, sid, n, 1000)).length === n && all;
    if (all) return true;
  }
  return false;
}

describe("federation between freedmr processes", () => {
  for (const protocol of [1, 5] as const) {
    test(`v${protocol}: calls cross both ways`, async () => {
      const net = await network(2, [{ a: 0, b: 1, protocol }]);
      const [hA, hB] = await hotspotsFor(net);
      expect(await callArrives(hA!, [hB!])).toBe(true);
      expect(await callArrives(hB!, [hA!])).toBe(true);
      await Promise.all(net.servers.map((s) => s.kill()));
    }, 30_000);
  }

  for (const protocol of [5, 1] as const) {
    test(`triangle, all v${protocol}: every hotspot receives every frame exactly once; nothing circulates after the call`, async () => {
      const net = await network(3, [
        { a: 0, b: 1, protocol },
        { a: 1, b: 2, protocol },
        { a: 2, b: 0, protocol },
      ]);
      const hs = await hotspotsFor(net);
      expect(await callArrives(hs[0]!, [hs[1]!, hs[2]!])).toBe(true); // links are up
      for (const h of hs) h.clear();
      for (let origin = 0; origin < 3; origin++) {
        const sid = ++streamSeq;
        const n = await sendCall(hs[origin]!, { sourceId: 3120100 + origin, destinationId: 3100, slot: 2, streamId: sid, voiceFrames: 18 });
        for (let i = 0; i < 3; i++) if (i !== origin) expect((await waitForFrames(hs[i]!, sid, n)).length).toBe(n);
        await HbpClient.settle(1500);
        for (let i = 0; i < 3; i++) {
          const seqs = framesOf(hs[i]!, sid).map((f) => f.sequence);
          expect(seqs.length).toBe(i === origin ? 0 : n);
          expect(new Set(seqs).size).toBe(seqs.length);
        }
      }
      // nothing circulates: no frame of any stream arrives anywhere once the calls are over
      const counts = hs.map((h) => h.dmrd.length);
      await HbpClient.settle(1500);
      expect(hs.map((h) => h.dmrd.length)).toEqual(counts);
      await Promise.all(net.servers.map((s) => s.kill()));
    }, 60_000);
  }

  test("a link with a wrong passphrase carries nothing", async () => {
    const net = await network(2, [{ a: 0, b: 1, protocol: 5, passphraseB: "not-the-secret" }]);
    const [hA, hB] = await hotspotsFor(net);
    await HbpClient.settle(2500);
    const sid = ++streamSeq;
    await sendCall(hA!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: sid });
    const sid2 = ++streamSeq;
    await sendCall(hB!, { sourceId: 3120202, destinationId: 3100, slot: 2, streamId: sid2 });
    await HbpClient.settle(1000);
    expect(framesOf(hB!, sid).length).toBe(0);
    expect(framesOf(hA!, sid2).length).toBe(0);
    await Promise.all(net.servers.map((s) => s.kill()));
  }, 30_000);

  test("a link that goes silent stops receiving, and resumes when keepalives return", async () => {
    const net = await network(2, [{ a: 0, b: 1, protocol: 5 }]);
    const [hA] = await hotspotsFor(net);
    const hB0 = await hotspot(net.hbpPorts[1]!, "TS2=3100;");
    clients.push(hB0);
    expect(await callArrives(hA!, [hB0])).toBe(true);
    // B dies; a bare socket takes over B's link port and only listens (never answers)
    await net.servers[1]!.kill();
    const heard: string[] = [];
    const listener = await Bun.udpSocket({
      hostname: "127.0.0.1",
      port: net.linkPorts.get("1>0")!,
      socket: { data: (_s, data) => void heard.push(String.fromCharCode(...new Uint8Array(data).subarray(0, 4))) },
    });
    try {
      await HbpClient.settle(6500); // > keepalive_timeout_seconds (5)
      heard.length = 0;
      await sendCall(hA!, { sourceId: 3120101, destinationId: 3100, slot: 2, streamId: ++streamSeq });
      await HbpClient.settle(500);
      expect(heard.filter((t) => t === "DMRE")).toEqual([]); // no traffic to a silent peer
    } finally {
      listener.close();
    }
    // B comes back with the same config: its keepalives bring the link up again
    const b2 = await spawnServer("s1-again", net.tomls[1]!, 2);
    void b2;
    const hB = await hotspot(net.hbpPorts[1]!, "TS2=3100;");
    clients.push(hB);
    expect(await callArrives(hA!, [hB], 10_000)).toBe(true);
    await killAll();
  }, 60_000);

  test("an upstream peer link to a second freedmr logs in, survives the master's restart (NAK → re-login) and carries calls both ways", async () => {
    const [masterPort, clientPort] = await freePorts(2);
    const masterToml = serverToml(2350, masterPort!, []);
    let master = await spawnServer("master", masterToml, 1);
    const upstream = [
      "[[upstream]]",
      `name = "up"`,
      `bind_address = "127.0.0.1"`,
      `address = "127.0.0.1"`,
      `port = ${masterPort}`,
      `passphrase = "passw0rd"`,
      `repeater_id = 234100199`,
      `callsign = "N0CALL"`,
      `options = "TS2=3100;"`,
      `ping_interval_seconds = 1`,
      `retry_seconds = 1`,
      `timeout_seconds = 5`,
      "",
    ].join("\n");
    const client = await spawnServer("client", serverToml(2341, clientPort!, [], upstream), 2);
    const hLocal = await hotspot(clientPort!, "TS2=3100;");
    clients.push(hLocal);
    let hRemote = await hotspot(masterPort!, "TS2=3100;");
    clients.push(hRemote);
    expect(await callArrives(hLocal, [hRemote], 10_000)).toBe(true);
    expect(await callArrives(hRemote, [hLocal])).toBe(true);
    // the master is killed (no MSTCL) and restarted on the same port
    await master.kill("SIGKILL");
    master = await spawnServer("master-again", masterToml, 1);
    hRemote = await hotspot(masterPort!, "TS2=3100;");
    clients.push(hRemote);
    expect(await callArrives(hLocal, [hRemote], 10_000)).toBe(true);
    expect(await callArrives(hRemote, [hLocal])).toBe(true);
    // the client saw the restart as a NAK to its ping and logged in again
    expect(await client.waitForLog((l) => l["msg"] === "link down" && l["link"] === "up" && l["reason"] === "nak", 1000)).not.toBeNull();
    expect(client.lines.filter((l) => l["msg"] === "link up" && l["link"] === "up").length).toBe(2);
    await killAll();
  }, 60_000);
});

/**
 * The UDP host's sendmmsg batch (src/shell/udp/sendmmsg_batch.ts) over real sockets: the bytes and
 * length queued arrive from the host's own socket; a drain of more entries than one batch holds
 * goes out whole and in order; a dual-stack IPv6 socket reaches IPv4 peers through IPv4-mapped
 * addresses, and IPv6 peers, which go through Bun, keep their place in the outbox's order; a
 * socket without what the batch needs says why.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { HostedHandler, SocketSpec } from "../../../src/core/datagram_handler.ts";
import { Endpoint } from "../../../src/core/endpoint.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { SENDMMSG_BATCH_ENTRIES, SendmmsgBatch } from "../../../src/shell/udp/sendmmsg_batch.ts";
import { UdpHost } from "../../../src/shell/udp/udp_host.ts";
import { ipv6LoopbackAvailable } from "../../support/hbp_client.ts";

const sendmmsgPlatform = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");
const hosts: UdpHost[] = [];
const sockets: { close(): void }[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
  for (const s of sockets.splice(0)) s.close();
});

/** On every datagram, queue `entries` (endpoint, bytes, length) in order; each entry's bytes are its own. */
class Queuer implements HostedHandler {
  readonly name = "queuer";
  entries: { endpoint: Endpoint; bytes: Uint8Array; length: number }[] = [];
  constructor(
    readonly outbox: Outbox,
    readonly bindAddress: string,
  ) {}
  socketSpecs(): readonly SocketSpec[] {
    return [{ name: "queuer", bindAddress: this.bindAddress, port: 0, receiveBufferBytes: 0 }];
  }
  onDatagram(): void {
    for (const e of this.entries) expect(this.outbox.push(e.endpoint, e.bytes, e.length)).toBe(true);
  }
  onTick(): void {}
}

interface Receiver {
  readonly port: number;
  readonly got: { bytes: number[]; fromPort: number }[];
}

async function receiver(hostname: string): Promise<Receiver> {
  const got: { bytes: number[]; fromPort: number }[] = [];
  const s = await Bun.udpSocket({ hostname, port: 0, socket: { data: (_s, d, fromPort) => void got.push({ bytes: [...d], fromPort }) } });
  sockets.push(s);
  return { port: s.port, got };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(p: () => boolean, ms = 3000): Promise<boolean> {
  for (let t = 0; t < ms && !p(); t += 5) await wait(5);
  return p();
}

async function hostWith(bindAddress: string, outboxEntries: number): Promise<{ host: UdpHost; handler: Queuer; trigger: (address: string) => void }> {
  const outbox = new Outbox(outboxEntries);
  const handler = new Queuer(outbox, bindAddress);
  const host = new UdpHost(outbox, { tickIntervalMs: 10 });
  hosts.push(host);
  host.addHandler(handler);
  await host.start();
  const family = bindAddress.includes(":") ? "::1" : "127.0.0.1";
  const client = await Bun.udpSocket({ hostname: family, port: 0 });
  sockets.push(client);
  return { host, handler, trigger: (address) => void client.send(new Uint8Array([0]), host.localPort(0), address) };
}

describe.if(sendmmsgPlatform)("sendmmsg batch", () => {
  test("the queued bytes (only `length` of them) arrive from the host's socket; a drain larger than a batch goes out whole, in order", async () => {
    const { host, handler, trigger } = await hostWith("127.0.0.1", 1024);
    expect(host.boundSockets()[0]!.sendPath).toBe("sendmmsg");
    const receivers = [await receiver("127.0.0.1"), await receiver("127.0.0.1"), await receiver("127.0.0.1")];
    const total = 2 * SENDMMSG_BATCH_ENTRIES + 88; // three batches
    handler.entries = Array.from({ length: total }, (_, i) => {
      const bytes = new Uint8Array(8).fill(0xaa);
      bytes[0] = i >> 8;
      bytes[1] = i & 0xff;
      // lengths 2…7: the tail of the buffer must not go out
      return { endpoint: new Endpoint(0, "127.0.0.1", receivers[i % 3]!.port), bytes, length: 2 + (i % 6) };
    });
    trigger("127.0.0.1");
    expect(await until(() => receivers.reduce((n, r) => n + r.got.length, 0) === total)).toBe(true);
    receivers.forEach((r, k) => {
      const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 3 === k);
      expect(r.got.map((g) => (g.bytes[0]! << 8) | g.bytes[1]!)).toEqual(expected);
      expect(r.got.map((g) => g.bytes.length)).toEqual(expected.map((i) => 2 + (i % 6)));
      expect(r.got.every((g) => g.bytes.slice(2).every((b) => b === 0xaa) && g.fromPort === host.localPort(0))).toBe(true);
    });
    expect(host.stats.datagramsOut).toBe(total);
    expect(host.stats.sendCalls).toBe(3);
    expect(host.stats.sendErrors + host.stats.sendDropped).toBe(0);
  });

  test("a dual-stack socket reaches IPv4 peers (IPv4-mapped) and IPv6 peers (through Bun) in the outbox's order", async () => {
    if (!(await ipv6LoopbackAvailable())) {
      console.log("skipped: no IPv6 loopback (::1) on this machine");
      return;
    }
    const { host, handler, trigger } = await hostWith("::", 64);
    expect(host.boundSockets()[0]!.sendPath).toBe("sendmmsg");
    const v4 = await receiver("127.0.0.1");
    const v6 = await receiver("::1");
    // the host sees an IPv4 peer on a dual-stack socket as ::ffff:a.b.c.d, and keys it as IPv4
    const v4Endpoint = new Endpoint(0, "::ffff:127.0.0.1", v4.port);
    const v6Endpoint = new Endpoint(0, "::1", v6.port);
    expect(v4Endpoint.ipv4Key).toBeGreaterThanOrEqual(0);
    expect(v6Endpoint.ipv4Key).toBeLessThan(0);
    const order = [v4Endpoint, v4Endpoint, v6Endpoint, v4Endpoint, v6Endpoint, v6Endpoint, v4Endpoint];
    handler.entries = order.map((endpoint, i) => ({ endpoint, bytes: new Uint8Array([i]), length: 1 }));
    // both receivers record into one sequence, so the order across them shows
    const arrivals: number[] = [];
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const before = v4.got.length + v6.got.length;
      trigger("::1");
      expect(await until(() => v4.got.length + v6.got.length === before + order.length)).toBe(true);
      // on loopback each datagram is queued at its receiver during the send: arrival order across the two sockets is not observable here, per socket it is
      arrivals.push(...v4.got.slice(-4).map((g) => g.bytes[0]!), ...v6.got.slice(-3).map((g) => g.bytes[0]!));
    }
    expect(arrivals).toEqual(Array.from({ length: rounds }, () => [0, 1, 3, 6, 2, 4, 5]).flat());
    expect(host.stats.datagramsOut).toBe(rounds * order.length);
    // runs: v4 v4 | v6 | v4 | v6 v6 | v4 — five sends a round
    expect(host.stats.sendCalls).toBe(rounds * 5);
    expect(host.stats.sendErrors + host.stats.sendDropped).toBe(0);
  });

  test("a socket without an fd or a known family sends through Bun, and says why", () => {
    expect(SendmmsgBatch.open(undefined, "IPv4")).toBe("no socket fd");
    expect(SendmmsgBatch.open(-1, "IPv4")).toBe("no socket fd");
    expect(SendmmsgBatch.open(3, "unix")).toBe("address family unknown");
    expect(SendmmsgBatch.open(3, "IPv4")).toBeInstanceOf(SendmmsgBatch);
  });

  test("turned off, every socket sends through Bun and the bound socket says so", async () => {
    const outbox = new Outbox(8);
    const host = new UdpHost(outbox, { sendmmsg: false });
    hosts.push(host);
    host.addHandler(new Queuer(outbox, "127.0.0.1"));
    await host.start();
    expect(host.boundSockets()[0]).toMatchObject({ sendPath: "bun", sendmmsgUnavailable: "turned off" });
  });
});

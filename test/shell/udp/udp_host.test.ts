/**
 * UdpHost: fan-out through sendMany survives dead peers (ICMP → ECONNREFUSED thrown synchronously
 * by Bun because of IP_RECVERR, bun-notes §1), every send error is counted and never thrown,
 * handlers that throw are contained, ticks run (also through a flood that starves timers), reopen
 * moves to a new port, the benchmark probe sees every datagram and tick; two tick rates (fast while
 * something wants it, idle otherwise; a datagram that starts work and wake() switch to fast at once);
 * forwarded copies (the outbox's staged rows) of a receive batch go out together, in order, and at
 * most holdDatagrams datagrams' worth at a time, while a buffer its owner reuses goes out before
 * the next datagram is handled.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { HostedHandler, SocketControl, SocketSpec } from "../../../src/core/datagram_handler.ts";
import { Endpoint } from "../../../src/core/endpoint.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { HOLD_BELOW_ENTRIES, UdpHost, type HostProbe } from "../../../src/shell/udp/udp_host.ts";
import { DmrdStage, readUint32 } from "../../../src/wire/dmrd.ts";

const hosts: UdpHost[] = [];
const sockets: { close(): void }[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop();
  for (const s of sockets.splice(0)) s.close();
});

class FanOut implements HostedHandler {
  readonly name = "fanout";
  targets: Endpoint[] = [];
  ticks = 0;
  throwOnData = false;
  indexes: readonly number[] = [];
  control: SocketControl | null = null;
  readonly payload = new Uint8Array([1, 2, 3, 4]);
  constructor(readonly outbox: Outbox) {}
  socketSpecs(): readonly SocketSpec[] {
    return [{ name: "fanout", bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 0 }];
  }
  onSocketsBound(indexes: readonly number[], control: SocketControl): void {
    this.indexes = indexes;
    this.control = control;
  }
  onDatagram(): void {
    if (this.throwOnData) throw new Error("handler bug");
    for (const t of this.targets) this.outbox.push(t, this.payload, this.payload.length);
  }
  onTick(): void {
    this.ticks++;
  }
}

async function sink(): Promise<{ port: number; count: () => number; close: () => void }> {
  let n = 0;
  const s = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, socket: { data: () => void n++ } });
  sockets.push(s);
  return { port: s.port, count: () => n, close: () => s.close() };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(p: () => boolean, ms = 2000): Promise<boolean> {
  for (let t = 0; t < ms && !p(); t += 5) await wait(5);
  return p();
}

/** Both ways the host sends: its sendmmsg batch (sendmmsg_batch.ts) and Bun's send/sendMany. */
const SEND_PATHS = [
  ["sendmmsg", true],
  ["Bun sendMany", false],
] as const;
/** The sendmmsg batch is used where the platform has it (Linux on x64/arm64 with bun:ffi). */
const sendmmsgPlatform = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");

describe.each(SEND_PATHS)("UdpHost (sending through %s)", (_path, sendmmsg) => {
  /** A started host with a FanOut handler, and `trigger(n)`: n datagrams to it, 2 ms apart (ICMP reports come back between them). */
  async function fanOutHost(): Promise<{ host: UdpHost; handler: FanOut; trigger: (rounds: number) => Promise<void> }> {
    const outbox = new Outbox(256);
    const handler = new FanOut(outbox);
    const host = new UdpHost(outbox, { tickIntervalMs: 10, sendmmsg });
    hosts.push(host);
    host.addHandler(handler);
    await host.start();
    const socket = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    sockets.push(socket);
    const trigger = async (rounds: number): Promise<void> => {
      for (let i = 0; i < rounds; i++) {
        socket.send(new Uint8Array([0]), host.localPort(handler.indexes[0]!), "127.0.0.1");
        await wait(2);
      }
    };
    return { host, handler, trigger };
  }

  test("fan-out with dead peers in the batch: the live ones still get every datagram, errors are counted", async () => {
    const { host, handler, trigger } = await fanOutHost();
    expect(host.boundSockets()[0]!.sendPath).toBe(sendmmsg && sendmmsgPlatform ? "sendmmsg" : "bun");
    const live = [await sink(), await sink(), await sink()];
    const dead = [await sink(), await sink()];
    for (const d of dead) d.close();
    handler.targets = [dead[0]!, live[0]!, dead[1]!, live[1]!, live[2]!].map((s) => new Endpoint(0, "127.0.0.1", s.port));
    const rounds = 50;
    await trigger(rounds);
    expect(await until(() => live.every((s) => s.count() === rounds))).toBe(true);
    expect(live.map((s) => s.count())).toEqual([rounds, rounds, rounds]);
    console.log("host stats:", host.stats);
    expect(host.stats.datagramsIn).toBe(rounds);
    expect(host.stats.handlerErrors).toBe(0);
    // the kernel took every datagram for a dead peer too (its ICMP report comes back later); the
    // one after such a report fails, either reported (an error, retried) or as a short batch
    expect(host.stats.datagramsOut).toBe(rounds * 5);
    expect(host.stats.sendErrors + host.stats.sendShort).toBeGreaterThan(0);
  });

  test("a datagram the kernel refuses (port 0: EINVAL) is tried once more, dropped and named; the rest of the batch goes out", async () => {
    const { host, handler, trigger } = await fanOutHost();
    const live = [await sink(), await sink()];
    handler.targets = [new Endpoint(0, "127.0.0.1", live[0]!.port), new Endpoint(0, "127.0.0.1", 0), new Endpoint(0, "127.0.0.1", live[1]!.port)];
    const rounds = 10;
    await trigger(rounds);
    expect(await until(() => live.every((s) => s.count() === rounds))).toBe(true);
    expect(host.stats.datagramsOut).toBe(rounds * 2);
    expect(host.stats.sendDropped).toBe(rounds);
    // twice per round (the try and the one more); Bun's sendMany fails whole first, then goes one by one
    if (sendmmsg && sendmmsgPlatform) expect(host.stats.sendErrors).toBe(rounds * 2);
    else expect(host.stats.sendErrors).toBeGreaterThanOrEqual(rounds * 2);
    // the kernel's errno by name; Bun refuses port 0 itself (ERR_INVALID_ARG_TYPE)
    expect(host.stats.lastSendError).toBe(sendmmsg && sendmmsgPlatform ? "EINVAL" : "ERR_INVALID_ARG_TYPE");
  });

  test("event-loop lag: a blocked event loop shows as a late tick (tickLagMs, tickLagOver100Ms) in the host stats", async () => {
    const outbox = new Outbox(16);
    const host = new UdpHost(outbox, { tickIntervalMs: 10 });
    hosts.push(host);
    host.addHandler(new FanOut(outbox));
    await host.start();
    const ticked = (): Promise<void> => new Promise((resolve) => host.addTickable({ onTick: () => resolve() }));
    await ticked();
    // hold the event loop for 250 ms: the next tick is at least 100 ms late, whatever the load
    const until = performance.now() + 250;
    while (performance.now() < until) {
      // busy
    }
    await ticked();
    expect(host.stats.tickLagOver100Ms).toBeGreaterThanOrEqual(1);
    expect(host.stats.tickLagMs).toBeGreaterThanOrEqual(0);
  });

  test("a throwing handler is contained and counted; ticks keep running", async () => {
    const outbox = new Outbox(16);
    const handler = new FanOut(outbox);
    const errors: string[] = [];
    const host = new UdpHost(outbox, { tickIntervalMs: 10, onHandlerError: (where) => errors.push(where) });
    hosts.push(host);
    host.addHandler(handler);
    await host.start();
    handler.throwOnData = true;
    const trigger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    sockets.push(trigger);
    trigger.send(new Uint8Array([0]), host.localPort(0), "127.0.0.1");
    expect(await until(() => host.stats.handlerErrors === 1)).toBe(true);
    expect(errors).toEqual(["fanout.onDatagram"]);
    const ticks = handler.ticks;
    expect(await until(() => handler.ticks > ticks + 2)).toBe(true);
  });

  test("reopen moves the socket to a new ephemeral port; datagrams to the new port arrive", async () => {
    const outbox = new Outbox(16);
    const handler = new FanOut(outbox);
    const host = new UdpHost(outbox, { sendmmsg });
    hosts.push(host);
    host.addHandler(handler);
    await host.start();
    const receiver = await sink();
    handler.targets = [new Endpoint(0, "127.0.0.1", receiver.port)];
    const before = host.localPort(0);
    host.reopen(0);
    expect(await until(() => host.localPort(0) !== before)).toBe(true);
    const trigger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    sockets.push(trigger);
    trigger.send(new Uint8Array([0]), host.localPort(0), "127.0.0.1");
    expect(await until(() => host.stats.datagramsIn === 1)).toBe(true);
    // and sends leave from the new socket
    expect(await until(() => receiver.count() === 1)).toBe(true);
    expect(host.boundSockets()[0]!.sendPath).toBe(sendmmsg && sendmmsgPlatform ? "sendmmsg" : "bun");
  });

  test("a flood that keeps Bun's read loop busy (no timer can run) still gets ticks, from the data path", async () => {
    const outbox = new Outbox(16);
    const datagramTimes: number[] = [];
    const tickTimes: number[] = [];
    const slow: HostedHandler = {
      name: "slow",
      socketSpecs: () => [{ name: "slow", bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 0 }],
      onDatagram(nowMs: number): void {
        datagramTimes.push(nowMs);
        const until = performance.now() + 15; // a handler slower than the tick interval
        while (performance.now() < until) {}
      },
      onTick(nowMs: number): void {
        tickTimes.push(nowMs);
      },
    };
    const host = new UdpHost(outbox, { tickIntervalMs: 10 });
    hosts.push(host);
    host.addHandler(slow);
    await host.start();
    const trigger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    sockets.push(trigger);
    const count = 20; // all queued before the first is handled: one readable dispatch
    for (let i = 0; i < count; i++) trigger.send(new Uint8Array([i]), host.localPort(0), "127.0.0.1");
    expect(await until(() => host.stats.datagramsIn === count, 5000)).toBe(true);
    const first = datagramTimes[0]!;
    const last = datagramTimes[count - 1]!;
    const during = tickTimes.filter((t) => t > first && t < last).length;
    console.log(`burst of ${count} × 15 ms: ${during} ticks during it, ${host.stats.inlineTicks} from the data path`);
    expect(during).toBeGreaterThan(0);
  });

  test("the probe sees every datagram (start ≤ done) and every tick", async () => {
    const outbox = new Outbox(16);
    const handler = new FanOut(outbox);
    const seen: { length: number; start: number; done: number }[] = [];
    let ticks = 0;
    const probe: HostProbe = {
      datagram: (data, start, done) => void seen.push({ length: data.length, start, done }),
      tick: (start, done) => {
        if (done >= start) ticks++;
      },
    };
    const host = new UdpHost(outbox, { tickIntervalMs: 10, probe });
    hosts.push(host);
    host.addHandler(handler);
    await host.start();
    const listener = await sink();
    handler.targets = [new Endpoint(0, "127.0.0.1", listener.port)];
    const trigger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    sockets.push(trigger);
    for (let i = 0; i < 5; i++) trigger.send(new Uint8Array(i + 1), host.localPort(0), "127.0.0.1");
    expect(await until(() => listener.count() === 5 && ticks >= 2)).toBe(true);
    expect(seen.map((s) => s.length).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(seen.every((s) => s.done >= s.start)).toBe(true);
  });

  describe("two tick rates", () => {
    /** A handler that wants the fast tick while `busy`, or from the datagram that sets `busyOnData`. */
    class Busy implements HostedHandler {
      readonly name = "busy";
      busy = false;
      busyOnData = false;
      ticks = 0;
      socketSpecs(): readonly SocketSpec[] {
        return [{ name: "busy", bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 0 }];
      }
      onDatagram(): void {
        if (this.busyOnData) this.busy = true;
      }
      onTick(): void {
        this.ticks++;
      }
      wantsFastTick(): boolean {
        return this.busy;
      }
    }

    async function started(): Promise<{ host: UdpHost; handler: Busy }> {
      const host = new UdpHost(new Outbox(16), { tickIntervalMs: 10, idleTickIntervalMs: 80 });
      hosts.push(host);
      const handler = new Busy();
      host.addHandler(handler);
      await host.start();
      return { host, handler };
    }

    test("idle until a handler wants the fast tick, fast while it does, idle again after", async () => {
      const { host, handler } = await started();
      expect(host.tickIntervalMs).toBe(10); // starts fast
      expect(await until(() => handler.ticks >= 1)).toBe(true);
      expect(host.tickIntervalMs).toBe(80); // nothing wanted it
      handler.busy = true;
      const before = handler.ticks;
      expect(await until(() => handler.ticks > before, 1000)).toBe(true);
      expect(host.tickIntervalMs).toBe(10);
      handler.busy = false;
      const busyTicks = handler.ticks;
      expect(await until(() => handler.ticks > busyTicks, 1000)).toBe(true);
      expect(host.tickIntervalMs).toBe(80);
    });

    test("a datagram that gives a handler work switches to the fast tick at once; so does wake()", async () => {
      const { host, handler } = await started();
      expect(await until(() => host.tickIntervalMs === 80)).toBe(true);
      handler.busyOnData = true;
      const trigger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
      sockets.push(trigger);
      const ticks = handler.ticks;
      trigger.send(new Uint8Array([1]), host.localPort(0), "127.0.0.1");
      expect(await until(() => host.stats.datagramsIn === 1)).toBe(true);
      expect(host.tickIntervalMs).toBe(10);
      console.log(`switched with ${handler.ticks - ticks} tick(s) between (0: by the datagram itself)`);
      handler.busy = false;
      handler.busyOnData = false;
      expect(await until(() => host.tickIntervalMs === 80)).toBe(true);
      host.wake();
      expect(host.tickIntervalMs).toBe(10);
    });

    test("while datagrams arrive the tick runs from the data path", async () => {
      const { host, handler } = await started();
      handler.busy = true;
      const trigger = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
      sockets.push(trigger);
      for (let i = 0; i < 60; i++) {
        trigger.send(new Uint8Array([i]), host.localPort(0), "127.0.0.1");
        await wait(3);
      }
      expect(await until(() => host.stats.datagramsIn === 60)).toBe(true);
      console.log(`60 datagrams over ~${60 * 3} ms: ${handler.ticks} ticks, ${host.stats.inlineTicks} from the data path`);
      expect(host.stats.inlineTicks).toBeGreaterThan(0);
    });
  });

  describe("holding forwarded copies until the receive batch is done", () => {
    /** Each datagram [seq, kind]: kind 0 queues a staged copy with id = seq, kind 1 the shared reply buffer stamped with seq. */
    class Relay implements HostedHandler {
      readonly name = "relay";
      target: Endpoint | null = null;
      indexes: readonly number[] = [];
      readonly #stage = new DmrdStage();
      readonly #reply = new Uint8Array(2);
      constructor(readonly outbox: Outbox) {}
      socketSpecs(): readonly SocketSpec[] {
        return [{ name: "relay", bindAddress: "127.0.0.1", port: 0, receiveBufferBytes: 0 }];
      }
      onSocketsBound(indexes: readonly number[]): void {
        this.indexes = indexes;
      }
      onTick(): void {}
      onDatagram(_nowMs: number, _socketIndex: number, _address: string, _port: number, data: Uint8Array): void {
        if (this.target === null) return;
        if (data[1] === 1) {
          // one buffer for every reply, rewritten by the next datagram (as reply pools and egress buffers are)
          this.#reply[0] = 0xee;
          this.#reply[1] = data[0]!;
          this.outbox.push(this.target, this.#reply, 2);
        } else {
          this.#stage.bytes[0] = data[0]!;
          // kind 2: a fan-out as large as HOLD_BELOW_ENTRIES (the copies after the first carry id 0)
          for (let i = 0; i < (data[1] === 2 ? HOLD_BELOW_ENTRIES : 1); i++) expect(this.outbox.pushStaged(this.target, this.#stage.words, i === 0 ? data[0]! : 0, 0)).toBe(true);
        }
      }
    }

    async function relayWith(holdDatagrams?: number): Promise<{ host: UdpHost; send: (batch: number[][]) => void; got: number[] }> {
      const outbox = new Outbox(256);
      const handler = new Relay(outbox);
      const host = new UdpHost(outbox, { tickIntervalMs: 10, sendmmsg, ...(holdDatagrams !== undefined ? { holdDatagrams } : {}) });
      hosts.push(host);
      host.addHandler(handler);
      await host.start();
      const got: number[] = [];
      const receiver = await Bun.udpSocket({
        hostname: "127.0.0.1",
        port: 0,
        socket: { data: (_s, d) => void got.push(d.length === 55 ? readUint32(d, 11) : 1000 + d[1]!) },
      });
      sockets.push(receiver);
      handler.target = new Endpoint(0, "127.0.0.1", receiver.port);
      const client = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
      sockets.push(client);
      const port = host.localPort(handler.indexes[0]!);
      const send = (batch: number[][]): void => {
        const many: (Uint8Array | number | string)[] = [];
        for (const d of batch) many.push(new Uint8Array(d), port, "127.0.0.1");
        client.sendMany(many as never);
      };
      return { host, send, got };
    }

    test("bursts of staged copies all arrive, in order, in fewer sends than datagrams (and one send each with holdDatagrams 0)", async () => {
      for (const hold of [undefined, 0]) {
        const { host, send, got } = await relayWith(hold);
        const bursts = 20;
        for (let b = 0; b < bursts; b++) {
          send(Array.from({ length: 8 }, (_, i) => [b * 8 + i, 0]));
          await wait(2);
        }
        expect(await until(() => got.length === bursts * 8)).toBe(true);
        expect(got).toEqual(Array.from({ length: bursts * 8 }, (_, i) => i));
        console.log(`holdDatagrams ${hold ?? "default"}: ${host.stats.datagramsOut} datagrams out in ${host.stats.sendCalls} send calls`);
        expect(host.stats.datagramsOut).toBe(bursts * 8);
        if (hold === 0) expect(host.stats.sendCalls).toBe(bursts * 8);
        else expect(host.stats.sendCalls).toBeLessThan(bursts * 8);
        // at most 8 datagrams' copies in one send (DEFAULT_HOLD_DATAGRAMS)
        expect(host.stats.sendCalls).toBeGreaterThanOrEqual(bursts);
      }
    });

    test("a buffer its owner reuses goes out before the next datagram: every reply keeps its own contents", async () => {
      const { send, got } = await relayWith();
      // replies alone, then replies after staged copies in the same receive batch
      send(Array.from({ length: 8 }, (_, i) => [i, 1]));
      expect(await until(() => got.length === 8)).toBe(true);
      send([[20, 0], [21, 0], [22, 1], [23, 0], [24, 1], [25, 1], [26, 0], [27, 0]]);
      expect(await until(() => got.length === 16)).toBe(true);
      expect(got).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 20, 21, 1022, 23, 1024, 1025, 26, 27]);
    });

    test("a datagram whose copies already fill HOLD_BELOW_ENTRIES is sent at once, not held", async () => {
      const { host, send, got } = await relayWith();
      // bursts of 2 (64 copies, well inside the receiving socket's default buffer: it reads only
      // between bursts, on this same event loop)
      for (let b = 0; b < 20; b++) {
        send([[b * 2, 2], [b * 2 + 1, 2]]);
        await wait(2);
      }
      const copies = 40 * HOLD_BELOW_ENTRIES;
      expect(await until(() => got.length === copies)).toBe(true);
      expect(got.filter((id) => id !== 0)).toEqual(Array.from({ length: 39 }, (_, i) => i + 1)); // seq 0's first copy has id 0 too
      expect(host.stats.datagramsOut).toBe(copies);
      expect(host.stats.sendCalls).toBe(40); // one sendmmsg per datagram
    });

    test("at most holdDatagrams datagrams' copies wait: with 2, every send carries at most 2", async () => {
      const { host, send, got } = await relayWith(2);
      for (let b = 0; b < 10; b++) {
        send(Array.from({ length: 8 }, (_, i) => [b * 8 + i, 0]));
        await wait(2);
      }
      expect(await until(() => got.length === 80)).toBe(true);
      expect(got).toEqual(Array.from({ length: 80 }, (_, i) => i));
      expect(host.stats.sendCalls).toBeGreaterThanOrEqual(40);
    });
  });
});

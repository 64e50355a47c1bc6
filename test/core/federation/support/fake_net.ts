/**
 * In-process federation test bench: several "servers" (each with its own outbox, event sink, a
 * flooding router and fake hotspot ports) joined by a fake UDP network. Datagrams are delivered
 * synchronously by `net.run()` until every outbox is empty, so a test controls time exactly and a
 * quiescent network proves nothing is circulating.
 *
 * FloodRouter is deliberately dumb: every frame from a port goes to every other up port (no loop
 * control, no talkgroup map), so what a test observes is the federation code's own behaviour.
 */
import type { Prng } from "../../../../src/lib/prng.ts";
import type { DatagramHandler, SocketControl, SocketSpec } from "../../../../src/core/datagram_handler.ts";
import type { LinkTalkgroupMap } from "../../../../src/core/routing/options.ts";
import { RecordingSink } from "../../../../src/core/events.ts";
import { Outbox } from "../../../../src/core/outbox.ts";
import type { FrameRouter } from "../../../../src/core/router_contract.ts";
import { PortKind, type RouterPort, type Slot } from "../../../../src/core/router_port.ts";
import { DMRD_LENGTH, type DmrdFrame, dmrdFlags, CallType, FrameType, writeUint24, writeUint32 } from "../../../../src/wire/dmrd.ts";

export interface Hosted extends DatagramHandler {
  readonly name: string;
  socketSpecs(): readonly SocketSpec[];
  onSocketsBound?(socketIndexes: readonly number[], control: SocketControl): void;
  shutdown?(nowMs: number): void;
}

/** A hotspot as the router sees it: records every frame emitted to it (copies). */
export class HotspotPort implements RouterPort {
  readonly kind = PortKind.Hotspot;
  readonly simplex = false;
  readonly accessRule = null;
  readonly received: Uint8Array[] = [];
  readonly #tx: [Uint8Array, Uint8Array] = [new Uint8Array(DMRD_LENGTH), new Uint8Array(DMRD_LENGTH)];
  constructor(
    readonly portIndex: number,
    readonly repeaterId: number,
    readonly name = `hotspot-${repeaterId}`,
  ) {}
  get callsign(): string {
    return this.name;
  }
  txBuffer(slot: Slot): Uint8Array {
    return this.#tx[slot - 1]!;
  }
  emit(_nowMs: number, frame: Uint8Array): void {
    this.received.push(frame.slice(0, DMRD_LENGTH));
  }
  /** Received frames of one stream. */
  ofStream(streamId: number): Uint8Array[] {
    return this.received.filter((f) => ((f[16]! << 24) | (f[17]! << 16) | (f[18]! << 8) | f[19]!) >>> 0 === streamId);
  }
}

export class FloodRouter implements FrameRouter {
  readonly ports = new Set<RouterPort>();
  readonly maps = new Map<RouterPort, LinkTalkgroupMap | null>();
  readonly quenches: { port: RouterPort; talkgroupId: number; streamId: number }[] = [];
  readonly framesFrom = new Map<RouterPort, number>();
  readonly upEvents: string[] = [];
  constructor(readonly outbox: Outbox) {}
  onPortUp(_nowMs: number, port: RouterPort): void {
    this.ports.add(port);
    this.upEvents.push(`up:${port.name}`);
  }
  onPortDown(_nowMs: number, port: RouterPort): void {
    this.ports.delete(port);
    this.upEvents.push(`down:${port.name}`);
  }
  onOptions(): void {}
  onTick(): void {}
  onFrame(nowMs: number, from: RouterPort, frame: DmrdFrame): void {
    this.framesFrom.set(from, (this.framesFrom.get(from) ?? 0) + 1);
    for (const port of this.ports) {
      if (port === from) continue;
      const tx = port.txBuffer(frame.slot);
      tx.set(frame.bytes.subarray(0, DMRD_LENGTH), 0);
      port.emit(nowMs, tx, this.outbox);
    }
  }
  setPortTalkgroupMap(port: RouterPort, map: LinkTalkgroupMap | null): void {
    this.maps.set(port, map);
  }
  quench(_nowMs: number, port: RouterPort, talkgroupId: number, streamId: number): boolean {
    this.quenches.push({ port, talkgroupId, streamId });
    return false;
  }
}

export interface SentDatagram {
  from: string;
  to: string;
  bytes: Uint8Array;
}

/** What the bench needs from a router: the seam plus link maps, quench and (for tests) subscriptions. */
export type BenchRouter = FrameRouter & {
  setPortTalkgroupMap(port: RouterPort, map: LinkTalkgroupMap | null): void;
  quench(nowMs: number, port: RouterPort, talkgroupId: number, streamId: number): boolean;
};

export class FakeServer implements SocketControl {
  readonly outbox = new Outbox(4096);
  readonly events = new RecordingSink();
  readonly router: BenchRouter;
  readonly flood: FloodRouter | null;
  readonly handlers: Hosted[] = [];
  /** socketIndex → [handler, local port] */
  readonly sockets: { handler: Hosted; port: number }[] = [];
  constructor(
    readonly net: FakeNet,
    readonly address: string,
    makeRouter?: (outbox: Outbox, events: RecordingSink) => BenchRouter,
  ) {
    this.flood = makeRouter === undefined ? new FloodRouter(this.outbox) : null;
    this.router = makeRouter?.(this.outbox, this.events) ?? this.flood!;
  }
  host(handler: Hosted): void {
    const indexes: number[] = [];
    for (const spec of handler.socketSpecs()) {
      const port = spec.port === 0 ? this.net.ephemeralPort() : spec.port;
      indexes.push(this.sockets.length);
      this.sockets.push({ handler, port });
      this.net.bind(this.address, port, this, this.sockets.length - 1);
    }
    this.handlers.push(handler);
    handler.onSocketsBound?.(indexes, this);
  }
  reopen(socketIndex: number): void {
    const s = this.sockets[socketIndex]!;
    this.net.unbind(this.address, s.port);
    s.port = this.net.ephemeralPort();
    this.net.bind(this.address, s.port, this, socketIndex);
  }
  localPort(socketIndex: number): number {
    return this.sockets[socketIndex]?.port ?? 0;
  }
  #nextHotspotIndex = 500;
  addHotspot(repeaterId: number, nowMs = 0): HotspotPort {
    const port = new HotspotPort(this.#nextHotspotIndex++, repeaterId);
    this.router.onPortUp(nowMs, port);
    return port;
  }
  tick(nowMs: number): void {
    for (const h of this.handlers) h.onTick(nowMs);
  }
}

export class FakeNet {
  readonly servers: FakeServer[] = [];
  readonly #bound = new Map<string, { server: FakeServer; socketIndex: number }>();
  readonly log: SentDatagram[] = [];
  #nextPort = 40000;
  /** Drop datagrams for which this returns true (e.g. a link cut). */
  drop: (d: SentDatagram) => boolean = () => false;
  nowMs = 0;

  server(address: string, makeRouter?: (outbox: Outbox, events: RecordingSink) => BenchRouter): FakeServer {
    const s = new FakeServer(this, address, makeRouter);
    this.servers.push(s);
    return s;
  }
  ephemeralPort(): number {
    return this.#nextPort++;
  }
  bind(address: string, port: number, server: FakeServer, socketIndex: number): void {
    this.#bound.set(`${address}:${port}`, { server, socketIndex });
  }
  unbind(address: string, port: number): void {
    this.#bound.delete(`${address}:${port}`);
  }
  /** Take a server off the network (a process that died): its sockets vanish, its outbox is lost. */
  remove(server: FakeServer): void {
    for (const s of server.sockets) this.unbind(server.address, s.port);
    server.outbox.clear();
    const i = this.servers.indexOf(server);
    if (i >= 0) this.servers.splice(i, 1);
  }
  /** When set, pending datagrams are delivered in a random order (arbitrary path latency). */
  shuffle: Prng | null = null;

  /** Deliver until every outbox is empty. Returns the number of datagrams delivered. */
  run(maxDatagrams = 1_000_000): number {
    let delivered = 0;
    const pending: SentDatagram[] = [];
    for (;;) {
      for (const server of this.servers) {
        const out = server.outbox;
        for (let i = 0; i < out.count; i++) {
          const e = out.endpoints[i]!;
          const fromPort = server.sockets[e.socketIndex]!.port;
          const addr = e.address.startsWith("::ffff:") ? e.address.slice(7) : e.address;
          pending.push({ from: `${server.address}:${fromPort}`, to: `${addr}:${e.port}`, bytes: out.buffers[i]!.slice(0, out.lengths[i]!) });
        }
        out.clear();
      }
      if (pending.length === 0) return delivered;
      const index = this.shuffle === null ? 0 : this.shuffle.nextInt(pending.length);
      const sent = pending.splice(index, 1)[0]!;
      this.log.push(sent);
      if (this.drop(sent)) continue;
      const target = this.#bound.get(sent.to);
      if (target === undefined) continue;
      const handler = target.server.sockets[target.socketIndex]!.handler;
      const colon = sent.from.lastIndexOf(":");
      handler.onDatagram(this.nowMs, target.socketIndex, sent.from.slice(0, colon), Number(sent.from.slice(colon + 1)), sent.bytes);
      if (++delivered > maxDatagrams) throw new Error("FakeNet: datagram storm (loop?)");
    }
  }
  /** Advance time in steps, ticking every server and delivering after each step. */
  advance(toMs: number, stepMs = 100): void {
    while (this.nowMs < toMs) {
      this.nowMs = Math.min(toMs, this.nowMs + stepMs);
      for (const s of this.servers) s.tick(this.nowMs);
      this.run();
    }
  }
}

export interface CallSpec {
  sourceId: number;
  destinationId: number;
  streamId: number;
  slot?: Slot;
  unit?: boolean;
  /** Voice frames between header and terminator. */
  voiceFrames?: number;
}

/** The 55-byte frames of a voice call: header, bursts A–F…, terminator. */
export function voiceCall(spec: CallSpec, repeaterId: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const slot = spec.slot ?? 1;
  const ct = spec.unit === true ? CallType.Unit : CallType.Group;
  const n = spec.voiceFrames ?? 12;
  const make = (seq: number, flags: number): Uint8Array => {
    const f = new Uint8Array(DMRD_LENGTH);
    f.set([0x44, 0x4d, 0x52, 0x44], 0);
    f[4] = seq & 0xff;
    writeUint24(f, 5, spec.sourceId);
    writeUint24(f, 8, spec.destinationId);
    writeUint32(f, 11, repeaterId);
    f[15] = flags;
    writeUint32(f, 16, spec.streamId);
    for (let i = 20; i < 53; i++) f[i] = (seq * 7 + i) & 0xff;
    f[53] = 3; // BER
    f[54] = 0x39; // RSSI
    return f;
  };
  let seq = 0;
  frames.push(make(seq++, dmrdFlags(slot, ct, FrameType.DataSync, 1)));
  for (let i = 0; i < n; i++) {
    const burst = i % 6;
    frames.push(make(seq++, burst === 0 ? dmrdFlags(slot, ct, FrameType.VoiceSync, 0) : dmrdFlags(slot, ct, FrameType.Voice, burst)));
  }
  frames.push(make(seq++, dmrdFlags(slot, ct, FrameType.DataSync, 2)));
  return frames;
}

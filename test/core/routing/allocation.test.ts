/**
 * The per-packet path allocates nothing: after warm-up, forwarding a long stream to 50 hotspots,
 * one rewritten (dial-a-TG) target and two OpenBridge links adds no heap objects.
 */
import { expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { VoiceStreamBuilder } from "../../../src/dmr/voice_stream_builder.ts";
import { Endpoint } from "../../../src/core/endpoint.ts";
import type { CoreEvent, EventSink } from "../../../src/core/events.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../../../src/core/router_port.ts";
import { routingOptions } from "../../../src/core/routing/options.ts";
import { createRouter } from "../../../src/core/routing/router.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { decodeDmrd, DmrdFrame } from "../../../src/wire/dmrd.ts";

const endpoint = new Endpoint(0, "127.0.0.1", 1);

class LeanPort implements RouterPort {
  readonly #buffers = [new Uint8Array(55), new Uint8Array(55)] as const;
  emitted = 0;
  constructor(
    readonly portIndex: number,
    readonly kind: PortKind,
    readonly name: string,
    readonly repeaterId: number,
  ) {}
  readonly simplex = false;
  readonly callsign = "X";
  readonly accessRule = null;
  txBuffer(slot: Slot): Uint8Array {
    return this.#buffers[slot - 1]!;
  }
  emit(_nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    this.emitted++;
    outbox.push(endpoint, frame, 55);
  }
}

class CountingSink implements EventSink {
  count = 0;
  publish(_event: CoreEvent): void {
    this.count++;
  }
}

test("forwarding allocates no heap objects per packet (fan-out 1 → 53, with LC rewrite)", () => {
  const outbox = new Outbox(1024);
  const events = new CountingSink();
  const router = createRouter(routingOptions({ maxStreamMs: 1e12 }), { outbox, events, prng: new Prng(1) });
  let now = 1_000_000;
  const source = new LeanPort(0, PortKind.Hotspot, "SRC", 2340000);
  router.onPortUp(now, source);
  const targets: LeanPort[] = [];
  for (let i = 1; i <= 50; i++) {
    const p = new LeanPort(i, PortKind.Hotspot, `HS${i}`, 2340000 + i);
    router.onPortUp(now, p);
    router.onOptions(now, p, "TS1=3100");
    targets.push(p);
  }
  const dialer = new LeanPort(51, PortKind.Hotspot, "DIAL", 2349999);
  router.onPortUp(now, dialer);
  router.dial(now, dialer, 3100);
  const links = [new LeanPort(52, PortKind.OpenBridge, "L1", 9001), new LeanPort(53, PortKind.OpenBridge, "L2", 9002)];
  for (const l of links) router.onPortUp(now, l);

  // one real stream: header then superframes A–F (valid embedded LC, so the rewrite really works)
  const builder = new VoiceStreamBuilder();
  builder.start({ sourceId: 2345678, destinationId: 3100, repeaterId: 2340000, slot: 1, callType: 0, streamId: 0x1234, colourCode: 1 });
  const header = new Uint8Array(55);
  builder.writeHeader(header);
  const bursts: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) {
    const b = new Uint8Array(55);
    builder.writeVoice(b);
    bursts.push(b);
  }
  const frame = new DmrdFrame();
  let seq = 0;
  const feed = (bytes: Uint8Array): void => {
    bytes[4] = seq++ & 0xff;
    decodeDmrd(bytes, frame);
    router.onFrame(now, source, frame);
    outbox.clear();
  };
  feed(header);
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      feed(bursts[i % 6]!);
      now += 1;
      if (i % 20 === 0) router.onTick(now);
    }
  };
  run(6_000);
  const eventsBefore = events.count;
  Bun.gc(true);
  const before = heapStats().objectCount;
  run(60_000);
  const after = heapStats().objectCount;
  console.log(`objects added over 60,000 frames × 53 targets: ${after - before}`);
  expect(after - before).toBeLessThan(1_000);
  expect(targets.every((t) => t.emitted === 66_001)).toBe(true);
  expect(dialer.emitted).toBe(66_001);
  expect(links.every((l) => l.emitted === 66_001)).toBe(true);
  expect(router.stats().framesIn).toBe(66_001);
  expect(events.count).toBe(eventsBefore); // no events per frame
});

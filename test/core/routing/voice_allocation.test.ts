/**
 * The voice features keep the per-frame path allocation-free: forwarding a long stream with an
 * inserted talker alias, and playing announcements from onTick, add no heap objects per frame.
 * (Timing goes in bench/voice.bench.ts; this checks the object count only.)
 */
import { expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { VoiceStreamBuilder } from "../../../src/dmr/voice_stream_builder.ts";
import { resolvePack } from "../../../src/dmr/voice_pack.ts";
import type { AliasNames } from "../../../src/dmr/talker_alias_inserter.ts";
import { Endpoint } from "../../../src/core/endpoint.ts";
import type { CoreEvent, EventSink } from "../../../src/core/events.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../../../src/core/router_port.ts";
import { routingOptions } from "../../../src/core/routing/options.ts";
import { createRouter } from "../../../src/core/routing/router.ts";
import { RouterContext } from "../../../src/core/routing/router_context.ts";
import { portUp } from "../../../src/core/routing/hotspots/port_lifecycle.ts";
import { runTick } from "../../../src/core/routing/tick.ts";
import { announce } from "../../../src/core/routing/voice/announcements.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { CallType, decodeDmrd, DmrdFrame } from "../../../src/wire/dmrd.ts";
import { INDEXED_WORDS, syntheticPack } from "../../support/voice_pack_fixture.ts";

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
  emit(_nowMs: number, _frame: Uint8Array, outbox: Outbox): void {
    this.emitted++;
    outbox.push(endpoint, _frame, 55);
  }
}

const sink: EventSink = { publish: (_e: CoreEvent) => {} };

test("talker-alias insertion adds no heap objects per frame (fan-out 1 → 10)", () => {
  const outbox = new Outbox(1024);
  const names = new Map<number, AliasNames>([[2345678, { callsign: "N0CALL", firstName: "Ada" }]]);
  const router = createRouter(routingOptions({ maxStreamMs: 1e12 }), { outbox, events: sink, prng: new Prng(1), aliases: (id) => names.get(id) });
  let now = 1_000_000;
  const source = new LeanPort(0, PortKind.Hotspot, "SRC", 2340000);
  router.onPortUp(now, source);
  const targets: LeanPort[] = [];
  for (let i = 1; i <= 10; i++) {
    const p = new LeanPort(i, PortKind.Hotspot, `HS${i}`, 2340000 + i);
    router.onPortUp(now, p);
    router.onOptions(now, p, "TS1=3100");
    targets.push(p);
  }
  const builder = new VoiceStreamBuilder();
  builder.start({ sourceId: 2345678, destinationId: 3100, repeaterId: 2340000, slot: 1, callType: CallType.Group, streamId: 0x1234, colourCode: 1 });
  const header = new Uint8Array(55);
  builder.writeHeader(header);
  const bursts: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
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
      feed(bursts[i % 12]!);
      now += 1;
      if (i % 20 === 0) router.onTick(now);
    }
  };
  run(6_000);
  Bun.gc(true);
  const before = heapStats().objectCount;
  run(60_000);
  const after = heapStats().objectCount;
  expect(after - before).toBeLessThan(1_000);
  expect(router.stats().talkerAliasStreams).toBe(1);
  expect(router.stats().talkerAliasYielded).toBe(0);
  expect(targets.every((t) => t.emitted === 66_001)).toBe(true);
});

test("announcement playback adds no heap objects per frame (one ~3000-frame announcement, onTick)", () => {
  const raw = syntheticPack(1, INDEXED_WORDS).words;
  const pack = resolvePack("en_GB", "indexed", new Map([...raw].map(([k, v]) => [k.toLowerCase(), v])));
  if (!pack.ok) throw new Error(pack.reason);
  const ctx = new RouterContext(routingOptions({ serverId: 2340999, voice: { packs: [pack.pack], maxBursts: 4000 } }), { outbox: new Outbox(1024), events: sink, prng: new Prng(1) });
  let now = 1_000_000;
  const hs = new LeanPort(0, PortKind.Hotspot, "HS", 2340000);
  portUp(ctx, now, hs);
  const ps = ctx.ports[0]!;
  const words: string[] = [];
  for (let i = 0; i < 3000; i++) words.push(String(i % 10));
  const tick = (n: number): void => {
    for (let i = 0; i < n; i++) {
      now += 60;
      runTick(ctx, now);
      ctx.deps.outbox.clear();
    }
  };
  // warm-up: one complete announcement
  expect(announce(ctx, now, ps, 2, 2345678, CallType.Unit, "test", words.slice(0, 300))).toBe(true);
  tick(400);
  expect(ctx.stats.announcementsPlayed).toBe(1);
  expect(announce(ctx, now, ps, 2, 2345678, CallType.Unit, "test", words)).toBe(true);
  tick(10);
  const emittedBefore = hs.emitted;
  Bun.gc(true);
  const before = heapStats().objectCount;
  tick(3000);
  const after = heapStats().objectCount;
  expect(hs.emitted - emittedBefore).toBe(3000);
  expect(after - before).toBeLessThan(1_000);
});

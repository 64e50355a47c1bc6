/**
 * Voice benchmark: per-frame cost of talker-alias insertion and of announcement playback.
 *
 *   npm run bench -- voice        (or: bun bench/voice.bench.ts [--packets 1000000])
 *
 * Reports, after JIT warm-up, ns per frame and heap objects allocated over the run
 * (heapStats().objectTypeCounts; heapStats itself allocates a few hundred cells, hence the threshold):
 *  - talker-alias insertion: decode + TalkerAliasInserter.observe + copyDmrdTo55 + writing the fragment,
 *    over a stream whose radio sends no alias (a new stream, with its alias set-up, every 62 frames);
 *  - the same without insertion (baseline: decode + copy), to show the added cost;
 *  - announcement playback through the routing core: announcementTick emitting one frame per tick
 *    (header, voice bursts from the pack's AMBE, terminator) into a port's egress buffer.
 * Goal: 0 objects per frame. Figures are taken on a shared, loaded machine.
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import { CallType, DmrdFrame, copyDmrdTo55, decodeDmrd } from "../src/wire/dmrd.ts";
import { writeEmbeddedFragment } from "../src/dmr/embedded_lc.ts";
import { TalkerAliasInserter, type AliasNames } from "../src/dmr/talker_alias_inserter.ts";
import { VoiceStreamBuilder } from "../src/dmr/voice_stream_builder.ts";
import { resolvePack } from "../src/dmr/voice_pack.ts";
import { AMBE_SILENCE_FRAME } from "../src/dmr/ambe_silence.ts";
import { PortKind, type RouterPort, type Slot } from "../src/core/router_port.ts";
import { Outbox } from "../src/core/outbox.ts";
import type { CoreEvent, EventSink } from "../src/core/events.ts";
import { routingOptions } from "../src/core/routing/options.ts";
import { RouterContext } from "../src/core/routing/router_context.ts";
import { portUp } from "../src/core/routing/hotspots/port_lifecycle.ts";
import { announce, announcementTick } from "../src/core/routing/voice/announcements.ts";
import { Prng } from "../src/lib/prng.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const PACKETS = Number(arg("packets", "1000000"));
const HEAP_NOISE_THRESHOLD = 1000;

function total(counts: Record<string, number>): number {
  let n = 0;
  for (const k in counts) n += counts[k]!;
  return n;
}

function measure(name: string, run: (n: number) => number, packets: number): void {
  run(Math.min(packets, 200_000));
  gcAndSweep();
  const before = heapStats().objectTypeCounts;
  const start = Bun.nanoseconds();
  const check = run(packets);
  const elapsed = Bun.nanoseconds() - start;
  const after = heapStats().objectTypeCounts;
  const delta = total(after) - total(before);
  const grew: string[] = [];
  for (const k in after) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d > 50) grew.push(`${k}+${d}`);
  }
  const per = delta > HEAP_NOISE_THRESHOLD ? (delta / packets).toFixed(4) : "0";
  console.log(
    `${name.padEnd(52)} ${(elapsed / packets).toFixed(1).padStart(8)} ns/frame   heap objects: ${delta} over ${packets} frames (≈ ${per}/frame, threshold ${HEAP_NOISE_THRESHOLD})${grew.length > 0 ? `  [${grew.join(" ")}]` : ""}  (check ${check})`,
  );
}

// ---- talker-alias insertion -----------------------------------------------------------------
const builder = new VoiceStreamBuilder();
builder.start({ sourceId: 2345678, destinationId: 91, repeaterId: 234567801, slot: 2, callType: CallType.Group, streamId: 0x1234, colourCode: 1 });
const stream: Uint8Array[] = [];
const push = (write: (b: Uint8Array) => number) => {
  const b = new Uint8Array(55);
  write(b);
  stream.push(b);
};
push((b) => builder.writeHeader(b));
for (let i = 0; i < 60; i++) push((b) => builder.writeVoice(b));
push((b) => builder.writeTerminator(b));
const names = new Map<number, AliasNames>([[2345678, { callsign: "N0CALL", firstName: "Ada" }]]);
const frame = new DmrdFrame();
const target = new Uint8Array(55);
const inserter = new TalkerAliasInserter();

function runInsertion(packets: number): number {
  let check = 0;
  const n = stream.length;
  for (let i = 0; i < packets; i++) {
    const k = i % n;
    const datagram = stream[k]!;
    decodeDmrd(datagram, frame);
    if (k === 0) {
      const who = names.get(frame.sourceId);
      if (who !== undefined) inserter.start(frame, who.callsign, who.firstName);
    }
    inserter.observe(frame);
    copyDmrdTo55(datagram, target);
    if (inserter.write) writeEmbeddedFragment(target, 20, inserter.fragment);
    check ^= target[35]!;
  }
  return check + inserter.inserted;
}

function runBaseline(packets: number): number {
  let check = 0;
  const n = stream.length;
  for (let i = 0; i < packets; i++) {
    const k = i % n;
    const datagram = stream[k]!;
    decodeDmrd(datagram, frame);
    copyDmrdTo55(datagram, target);
    check ^= target[35]!;
  }
  return check;
}

// ---- announcement playback through the routing core ------------------------------------------
const raw = new Map<string, Uint8Array>();
for (const w of ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "linkedto", "notlinked", "isbusy"]) {
  const bytes = new Uint8Array(4 * 9);
  for (let f = 0; f < 4; f++) bytes.set(AMBE_SILENCE_FRAME, f * 9);
  bytes[0] = w.charCodeAt(0);
  raw.set(w, bytes);
}
const packResult = resolvePack("en_GB", "indexed", raw);
if (!packResult.ok) throw new Error(packResult.reason);
const BURSTS = 20_000;
const nullSink: EventSink = { publish: (_e: CoreEvent) => {} };
const ctx = new RouterContext(routingOptions({ serverId: 2340999, voice: { packs: [packResult.pack], maxBursts: BURSTS, maxWaitMs: 1e12 } }), {
  outbox: new Outbox(16),
  events: nullSink,
  prng: new Prng(1),
});
let emitted = 0;
class BenchPort implements RouterPort {
  readonly portIndex = 0;
  readonly kind = PortKind.Hotspot;
  readonly name = "BENCH";
  readonly repeaterId = 2345601;
  readonly simplex = false;
  readonly callsign = "N0RPT";
  readonly accessRule = null;
  readonly #buffers = [new Uint8Array(55), new Uint8Array(55)];
  txBuffer(slot: Slot): Uint8Array {
    return this.#buffers[slot - 1]!;
  }
  emit(_nowMs: number, frame: Uint8Array): void {
    emitted ^= frame[30]!;
  }
}
const port = new BenchPort();
let nowMs = 1_000_000;
portUp(ctx, nowMs, port);
const ps = ctx.ports[0]!;
// a long word list so one announcement lasts ~BURSTS frames (queueing is control plane)
const words: string[] = [];
for (let i = 0; words.length < (BURSTS * 3) / 4 - 40; i++) words.push(String(i % 10));
let queued = 0;

function runPlayback(frames: number): number {
  for (let i = 0; i < frames; i++) {
    if (ctx.announcements[0]!.state === 0) {
      announce(ctx, nowMs, ps, 2, 2345678, CallType.Unit, "bench", words);
      queued++;
    }
    nowMs += 60;
    ctx.tickCount++;
    announcementTick(ctx, nowMs);
  }
  return emitted;
}

console.log(`voice: ${PACKETS} frames per run; TA stream of ${stream.length} frames (no own alias), alias "N0CALL Ada"; announcement of ~${BURSTS} bursts; Bun ${Bun.version}`);
measure("baseline: decode + copyDmrdTo55", runBaseline, PACKETS);
measure("talker alias: decode + observe + copy + fragment", runInsertion, PACKETS);
measure("announcement playback (announcementTick, 1 frame)", runPlayback, PACKETS);
console.log(`announcements queued over all runs: ${queued} (each composed once, control plane); played: ${ctx.stats.announcementsPlayed}`);

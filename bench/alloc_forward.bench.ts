/**
 * Heap objects allocated per forwarded packet by our code (goal: 0 after warm-up). In process:
 * the real router with fake ports and an outbox drained like the shell does, a fake clock, and
 * frames decoded into one reused DmrdFrame from a ring of prebuilt datagrams (Bun's fresh buffer
 * per datagram is the one unavoidable allocation and is not part of this measurement).
 *
 * Method (bun-notes.md §2): after warm-up, in many short windows: gcAndSweep, count live objects
 * (heapStats().objectTypeCounts), run the window's frames, count again without collecting. The
 * difference is what the window allocated; empty windows calibrate heapStats' own allocations.
 *
 *   bun bench/alloc_forward.bench.ts [--frames 1000000] [--listeners 10]
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import { Outbox } from "../src/core/outbox.ts";
import type { CoreEvent, EventSink } from "../src/core/events.ts";
import { createRouter, routingOptions } from "../src/core/routing/index.ts";
import { Prng } from "../src/lib/prng.ts";
import { DmrdFrame, decodeDmrd } from "../src/wire/dmrd.ts";
import { SimPort } from "../test/sim/sim_port.ts";
import { lcEncoder } from "../test/sim/workload.ts";
import { CallFrameSource } from "./support/talker.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const totalFrames = Number(arg("frames", "1000000"));
const listenerCount = Number(arg("listeners", "10"));
const FRAME_MS = 60;

class DroppingSink implements EventSink {
  events = 0;
  publish(_event: CoreEvent): void {
    this.events++;
  }
}

const outbox = new Outbox(4096);
const sink = new DroppingSink();
const router = createRouter(routingOptions({}), { outbox, events: sink, prng: new Prng(1) });
const talker = new SimPort(0, "talker", 311_000_000, false, "BENCH", null, 0, 0);
router.onPortUp(0, talker);
const listeners: SimPort[] = [];
for (let i = 0; i < listenerCount; i++) {
  const p = new SimPort(i + 1, `listener-${i}`, 311_000_001 + i, false, "BENCH", null, i + 1, 0);
  listeners.push(p);
  router.onPortUp(0, p);
  router.onOptions(0, p, "TS2=2350;");
}
// Calls of 2000 frames (2 min): per-call work (stream start/end events) is amortised but counted.
const source = new CallFrameSource(talker.repeaterId, 2_345_001, 2350, 2, 333, 0x10000, 0, lcEncoder, 4096);
const frame = new DmrdFrame();
let now = 1000;
let nextTick = now;
let forwarded = 0;

function drain(): void {
  forwarded += outbox.count;
  outbox.clear();
}

function run(frames: number): void {
  for (let i = 0; i < frames; i++) {
    now += FRAME_MS;
    while (nextTick <= now) {
      router.onTick(nextTick);
      drain();
      nextTick += 25;
    }
    decodeDmrd(source.next(), frame);
    router.onFrame(now, talker, frame);
    drain();
  }
}

function liveObjects(): number {
  const counts = heapStats().objectTypeCounts as Record<string, number>;
  let n = 0;
  for (const k in counts) n += counts[k]!;
  return n;
}

const warmup = Math.min(200_000, Math.floor(totalFrames / 5));
const t0 = performance.now();
run(warmup);
const WINDOW = 2000;
const windows = Math.max(1, Math.floor((totalFrames - warmup) / WINDOW));
const perWindow: number[] = [];
const empty: number[] = [];
let measuredForwarded = 0;
for (let w = 0; w < windows; w++) {
  if (w % 10 === 0) {
    gcAndSweep();
    const a = liveObjects();
    const b = liveObjects();
    empty.push(b - a);
  }
  gcAndSweep();
  const before = liveObjects();
  const f0 = forwarded;
  run(WINDOW);
  const after = liveObjects();
  perWindow.push(after - before);
  measuredForwarded += forwarded - f0;
}
const elapsed = (performance.now() - t0) / 1000;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const baseline = median(empty);
const allocated = perWindow.reduce((s, x) => s + Math.max(0, x - baseline), 0);
const framesTotal = warmup + windows * WINDOW;
console.log(
  `alloc: ${framesTotal} frames in, ${forwarded} forwarded to ${listenerCount} listeners (${(framesTotal / elapsed / 1000).toFixed(0)}k frames/s in-process incl. GC), ${sink.events} events`,
);
console.log(
  `after ${warmup} warm-up frames, ${windows} windows of ${WINDOW}: objects per window median ${median(perWindow) - baseline}, ` +
    `max ${Math.max(...perWindow) - baseline} (heapStats baseline ${baseline}); ` +
    `${(allocated / measuredForwarded).toFixed(5)} heap objects per forwarded packet (goal 0)`,
);
const stats = router.stats();
if (stats.framesOut !== forwarded) console.log(`note: router framesOut ${stats.framesOut} vs drained ${forwarded}`);

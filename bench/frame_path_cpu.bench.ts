/**
 * Per-frame CPU of the packet path in process, timed: the real HBP master (logged-in sessions), the
 * real router, the UDP host's batch building (UdpHost.drain, sendMany replaced by a counter), a fake
 * clock. No sockets, no kernel: the JavaScript that runs per datagram, which the bare relay
 * (bench/bare_relay.ts) does not have. Quick (seconds) and for A/B comparisons of changes on the
 * same machine; bench/routing_cost.bench.ts measures the whole thing under callgrind.
 *
 *   bun bench/frame_path_cpu.bench.ts [--listeners 50] [--calls 1] [--frames 400000] [--rounds 5]
 * It also counts heap objects allocated over 20,000 frames after the warm-up (goal 0; calls that
 * start and end in that window publish their events, which allocate).
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import { Outbox } from "../src/core/outbox.ts";
import type { CoreEvent, EventSink } from "../src/core/events.ts";
import { createRouter, routingOptions } from "../src/core/routing/index.ts";
import { Prng } from "../src/lib/prng.ts";
import { HbpCounters } from "../src/core/hbp_master/counters.ts";
import { SessionColumns } from "../src/core/hbp_master/session_columns.ts";
import { SessionBatch, SessionState, type HbpSession } from "../src/core/hbp_master/session.ts";
import { Endpoint } from "../src/core/endpoint.ts";
import { DmrdFrame, decodeDmrd } from "../src/wire/dmrd.ts";
import { lcEncoder } from "../test/sim/workload.ts";
import { CallFrameSource } from "./support/talker.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const listenerCount = Number(arg("listeners", "50"));
const calls = Number(arg("calls", "1"));
const totalFrames = Number(arg("frames", "400000"));
const rounds = Number(arg("rounds", "5"));
const FRAME_MS = 60 / calls;

class DroppingSink implements EventSink {
  events = 0;
  publish(_event: CoreEvent): void {
    this.events++;
  }
}

const outbox = new Outbox(4096);
const router = createRouter(routingOptions({}), { outbox, events: new DroppingSink(), prng: new Prng(1) });
// one batch, as one master has: its sessions are all of one class (SessionBatch makes a class per batch)
const sessions = new SessionBatch(new SessionColumns(new HbpCounters()));
let portIndex = 0;
function session(repeaterId: number, options: string | null): HbpSession {
  const s = sessions.take(repeaterId, 0, "127.0.0.1", 40000 + portIndex, 0, new Uint8Array(0), new Uint8Array(0), 0);
  s.state = SessionState.Connected;
  s.portIndex = portIndex++;
  s.forgetLogin();
  router.onPortUp(0, s);
  if (options !== null) router.onOptions(0, s, options);
  return s;
}
const talkers: HbpSession[] = [];
const sources: CallFrameSource[] = [];
for (let c = 0; c < calls; c++) {
  talkers.push(session(311_000_000 + c * 1000, null));
  for (let i = 0; i < listenerCount; i++) session(311_000_001 + c * 1000 + i, `TS2=${2350 + c};`);
  sources.push(new CallFrameSource(311_000_000 + c * 1000, 2_345_001 + c, 2350 + c, 2, calls > 1 ? 4 : 333, 0x10000 + c * 0x10000, 0, lcEncoder, 4096));
}

/** UdpHost.drain's batch building for one socket (the send itself replaced by a count). */
const batch: (Uint8Array | number | string)[] = [];
let sent = 0;
function drain(): void {
  const count = outbox.count;
  for (let i = 0; i < count; i++) {
    const endpoint = outbox.endpoints[i]!;
    const buffer = outbox.buffers[i]!;
    const length = outbox.lengths[i]!;
    const data = length === buffer.length ? buffer : buffer.subarray(0, length);
    const at = i * 3;
    if (at < batch.length) {
      batch[at] = data;
      batch[at + 1] = endpoint.port;
      batch[at + 2] = endpoint.address;
    } else batch.push(data, endpoint.port, endpoint.address);
  }
  outbox.clear();
  sent += count;
}

const frame = new DmrdFrame();
let now = 1000;
let nextTick = now;
function run(frames: number): void {
  for (let i = 0; i < frames; i++) {
    now += FRAME_MS;
    while (nextTick <= now) {
      router.onTick(nextTick);
      drain();
      nextTick += 25;
    }
    const c = i % calls;
    decodeDmrd(sources[c]!.next(), frame);
    router.onFrame(now, talkers[c]!, frame);
    drain();
  }
}

run(Math.min(100_000, totalFrames / 4));
function liveObjects(): number {
  const counts = heapStats().objectTypeCounts as Record<string, number>;
  let n = 0;
  for (const k in counts) n += counts[k]!;
  return n;
}
gcAndSweep();
const calibrate0 = liveObjects();
const calibrate1 = liveObjects();
gcAndSweep();
const before = liveObjects();
run(20_000);
const allocated = liveObjects() - before - (calibrate1 - calibrate0);
console.log(`heap objects allocated over 20000 frames after warm-up: ${allocated} (${(allocated / 20_000).toFixed(4)} per frame)`);
const results: number[] = [];
for (let r = 0; r < rounds; r++) {
  const s0 = sent;
  const t0 = performance.now();
  run(totalFrames);
  const ms = performance.now() - t0;
  results.push((ms * 1e6) / totalFrames);
  if (sent - s0 < totalFrames * listenerCount * 0.9) console.log(`note: only ${sent - s0} sent`);
}
results.sort((a, b) => a - b);
console.log(
  `frame path in process, ${calls} call(s) × ${listenerCount} listeners: ns per input frame min ${results[0]!.toFixed(0)} median ${results[Math.floor(rounds / 2)]!.toFixed(0)} ` +
    `(${(results[0]! / listenerCount).toFixed(1)} ns per copy); load ${(await Bun.file("/proc/loadavg").text()).trim()}`,
);

/**
 * The two halves of the latency load generator (bench/latency.bench.ts), usable in one process or
 * — the default — in two (bench/support/latency_role.ts), so the receiver's event loop (16.7k
 * datagrams/s at 200 calls × 5 listeners) never delays the sender's pacing and vice versa.
 *
 * Talker i sends to talkgroup 10_000 + i at real pacing (one frame per 60 ms, phases spread over
 * the 60 ms, hbp-and-dmr.md §2.2); `listeners` hotspots per talkgroup subscribe with RPTO
 * `TS2=<tg>;`. Every voice burst carries its *actual* send time (CLOCK_MONOTONIC, taken right
 * before the send syscall, mono_clock.ts); warm-up bursts carry it negated and are not measured
 * (server_probe.ts records them apart, by the same code). The receiver measures arrival − send
 * time for every measured burst at every listener.
 * @module
 */
import { FrameType } from "../../src/wire/dmrd.ts";
import { lcEncoder } from "../../test/sim/workload.ts";
import { BenchHotspot } from "./bench_hotspot.ts";
import { LatencySamples } from "./latency_samples.ts";
import { monoNowMs, readSendTime, writeSendTime } from "./mono_clock.ts";
import { CallFrameSource } from "./talker.ts";

export const FRAME_MS = 60;
/** Pre-warm pace: 5× real time (≈ 16.7k frames/s in, 83k out at 200 calls × 5). */
export const PREWARM_SPEEDUP = 5;
const TALKGROUP_BASE = 10_000;
const PASSPHRASE = "passw0rd";

export interface LatencyShape {
  readonly serverPort: number;
  readonly calls: number;
  readonly listenersPerTalkgroup: number;
}

/** Log every hotspot in, then keep them alive: one RPTPING each every PING_INTERVAL_MS, spread out (MMDVMHost pings every 5 s; the master drops a silent peer after 30 s). */
async function loginAll(hotspots: BenchHotspot[]): Promise<() => void> {
  for (let i = 0; i < hotspots.length; i += 50) await Promise.all(hotspots.slice(i, i + 50).map((h) => h.login()));
  let next = 0;
  const perTick = Math.max(1, Math.ceil((hotspots.length * PING_TICK_MS) / PING_INTERVAL_MS));
  const timer = setInterval(() => {
    for (let n = 0; n < perTick; n++) {
      hotspots[next]!.ping();
      next = (next + 1) % hotspots.length;
    }
  }, PING_TICK_MS);
  return () => clearInterval(timer);
}
const PING_INTERVAL_MS = 5000;
const PING_TICK_MS = 100;

export class LatencyReceiver {
  readonly listeners: BenchHotspot[] = [];
  readonly samples: LatencySamples;
  /** DMRD datagrams received (all kinds) */
  received = 0;
  /** measured voice bursts received */
  measured = 0;

  constructor(readonly shape: LatencyShape, maxSeconds: number) {
    this.samples = new LatencySamples(Math.ceil((maxSeconds * 1000 * shape.calls * shape.listenersPerTalkgroup) / FRAME_MS) + 1024);
    for (let i = 0; i < shape.calls; i++) {
      const tg = TALKGROUP_BASE + i;
      for (let j = 0; j < shape.listenersPerTalkgroup; j++) {
        const l = new BenchHotspot({
          serverPort: shape.serverPort,
          repeaterId: 313_000_000 + i * shape.listenersPerTalkgroup + j,
          passphrase: PASSPHRASE,
          options: `TS2=${tg};`,
        });
        l.onDmrd = (data) => this.#onDmrd(data);
        this.listeners.push(l);
      }
    }
  }

  #onDmrd(data: Uint8Array): void {
    const now = monoNowMs();
    this.received++;
    if (data.length < 55 || ((data[15]! >>> 4) & 0x03) === FrameType.DataSync) return; // header/terminator: an LC, no send time
    const sent = readSendTime(data);
    if (!(sent > 0)) return;
    this.measured++;
    this.samples.add(now - sent);
  }

  #stopPings: () => void = () => {};

  async login(): Promise<void> {
    this.#stopPings = await loginAll(this.listeners);
  }

  /** Forget the samples so far (a new measurement window). */
  reset(): void {
    this.samples.count = 0;
    this.samples.overflow = 0;
    this.measured = 0;
  }

  close(): void {
    this.#stopPings();
    for (const h of this.listeners) h.close();
  }
}

export interface SenderResult {
  /** frames sent in the measured window */
  readonly sentMeasured: number;
  /** of those, voice bursts (each expected at every listener of its talkgroup) */
  readonly burstsMeasured: number;
  /** the measured window, CLOCK_MONOTONIC ms */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** how late the pacing timer ran (ms past a frame's due time, p99/max) */
  readonly pacingLateP99: number;
  readonly pacingLateMax: number;
  /** send time stamp → send syscall returned, p99/max: how long the generator itself held a stamped frame */
  readonly sendHoldP99: number;
  readonly sendHoldMax: number;
}

export class LatencySender {
  readonly talkers: BenchHotspot[] = [];
  readonly sources: CallFrameSource[] = [];

  constructor(readonly shape: LatencyShape, superframesPerCall = 4) {
    for (let i = 0; i < shape.calls; i++) {
      const t = new BenchHotspot({ serverPort: shape.serverPort, repeaterId: 312_000_000 + i, passphrase: PASSPHRASE, options: "" });
      this.talkers.push(t);
      // tags are only used to tell frames apart: talker i uses i·4096 + n
      this.sources.push(new CallFrameSource(t.repeaterId, 3_120_000 + i, TALKGROUP_BASE + i, 2, superframesPerCall, 0x30000000 + i * 0x1000, i << 12, lcEncoder, 4));
    }
  }

  #stopPings: () => void = () => {};

  async login(): Promise<void> {
    this.#stopPings = await loginAll(this.talkers);
  }

  /**
   * Send for warm-up + measured seconds. Talker i sends frame n at start + i·60/calls + n·60 ms;
   * `onMeasureStart` runs when the warm-up is over. The first `prewarmSeconds` of the warm-up go
   * PREWARM_SPEEDUP× faster, so the server's JIT reaches its top tier (FTL) before the measurement
   * instead of compiling during it (a long-running server is past that point). The pings go that
   * much faster too (the talkers send the extra ones): at the real rate a master's ping answer was
   * still being compiled for its top tier inside the measured rounds (~15 ms of compiler CPU on
   * the server's core, 2026-12-06), which a server that has run for minutes never pays again.
   */
  run(warmupSeconds: number, seconds: number, onMeasureStart: () => void = () => {}, prewarmSeconds = 0): Promise<SenderResult> {
    const calls = this.shape.calls;
    const start = monoNowMs() + 50;
    const next = new Float64Array(calls);
    for (let i = 0; i < calls; i++) next[i] = start + (i * FRAME_MS) / calls;
    const prewarmUntil = start + prewarmSeconds * 1000;
    const measureFrom = start + (prewarmSeconds + warmupSeconds) * 1000;
    const stopAt = measureFrom + seconds * 1000;
    const late = new LatencySamples(Math.ceil(((warmupSeconds + seconds + 1) * 1000 * calls) / FRAME_MS) + 64);
    const hold = new LatencySamples(late.values.length);
    // the pre-warm's extra pings: (PREWARM_SPEEDUP − 1)× the talkers' own rate, spread evenly
    const extraPingEveryMs = PING_INTERVAL_MS / (calls * (PREWARM_SPEEDUP - 1));
    let extraPingAt = start;
    let extraPingNext = 0;
    let measuring = false;
    let sentMeasured = 0;
    let burstsMeasured = 0;
    let windowStartMs = 0;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = monoNowMs();
        if (!measuring && now >= measureFrom) {
          measuring = true;
          windowStartMs = now;
          onMeasureStart();
        }
        if (now >= stopAt) {
          clearInterval(timer);
          const s = late.summary();
          const h = hold.summary();
          resolve({ sentMeasured, burstsMeasured, windowStartMs, windowEndMs: now, pacingLateP99: s.p99, pacingLateMax: s.max, sendHoldP99: h.p99, sendHoldMax: h.max });
          return;
        }
        while (now < prewarmUntil && extraPingAt <= now) {
          this.talkers[extraPingNext]!.ping();
          extraPingNext = (extraPingNext + 1) % calls;
          extraPingAt += extraPingEveryMs;
        }
        for (let i = 0; i < calls; i++) {
          while (next[i]! <= now) {
            const frame = this.sources[i]!.next();
            const burst = ((frame[15]! >>> 4) & 0x03) !== FrameType.DataSync;
            const sentAt = monoNowMs();
            // warm-up bursts: the send time negated (server_probe.ts runs the same path for both; receivers skip them)
            if (burst) writeSendTime(frame, measuring ? sentAt : -sentAt);
            this.talkers[i]!.sendRaw(frame);
            if (measuring) {
              hold.add(monoNowMs() - sentAt);
              late.add(sentAt - next[i]!);
              sentMeasured++;
              if (burst) burstsMeasured++;
            }
            next[i] = next[i]! + (now < prewarmUntil ? FRAME_MS / PREWARM_SPEEDUP : FRAME_MS);
          }
        }
      }, 1);
    });
  }

  close(): void {
    this.#stopPings();
    for (const h of this.talkers) h.close();
  }
}

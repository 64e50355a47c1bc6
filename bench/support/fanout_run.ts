/**
 * One fan-out measurement against a running server: one talker, N listeners on the same TG,
 * frames sent at a fixed rate for a fixed time; forwarded packets counted at the listeners,
 * server CPU from /proc. Used by bench/fanout.bench.ts for freedmr and the bare relay alike.
 * @module
 */
import { BenchHotspot } from "./bench_hotspot.ts";
import { ProcessCpuMeter } from "./process_cpu.ts";
import type { ServerProcess } from "./server_process.ts";
import { CallFrameSource } from "./talker.ts";
import type { LcPayloadEncoder } from "../../test/sim/frames.ts";

export interface FanoutResult {
  readonly server: string;
  readonly listeners: number;
  readonly rateIn: number;
  readonly seconds: number;
  readonly sent: number;
  readonly expected: number;
  readonly received: number;
  readonly lossPercent: number;
  readonly serverCpuSeconds: number;
  readonly serverCpuPercent: number;
  readonly forwardedPerCpuSecond: number;
}

export interface FanoutSetup {
  readonly talker: BenchHotspot;
  readonly listeners: BenchHotspot[];
  readonly talkgroupId: number;
}

export async function setupFanout(server: ServerProcess, listenerCount: number, passphrase: string, talkgroupId: number, idBase: number): Promise<FanoutSetup> {
  const talker = new BenchHotspot({ serverPort: server.port, repeaterId: idBase, passphrase, options: "" });
  await talker.login();
  const listeners: BenchHotspot[] = [];
  for (let i = 0; i < listenerCount; i++) {
    const h = new BenchHotspot({ serverPort: server.port, repeaterId: idBase + 1 + i, passphrase, options: `TS2=${talkgroupId};` });
    listeners.push(h);
  }
  // Log in a few at a time (a burst of 50 logins is fine, 1000 may overflow a small rcvbuf).
  for (let i = 0; i < listeners.length; i += 25) await Promise.all(listeners.slice(i, i + 25).map((h) => h.login()));
  return { talker, listeners, talkgroupId };
}

export function teardownFanout(setup: FanoutSetup): void {
  setup.talker.close();
  for (const h of setup.listeners) h.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Send `rateIn` frames/s for `seconds`; the calls are `superframes` long. */
export async function runFanout(
  server: ServerProcess,
  setup: FanoutSetup,
  rateIn: number,
  seconds: number,
  lc: LcPayloadEncoder | null,
  streamIdBase: number,
  superframesPerCall = 20,
): Promise<FanoutResult> {
  const source = new CallFrameSource(setup.talker.repeaterId, 2_345_001, setup.talkgroupId, 2, superframesPerCall, streamIdBase, 0, lc, 2048);
  const before = setup.listeners.map((h) => h.received);
  const batch: (Uint8Array | number | string)[] = [];
  const cpu = new ProcessCpuMeter(server.pid);
  let lastSampleMs = performance.now();
  const t0 = performance.now();
  const total = Math.round(rateIn * seconds);
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rateIn));
    let n = due - sent;
    if (n > 0) {
      batch.length = 0;
      if (n > 256) n = 256;
      for (let i = 0; i < n; i++) batch.push(source.next(), server.port, "127.0.0.1");
      sent += setup.talker.sendBatch(batch);
      // a short count is a lost packet; keep pacing on the intended count
      sent = Math.max(sent, source.produced);
    }
    if (performance.now() - lastSampleMs >= 100) {
      cpu.sample();
      lastSampleMs = performance.now();
    }
    await sleep(1);
  }
  const tSend = performance.now();
  await sleep(400); // drain
  const cpuNs = cpu.elapsedNs();
  const elapsed = (tSend - t0) / 1000;
  let received = 0;
  for (let i = 0; i < setup.listeners.length; i++) received += setup.listeners[i]!.received - before[i]!;
  const expected = source.produced * setup.listeners.length;
  const cpuSeconds = cpuNs / 1e9;
  return {
    server: server.name,
    listeners: setup.listeners.length,
    rateIn,
    seconds: elapsed,
    sent: source.produced,
    expected,
    received,
    lossPercent: expected === 0 ? 0 : (100 * (expected - received)) / expected,
    serverCpuSeconds: cpuSeconds,
    serverCpuPercent: (100 * cpuSeconds) / (elapsed + 0.4),
    forwardedPerCpuSecond: cpuSeconds > 0 ? received / cpuSeconds : 0,
  };
}

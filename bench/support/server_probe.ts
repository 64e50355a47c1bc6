/**
 * The in-server latency split for the benchmarks, shared by freedmr (as a UdpHost HostProbe) and
 * the bare relay: for every measured voice burst (send time stamped by the generator, see
 * mono_clock.ts) it records
 *   ingress = data callback start − generator send time   (sender syscall, kernel, server wake-up
 *             and event-loop queueing: everything before our code runs)
 *   service = drain returned − data callback start          (our code + the sendMany syscalls;
 *             freedmr's output held for the receive batch is sent later: our code only)
 * and the duration of every shell tick. Printed on stdout as one `PROBE {json}` line at exit.
 * @module
 */
import { FrameType } from "../../src/wire/dmrd.ts";
import { encodeSamples, LatencySamples, type LatencySummary } from "./latency_samples.ts";
import { MONO_OFFSET_MS, readSendTime } from "./mono_clock.ts";

/** Written once to stderr at the first measured datagram (to split a BUN_JSC_logGC=1 log). */
export const MEASURING_MARK = "PROBE measuring";

export interface ProbeReport {
  readonly ingress: LatencySummary;
  readonly service: LatencySummary;
  readonly serviceAll: LatencySummary;
  readonly tick: LatencySummary;
  /** gaps between tick starts minus the interval (timer lateness) */
  readonly tickLate: LatencySummary;
  /** when the latest tick was (CLOCK_MONOTONIC ms, see mono_clock.ts) */
  readonly worstTickLateAtMs: number;
  /** the samples themselves (base64 Float32, see latency_samples.ts), to merge rounds */
  readonly raw: { readonly ingress: string; readonly service: string; readonly tick: string; readonly tickLate: string };
}

export class ServerProbe {
  readonly ingress = new LatencySamples(1 << 20);
  readonly service = new LatencySamples(1 << 20);
  readonly serviceAll = new LatencySamples(1 << 21);
  readonly ticks = new LatencySamples(1 << 16);
  readonly tickLate = new LatencySamples(1 << 16);
  #lastTickStart = 0;
  #worstLate = 0;
  #worstLateAtMs = 0;

  constructor(readonly tickIntervalMs = 25) {}

  /**
   * Warm-up bursts carry their send time negated (latency_gen.ts): their samples go here, by the
   * same code as the measured ones, so the server's JIT has compiled the path it measures with
   * before measuring starts. (When warm-up bursts were skipped, the first measured burst took a
   * path never run before: JSC left its optimized code for the server's data callback and compiled
   * it again inside the first measured round, 11–17 ms of compiler CPU there on 2026-12-05.)
   */
  readonly #warmIngress = new LatencySamples(1 << 12);
  readonly #warmService = new LatencySamples(1 << 12);
  /** [warm-up, measured], indexed by whether the stamp is a measured one (no branch to tell them apart) */
  readonly #ingressBy = [this.#warmIngress, this.ingress];
  readonly #serviceBy = [this.#warmService, this.service];
  readonly #mark = process.env.BENCH_PROBE_MARK === "1";

  /** startMs/doneMs are performance.now() readings of this process. */
  datagram(data: Uint8Array, startMs: number, doneMs: number): void {
    const service = doneMs - startMs;
    this.serviceAll.add(service);
    // DMRD voice bursts only (headers/terminators carry an LC, not a send time)
    if (data.length < 55 || data[0] !== 0x44 || data[3] !== 0x44) return;
    if (((data[15]! >>> 4) & 0x03) === FrameType.DataSync) return;
    const stamp = readSendTime(data);
    const measured = +(stamp > 0);
    const sent = Math.abs(stamp);
    if (!(sent > 0)) return;
    if (this.#mark && measured === 1 && this.ingress.count === 0) process.stderr.write(`${MEASURING_MARK}\n`); // GC-log readers start counting here
    const ingress = startMs + MONO_OFFSET_MS - sent;
    // frames without a stamp carry filler there (e.g. the fan-out generator): not a plausible delay
    if (ingress < -5 || ingress > 60_000) return;
    this.#ingressBy[measured]!.add(ingress);
    this.#serviceBy[measured]!.add(service);
  }

  tick(startMs: number, doneMs: number): void {
    this.ticks.add(doneMs - startMs);
    if (this.#lastTickStart !== 0) {
      const late = startMs - this.#lastTickStart - this.tickIntervalMs;
      this.tickLate.add(late);
      if (late > this.#worstLate) {
        this.#worstLate = late;
        this.#worstLateAtMs = startMs + MONO_OFFSET_MS;
      }
    }
    this.#lastTickStart = startMs;
  }

  report(): ProbeReport {
    return {
      ingress: this.ingress.summary(),
      service: this.service.summary(),
      serviceAll: this.serviceAll.summary(),
      tick: this.ticks.summary(),
      tickLate: this.tickLate.summary(),
      worstTickLateAtMs: this.#worstLateAtMs,
      raw: {
        ingress: encodeSamples(this.ingress),
        service: encodeSamples(this.service),
        tick: encodeSamples(this.ticks),
        tickLate: encodeSamples(this.tickLate),
      },
    };
  }

  /** Print `PROBE {json}` on stdout (the bench parses it from the server's output). */
  print(): void {
    console.log(`PROBE ${JSON.stringify(this.report())}`);
  }
}

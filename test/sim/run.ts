/**
 * The routing simulation runner (TigerBeetle VOPR style, style-anchors.md §4): one seed → one
 * world (options, sessions, faults), a workload of calls, dials, private calls, data, parrot,
 * session drops and option changes, driven through `createRouter` with fake ports and simulated
 * time; the auditor (./auditor.ts) checks every delivery and, at the end, liveness. The same seed
 * replays exactly: every random choice comes from the seeded Prng, the router's own Prng included.
 * @module
 */
import { Outbox } from "../../src/core/outbox.ts";
import type { CoreEvent, EventSink } from "../../src/core/events.ts";
import { createRouter } from "../../src/core/routing/index.ts";
import type { Router } from "../../src/core/routing/types.ts";
import { Prng } from "../../src/lib/prng.ts";
import { DmrdFrame, DmrdStatus, decodeDmrd } from "../../src/wire/dmrd.ts";
import { RoutingAuditor } from "./auditor.ts";
import { SimScheduler } from "./sim_clock.ts";
import { SimPort } from "./sim_port.ts";
import { SimFrameKind } from "./frames.ts";
import {
  REFLECTOR_POOL,
  RESERVED_GROUP_TARGETS,
  TALKGROUP_POOL,
  makeWorld,
  noFaults,
  pickPurpose,
  planFrames,
  randomOptionsText,
  type FrameContext,
  type PlannedFrame,
  type SimWorld,
} from "./workload.ts";
import type { CallPlan, CallPurpose, RadioSpec, SessionSpec } from "./world.ts";

export interface SimParams {
  readonly seed: number;
  readonly sessions: number;
  /** simulated time with new calls; a quiet phase follows for playback and timers */
  readonly durationMs: number;
  /** keep the last N log lines for a failure report */
  readonly logLines?: number;
  /** debugging: log every delivery to the session with this repeater id */
  readonly traceRepeaterId?: number;
  /** debugging: log every frame this radio sends into the router */
  readonly traceRadioId?: number;
  /** debugging: log every router event this predicate selects */
  readonly debugEvents?: (event: CoreEvent) => boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly summary: string;
  readonly world: string;
  readonly violations: readonly { kind: string; atMs: number; detail: string }[];
  readonly log: readonly string[];
  readonly auditor: RoutingAuditor;
  readonly calls: number;
  readonly routerStats: Record<string, number>;
}

class CountingSink implements EventSink {
  readonly counts = new Map<string, number>();
  /** log control-plane events (dial, options, subscriptions, bridges) into the event log */
  note: ((line: string) => void) | null = null;
  debug: ((event: CoreEvent) => boolean) | null = null;
  publish(event: CoreEvent): void {
    this.counts.set(event.type, (this.counts.get(event.type) ?? 0) + 1);
    if (this.note !== null && this.debug !== null && this.debug(event)) {
      const { type, atMs: _atMs, ...rest } = event as CoreEvent & { atMs: number };
      this.note(`event ${type} ${JSON.stringify(rest)}`);
      return;
    }
    if (this.note !== null && (event.type.startsWith("dial.") || event.type === "options.applied" || event.type === "subscription.change" || event.type === "bridge.change")) {
      const { type, atMs: _atMs, ...rest } = event as CoreEvent & { atMs: number };
      this.note(`event ${type} ${JSON.stringify(rest)}`);
    }
  }
}

interface SessionRuntime {
  readonly spec: SessionSpec;
  port: SimPort | null;
  incarnation: number;
  /** RF busy until, per effective slot (index 1, 2) */
  rfBusyUntil: number[];
  sequence: number[];
}

export function runSimulation(params: SimParams): SimResult {
  const root = new Prng(params.seed);
  const worldPrng = root.fork("world");
  const workPrng = root.fork("workload");
  const faultPrng = root.fork("faults");
  const routerPrng = root.fork("router");
  const world: SimWorld = makeWorld(worldPrng, params.sessions);
  const options = world.options;
  const scheduler = new SimScheduler();
  const outbox = new Outbox(65_536);
  const sink = new CountingSink();
  const router: Router = createRouter(options, { outbox, events: sink, prng: routerPrng });
  const auditor = new RoutingAuditor(options, world.sessions);
  const logCapacity = params.logLines ?? 400;
  const log: string[] = [];
  const note = (line: string) => {
    if (log.length >= logCapacity) log.shift();
    log.push(`${String(scheduler.nowMs).padStart(7)} ${line}`);
  };
  sink.note = note;
  sink.debug = params.debugEvents ?? null;
  if (params.traceRepeaterId !== undefined) auditor.trace = { repeaterId: params.traceRepeaterId, line: (text) => note(text) };
  const ports = new Map<number, SimPort>(); // portIndex → port
  const freeIndices: number[] = [];
  let nextIndex = 0;
  const runtimes: SessionRuntime[] = world.sessions.map((spec) => ({ spec, port: null, incarnation: -1, rfBusyUntil: [0, 0, 0], sequence: [0, 0, 0] }));
  const decoded = new DmrdFrame();
  let tagCounter = 1;
  let streamCounter = 0x1000;
  let callCounter = 0;
  let crashed: Error | null = null;

  const drain = () => {
    // every frame waiting in the outbox must have its own bytes: a buffer pushed twice means the
    // router overwrote a frame before it was sent
    const seen = new Set<Uint8Array>();
    for (let i = 0; i < outbox.count; i++) {
      const bytes = outbox.buffers[i]!;
      if (seen.has(bytes)) auditor.egressBufferReused(scheduler.nowMs, outbox.endpoints[i]!.port);
      seen.add(bytes);
    }
    for (let i = 0; i < outbox.count; i++) {
      const endpoint = outbox.endpoints[i]!;
      const port = ports.get(endpoint.port);
      const bytes = outbox.buffers[i]!;
      if (port === undefined || port.endpoint !== endpoint) {
        auditor.delivery(scheduler.nowMs, -1, -1, -1, bytes, outbox.lengths[i]!);
        continue;
      }
      auditor.delivery(scheduler.nowMs, port.portIndex, port.incarnation, port.sessionIndex, bytes, outbox.lengths[i]!);
    }
    outbox.clear();
  };
  const guard = (what: string, fn: () => void) => {
    if (crashed !== null) return;
    try {
      fn();
    } catch (error) {
      crashed = error as Error;
      note(`CRASH in ${what}: ${(error as Error).stack ?? error}`);
    }
    drain();
  };

  // ---- sessions: up, options, drops
  const bringUp = (rt: SessionRuntime, text: string | null) => {
    const index = freeIndices.length > 0 ? freeIndices.shift()! : nextIndex++;
    rt.incarnation++;
    const s = rt.spec;
    const port = new SimPort(index, `${s.callsign}-${s.repeaterId}`, s.repeaterId, s.simplex, s.callsign, s.accessRule, s.index, rt.incarnation);
    rt.port = port;
    ports.set(index, port);
    auditor.portUp(scheduler.nowMs, s.index, rt.incarnation, index);
    note(`up ${s.repeaterId}#${rt.incarnation} port=${index} rule=${s.accessRule} simplex=${s.simplex}`);
    guard("onPortUp", () => router.onPortUp(scheduler.nowMs, port));
    if (text !== null) sendOptions(rt, text);
  };
  const sendOptions = (rt: SessionRuntime, text: string) => {
    const port = rt.port;
    if (port === null) return;
    auditor.optionsSent(scheduler.nowMs, rt.spec.index, text);
    note(`options ${rt.spec.repeaterId} "${text}"`);
    guard("onOptions", () => router.onOptions(scheduler.nowMs, port, text));
  };
  const bringDown = (rt: SessionRuntime) => {
    const port = rt.port;
    if (port === null) return;
    note(`down ${rt.spec.repeaterId}#${rt.incarnation} port=${port.portIndex}`);
    auditor.portDown(scheduler.nowMs, rt.spec.index);
    guard("onPortDown", () => router.onPortDown(scheduler.nowMs, port));
    ports.delete(port.portIndex);
    freeIndices.push(port.portIndex);
    freeIndices.sort((a, b) => a - b);
    rt.port = null;
  };

  const endOfCalls = params.durationMs;
  for (const rt of runtimes) {
    const text = world.sessionOptions[rt.spec.index] ?? null;
    scheduler.at(workPrng.range(0, 3000), () => bringUp(rt, text));
    if (workPrng.chance(world.faults.dropSessionPercent, 100)) {
      const downAt = workPrng.range(5000, Math.max(6000, endOfCalls - 5000));
      const backAfter = workPrng.range(500, 30_000);
      scheduler.at(downAt, () => {
        bringDown(rt);
        scheduler.after(backAfter, () => bringUp(rt, text));
      });
    }
    if (workPrng.chance(world.faults.optionsChangePercent, 100)) {
      const key = text !== null && text.startsWith("KEY=") ? text.slice(4, text.indexOf(";")) : null;
      // Sometimes with the wrong key: must be ignored.
      const newText = randomOptionsText(workPrng, key !== null && workPrng.chance(1, 2) ? `${key}x` : key) ?? "TS2=91;";
      scheduler.at(workPrng.range(5000, endOfCalls), () => sendOptions(rt, newText));
    }
  }

  // ---- ticks
  const tick = () => {
    guard("onTick", () => router.onTick(scheduler.nowMs));
    scheduler.after(workPrng.range(20, 50), tick);
  };
  scheduler.at(10, tick);

  // ---- calls
  const allRadios: RadioSpec[] = world.sessions.flatMap((s) => s.radios);
  const frameCtx = (rt: SessionRuntime, slot: 1 | 2): FrameContext => ({
    nextTag: () => tagCounter++,
    nextStreamId: () => {
      streamCounter = (streamCounter + 0x9e3779b1) >>> 0;
      if (streamCounter === 0) streamCounter = 1;
      return streamCounter;
    },
    sequence: rt.sequence[slot]!,
  });

  /**
   * Send one call from `radio` now (frames scheduled with the world's faults unless `probe`).
   * Returns the time of its last frame, or -1 when the radio's session is down or its RF busy.
   */
  const placeCall = (radio: RadioSpec, purpose: CallPurpose, destinationId: number, superframes: number, probe: boolean): number => {
    const rt = runtimes[radio.session]!;
    const now = scheduler.nowMs;
    const slot: 1 | 2 = purpose === "reflector" ? 2 : radio.slot;
    const rfKey = rt.spec.simplex ? 2 : slot;
    if (rt.port === null || rt.rfBusyUntil[rfKey]! > now) return -1;
    const callType: "group" | "unit" = purpose === "dial" || purpose === "unlink" || purpose === "status" || purpose === "private" || purpose === "unitData" ? "unit" : "group";
    const kind: "voice" | "data" = purpose === "unitData" || purpose === "groupData" ? "data" : "voice";
    const f = world.faults;
    const faults = noFaults();
    if (kind === "voice" && !probe) {
      faults.lateEntry = workPrng.chance(f.lateEntryPercent, 100);
      faults.streamIdZero = workPrng.chance(f.streamIdZeroPercent, 100);
      faults.repeatedHeaders = workPrng.chance(f.repeatedHeadersPercent, 100);
      faults.dmrPlusHeaders = !faults.streamIdZero && workPrng.chance(f.dmrPlusHeadersPercent, 100);
      faults.kerchunk = workPrng.chance(f.kerchunkPercent, 100);
    }
    const ctx = frameCtx(rt, slot);
    const planStub: CallPlan = {
      id: callCounter++,
      session: radio.session,
      radioId: radio.radioId,
      slot,
      callType,
      kind,
      destinationId,
      purpose,
      faults,
      plannedFrames: 0,
      plannedStartMs: now,
      probe,
    };
    const frames = planFrames(workPrng, planStub, rt.spec.repeaterId, superframes, ctx);
    rt.sequence[slot] = ctx.sequence;
    // ---- faults on the way (healed for probes)
    const sendList: { atMs: number; frame: PlannedFrame; duplicate: boolean }[] = [];
    let lossy = false;
    // DMR+: the header carrying the voice's stream id (the last one) is often the one lost
    const lastHeaderLost = faults.dmrPlusHeaders && workPrng.chance(1, 2);
    for (const fr of frames) {
      if ((faults.lateEntry || (lastHeaderLost && fr.streamId === frames[frames.length - 1]!.streamId)) && fr.kind === SimFrameKind.Header) {
        lossy = true;
        continue;
      }
      const at = now + fr.offsetMs + (probe ? 0 : faultPrng.range(0, 8));
      if (!probe && faultPrng.chance(f.lossPerMille, 1000)) {
        lossy = true;
        continue;
      }
      sendList.push({ atMs: at, frame: fr, duplicate: false });
      if (!probe && faultPrng.chance(f.duplicatePerMille, 1000)) {
        lossy = true;
        sendList.push({ atMs: at + faultPrng.range(0, 30), frame: fr, duplicate: true });
      }
    }
    sendList.sort((a, b) => a.atMs - b.atMs);
    for (let i = 0; i + 1 < sendList.length && !probe; i++) {
      if (faultPrng.chance(f.reorderPerMille, 1000)) {
        lossy = true;
        const a = sendList[i]!;
        const b = sendList[i + 1]!;
        const t = a.atMs;
        a.atMs = b.atMs;
        b.atMs = t;
        sendList[i] = b;
        sendList[i + 1] = a;
      }
    }
    faults.lossy = lossy;
    const plan: CallPlan = { ...planStub, plannedFrames: frames.length, faults };
    auditor.callPlanned(plan);
    for (const fr of frames) auditor.registerTag(fr.tag, plan.id);
    const incarnation = rt.incarnation;
    const last = sendList.length > 0 ? sendList[sendList.length - 1]!.atMs : now;
    rt.rfBusyUntil[rfKey] = last + options.streamTimeoutMs + 200;
    note(`${probe ? "probe" : "call"} ${plan.id} ${purpose} ${callType} ${radio.radioId}→${destinationId} ${rt.spec.repeaterId} TS${slot} frames=${frames.length} sent=${sendList.length} faults=${faultsText(faults)}`);
    for (const item of sendList) {
      scheduler.at(item.atMs, () => {
        const port = rt.port;
        if (port === null || rt.incarnation !== incarnation) return;
        const bytes = item.frame.bytes.slice(); // a fresh datagram each time, like Bun
        if (decodeDmrd(bytes, decoded) !== DmrdStatus.Ok) throw new Error("workload built an undecodable frame");
        auditor.ingressFrame(scheduler.nowMs, {
          callId: plan.id,
          kind: item.frame.kind,
          tag: item.frame.tag,
          sequence: item.frame.sequence,
          streamId: item.frame.streamId,
          finalBlock: item.frame.finalBlock,
          blocksToFollow: item.frame.blocksToFollow,
          duplicate: item.duplicate,
        });
        if (params.traceRadioId === radio.radioId) {
          note(`ingress call ${plan.id} kind=${item.frame.kind} seq=${decoded.sequence} sid=${decoded.streamId.toString(16)} tag=${item.frame.tag}${item.duplicate ? " dup" : ""}`);
        }
        guard("onFrame", () => router.onFrame(scheduler.nowMs, port, decoded));
      });
    }
    return last;
  };

  const startCall = (radio: RadioSpec, again: CallPurpose | null = null) => {
    const rt = runtimes[radio.session]!;
    const now = scheduler.nowMs;
    if (now >= endOfCalls) return;
    const purpose = again ?? pickPurpose(workPrng);
    const retry = () => scheduler.after(workPrng.range(500, 3000), () => startCall(radio, again));
    let destinationId: number;
    switch (purpose) {
      case "group":
      case "groupData":
        destinationId = workPrng.pick(TALKGROUP_POOL);
        break;
      case "reserved":
        destinationId = workPrng.pick(RESERVED_GROUP_TARGETS);
        break;
      case "reflector":
        destinationId = options.dial.talkgroupId;
        break;
      case "dial":
        destinationId = workPrng.pick(REFLECTOR_POOL);
        break;
      case "unlink":
        destinationId = options.dial.unlinkId;
        break;
      case "status":
        destinationId = options.dial.statusId;
        break;
      case "private":
      case "unitData":
        destinationId = workPrng.pick(allRadios).radioId;
        break;
      case "parrot":
        destinationId = options.parrot.talkgroupId;
        break;
    }
    if (destinationId === radio.radioId || rt.port === null) return retry();
    const superframes =
      purpose === "dial" || purpose === "unlink" || purpose === "status"
        ? workPrng.range(1, 3)
        : workPrng.chance(1, 25)
          ? workPrng.range(100, Math.ceil(options.maxStreamMs / 360) + 20)
          : workPrng.range(2, 40);
    const last = placeCall(radio, purpose, destinationId, superframes, false);
    if (last < 0) return retry();
    // a parrot test is often repeated at once, before or while the first one plays back
    if (purpose === "parrot" && workPrng.chance(world.faults.parrotRepeatPercent, 100)) {
      scheduler.at(last + workPrng.range(500, 4000), () => startCall(radio, "parrot"));
    } else {
      scheduler.at(last + workPrng.range(1000, 40_000), () => startCall(radio));
    }
  };
  for (const radio of allRadios) scheduler.at(workPrng.range(3000, 20_000), () => startCall(radio));

  /**
   * The probe phase from `start`: rounds of talkgroup calls (each speaker's call reaches the earlier
   * speakers through their user-activated TGs, and every static subscriber), a reflector round (dial,
   * TG 9 from the linked, TG N from another), bridge member TGs, parrot and private calls; then the
   * UA timers run out and a second series checks what expired and that default reflectors relinked.
   * Calls run one after the other, a hang time apart. Returns when the phase is over.
   */
  const runProbes = (start: number): number => {
    const gap = options.hangTimeMs + 1500;
    const actions: (() => number)[] = [];
    const upRadios = () => allRadios.filter((r) => runtimes[r.session]!.port !== null);
    const speak = (pick: () => RadioSpec | undefined, purpose: CallPurpose, destination: () => number, extraMs = 0) =>
      actions.push(() => {
        const radio = pick();
        if (radio === undefined) return scheduler.nowMs + 10;
        const dst = destination();
        if (dst === radio.radioId) return scheduler.nowMs + 10;
        const last = placeCall(radio, purpose, dst, purpose === "dial" || purpose === "unlink" ? 1 : workPrng.range(2, 4), true);
        return (last < 0 ? scheduler.nowMs : last) + gap + extraMs;
      });
    const anyRadio = () => {
      const list = upRadios();
      return list.length === 0 ? undefined : workPrng.pick(list);
    };
    const talkgroupRounds = (rounds: number, pool: readonly number[]) => {
      for (let r = 0; r < rounds; r++) {
        let tg = 0;
        actions.push(() => {
          tg = workPrng.pick(pool);
          return scheduler.nowMs;
        });
        for (let k = 0; k < 3; k++) speak(anyRadio, "group", () => tg);
      }
    };
    const reflectorRound = () => {
      let n = 0;
      const linked: RadioSpec[] = [];
      actions.push(() => {
        n = workPrng.pick(REFLECTOR_POOL);
        linked.length = 0;
        return scheduler.nowMs;
      });
      for (let k = 0; k < 3; k++) {
        speak(
          () => {
            const r = anyRadio();
            if (r !== undefined) linked.push(r);
            return r;
          },
          "dial",
          () => n,
        );
      }
      for (let k = 0; k < 3; k++) speak(() => linked[k], "reflector", () => options.dial.talkgroupId);
      speak(anyRadio, "group", () => n);
    };
    // bridges: each member's system keys its ON trigger and talks on its TG (the other members
    // hear it); then one member is switched OFF and another talks (the switched-off one must not hear)
    const memberRadio = (system: string, slot: 1 | 2): RadioSpec | undefined => {
      const list = upRadios().filter((r) => {
        const spec = world.sessions[r.session]!;
        return (spec.accessRule === system || String(spec.repeaterId) === system) && (spec.simplex || r.slot === slot);
      });
      return list.length === 0 ? undefined : workPrng.pick(list);
    };
    const reservedOrGroup = (tg: number): CallPurpose => (RESERVED_GROUP_TARGETS.includes(tg as never) ? "reserved" : "group");
    const bridgeRound = () => {
      for (const b of options.bridges) {
        for (const m of b.members) {
          let radio: RadioSpec | undefined;
          if (m.on.length > 0) speak(() => (radio = memberRadio(m.system, m.slot)), reservedOrGroup(m.on[0]!), () => m.on[0]!);
          speak(() => radio ?? memberRadio(m.system, m.slot), "group", () => m.talkgroupId);
        }
        const off = b.members.find((m) => m.off.length > 0);
        const other = b.members.find((m) => m !== off);
        if (off !== undefined && other !== undefined) {
          speak(() => memberRadio(off.system, off.slot), reservedOrGroup(off.off[0]!), () => off.off[0]!);
          speak(() => memberRadio(other.system, other.slot), "group", () => other.talkgroupId);
        }
      }
    };
    talkgroupRounds(4, TALKGROUP_POOL);
    reflectorRound();
    bridgeRound();
    speak(anyRadio, "parrot", () => options.parrot.talkgroupId, options.parrot.delayMs + 30 * 60);
    speak(anyRadio, "private", () => workPrng.pick(allRadios).radioId);
    speak(anyRadio, "private", () => workPrng.pick(allRadios).radioId);
    // every UA timer (and bridge timer) runs out: user-activated TGs and dialled links expire,
    // default reflectors relink; then the same kinds of probes again
    const longestTimer = 11 * 60_000; // longer timers (TIMER=0, RelinkTime=60) simply do not run out here
    actions.push(() => scheduler.nowMs + longestTimer + 5000);
    talkgroupRounds(2, TALKGROUP_POOL);
    const defaults = [...new Set(world.sessions.map((spec) => options.accessRules[spec.accessRule ?? ""]?.defaultReflector ?? 0).filter((n) => n !== 0))];
    for (const n of defaults) speak(anyRadio, "group", () => n);
    reflectorRound();
    bridgeRound();
    let i = 0;
    let endAt = start;
    const next = () => {
      if (i >= actions.length) return;
      const at = actions[i++]!();
      endAt = Math.max(endAt, at);
      scheduler.at(at, next);
    };
    scheduler.at(start, next);
    // run the actions as they come (each schedules the next); the phase ends after the last
    for (;;) {
      const before = i;
      scheduler.runUntil(Math.max(endAt, scheduler.nowMs) + 1);
      if (i >= actions.length || (i === before && scheduler.pending === 0)) break;
    }
    return Math.max(endAt, scheduler.nowMs) + gap;
  };

  // ---- run: calls, then a quiet phase for playback, timeouts and ticks
  const quietMs = Math.max(options.parrot.delayMs + options.parrot.maxFrames * options.parrot.frameIntervalMs, options.maxStreamMs) + 5000;
  const probeStart = endOfCalls + quietMs;
  scheduler.runUntil(probeStart);
  // ---- probes (TigerBeetle style): faults healed, one clean call at a time with every target
  // idle; each must reach every target the rules surely subscribe (the auditor's SURE bound)
  const probeEnd = runProbes(probeStart);
  scheduler.runUntil(probeEnd);
  const end = probeEnd;
  if (crashed === null) auditor.finish(end);
  if (outbox.dropped > 0) note(`outbox dropped ${outbox.dropped}`);
  const stats = router.stats() as unknown as Record<string, number>;
  const routerStats: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) if (typeof v === "number") routerStats[k] = v;
  const crash = crashed as Error | null;
  const ok = crash === null && auditor.violationCount === 0 && outbox.dropped === 0;
  const summary = `${crash !== null ? `CRASH ${crash.message}; ` : ""}calls=${callCounter} ${auditor.summary()} outboxDropped=${outbox.dropped} framesOut=${routerStats.framesOut ?? "?"}`;
  return { seed: params.seed, ok, summary, world: world.description, violations: auditor.violations, log, auditor, calls: callCounter, routerStats };
}

function faultsText(f: CallPlan["faults"]): string {
  const parts: string[] = [];
  if (f.lateEntry) parts.push("late");
  if (f.streamIdZero) parts.push("sid0");
  if (f.repeatedHeaders) parts.push("hdr×3");
  if (f.dmrPlusHeaders) parts.push("dmr+");
  if (f.kerchunk) parts.push("kerchunk");
  if (f.lossy) parts.push("lossy");
  return parts.length === 0 ? "-" : parts.join(",");
}

/** Human report of a failed run: the seed first, then the world, the violations and the tail of the log. */
export function formatFailure(r: SimResult): string {
  return [
    `SEED=${r.seed} FAILED: ${r.summary}`,
    `world: ${r.world}`,
    ...r.violations.map((v) => `  [${v.kind}] t=${v.atMs}: ${v.detail}`),
    `last ${r.log.length} events:`,
    ...r.log.map((l) => `  ${l}`),
    `replay: SEED=${r.seed} bun test test/sim  (or bun scripts/sim-many.ts --seed ${r.seed})`,
  ].join("\n");
}

/**
 * Event log: a bus consumer that writes core events to the process log (pino logger passed in),
 * one line per event, explained (./refusal_text.ts): every refusal names the ids and what to
 * change, at info or warn.
 *
 * No log floods: lines are limited per reason (event type + reason) by a token bucket on the
 * clock of the moment they are written (src/lib/reason_limiter.ts; time is an argument) — by
 * default at most 10 lines/s sustained and a burst of 10, so never more than 20 lines in any second
 * for one reason — and what was held back is summed up in one "suppressed K similar lines
 * (reason …)" line (when the reason writes again, or from a 1 s timer once the flood stops).
 * Events the log's own bus queue lost in a flood are reported the same way (once per second at
 * most). Counters (status API, /metrics) stay exact.
 *
 * It never calls into the core and never sees a passphrase (events carry none); the options KEY=
 * value is redacted from every line (src/lib/option_key.ts; the logger redacts it again).
 * @module
 */
import type { Logger } from "pino";
import type { EventBus } from "../bus/event_bus.ts";
import type { CoreEvent } from "../core/events.ts";
import { ReasonLimiter, type SuppressedSummary } from "../lib/reason_limiter.ts";
import { explainEvent } from "./refusal_text.ts";

export const EVENT_LOG_SERVICE = "event-log";

/** Lines per second per reason, sustained (the goal is ≤ 20 lines/s per reason under any flood). */
export const DEFAULT_LINES_PER_SECOND = 10;
/** Lines a quiet reason may write at once. rate + burst ≤ 20: no second ever has more than 20. */
export const DEFAULT_LINES_BURST = 10;
/** How often held-back lines are summed up once a flood stops. */
export const DEFAULT_SUMMARY_INTERVAL_MS = 1000;

/** The caller's callsign for a radio id when alias data knows it (src/shell/alias_directory.ts), else null. */
export type CallsignOf = (radioId: number) => string | null;

const NO_NAMES: CallsignOf = () => null;

export interface EventLogOptions {
  /** Names callers in stream start/end lines (`sourceCallsign`) when alias data knows them. */
  readonly callsignOf?: CallsignOf;
  readonly linesPerSecond?: number;
  readonly burst?: number;
  /** Most reason keys tracked (beyond it they share one bucket). */
  readonly maxReasons?: number;
}

/** Writes events as explained, rate-limited lines. Time is an argument (the moment of writing). */
export class EventLog {
  readonly limiter: ReasonLimiter;
  /** Lines written (events + summaries) and events not written, exact. */
  readonly counts = { lines: 0, summaries: 0, suppressed: 0 };
  readonly #log: Logger;
  readonly #callsignOf: CallsignOf;

  constructor(log: Logger, options: EventLogOptions = {}) {
    this.#log = log;
    this.#callsignOf = options.callsignOf ?? NO_NAMES;
    this.limiter = new ReasonLimiter({
      ratePerSecond: options.linesPerSecond ?? DEFAULT_LINES_PER_SECOND,
      burst: options.burst ?? DEFAULT_LINES_BURST,
      maxKeys: options.maxReasons ?? 1024,
    });
  }

  /**
   * Whether `write` would do anything with the event. The busiest events (two per call) are info
   * lines: with info off (log.level warn, error or silent) the bus does not even queue them for the
   * log (registerEventLog's filter), so a call's start and end cost the packet thread no delivery
   * turn, and nothing is built for them (in process, 200 short calls: ~100 ns per frame); the same
   * for talkgroup changes (debug lines) with debug off, and for stats events (never a line).
   */
  wants(event: CoreEvent): boolean {
    switch (event.type) {
      case "stream.start":
      case "stream.end":
        return this.#log.isLevelEnabled("info");
      case "subscription.change": // a debug line (refusal_text.ts), one per user-activated talkgroup
        return this.#log.isLevelEnabled("debug");
      case "stats": // never a line
        return false;
      default:
        return true;
    }
  }

  write(event: CoreEvent, nowMs: number): void {
    if (!this.wants(event)) return;
    const line = explainEvent(event);
    if (line === null || !this.#log.isLevelEnabled(line.level)) return;
    const verdict = this.limiter.admit(line.reason, nowMs);
    if (verdict < 0) {
      this.counts.suppressed++;
      return;
    }
    if (verdict > 0) this.#summary({ key: line.reason, suppressed: verdict, sinceMs: this.limiter.summarySinceMs }, nowMs, false);
    this.counts.lines++;
    if (event.type === "stream.start" || event.type === "stream.end") {
      const callsign = this.#callsignOf(event.sourceId);
      if (callsign !== null) line.fields.sourceCallsign = callsign;
    }
    this.#log[line.level](line.fields, line.msg);
  }

  /** Sum up lines held back by reasons that have gone quiet (call about once a second). */
  drain(nowMs: number): void {
    for (const summary of this.limiter.drain(nowMs)) this.#summary(summary, nowMs, true);
  }

  /** Events that never reached the log (its bus queue was full): one line, not limited (≤ 1 per drain). */
  lost(count: number): void {
    this.counts.lines++;
    this.#log.warn(
      { reason: "event-log.queue-full", lost: count },
      `the event log lost ${count} events to a full queue (a flood); not in the lines or summaries above, counters stay exact (status API, /metrics)`,
    );
  }

  #summary(summary: SuppressedSummary, nowMs: number, quiet: boolean): void {
    this.counts.lines++;
    this.counts.summaries++;
    this.#log.warn(
      {
        reason: summary.key,
        suppressed: summary.suppressed,
        seconds: Math.max(0, Math.round(nowMs - summary.sinceMs) / 1000),
      },
      `suppressed ${summary.suppressed} similar ${summary.suppressed === 1 ? "line" : "lines"} (reason ${summary.key})` +
        (quiet ? "" : "; still flooding, counters stay exact (status API, /metrics)"),
    );
  }
}

/** One event, one (unlimited) line: for callers that do their own limiting. */
export function logEvent(log: Logger, event: CoreEvent): void {
  const line = explainEvent(event);
  if (line !== null) log[line.level](line.fields, line.msg);
}

export interface RegisterEventLogOptions extends EventLogOptions {
  /** The clock events are stamped with (default: performance.now, the shell's monotonic clock). */
  readonly nowMs?: () => number;
  readonly summaryIntervalMs?: number;
}

/**
 * Register the event log on the bus (throws if the name is taken). Returns unregister, which also
 * writes the summaries still due and stops the timer.
 */
export function registerEventLog(bus: EventBus<CoreEvent>, log: Logger, queueCapacity = 4096, options: RegisterEventLogOptions = {}): () => void {
  const eventLog = new EventLog(log, options);
  const nowMs = options.nowMs ?? (() => performance.now());
  const unregister = bus.register(EVENT_LOG_SERVICE, (event) => eventLog.write(event, nowMs()), { queueCapacity, filter: (event) => eventLog.wants(event as CoreEvent) });
  let reportedDropped = 0;
  const reportLost = (): void => {
    const dropped = bus.stats().subscribers.find((s) => s.name === EVENT_LOG_SERVICE)?.dropped ?? reportedDropped;
    if (dropped > reportedDropped) eventLog.lost(dropped - reportedDropped);
    reportedDropped = dropped;
  };
  const timer = setInterval(() => {
    try {
      eventLog.drain(nowMs());
      reportLost();
    } catch {
      // a logger that throws must not stop the timer
    }
  }, options.summaryIntervalMs ?? DEFAULT_SUMMARY_INTERVAL_MS);
  (timer as { unref?: () => void }).unref?.();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    clearInterval(timer);
    reportLost(); // while the service is still registered (its counters go with it)
    unregister();
    // a final summary even if the bucket is empty: the flood is over, say what it cost
    eventLog.drain(nowMs() + 3_600_000);
  };
}

/**
 * Simulated time for the routing simulation: a clock that only moves when the scheduler runs the
 * next event (FoundationDB Sim2 style, style-anchors.md §4). Events with equal times run in the
 * order they were scheduled, so a seed replays exactly.
 * @module
 */

interface Scheduled {
  readonly atMs: number;
  readonly order: number;
  readonly run: () => void;
}

export class SimScheduler {
  nowMs = 0;
  private order = 0;
  private readonly heap: Scheduled[] = [];

  at(atMs: number, run: () => void): void {
    const event: Scheduled = { atMs: Math.max(atMs, this.nowMs), order: this.order++, run };
    const h = this.heap;
    h.push(event);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.nowMs + delayMs, run);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Run events in time order until the queue is empty or the next one is after `untilMs`. */
  runUntil(untilMs: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.atMs <= untilMs) {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) m = l;
          if (r < h.length && before(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      this.nowMs = top.atMs;
      top.run();
    }
    if (this.nowMs < untilMs) this.nowMs = untilMs;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}

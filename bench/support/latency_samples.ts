/**
 * A fixed-size store of latency samples (ms) and its percentile summary. Allocated once; beyond
 * capacity further samples are counted but not kept.
 * @module
 */

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** samples above 1 ms (the goal) */
  readonly over1ms: number;
}

export class LatencySamples {
  readonly values: Float64Array;
  count = 0;
  overflow = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (this.count < this.values.length) this.values[this.count++] = ms;
    else this.overflow++;
  }

  summary(): LatencySummary {
    return summarize(this.values.subarray(0, this.count));
  }
}

export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const pct = (p: number): number => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.floor((p / 100) * n))]!);
  let over = 0;
  for (let i = n - 1; i >= 0 && sorted[i]! > 1; i--) over++;
  return { n, p50: pct(50), p99: pct(99), p999: pct(99.9), max: n === 0 ? NaN : sorted[n - 1]!, over1ms: over };
}

export function formatSummary(s: LatencySummary): string {
  const f = (x: number): string => (Number.isNaN(x) ? "   -  " : x.toFixed(3).padStart(7));
  return `p50 ${f(s.p50)}  p99 ${f(s.p99)}  p99.9 ${f(s.p999)}  max ${f(s.max)} ms  (n ${s.n}, >1 ms ${s.over1ms})`;
}

// Sample arrays travel between processes as base64 Float32 in one JSON line.
export function encodeSamples(samples: LatencySamples): string {
  return Buffer.from(Float32Array.from(samples.values.subarray(0, samples.count)).buffer).toString("base64");
}

export function decodeSamples(text: string): Float64Array {
  const bytes = Buffer.from(text, "base64");
  const f32 = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return Float64Array.from(f32);
}

export function concatSamples(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

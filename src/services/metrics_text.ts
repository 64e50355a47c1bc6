/**
 * Prometheus text exposition format (version 0.0.4): metric families written once each, with
 * `# HELP` and `# TYPE` lines followed by their samples. Names are checked (a bug, not input:
 * they are constants here); label values are escaped (backslash, double quote, newline), since
 * they may come from the network (callsigns, link names).
 * @module
 */
import { assert } from "../lib/assert.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge";
export type Labels = Readonly<Record<string, string | number>>;
export type Sample = readonly [labels: Labels | null, value: number];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** Collects metric families; `text()` renders them in the order they were added. */
export class MetricsText {
  readonly #lines: string[] = [];
  readonly #families = new Set<string>();

  /** One metric family. Families without samples are left out entirely. */
  family(name: string, type: MetricType, help: string, samples: readonly Sample[]): this {
    assert(METRIC_NAME.test(name), `metrics: bad metric name ${name}`);
    assert(!this.#families.has(name), `metrics: family ${name} written twice`);
    assert(type !== "counter" || name.endsWith("_total"), `metrics: counter ${name} must end in _total`);
    if (samples.length === 0) return this;
    this.#families.add(name);
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.#lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /** Shorthand for a family with one unlabelled sample. */
  single(name: string, type: MetricType, help: string, value: number): this {
    return this.family(name, type, help, [[null, value]]);
  }

  text(): string {
    return this.#lines.length === 0 ? "" : `${this.#lines.join("\n")}\n`;
  }
}

function formatLabels(labels: Labels | null): string {
  if (labels === null) return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    assert(LABEL_NAME.test(key) && !key.startsWith("__"), `metrics: bad label name ${key}`);
    parts.push(`${key}="${escapeLabelValue(String(value))}"`);
  }
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

import { describe, expect, test } from "bun:test";
import { escapeLabelValue, formatValue, MetricsText } from "../../src/services/metrics_text.ts";
import { parsePrometheus, sampleValue } from "./prometheus_parse.ts";

describe("MetricsText (Prometheus text format 0.0.4)", () => {
  test("HELP and TYPE before the samples; labels quoted; ends with a newline", () => {
    const text = new MetricsText()
      .single("freedmr_up", "gauge", "Always 1.", 1)
      .family("freedmr_drops_total", "counter", "Drops by reason.", [
        [{ reason: "acl" }, 2],
        [{ reason: "loop" }, 5],
      ])
      .text();
    expect(text).toBe(
      [
        "# HELP freedmr_up Always 1.",
        "# TYPE freedmr_up gauge",
        "freedmr_up 1",
        "# HELP freedmr_drops_total Drops by reason.",
        "# TYPE freedmr_drops_total counter",
        'freedmr_drops_total{reason="acl"} 2',
        'freedmr_drops_total{reason="loop"} 5',
        "",
      ].join("\n"),
    );
    const parsed = parsePrometheus(text);
    expect(sampleValue(parsed, "freedmr_drops_total", { reason: "loop" })).toBe(5);
  });

  test("label values from the network are escaped and read back unchanged", () => {
    const nasty = 'a "quoted" \\ back\nslash } { ,x="y"';
    expect(escapeLabelValue(nasty)).toBe('a \\"quoted\\" \\\\ back\\nslash } { ,x=\\"y\\"');
    const text = new MetricsText().family("freedmr_link_up", "gauge", "Links.", [[{ link: nasty, kind: "openbridge" }, 1]]).text();
    const parsed = parsePrometheus(text);
    expect(parsed.get("freedmr_link_up")!.samples[0]!.labels).toEqual({ link: nasty, kind: "openbridge" });
  });

  test("families without samples are left out; empty output is empty", () => {
    expect(new MetricsText().family("freedmr_x_total", "counter", "x", []).text()).toBe("");
  });

  test("special values", () => {
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(0.25)).toBe("0.25");
  });

  test("bad names, a family written twice and a counter not ending in _total are bugs", () => {
    expect(() => new MetricsText().single("bad-name", "gauge", "x", 1)).toThrow();
    expect(() => new MetricsText().single("freedmr_x", "counter", "x", 1)).toThrow();
    expect(() => new MetricsText().single("freedmr_x", "gauge", "x", 1).single("freedmr_x", "gauge", "x", 1)).toThrow();
    expect(() => new MetricsText().family("freedmr_x", "gauge", "x", [[{ "bad-label": "v" }, 1]])).toThrow();
  });

  test("the test parser rejects what Prometheus would reject", () => {
    expect(() => parsePrometheus("freedmr_x 1\n")).toThrow(/outside its family/);
    expect(() => parsePrometheus("# HELP a x\n# TYPE a gauge\na{l=v} 1\n")).toThrow(/not quoted/);
    expect(() => parsePrometheus("# HELP a x\n# TYPE a gauge\na 1\na 2\n")).toThrow(/duplicate series/);
    expect(() => parsePrometheus("# HELP a x\n# TYPE a gauge\na 1")).toThrow(/newline/);
  });
});

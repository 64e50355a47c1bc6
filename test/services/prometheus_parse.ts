/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: every sample must belong to the
 * family declared just before it by `# HELP` and `# TYPE`, families appear once, series are unique,
 * label values are unescaped. Throws with the line number on anything malformed.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: ParsedFamily | null = null;
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith("# HELP ")) {
      const rest = line.slice(7);
      const space = rest.indexOf(" ");
      const name = space < 0 ? rest : rest.slice(0, space);
      if (!NAME.test(name)) throw new Error(`bad family name, ${where}`);
      if (families.has(name)) throw new Error(`family declared twice, ${where}`);
      current = { name, type: "", help: space < 0 ? "" : rest.slice(space + 1), samples: [] };
      families.set(name, current);
      return;
    }
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (current === null || current.name !== name) throw new Error(`TYPE without its HELP, ${where}`);
      if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(type ?? "")) throw new Error(`bad type, ${where}`);
      if (current.samples.length > 0 || current.type !== "") throw new Error(`TYPE after samples, ${where}`);
      current.type = type!;
      return;
    }
    if (line.startsWith("#") || line === "") throw new Error(`unexpected line, ${where}`);
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`bad sample, ${where}`);
    const [, name, , labelText, valueText] = match;
    if (current === null || current.name !== name || current.type === "") throw new Error(`sample outside its family, ${where}`);
    const labels = parseLabels(labelText ?? "", where);
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : valueText === "NaN" ? NaN : Number(valueText);
    if (valueText !== "NaN" && Number.isNaN(value)) throw new Error(`bad value, ${where}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`duplicate series, ${where}`);
    series.add(key);
    current.samples.push({ name: name!, labels, value });
  });
  return families;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`bad labels, ${where}`);
    const key = text.slice(i, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`bad label name ${key}, ${where}`);
    if (text[eq + 1] !== '"') throw new Error(`label value not quoted, ${where}`);
    let j = eq + 2;
    let value = "";
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`unterminated label value, ${where}`);
      if (c === "\\") {
        const next = text[j + 1];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`bad escape, ${where}`);
        j += 2;
        continue;
      }
      if (c === '"') break;
      if (c === "\n") throw new Error(`raw newline in label value, ${where}`);
      value += c;
      j++;
    }
    if (key in labels) throw new Error(`label twice, ${where}`);
    labels[key] = value;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ",") throw new Error(`expected a comma between labels, ${where}`);
      i++;
    }
  }
  return labels;
}

/** The value of the one sample of `family` whose labels include `labels` (undefined if none). */
export function sampleValue(families: Map<string, ParsedFamily>, family: string, labels: Record<string, string> = {}): number | undefined {
  const f = families.get(family);
  if (f === undefined) return undefined;
  const found = f.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${family}${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

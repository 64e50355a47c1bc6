/**
 * Extra environment given on a benchmark's command line: `K=V` pairs joined by `separator`
 * (`--server-env A=1,B=2`, or `freedmr:A=1+B=2` in latency.bench.ts `--servers`). Parts without
 * `=` are ignored; a value may contain `=`.
 * @module
 */
export function envPairs(text: string, separator = ","): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of text.split(separator)) {
    const at = kv.indexOf("=");
    if (at > 0) env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return env;
}

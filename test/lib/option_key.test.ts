import { describe, expect, test } from "bun:test";
import { REDACTED_KEY, carriesOptionKey, redactOptionKey } from "../../src/lib/option_key.ts";

describe("redactOptionKey", () => {
  test("the KEY value goes, everything else stays", () => {
    expect(redactOptionKey("TS1=1,2;KEY=hunter2;TS2=91;")).toBe("TS1=1,2;KEY=***;TS2=91;");
    expect(redactOptionKey("key = my secret;DIAL=4400")).toBe("KEY=***;DIAL=4400");
    expect(redactOptionKey("TS2=91;Key=abc")).toBe("TS2=91;KEY=***");
    expect(redactOptionKey("TS2=91")).toBe("TS2=91");
    expect(redactOptionKey("KEY=;TS2=9")).toBe("KEY=***;TS2=9");
  });

  test("inside JSON: stops at the end of the string, escapes included", () => {
    const line = JSON.stringify({ options: 'TS1=1;KEY=a\\b"c', other: "x" });
    const out = redactOptionKey(line);
    expect(out).not.toContain("a\\\\b");
    expect(out).not.toContain('b\\"c');
    expect(JSON.parse(out)).toEqual({ options: "TS1=1;KEY=***", other: "x" });
  });

  test("idempotent; names that merely end in KEY are not touched", () => {
    const once = redactOptionKey("KEY=abc;TS2=1");
    expect(redactOptionKey(once)).toBe(once);
    expect(carriesOptionKey(once)).toBe(false);
    expect(carriesOptionKey("x KEY=abc")).toBe(true);
    expect(redactOptionKey("MONKEY=1;TS1_KEY=2")).toBe("MONKEY=1;TS1_KEY=2");
    // a key that merely starts like the marker is still a key
    expect(redactOptionKey("KEY=***abc;TS2=1")).toBe("KEY=***;TS2=1");
    expect(REDACTED_KEY).toBe("KEY=***");
  });
});

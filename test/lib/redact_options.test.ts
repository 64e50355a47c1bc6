import { describe, expect, test } from "bun:test";
import { REDACTED_KEY, carriesOptionsKey, redactOptionsKey } from "../../src/lib/redact_options.ts";

describe("redactOptionsKey", () => {
  test("the KEY value goes, everything else stays", () => {
    expect(redactOptionsKey("TS1=1,2;KEY=hunter2;TS2=91;")).toBe("TS1=1,2;KEY=[redacted];TS2=91;");
    expect(redactOptionsKey("key = my secret;DIAL=4400")).toBe("KEY=[redacted];DIAL=4400");
    expect(redactOptionsKey("TS2=91;Key=abc")).toBe("TS2=91;KEY=[redacted]");
    expect(redactOptionsKey("TS2=91")).toBe("TS2=91");
    expect(redactOptionsKey("KEY=;TS2=9")).toBe("KEY=[redacted];TS2=9");
  });

  test("inside JSON: stops at the end of the string, escapes included", () => {
    const line = JSON.stringify({ options: 'TS1=1;KEY=a\\b"c', other: "x" });
    const out = redactOptionsKey(line);
    expect(out).not.toContain("a\\\\b");
    expect(out).not.toContain('b\\"c');
    expect(JSON.parse(out)).toEqual({ options: "TS1=1;KEY=[redacted]", other: "x" });
  });

  test("idempotent; names that merely end in KEY are not touched", () => {
    const once = redactOptionsKey("KEY=abc;TS2=1");
    expect(redactOptionsKey(once)).toBe(once);
    expect(carriesOptionsKey(once)).toBe(false);
    expect(carriesOptionsKey("x KEY=abc")).toBe(true);
    expect(redactOptionsKey("MONKEY=1;TS1_KEY=2")).toBe("MONKEY=1;TS1_KEY=2");
    expect(REDACTED_KEY).toBe("KEY=[redacted]");
  });
});

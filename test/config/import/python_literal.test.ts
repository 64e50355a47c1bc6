import { describe, expect, test } from "bun:test";
import { readRulesFile, type PyDict } from "../../../src/config/import/python_literal.ts";

describe("rules.py literal reader (no Python is run)", () => {
  test("dicts, lists, tuples, strings (all quotes, concatenation, escapes), numbers, True/False/None, comments", () => {
    const text = [
      "# rules",
      '"""docstring',
      'over lines"""',
      "BRIDGES = {",
      "    'A': [  # a comment inside",
      "        {'SYSTEM': \"M\" 'X', 'TS': 1, 'TGID': 0x10, 'ACTIVE': True, 'TIMEOUT': 2.5, 'TO_TYPE': None, 'ON': (1, 2,), 'OFF': [-3], 'NOTE': 'it\\'s\\n'},",
      "    ],",
      "}",
      "UNIT = ['M', \\",
      "  'OBP']",
      "if __name__ == '__main__':",
      "    from pprint import pprint",
      "    pprint(BRIDGES)",
    ].join("\n");
    const read = readRulesFile(text, ["BRIDGES", "UNIT"]);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const bridges = read.rules.assignments.get("BRIDGES") as PyDict;
    const member = (bridges.get("A") as PyDict[])[0]!;
    expect(member.get("SYSTEM")).toBe("MX");
    expect(member.get("TGID")).toBe(16);
    expect(member.get("ACTIVE")).toBe(true);
    expect(member.get("TIMEOUT")).toBe(2.5);
    expect(member.get("TO_TYPE")).toBeNull();
    expect(member.get("ON")).toEqual([1, 2]);
    expect(member.get("OFF")).toEqual([-3]);
    expect(member.get("NOTE")).toBe("it's\n");
    expect(read.rules.assignments.get("UNIT")).toEqual(["M", "OBP"]);
    // the docstring and the main block were not read, and say so with their lines
    expect(read.rules.skipped).toEqual(['line 2: """docstring', "line 11: if __name__ == '__main__':"]);
  });

  test("anything that is not a literal is refused with its line and column", () => {
    const cases: [string, RegExp][] = [
      ["BRIDGES = {'A': TG}", /line 1, column 17: "TG" is a name, not a literal/],
      ["BRIDGES = {'A': make()}", /line 1, column 17: "make" is a name/],
      ["BRIDGES = {\n  'A': 2 * 60,\n}", /line 2, column 10: expected "," or "}" in a dict, found "\*"/],
      ["BRIDGES = {'A': f'x{y}'}", /f-string is code/],
      ["BRIDGES = {'A': [1, 2}", /expected "," or "\]"/],
      ["BRIDGES = {'A': 'open", /string not closed/],
      ["BRIDGES = [1] + [2]", /must be a plain literal; found "\+"/],
    ];
    for (const [text, message] of cases) {
      const read = readRulesFile(text, ["BRIDGES"]);
      expect(read.ok).toBe(false);
      if (!read.ok) expect(read.error).toMatch(message);
    }
  });

  test("other statements are listed, not run; a later assignment wins as in Python", () => {
    const read = readRulesFile("import os\nos.system('rm -rf /')\nBRIDGES = {}\nX = 1\nBRIDGES = {'B': []}\n", ["BRIDGES"]);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect((read.rules.assignments.get("BRIDGES") as PyDict).has("B")).toBe(true);
    expect(read.rules.skipped).toEqual(["line 1: import os", "line 2: os.system('rm -rf /')", "line 4: X = 1", "line 5: BRIDGES assigned again (the last assignment counts, as in Python)"]);
  });

  test("deep nesting is bounded", () => {
    const read = readRulesFile(`BRIDGES = ${"[".repeat(100)}${"]".repeat(100)}`, ["BRIDGES"]);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error).toMatch(/nested more than 64 levels/);
  });
});

import { describe, expect, test } from "bun:test";
import { iniBoolean, iniValue, parseIni } from "../../../src/config/import/ini.ts";

describe("configparser INI reader", () => {
  test("sections, both separators, comments, case-insensitive keys, [DEFAULT] inheritance", () => {
    const read = parseIni("# top comment\n[DEFAULT]\nUSE_ACL: False\n\n[GLOBAL]\nPING_TIME: 10\n; another comment\nSERVER_ID = 23450\nEmpty:\n[SYS]\nMode = MASTER\n");
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const [global, sys] = read.document.sections;
    expect(read.document.sections.map((s) => s.name)).toEqual(["GLOBAL", "SYS"]);
    expect(global!.values.get("ping_time")).toBe("10");
    expect(global!.values.get("server_id")).toBe("23450");
    expect(global!.values.get("empty")).toBe("");
    expect(global!.lines.get("server_id")).toBe(8);
    expect(iniValue(read.document, sys!, "MODE")).toBe("MASTER");
    expect(iniValue(read.document, sys!, "use_acl")).toBe("False"); // from [DEFAULT]
    expect(iniValue(read.document, sys!, "missing")).toBeUndefined();
  });

  test("indented lines continue the value; the first separator wins (URLs keep their colons)", () => {
    const read = parseIni("[A]\nLIST: 1,\n  2,\n  3\nURL: https://example.org:8080/x\nKEY = a:b\n");
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const a = read.document.sections[0]!;
    expect(a.values.get("list")).toBe("1,\n2,\n3");
    expect(a.values.get("url")).toBe("https://example.org:8080/x");
    expect(a.values.get("key")).toBe("a:b");
  });

  test("errors name the line: duplicate section, duplicate key, text before a section, a line without separator", () => {
    const cases: [string, number, RegExp][] = [
      ["[A]\nX: 1\n[A]\n", 3, /section \[A\] appears twice/],
      ["[A]\nX: 1\nx = 2\n", 3, /set twice.*line 2/],
      ["X: 1\n[A]\n", 1, /before the first \[SECTION\]/],
      ["[A]\njust words\n", 2, /expected "KEY: value"/],
    ];
    for (const [text, line, message] of cases) {
      const read = parseIni(text);
      expect(read.ok).toBe(false);
      if (read.ok) continue;
      expect(read.line).toBe(line);
      expect(read.error).toMatch(message);
    }
  });

  test("configparser booleans", () => {
    for (const t of ["1", "yes", "True", "ON"]) expect(iniBoolean(t)).toBe(true);
    for (const f of ["0", "no", "false", "Off"]) expect(iniBoolean(f)).toBe(false);
    expect(iniBoolean("maybe")).toBeUndefined();
  });
});

import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../src/cli/args.ts";

describe("parseArgs", () => {
  test("no arguments serves the embedded default", () => {
    expect(parseArgs([])).toEqual({ ok: true, command: { kind: "serve", configPath: undefined, overrides: {} } });
  });

  test("--config FILE and --config=FILE", () => {
    for (const argv of [["--config", "a.toml"], ["--config=a.toml"], ["-c", "a.toml"]]) {
      const parsed = parseArgs(argv);
      expect(parsed.ok && parsed.command.kind === "serve" && parsed.command.configPath).toBe("a.toml");
    }
  });

  test("overrides", () => {
    const parsed = parseArgs(["--port", "0", "--bind", "127.0.0.1", "--bind", "::1", "--log-level", "debug", "--log-format=json"]);
    expect(parsed).toEqual({
      ok: true,
      command: { kind: "serve", configPath: undefined, overrides: { port: 0, bindAddresses: ["127.0.0.1", "::1"], logLevel: "debug", logFormat: "json" } },
    });
  });

  test("one-shot commands", () => {
    expect(parseArgs(["--version"])).toEqual({ ok: true, command: { kind: "version" } });
    expect(parseArgs(["-V"])).toEqual({ ok: true, command: { kind: "version" } });
    expect(parseArgs(["-h"])).toEqual({ ok: true, command: { kind: "help" } });
    expect(parseArgs(["--print-default-config"])).toEqual({ ok: true, command: { kind: "print-default-config" } });
    expect(parseArgs(["--print-config-schema"])).toEqual({ ok: true, command: { kind: "print-config-schema" } });
    expect(parseArgs(["--check-config", "x.toml"])).toEqual({ ok: true, command: { kind: "check-config", configPath: "x.toml" } });
  });

  test.each([
    [["--bogus"], 'unknown option "--bogus"'],
    [["x.toml"], "did you mean --config x.toml?"],
    [["--config"], "--config needs a value"],
    [["--config", "--port"], "--config needs a value"],
    [["--port", "65536"], "--port needs a port number"],
    [["--port", "-1"], "--port needs a value"],
    [["--port", "abc"], "--port needs a port number"],
    [["--version", "--help"], "cannot be combined"],
    [["--check-config", "a", "--config", "b"], "only apply when serving"],
    [["--version=1"], "takes no value"],
    [["-c", "a", "-c", "b"], "given twice"],
  ])("%p is refused: %s", (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

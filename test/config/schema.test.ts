import { describe, expect, test } from "bun:test";
import { formatConfigError } from "../../src/config/errors.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { ConfigSchema, defaultConfig } from "../../src/config/schema.ts";

function errorsOf(text: string, format: "toml" | "json" = "toml") {
  const result = parseConfigText(text, format);
  if (result.ok) throw new Error("expected errors, config was accepted");
  return result.errors;
}

describe("defaults", () => {
  test("defaultConfig has the documented defaults", () => {
    const config = defaultConfig();
    expect(config.server).toEqual({ name: "freedmr", server_id: 0 });
    expect(config.log).toEqual({ level: "info", format: "auto" });
    expect(config.hbp.port).toBe(62031);
    expect(config.hbp.bind_addresses).toEqual(["::"]);
    expect(config.hbp.passphrase).toBe("passw0rd");
    expect(config.hbp.registration_acl).toBe("PERMIT:ALL");
    expect(config.hbp.access_rules).toEqual([]);
  });

  test("an empty file is the default config", () => {
    const result = parseConfigText("", "toml");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config).toEqual(defaultConfig());
  });

  test("defaults fill missing keys but keep given ones", () => {
    const result = parseConfigText("[hbp]\nport = 40000\n", "toml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.hbp.port).toBe(40000);
    expect(result.config.hbp.peer_timeout_seconds).toBe(30);
    expect(result.config.log.level).toBe("info");
  });

  test("every object in the schema rejects unknown keys", () => {
    const walk = (schema: Record<string, unknown>, path: string): void => {
      if (schema["type"] === "object") expect(`${path}:${schema["additionalProperties"]}`).toBe(`${path}:false`);
      const properties = schema["properties"] as Record<string, Record<string, unknown>> | undefined;
      for (const [key, child] of Object.entries(properties ?? {})) walk(child, `${path}.${key}`);
      const items = schema["items"] as Record<string, unknown> | undefined;
      if (items !== undefined && !Array.isArray(items)) walk(items, `${path}[]`);
    };
    walk(ConfigSchema as unknown as Record<string, unknown>, "");
  });
});

describe("errors name key, value and expectation", () => {
  test("wrong type is an error, not replaced by the default", () => {
    const errors = errorsOf('[hbp]\nport = "x"\n');
    expect(errors).toHaveLength(1);
    expect(formatConfigError(errors[0]!)).toBe('hbp.port: got "x", expected an integer from 0 to 65535');
  });

  test("unknown key with a did-you-mean", () => {
    const errors = errorsOf("[hbp]\nprot = 1\n");
    expect(errors[0]!.path).toBe("hbp.prot");
    expect(formatConfigError(errors[0]!)).toBe(`hbp.prot: unknown key (set to 1); did you mean "port"?`);
  });

  test("bad enum lists the choices", () => {
    const errors = errorsOf('[log]\nlevel = "loud"\n');
    expect(formatConfigError(errors[0]!)).toContain('log.level: got "loud", expected one of "trace", "debug"');
  });

  test("all problems are reported at once", () => {
    const errors = errorsOf('bogus = 1\n[hbp]\nport = 70000\nregistration_acl = "MAYBE:1"\n[log]\nformat = "xml"\n');
    expect(errors.map((e) => e.path).sort()).toEqual(["bogus", "hbp.port", "hbp.registration_acl", "log.format"]);
  });

  test("access rule needs exactly one matcher and an ordered range", () => {
    const errors = errorsOf(
      '[[hbp.access_rules]]\nname = "a"\n[[hbp.access_rules]]\nrepeater_id = 1\ncallsign = "G4*"\n[[hbp.access_rules]]\nrepeater_id_range = [9, 3]\n',
    );
    expect(errors.map((e) => e.path)).toEqual(["hbp.access_rules[0]", "hbp.access_rules[1]", "hbp.access_rules[2].repeater_id_range"]);
  });

  test("passphrases are never echoed in errors", () => {
    const errors = errorsOf(`[hbp]\npassphrase = "${"s3cret".repeat(50)}"\n`);
    expect(errors[0]!.path).toBe("hbp.passphrase");
    expect(formatConfigError(errors[0]!)).not.toContain("s3cret");
  });

  test("TOML syntax errors give the line and column", () => {
    const errors = errorsOf("[hbp]\nport = 1\n\nfoo bar\n");
    expect(formatConfigError(errors[0]!)).toStartWith("TOML syntax error at line 4, column 5: expected '=' after a key but found 'b'");
  });

  test("a JSON config may name its schema", () => {
    const result = parseConfigText('{"$schema": "./freedmr.schema.json", "hbp": {"port": 1}}', "json");
    expect(result.ok).toBe(true);
    expect(errorsOf('{"$schema": 5}', "json")[0]!.path).toBe("$schema");
  });

  test("JSON is accepted", () => {
    const result = parseConfigText('{"hbp": {"port": 1234}}', "auto");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config.hbp.port).toBe(1234);
  });
});

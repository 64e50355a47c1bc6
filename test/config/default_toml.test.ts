import { describe, expect, test } from "bun:test";
import { renderDefaultConfigToml, tomlString } from "../../src/config/default_toml.ts";
import { configJsonSchema } from "../../src/config/json_schema.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { ConfigSchema, defaultConfig } from "../../src/config/schema.ts";
import { testSeed } from "../support/seed.ts";
import { Prng } from "../../src/lib/prng.ts";

describe("--print-default-config output", () => {
  const text = renderDefaultConfigToml("test");

  test("loads back to exactly the defaults", () => {
    const result = parseConfigText(text, "toml");
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config).toEqual(defaultConfig());
  });

  test("every key of every section appears with its description just above", () => {
    const walk = (schema: Record<string, unknown>): void => {
      const properties = (schema["properties"] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, child] of Object.entries(properties)) {
        const description = child["description"];
        expect(typeof description).toBe("string");
        const firstWords = String(description).split(/\s+/).slice(0, 4).join(" ");
        expect(text).toContain(firstWords);
        if (child["type"] === "object") expect(text).toMatch(new RegExp(`^\\[(?:[a-z_]+\\.)*${key}\\]$`, "m"));
        else if (child["type"] === "array" && (child["items"] as Record<string, unknown>)["type"] === "object") {
          expect(text).toMatch(new RegExp(`^(?:# )?\\[\\[(?:[a-z_]+\\.)*${key}\\]\\]$`, "m"));
          walk(child["items"] as Record<string, unknown>);
        } else expect(text).toMatch(new RegExp(`^(?:# )*${key} = `, "m"));
        if (child["type"] === "object") walk(child);
      }
    };
    walk(ConfigSchema as unknown as Record<string, unknown>);
  });

  test("the commented example access rule is valid once uncommented", () => {
    const lines = text.split("\n");
    const start = lines.findIndex((line) => line === "# [[hbp.access_rules]]");
    expect(start).toBeGreaterThan(0);
    const block: string[] = [];
    for (const line of lines.slice(start)) {
      if (!line.startsWith("# ")) break;
      block.push(line.slice(2));
    }
    const before = lines.slice(0, start).join("\n");
    const result = parseConfigText(`${before}\n${block.join("\n")}\n`, "toml");
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.config.hbp.access_rules).toHaveLength(1);
    expect(result.config.hbp.access_rules[0]!.repeater_id_range).toEqual([2340000, 2349999]);
  });

  test("every key has a description and every required key a default", () => {
    const problems: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string): void => {
      const properties = (schema["properties"] ?? {}) as Record<string, Record<string, unknown>>;
      const required = (schema["required"] ?? []) as string[];
      for (const [key, child] of Object.entries(properties)) {
        if (typeof child["description"] !== "string" || child["description"] === "") problems.push(`${path}${key}: no description`);
        if (required.includes(key) && child["default"] === undefined) problems.push(`${path}${key}: no default`);
        if (child["type"] === "object") walk(child, `${path}${key}.`);
        const items = child["items"] as Record<string, unknown> | undefined;
        if (items?.["type"] === "object") walk(items, `${path}${key}[].`);
      }
    };
    walk(ConfigSchema as unknown as Record<string, unknown>, "");
    expect(problems).toEqual([]);
  });
});

describe("TOML strings", () => {
  test("random strings survive a round trip through Bun.TOML", () => {
    const prng = new Prng(testSeed("toml strings"));
    for (let round = 0; round < 300; round++) {
      let text = "";
      const length = prng.nextInt(20);
      for (let i = 0; i < length; i++) {
        const pick = prng.nextInt(4);
        const code = pick === 0 ? prng.nextInt(0x20) : pick === 1 ? 0x20 + prng.nextInt(0x60) : pick === 2 ? 0xa0 + prng.nextInt(0x2000) : [0x22, 0x5c, 0x7f][prng.nextInt(3)]!;
        text += String.fromCodePoint(code);
      }
      const parsed = Bun.TOML.parse(`v = ${tomlString(text)}`) as { v: string };
      expect(parsed.v).toBe(text);
    }
  });
});

describe("--print-config-schema output", () => {
  test("is a JSON Schema with identity and no required defaulted keys", () => {
    const schema = configJsonSchema("test");
    expect(schema["$schema"]).toBe("http://json-schema.org/draft-07/schema#");
    expect(typeof schema["$id"]).toBe("string");
    expect(schema["title"]).toBe("freedmr configuration");
    expect(schema["required"]).toBeUndefined();
    const hbp = (schema["properties"] as Record<string, Record<string, unknown>>)["hbp"]!;
    expect(hbp["additionalProperties"]).toBe(false);
    expect((hbp["properties"] as Record<string, Record<string, unknown>>)["port"]!["maximum"]).toBe(65535);
  });
});

import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../src/config/schema.ts";
import { createLogger, formatPrettyLine, type LogSink } from "../../src/shell/log.ts";

class Collect implements LogSink {
  readonly lines: string[] = [];
  write(text: string): void {
    this.lines.push(text);
  }
  get text(): string {
    return this.lines.join("");
  }
}

describe("logger", () => {
  test("json format writes one JSON object per line with level label and message", () => {
    const sink = new Collect();
    const log = createLogger({ level: "info", format: "json" }, { destination: sink });
    log.info({ repeaterId: 2345601 }, "hotspot logged in");
    log.debug("hidden at info");
    expect(sink.lines).toHaveLength(1);
    const record = JSON.parse(sink.lines[0]!) as Record<string, unknown>;
    expect(record["level"]).toBe("info");
    expect(record["msg"]).toBe("hotspot logged in");
    expect(record["repeaterId"]).toBe(2345601);
    expect(typeof record["time"]).toBe("string");
  });

  test("auto is json when not a terminal, pretty when it is", () => {
    const plain = new Collect();
    createLogger({ level: "info", format: "auto" }, { destination: plain, isTty: false }).info("x");
    expect(() => JSON.parse(plain.lines[0]!)).not.toThrow();
    const tty = new Collect();
    createLogger({ level: "info", format: "auto" }, { destination: tty, isTty: true }).info({ port: 62031 }, "listening");
    expect(tty.lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO  listening port=62031\n$/);
  });

  test("passphrases never appear in the output, at any depth, in json and pretty", () => {
    const config = defaultConfig();
    const secret = "Sup3rSecretPassphrase";
    config.hbp.passphrase = secret;
    config.hbp.access_rules.push({ name: "club", repeater_id: 1, action: "allow", passphrase: `${secret}-rule` });
    for (const format of ["json", "pretty"] as const) {
      const sink = new Collect();
      const log = createLogger({ level: "trace", format }, { destination: sink });
      log.info({ config }, "effective config");
      log.info({ passphrase: secret }, "flat");
      log.child({ peer: { password: secret } }).warn("child binding");
      log.info({ nested: [{ deeper: { secret_key: secret } }] }, "array");
      expect(sink.lines).toHaveLength(4);
      expect(sink.text).not.toContain(secret);
      expect(sink.text).toContain("[redacted]");
      // the rest of the config is still there
      expect(sink.text).toContain("62031");
    }
    // the logged object itself was not modified
    expect(config.hbp.passphrase).toBe(secret);
  });

  test("pretty printer shows error stacks", () => {
    const line = JSON.stringify({ level: "error", time: "2025-01-01T00:00:00.000Z", msg: "boom", err: { type: "Error", message: "x", stack: "Error: x\n    at f" } });
    expect(formatPrettyLine(line, false)).toBe("2025-01-01 00:00:00.000 ERROR boom\n    Error: x\n        at f\n");
  });
});

import { describe, expect, test } from "bun:test";
import { createLogger, type LogSink } from "../../src/shell/log.ts";

class Collect implements LogSink {
  readonly lines: string[] = [];
  write(text: string): void {
    this.lines.push(text);
  }
}

describe("logger: the hotspot options KEY= value never reaches the output", () => {
  for (const format of ["json", "pretty"] as const) {
    test(`${format}: in messages, fields, nested objects and child bindings`, () => {
      const sink = new Collect();
      const log = createLogger({ level: "info", format }, { destination: sink, isTty: false, colour: false });
      log.info({ options: "TS2=91;KEY=Hunter2-secret;DIAL=4400" }, "options applied");
      log.warn("raw RPTO: TS1=1;key = Hunter2-secret");
      log.info({ nested: { list: ["KEY=Hunter2-secret"] } }, "deep");
      log.child({ rpto: "KEY=Hunter2-secret;TS2=9" }).info("child");
      expect(sink.lines.length).toBe(4);
      const text = sink.lines.join("");
      expect(text).not.toContain("Hunter2-secret");
      expect(text).toContain("KEY=***");
      expect(text).toContain("DIAL=4400");
      if (format === "json") for (const line of sink.lines) expect(() => JSON.parse(line)).not.toThrow();
    });
  }
});

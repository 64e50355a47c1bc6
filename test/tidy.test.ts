/**
 * House rules, checked mechanically (TigerBeetle's tidy.zig idea): the pure layers take time and
 * randomness as arguments, and imports only point the allowed way between folders.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
const src = join(root, "src");

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function codeLines(path: string): { line: number; text: string }[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const out: { line: number; text: string }[] = [];
  let inBlock = false;
  lines.forEach((raw, i) => {
    let text = raw;
    if (inBlock) {
      const end = text.indexOf("*/");
      if (end < 0) return;
      text = text.slice(end + 2);
      inBlock = false;
    }
    const start = text.indexOf("/*");
    if (start >= 0 && text.indexOf("*/", start) < 0) {
      text = text.slice(0, start);
      inBlock = true;
    }
    const comment = text.indexOf("//");
    if (comment >= 0) text = text.slice(0, comment);
    if (text.trim() !== "") out.push({ line: i + 1, text });
  });
  return out;
}

const banned: { pattern: RegExp; instead: string }[] = [
  { pattern: /\bDate\.now\s*\(/, instead: "take nowMs as an argument" },
  { pattern: /\bperformance\.now\s*\(/, instead: "take nowMs as an argument" },
  { pattern: /\bBun\.nanoseconds\s*\(/, instead: "take the time as an argument" },
  { pattern: /\bnew Date\s*\(\s*\)/, instead: "take the wall-clock time as an argument" },
  { pattern: /\bMath\.random\s*\(/, instead: "use an injected Prng (src/lib/prng.ts)" },
  { pattern: /\bcrypto\.getRandomValues\s*\(/, instead: "use an injected Prng (src/lib/prng.ts)" },
  { pattern: /\brandomBytes\s*\(/, instead: "use an injected Prng (src/lib/prng.ts)" },
  { pattern: /\bsetTimeout\s*\(/, instead: "compare deadlines with nowMs in onTick" },
  { pattern: /\bsetInterval\s*\(/, instead: "compare deadlines with nowMs in onTick" },
  { pattern: /\bsetImmediate\s*\(/, instead: "the shell schedules; the core is synchronous" },
  { pattern: /\bBun\.udpSocket\b|\bnode:dgram\b|\bnode:fs\b|\bBun\.file\b/, instead: "I/O belongs in src/shell" },
];

describe("tidy: pure layers (core, wire, dmr, lib) read no clock, draw no randomness, do no I/O", () => {
  for (const layer of ["core", "wire", "dmr", "lib"]) {
    test(`src/${layer}`, () => {
      const problems: string[] = [];
      for (const file of filesUnder(join(src, layer))) {
        for (const { line, text } of codeLines(file)) {
          for (const { pattern, instead } of banned) {
            if (pattern.test(text)) problems.push(`${relative(root, file)}:${line}: ${text.trim()}  → ${instead}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

/** Which src folders each folder may import from (besides itself). */
const allowedImports: Record<string, string[]> = {
  lib: [],
  wire: ["lib"],
  dmr: ["lib", "wire"],
  core: ["lib", "wire", "dmr"],
  bus: ["lib"],
  config: ["lib", "core"], // config validates ACL strings with the core's pure parser
  services: ["lib", "bus", "config"],
  shell: ["lib", "wire", "dmr", "core", "bus", "config", "services"],
  cli: ["lib", "config", "shell", "core", "bus", "services", "wire", "dmr"],
};

describe("tidy: imports point the allowed way between folders", () => {
  for (const [layer, allowed] of Object.entries(allowedImports)) {
    test(`src/${layer} imports only ${allowed.length ? allowed.join(", ") : "nothing else in src"}`, () => {
      let dir: string;
      try {
        dir = join(src, layer);
        statSync(dir);
      } catch {
        return;
      }
      const problems: string[] = [];
      for (const file of filesUnder(dir)) {
        const text = readFileSync(file, "utf8");
        for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']/gm)) {
          const isTypeOnly = match[2] !== undefined;
          const spec = match[3]!;
          if (!spec.startsWith(".")) continue;
          const target = relative(src, join(file, "..", spec)).split("/")[0]!;
          if (target === layer || target.endsWith(".ts")) continue;
          // Services may name core event types (types only): they still never call the core.
          if (layer === "services" && target === "core" && isTypeOnly) continue;
          if (!allowed.includes(target)) problems.push(`${relative(root, file)} imports ${spec}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

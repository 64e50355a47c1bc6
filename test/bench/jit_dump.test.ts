import { describe, expect, test } from "bun:test";
import { attribute, codeAt, functionName, JITDUMP_MAGIC, readJitDump } from "../../bench/support/jit_dump.ts";

const HEADER_BYTES = 40;

/** A jitdump file (perf's jitdump-specification.txt, little-endian) with the given records. */
function jitDump(records: Uint8Array[]): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, JITDUMP_MAGIC, true);
  view.setUint32(4, 1, true); // version
  view.setUint32(8, HEADER_BYTES, true);
  view.setUint32(12, 62, true); // EM_X86_64
  view.setUint32(20, 4242, true); // pid
  const out = new Uint8Array(HEADER_BYTES + records.reduce((sum, r) => sum + r.length, 0));
  out.set(header, 0);
  let at = HEADER_BYTES;
  for (const record of records) {
    out.set(record, at);
    at += record.length;
  }
  return out;
}

function record(id: number, body: Uint8Array, declaredSize?: number): Uint8Array {
  const out = new Uint8Array(16 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, id, true);
  view.setUint32(4, declaredSize ?? out.length, true);
  view.setBigUint64(8, 123n, true);
  out.set(body, 16);
  return out;
}

/** A code load record (id 0): pid, tid, vma, code address, code size, code index, name, then the code. */
function codeLoad(address: number, size: number, name: string): Uint8Array {
  const text = new TextEncoder().encode(name);
  const body = new Uint8Array(40 + text.length + 1 + size);
  const view = new DataView(body.buffer);
  view.setUint32(0, 4242, true);
  view.setUint32(4, 4242, true);
  view.setBigUint64(8, BigInt(address), true);
  view.setBigUint64(16, BigInt(address), true);
  view.setBigUint64(24, BigInt(size), true);
  view.setBigUint64(32, 7n, true);
  body.set(text, 40);
  return record(0, body);
}

describe("readJitDump", () => {
  test("code loads sorted by address, other records skipped, a record the writer had not finished ignored", () => {
    const bytes = jitDump([
      codeLoad(0x7f00_0000_1000, 0x100, "JSC-FTL: deliver#ES1Kxa"),
      record(2, new Uint8Array(24)), // debug info
      codeLoad(0x7f00_0000_0000, 0x80, "JSC-DFG: #tick#DxwTJ2"),
      record(0, new Uint8Array(8), 4096), // declared longer than the file
    ]);
    const ranges = readJitDump(bytes);
    expect(ranges).toEqual([
      { start: 0x7f00_0000_0000, size: 0x80, name: "JSC-DFG: #tick#DxwTJ2" },
      { start: 0x7f00_0000_1000, size: 0x100, name: "JSC-FTL: deliver#ES1Kxa" },
    ]);
    expect(codeAt(ranges, 0x7f00_0000_1000)?.name).toBe("JSC-FTL: deliver#ES1Kxa");
    expect(codeAt(ranges, 0x7f00_0000_10ff)?.name).toBe("JSC-FTL: deliver#ES1Kxa");
    expect(codeAt(ranges, 0x7f00_0000_1100)).toBeNull();
    expect(codeAt(ranges, 0x7f00_0000_0080)).toBeNull();
    expect(codeAt(ranges, 0x1000)).toBeNull();
  });

  test("a file that is not a jitdump is refused", () => {
    expect(() => readJitDump(new Uint8Array(64))).toThrow("jitdump");
  });

  test("names without tier and code hash; private methods keep their #", () => {
    expect(functionName("JSC-FTL: deliver#ES1Kxa")).toBe("deliver");
    expect(functionName("JSC-DFG: #tick#DxwTJ2")).toBe("#tick");
    expect(functionName("JSC-Thunk: DefaultCall")).toBe("DefaultCall");
  });
});

describe("attribute", () => {
  const ranges = readJitDump(jitDump([codeLoad(0x7f00_0000_1000, 0x100, "JSC-FTL: deliver#ES1Kxa"), codeLoad(0x7f00_0000_0000, 0x80, "JSC-DFG: #flush#CtB8h4")]));
  // perf script -F comm,ip,dso: a comm line, then the frames leaf first
  const script = [
    "bun.exe ",
    "\tffffffff81369bf2 ([kernel.kallsyms])",
    "\t    7f0000000010 (/tmp/perf-4242.map)",
    "\t    7f0000001010 (/tmp/perf-4242.map)",
    "",
    "bun.exe ",
    "\t    7f0000001020 (/tmp/perf-4242.map)",
    "",
    "bun.exe ",
    "\t         1b426d6 (/work/node_modules/bun/bin/bun.exe)",
    "\t    7f00000010f0 (/tmp/perf-4242.map)",
    "",
    "bun.exe ",
    "\t    7f2f8a0c1d10 (/usr/lib/x86_64-linux-gnu/libc.so.6)",
    "\t         183cff1 (/work/node_modules/bun/bin/bun.exe)",
    "",
    "bun.exe ",
    "\t    7f0000009999 (/tmp/perf-4242.map)",
    "",
    "mi-scavenger ",
    "\t    7f0000001010 (/tmp/perf-4242.map)",
    "",
  ].join("\n");

  test("each sample of the thread to its leaf's place and the first JavaScript function on its stack", () => {
    const result = attribute(script, ranges, "bun.exe", "bun");
    expect(result.samples).toBe(5);
    expect(Object.fromEntries(result.rows)).toEqual({
      "kernel\t#flush": 1,
      "javascript\tdeliver": 1,
      "runtime\tdeliver": 1,
      "libc\t(no JavaScript)": 1,
      "javascript\t(unnamed compiled code)": 1,
    });
  });

  test("another thread's samples only when asked for", () => {
    expect(Object.fromEntries(attribute(script, ranges, "mi-scavenger", "bun").rows)).toEqual({ "javascript\tdeliver": 1 });
  });
});

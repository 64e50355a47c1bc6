import { describe, expect, test } from "bun:test";
import { ftlRangeAt, parseFtlDisassembly } from "../../bench/support/ftl_ranges.ts";

/** The shape of JSC's FTL disassembly (BUN_JSC_dumpFTLDisassembly=1), two functions. */
const DUMP = [
  "some other output",
  "Generated FTL code for hot#AbCdEf:[0x1->0x2->0x3, FTLFunctionCall, 40 (StrictMode)], instructions size = 40:",
  "Air BB#0: ; frequency = 1.000000",
  "asm                 disassembly not available for range 0x1000...0x1008",
  "b3            Int64 b@19 = Load(b@13, offset = 96)",
  "Air               Move 96(%rbp), %rcx",
  "asm                 disassembly not available for range 0x1008...0x1010",
  "DFG       D@0:<!0:->\tCheckStructure(Cell:D@91, MustGen, [0x7f:{sourceId:0, destinationId:1}], bc#0, ExitValid)",
  "b3            Void b@21 = Check(b@20:WarmAny)",
  "asm                 disassembly not available for range 0x1010...0x1020",
  "Generated FTL code for cold#GhIjKl:[0x4->0x5->0x6, FTLFunctionCall, 10 (StrictMode)], instructions size = 10:",
  "asm                 disassembly not available for range 0x0800...0x0810",
].join("\n");

describe("FTL disassembly ranges", () => {
  test("each code range carries its function, DFG node and B3 value; sorted by address", () => {
    const ranges = parseFtlDisassembly(DUMP);
    expect(ranges.map((r) => [r.start, r.end, r.fn])).toEqual([
      [0x0800, 0x0810, "cold#GhIjKl"],
      [0x1000, 0x1008, "hot#AbCdEf"],
      [0x1008, 0x1010, "hot#AbCdEf"],
      [0x1010, 0x1020, "hot#AbCdEf"],
    ]);
    expect(ranges[1]!.dfg).toBe("");
    expect(ranges[2]!.b3).toBe("Int64 b@19 = Load(b@13, offset = 96)");
    expect(ranges[3]!.dfg).toStartWith("D@0:<!0:-> CheckStructure(Cell:D@91");
    expect(ranges[3]!.b3).toBe("Void b@21 = Check(b@20:WarmAny)");
    // a new function starts with no node
    expect(ranges[0]!.dfg).toBe("");
  });

  test("an address finds its range, or none outside FTL code", () => {
    const ranges = parseFtlDisassembly(DUMP);
    expect(ftlRangeAt(ranges, 0x1000)?.start).toBe(0x1000);
    expect(ftlRangeAt(ranges, 0x100f)?.start).toBe(0x1008);
    expect(ftlRangeAt(ranges, 0x101f)?.dfg).toContain("CheckStructure");
    expect(ftlRangeAt(ranges, 0x1020)).toBeNull();
    expect(ftlRangeAt(ranges, 0x0fff)).toBeNull();
    expect(ftlRangeAt([], 0x1000)).toBeNull();
  });
});

import { describe, expect, test } from "bun:test";
import { PickleDict, pickleDumps, PickleTuple, type PickleValue } from "../../../src/services/report/pickle.ts";
import { runPython, skipPython, skipPythonMessage } from "./python.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { testSeed } from "../../support/seed.ts";

/** Python prints repr() of what it loaded; the expected repr is built here. */
const LOAD_REPR = "import pickle,sys\nprint(repr(pickle.loads(sys.stdin.buffer.read())))";

describe("pickle protocol 2 writer", () => {
  test("opcodes: PROTO 2 first, STOP last, small ints and strings as CPython writes them", () => {
    const bytes = pickleDumps(PickleDict.of({ a: 1 }));
    expect([...bytes.subarray(0, 2)]).toEqual([0x80, 2]);
    expect(bytes[bytes.length - 1]).toBe(0x2e);
    // } X len 'a' K 1 s   (one item: SETITEM, no MARK)
    expect([...bytes.subarray(2, bytes.length - 1)]).toEqual([0x7d, 0x58, 1, 0, 0, 0, 0x61, 0x4b, 1, 0x73]);
  });

  test.skipIf(skipPython)("Python's pickle.loads reads every type FreeDMR's report uses", () => {
    const value = new PickleDict()
      .set("MODE", "MASTER")
      .set(new Uint8Array([0x00, 0x23, 0xc3, 0xff]), [true, false, null, 0, 255, 256, 65535, 65536, -1, -2147483648, 2147483647, 2 ** 40, -(2 ** 40), 1.5, 1733313600.25])
      .set("TGID", new Uint8Array([0, 9, 0x2e]))
      .set("EMPTY", new Uint8Array(0))
      .set("T", new PickleTuple([1, "x", new PickleTuple([])]))
      .set("T4", new PickleTuple([1, 2, 3, 4]))
      .set("UTF8", "Zoë 🛰")
      .set("BIG", 2n ** 80n);
    const out = runPython(LOAD_REPR, pickleDumps(value)).trim();
    expect(out).toBe(
      "{'MODE': 'MASTER', b'\\x00#\\xc3\\xff': [True, False, None, 0, 255, 256, 65535, 65536, -1, -2147483648, 2147483647, 1099511627776, -1099511627776, 1.5, 1733313600.25], 'TGID': b'\\x00\\t.', 'EMPTY': b'', 'T': (1, 'x', ()), 'T4': (1, 2, 3, 4), 'UTF8': 'Zoë 🛰', 'BIG': 1208925819614629174706176}",
    );
  });

  test.skipIf(skipPython)("large dicts and lists are batched by 1000 under MARK and still load (seeded random content)", () => {
    const seed = testSeed("pickle batches");
    const prng = new Prng(seed);
    const random = (): number => prng.nextUint32() / 2 ** 32;
    const dict = new PickleDict();
    const expected: Record<string, number[]> = {};
    for (let i = 0; i < 2500; i++) {
      const list = Array.from({ length: Math.floor(random() * 5) }, () => Math.floor(random() * 2 ** 31));
      dict.set(`k${i}`, list);
      expected[`k${i}`] = list;
    }
    const out = runPython("import pickle,sys,json\nprint(json.dumps(pickle.loads(sys.stdin.buffer.read())))", pickleDumps(dict));
    expect(JSON.parse(out), `seed ${seed}`).toEqual(expected);
  });

  if (skipPython) test(skipPythonMessage, () => {});

  test("refuses what it cannot write, and nesting past a bound", () => {
    expect(() => pickleDumps({} as unknown as PickleValue)).toThrow(/cannot write/);
    let deep: PickleValue = [];
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => pickleDumps(deep)).toThrow(/nested too deep/);
  });
});

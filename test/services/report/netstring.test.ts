import { describe, expect, test } from "bun:test";
import { encodeNetstring, NetstringDecoder } from "../../../src/services/report/netstring.ts";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe("netstrings", () => {
  test("encode: <length>:<payload>,", () => {
    expect(text(encodeNetstring(new TextEncoder().encode("hello")))).toBe("5:hello,");
    expect(text(encodeNetstring(new Uint8Array(0)))).toBe("0:,");
  });

  test("decode across arbitrary chunk boundaries, several per chunk", () => {
    const stream = new TextEncoder().encode("1:\x00,3:abc,0:,12:hello world!,");
    for (let cut = 1; cut < stream.length; cut++) {
      const decoder = new NetstringDecoder(100);
      const a = decoder.feed(stream.subarray(0, cut));
      const b = decoder.feed(stream.subarray(cut));
      expect(a.ok && b.ok).toBe(true);
      if (!a.ok || !b.ok) continue;
      expect([...a.messages, ...b.messages].map(text)).toEqual(["\x00", "abc", "", "hello world!"]);
    }
  });

  test("malformed input is a value: not a digit, no length, over the limit, missing comma, endless digits", () => {
    const bad: [string, RegExp][] = [
      ["x:abc,", /length expected/],
      [":abc,", /without a length/],
      ["2000:", /over the limit/],
      ["3:abcX", /not terminated/],
      ["1234567890", /too long/],
    ];
    for (const [input, message] of bad) {
      const fed = new NetstringDecoder(1024).feed(new TextEncoder().encode(input));
      expect(fed.ok).toBe(false);
      if (!fed.ok) expect(fed.error).toMatch(message);
    }
  });
});

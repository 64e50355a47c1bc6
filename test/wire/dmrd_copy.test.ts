import { describe, expect, test } from "bun:test";
import { copyDmrdTo55, DMRD_LENGTH } from "../../src/wire/dmrd.ts";

/** Bytes 1, 2, 3 … of `length`. */
function counting(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i + 1) & 0xff);
}

describe("copyDmrdTo55", () => {
  test("a 55-byte DMRD is copied whole; the target's bytes past 55 are left alone", () => {
    const target = new Uint8Array(60).fill(0xee);
    expect(copyDmrdTo55(counting(55), target)).toBe(DMRD_LENGTH);
    expect([...target.subarray(0, 55)]).toEqual([...counting(55)]);
    expect([...target.subarray(55)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  test("a 53-byte DMRD (no BER/RSSI) gets BER and RSSI 0, over whatever the target held", () => {
    const target = new Uint8Array(55).fill(0xee);
    expect(copyDmrdTo55(counting(53), target)).toBe(DMRD_LENGTH);
    expect([...target.subarray(0, 53)]).toEqual([...counting(53)]);
    expect([target[53], target[54]]).toEqual([0, 0]);
  });

  test("a longer source is cut at 55 bytes", () => {
    const target = new Uint8Array(55);
    copyDmrdTo55(counting(70), target);
    expect([...target]).toEqual([...counting(55)]);
  });
});

/**
 * The outbox's staged rows (pushStaged): each queued copy carries the staged frame with the
 * target's id in bytes 11–14 and the flags in byte 15, rows are the outbox's own until the drain
 * and reused after it, the outbox stays holdable while it holds only such copies and stops being
 * holdable at the first plain push; no row free or the outbox full → false, and the caller sends
 * from its own buffer.
 */
import { describe, expect, test } from "bun:test";
import { Endpoint } from "../../src/core/endpoint.ts";
import { Outbox } from "../../src/core/outbox.ts";
import { DmrdStage, readUint32 } from "../../src/wire/dmrd.ts";

const a = new Endpoint(0, "127.0.0.1", 50_001);
const b = new Endpoint(0, "127.0.0.1", 50_002);

function staged(fill: number): DmrdStage {
  const stage = new DmrdStage();
  for (let i = 0; i < 55; i++) stage.bytes[i] = (fill + i) & 0xff;
  return stage;
}

/** What a staged copy of `stage` for `repeaterId` with `flags` must be. */
function expected(stage: DmrdStage, repeaterId: number, flags: number): Uint8Array {
  const out = stage.bytes.slice();
  out[11] = repeaterId >>> 24;
  out[12] = (repeaterId >>> 16) & 0xff;
  out[13] = (repeaterId >>> 8) & 0xff;
  out[14] = repeaterId & 0xff;
  out[15] = flags;
  return out;
}

describe("Outbox staged rows", () => {
  test("each copy is the staged frame with its target's id and flags, in its own row", () => {
    const outbox = new Outbox(16, 4);
    const one = staged(0x10);
    expect(outbox.pushStaged(a, one.words, 3_100_001, 0x21)).toBe(true);
    expect(outbox.pushStaged(b, one.words, 0xfedcba98 >>> 0, 0xa1)).toBe(true);
    // the stage is rewritten for the next frame: the queued copies keep the first one's bytes
    const two = staged(0x80);
    one.words.set(two.words);
    expect(outbox.pushStaged(a, one.words, 7, 0x00)).toBe(true);
    expect(outbox.count).toBe(3);
    expect([outbox.endpoints[0], outbox.endpoints[1], outbox.endpoints[2]]).toEqual([a, b, a]);
    expect([...outbox.lengths.subarray(0, 3)]).toEqual([55, 55, 55]);
    expect(outbox.buffers[0]).toEqual(expected(staged(0x10), 3_100_001, 0x21));
    expect(outbox.buffers[1]).toEqual(expected(staged(0x10), 0xfedcba98 >>> 0, 0xa1));
    expect(readUint32(outbox.buffers[1]!, 11)).toBe(0xfedcba98 >>> 0);
    expect(outbox.buffers[2]).toEqual(expected(two, 7, 0x00));
    expect(new Set([outbox.buffers[0], outbox.buffers[1], outbox.buffers[2]]).size).toBe(3);
  });

  test("rows are used from the first again after a drain; no free row or a full outbox → false", () => {
    const outbox = new Outbox(3, 2);
    const stage = staged(1);
    expect(outbox.pushStaged(a, stage.words, 1, 0)).toBe(true);
    const first = outbox.buffers[0];
    expect(outbox.pushStaged(a, stage.words, 2, 0)).toBe(true);
    expect(outbox.pushStaged(a, stage.words, 3, 0)).toBe(false); // both rows taken
    expect(outbox.count).toBe(2);
    expect(outbox.dropped).toBe(0); // not a drop: the caller sends from its own buffer
    outbox.clear();
    expect(outbox.pushStaged(b, stage.words, 4, 0)).toBe(true);
    expect(outbox.buffers[0]).toBe(first!);
    expect(readUint32(outbox.buffers[0]!, 11)).toBe(4);
    // a full outbox (3 entries) with a row free
    outbox.push(a, new Uint8Array(4), 4);
    outbox.push(a, new Uint8Array(4), 4);
    expect(outbox.pushStaged(a, stage.words, 5, 0)).toBe(false);
    expect(outbox.count).toBe(3);
    const none = new Outbox(4, 0);
    expect(none.pushStaged(a, stage.words, 6, 0)).toBe(false);
  });

  test("holdable while every entry is a staged copy; a plain push ends it until the drain", () => {
    const outbox = new Outbox(8, 8);
    const stage = staged(2);
    expect(outbox.holdable).toBe(true);
    outbox.pushStaged(a, stage.words, 1, 0);
    outbox.pushStaged(b, stage.words, 2, 0);
    expect(outbox.holdable).toBe(true);
    outbox.push(a, new Uint8Array(11), 11);
    expect(outbox.holdable).toBe(false);
    outbox.pushStaged(a, stage.words, 3, 0);
    expect(outbox.holdable).toBe(false);
    outbox.clear();
    expect([outbox.holdable, outbox.count]).toEqual([true, 0]);
    // a push refused because the outbox is full still ends it: the caller's buffer is not queued, but nothing is held either way
    const full = new Outbox(1, 1);
    full.pushStaged(a, stage.words, 1, 0);
    expect(full.push(a, new Uint8Array(4), 4)).toBe(false);
    expect([full.holdable, full.dropped]).toEqual([false, 1]);
  });
});

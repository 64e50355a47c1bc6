import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { DmraLayout, DmraMessage, DmraStatus, decodeDmra } from "../../src/wire/dmra.ts";
import { DmrgLayout, DmrgMessage, DmrgStatus, decodeDmrg } from "../../src/wire/dmrg.ts";
import { TalkerAliasAssembler } from "../../src/dmr/talker_alias.ts";
import { GpsPosition, decodeGpsData, encodeGpsLc } from "../../src/dmr/gps.ts";
import { Prng } from "../../src/lib/prng.ts";
import { testSeed } from "../support/seed.ts";

describe("DMRA talker-alias side channel (hbp-and-dmr.md §3.1)", () => {
  const message = new DmraMessage();

  test("19 bytes with repeater id (dmr-kaitai vector, UTF-16 header)", () => {
    const bytes = fromHex("444d524100066b0c2337fa00cc004f004b0034");
    expect(decodeDmra(bytes, 0x00066b0c, message)).toBe(DmraStatus.Ok);
    expect(message.layout).toBe(DmraLayout.WithRepeater);
    expect(message.repeaterId).toBe(0x00066b0c);
    expect(message.sourceId).toBe(0x2337fa);
    expect(message.blockType).toBe(0);
    expect(message.dataLength).toBe(7);
    expect(toHex(message.data)).toBe("cc004f004b0034");
    // the same bytes parse the same without knowing the peer
    expect(decodeDmra(bytes, -1, message)).toBe(DmraStatus.Ok);
    expect(message.layout).toBe(DmraLayout.WithRepeater);
    const ta = new TalkerAliasAssembler();
    ta.addData(message.blockType, message.data, 0, message.dataLength);
    expect(ta.format as number).toBe(3);
    expect(ta.length).toBe(6);
    expect(ta.complete).toBe(false); // 6 UTF-16 characters need block 1 too
  });

  test("15 bytes without repeater id (MMDVMHost direct, w3msg capture): W3MSG", () => {
    const bytes = fromHex("444d52412ff14e004a57334d534700");
    expect(decodeDmra(bytes, 3141966, message)).toBe(DmraStatus.Ok);
    expect(message.layout).toBe(DmraLayout.NoRepeater);
    expect(message.repeaterId).toBe(-1);
    expect(message.sourceId).toBe(3141966);
    expect(message.blockType).toBe(0);
    expect(message.dataLength).toBe(7);
    const ta = new TalkerAliasAssembler();
    expect(ta.addData(message.blockType, message.data, 0, message.dataLength)).toBe(true);
    expect(ta.text).toBe("W3MSG");
  });

  test("15 bytes truncated by DMRGateway: repeater id recognised from the peer id", () => {
    const bytes = fromHex("444d52410023ca8123cace004c4e30");
    expect(decodeDmra(bytes, 0x0023ca81, message)).toBe(DmraStatus.Ok);
    expect(message.layout).toBe(DmraLayout.Truncated);
    expect(message.repeaterId).toBe(0x0023ca81);
    expect(message.sourceId).toBe(0x23cace);
    expect(message.blockType).toBe(0);
    expect(message.dataLength).toBe(3);
    expect(toHex(message.data)).toBe("4c4e3000000000");
    // from another peer the same bytes read as the no-repeater layout, whose type byte (0x81) is invalid
    expect(decodeDmra(bytes, 1234, message)).toBe(DmraStatus.BadType);
  });

  test("bad length, tag and type", () => {
    expect(decodeDmra(fromHex("444d52412ff14e004a57334d5347"), -1, message)).toBe(DmraStatus.BadLength);
    expect(decodeDmra(fromHex("444d52442ff14e004a57334d534700"), -1, message)).toBe(DmraStatus.BadTag);
    expect(decodeDmra(fromHex("444d52412ff14e044a57334d534700"), -1, message)).toBe(DmraStatus.BadType);
  });

  test("random input never throws (seeded)", () => {
    const prng = new Prng(testSeed("dmra random"));
    for (let i = 0; i < 20000; i++) {
      const bytes = new Uint8Array(prng.nextInt(24));
      prng.fill(bytes);
      if (prng.chance(1, 2) && bytes.length >= 4) bytes.set([0x44, 0x4d, 0x52, prng.chance(1, 2) ? 0x41 : 0x47]);
      decodeDmra(bytes, prng.chance(1, 2) ? -1 : prng.nextUint32(), message);
      decodeDmrg(bytes, prng.chance(1, 2) ? -1 : prng.nextUint32(), new DmrgMessage());
    }
  });
});

describe("DMRG GPS side channel (hbp-and-dmr.md §3.2)", () => {
  const message = new DmrgMessage();
  const gps = new Uint8Array(9);
  encodeGpsLc(gps, 0, 51.5, -0.125, 2);
  const data = toHex(gps, 2, 9);

  test("18 bytes with repeater id", () => {
    expect(decodeDmrg(fromHex(`444d52470023ca8123cace${data}`), -1, message)).toBe(DmrgStatus.Ok);
    expect([message.layout, message.repeaterId, message.sourceId, message.dataLength]).toEqual([DmrgLayout.WithRepeater, 0x0023ca81, 0x23cace, 7]);
    const position = new GpsPosition();
    expect(decodeGpsData(message.data, 0, position)).toBe(true);
    expect(position.latitude).toBeCloseTo(51.5, 5);
    expect(position.longitude).toBeCloseTo(-0.125, 5);
    expect(position.positionError).toBe(2);
  });

  test("14 bytes without repeater id", () => {
    expect(decodeDmrg(fromHex(`444d524723cace${data}`), 0x0023ca81, message)).toBe(DmrgStatus.Ok);
    expect([message.layout, message.repeaterId, message.sourceId, message.dataLength]).toEqual([DmrgLayout.NoRepeater, -1, 0x23cace, 7]);
    expect(toHex(message.data)).toBe(data);
  });

  test("14 bytes truncated by DMRGateway (observed 444d5247 0023ca81 23cace 001234)", () => {
    expect(decodeDmrg(fromHex("444d52470023ca8123cace001234"), 0x0023ca81, message)).toBe(DmrgStatus.Ok);
    expect([message.layout, message.repeaterId, message.sourceId, message.dataLength]).toEqual([DmrgLayout.Truncated, 0x0023ca81, 0x23cace, 3]);
    expect(toHex(message.data)).toBe("00123400000000");
  });

  test("bad length and tag", () => {
    expect(decodeDmrg(fromHex("444d52470023ca8123cace0012"), -1, message)).toBe(DmrgStatus.BadLength);
    expect(decodeDmrg(fromHex("444d52410023ca8123cace001234"), -1, message)).toBe(DmrgStatus.BadTag);
  });
});

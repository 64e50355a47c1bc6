import { describe, expect, test } from "bun:test";
import { Blake2b } from "../../src/lib/blake2b.ts";
import { HmacSha1 } from "../../src/lib/hmac_sha1.ts";
import { fromHex, toHex } from "../../src/lib/hex.ts";
import { Prng } from "../../src/lib/prng.ts";
import {
  bcsqStream,
  bcsqTalkgroup,
  bcveVersion,
  encodeBcka,
  encodeBcsq,
  encodeBcve,
  verifyBcka,
  verifyBcsq,
  verifyBcve,
} from "../../src/wire/bridge_control.ts";
import { DmrdFrame, DmrdStatus, decodeDmrd } from "../../src/wire/dmrd.ts";
import { DmreStatus, FbpMeta, decodeDmre, encodeDmre, readNanosecondsAsMs, writeNanoseconds } from "../../src/wire/fbp.ts";
import {
  OBP_V1_LENGTH,
  OpenBridgeKind,
  classifyOpenBridge,
  copyObpV1To55,
  encodeObpV1,
  openBridgeKey,
  openBridgeSenderId,
  verifyObpV1,
} from "../../src/wire/openbridge.ts";
import { testSeed } from "../support/seed.ts";

// freedmr-reference.md §2.4 "Computed examples" (passphrase passw0rd).
const KEY = openBridgeKey("passw0rd");
const hmac = new HmacSha1(KEY);
const blake = new Blake2b(16, KEY);

const VECTOR_BCKA = "42434b415577d4a35e2fe3b307b2cfe3a79da4745baf45fb";
const VECTOR_BCVE5 = "4243564505b1173f8dfe42a335ece34f1eb54eb174edcfdb63";
const VECTOR_BCSQ = "4243535100092e01020304dd7d3f8734ffa47b2a75224e840f423a816728fe";
const DMRD_HEAD = "444d52440023c82900092e000009292101020304";
const ZERO_PAYLOAD = "00".repeat(33);
const VECTOR_OBP_V1 = DMRD_HEAD + ZERO_PAYLOAD + "e1128b07894cb57066d8940c837cbeca48c2e5d7";
const DMRE_HEAD = "444d5245" + DMRD_HEAD.slice(8);
const VECTOR_DMRE_V5 = DMRE_HEAD + ZERO_PAYLOAD + "0000" + "05" + "17979cfe362a0000" + "00000929" + "0dfa3005" + "01" + "5fb2fd5d88b5d09ef9c743fd1d06fcfd";
const VECTOR_DMRE_V4 = DMRE_HEAD + ZERO_PAYLOAD + "0000" + "04" + "17979cfe362a0000" + "00000929" + "01" + "2219cb1b4793ed4c617492fbb141901d";

/** The router's 55-byte frame for the vectors: seq 0, src 2345001, dst 2350, bits 0x21, sid 01020304; repeater id is whatever the router wrote. */
function routerFrame(repeaterId = 0x0dfa3005): Uint8Array {
  const f = fromHex(DMRD_HEAD + ZERO_PAYLOAD + "0000");
  f[11] = repeaterId >>> 24;
  f[12] = (repeaterId >>> 16) & 0xff;
  f[13] = (repeaterId >>> 8) & 0xff;
  f[14] = repeaterId & 0xff;
  return f;
}

describe("link key", () => {
  test("passphrase NUL-padded to 20 bytes", () => {
    expect(toHex(KEY)).toBe(toHex(new TextEncoder().encode("passw0rd")) + "00".repeat(12));
  });
  test("cut to 20 characters", () => {
    expect(new TextDecoder().decode(openBridgeKey("abcdefghijklmnopqrstuvwxyz"))).toBe("abcdefghijklmnopqrst");
  });
});

describe("freedmr-reference §2.4 computed vectors", () => {
  test("BCKA", () => {
    const out = new Uint8Array(64);
    const n = encodeBcka(hmac, out);
    expect(toHex(out, 0, n)).toBe(VECTOR_BCKA);
    expect(verifyBcka(fromHex(VECTOR_BCKA), hmac)).toBe(true);
    expect(classifyOpenBridge(fromHex(VECTOR_BCKA))).toBe(OpenBridgeKind.Bcka);
  });
  test("BCVE v5 (MAC over the version byte only)", () => {
    const out = new Uint8Array(64);
    const n = encodeBcve(5, hmac, out);
    expect(toHex(out, 0, n)).toBe(VECTOR_BCVE5);
    const bytes = fromHex(VECTOR_BCVE5);
    expect(verifyBcve(bytes, hmac)).toBe(true);
    expect(bcveVersion(bytes)).toBe(5);
    expect(classifyOpenBridge(bytes)).toBe(OpenBridgeKind.Bcve);
  });
  test("BCSQ tg 2350 stream 01020304", () => {
    const out = new Uint8Array(64);
    const n = encodeBcsq(2350, 0x01020304, hmac, out);
    expect(toHex(out, 0, n)).toBe(VECTOR_BCSQ);
    const bytes = fromHex(VECTOR_BCSQ);
    expect(verifyBcsq(bytes, hmac)).toBe(true);
    expect(bcsqTalkgroup(bytes)).toBe(2350);
    expect(bcsqStream(bytes)).toBe(0x01020304);
    expect(classifyOpenBridge(bytes)).toBe(OpenBridgeKind.Bcsq);
  });
  test("OBP v1 DMRD: server id in 11–14, TS1, HMAC-SHA1 over 53 bytes", () => {
    const out = new Uint8Array(100);
    // the router's frame carries a hotspot id and TS2: both are replaced on the wire
    const frame = routerFrame(3120101);
    frame[15] = 0x21 | 0x80;
    const n = encodeObpV1(frame, 2345, hmac, out);
    expect(n).toBe(OBP_V1_LENGTH);
    expect(toHex(out, 0, n)).toBe(VECTOR_OBP_V1);
    const bytes = fromHex(VECTOR_OBP_V1);
    expect(classifyOpenBridge(bytes)).toBe(OpenBridgeKind.DmrdV1);
    expect(verifyObpV1(bytes, hmac)).toBe(true);
    expect(openBridgeSenderId(bytes)).toBe(2345);
    const f55 = new Uint8Array(55).fill(0xee);
    copyObpV1To55(bytes, f55);
    const frameOut = new DmrdFrame();
    expect(decodeDmrd(f55, frameOut)).toBe(DmrdStatus.Ok);
    expect(frameOut.sourceId).toBe(2345001);
    expect(frameOut.destinationId).toBe(2350);
    expect(frameOut.streamId).toBe(0x01020304);
    expect(frameOut.ber).toBe(0);
    expect(frameOut.rssi).toBe(0);
  });
  test("DMRE v5", () => {
    const out = new Uint8Array(100);
    const meta = new FbpMeta();
    meta.version = 5;
    meta.timestampMs = 1_700_000_000_000;
    meta.sourceServer = 2345;
    meta.sourceRepeater = 234500101;
    meta.hops = 1;
    const n = encodeDmre(routerFrame(), 2345, meta, blake, out);
    expect(n).toBe(89);
    expect(toHex(out, 0, n)).toBe(VECTOR_DMRE_V5);
    const decoded = new FbpMeta();
    const f55 = new Uint8Array(55);
    expect(classifyOpenBridge(fromHex(VECTOR_DMRE_V5))).toBe(OpenBridgeKind.Dmre);
    expect(decodeDmre(fromHex(VECTOR_DMRE_V5), blake, new Uint8Array(16), decoded, f55)).toBe(DmreStatus.Ok);
    expect(decoded).toEqual(meta);
    expect(toHex(f55)).toBe(DMRD_HEAD + ZERO_PAYLOAD + "0000");
  });
  test("DMRE v4", () => {
    const out = new Uint8Array(100);
    const meta = new FbpMeta();
    meta.version = 4;
    meta.versionByte = 4;
    meta.timestampMs = 1_700_000_000_000;
    meta.sourceServer = 2345;
    meta.hops = 1;
    const n = encodeDmre(routerFrame(), 2345, meta, blake, out);
    expect(n).toBe(85);
    expect(toHex(out, 0, n)).toBe(VECTOR_DMRE_V4);
    const decoded = new FbpMeta();
    expect(decodeDmre(fromHex(VECTOR_DMRE_V4), blake, new Uint8Array(16), decoded, new Uint8Array(55))).toBe(DmreStatus.Ok);
    expect(decoded).toEqual(meta);
  });
});

describe("negative space", () => {
  test("every single-bit flip of every vector fails verification", () => {
    const scratch = new Uint8Array(16);
    const check = (hex: string, verify: (b: Uint8Array) => boolean): void => {
      const bytes = fromHex(hex);
      expect(verify(bytes)).toBe(true);
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        bytes[bit >>> 3]! ^= 1 << (bit & 7);
        // BCVE's MAC covers only the version byte: flipping the tag is caught by classify, not the MAC
        const covered = !(hex === VECTOR_BCVE5 && bit < 32);
        if (covered) expect(verify(bytes)).toBe(false);
        bytes[bit >>> 3]! ^= 1 << (bit & 7);
      }
    };
    check(VECTOR_BCKA, (b) => verifyBcka(b, hmac));
    check(VECTOR_BCSQ, (b) => verifyBcsq(b, hmac));
    check(VECTOR_BCVE5, (b) => verifyBcve(b, hmac));
    check(VECTOR_OBP_V1, (b) => verifyObpV1(b, hmac));
    check(VECTOR_DMRE_V5, (b) => decodeDmre(b, blake, scratch, new FbpMeta(), new Uint8Array(55)) === DmreStatus.Ok);
    check(VECTOR_DMRE_V4, (b) => decodeDmre(b, blake, scratch, new FbpMeta(), new Uint8Array(55)) === DmreStatus.Ok);
  });

  test("a different passphrase fails every check", () => {
    const key = openBridgeKey("passw0rD");
    const otherHmac = new HmacSha1(key);
    const otherBlake = new Blake2b(16, key);
    expect(verifyBcka(fromHex(VECTOR_BCKA), otherHmac)).toBe(false);
    expect(verifyObpV1(fromHex(VECTOR_OBP_V1), otherHmac)).toBe(false);
    expect(decodeDmre(fromHex(VECTOR_DMRE_V5), otherBlake, new Uint8Array(16), new FbpMeta(), new Uint8Array(55))).toBe(
      DmreStatus.BadMac,
    );
  });

  test("truncation at every length is classified, never thrown", () => {
    for (const hex of [VECTOR_BCKA, VECTOR_BCSQ, VECTOR_BCVE5, VECTOR_OBP_V1, VECTOR_DMRE_V5, VECTOR_DMRE_V4]) {
      const bytes = fromHex(hex);
      for (let n = 0; n < bytes.length; n++) {
        const cut = bytes.subarray(0, n);
        const kind = classifyOpenBridge(cut);
        expect(kind === OpenBridgeKind.Unknown || kind === OpenBridgeKind.BadLength || kind === OpenBridgeKind.Bcst || (kind === OpenBridgeKind.Dmre && n === 85)).toBe(true);
        expect(verifyObpV1(cut, hmac)).toBe(false);
        expect(verifyBcka(cut, hmac)).toBe(false);
        expect(verifyBcsq(cut, hmac)).toBe(false);
        expect(verifyBcve(cut, hmac)).toBe(false);
      }
    }
  });

  test("the layout comes from the length when byte 55 disagrees (FreeDMR PROTO_VER 4 writes 5 into v4 frames)", () => {
    // an 85-byte v4 frame carrying version byte 5, signed by its sender (the MAC covers byte 55)
    const v4 = fromHex(VECTOR_DMRE_V4);
    v4[55] = 5;
    blake.reset().update(v4, 0, 69).digestTo(v4, 69);
    const meta = new FbpMeta();
    const f55 = new Uint8Array(55);
    expect(decodeDmre(v4, blake, new Uint8Array(16), meta, f55)).toBe(DmreStatus.Ok);
    expect([meta.version, meta.versionByte, meta.sourceServer, meta.sourceRepeater, meta.hops, meta.timestampMs]).toEqual([4, 5, 2345, 0, 1, 1_700_000_000_000]);
    expect(toHex(f55)).toBe(DMRD_HEAD + ZERO_PAYLOAD + "0000");
    // and an 89-byte v5 frame with version byte 4
    const v5 = fromHex(VECTOR_DMRE_V5);
    v5[55] = 4;
    blake.reset().update(v5, 0, 73).digestTo(v5, 73);
    expect(decodeDmre(v5, blake, new Uint8Array(16), meta, f55)).toBe(DmreStatus.Ok);
    expect([meta.version, meta.versionByte, meta.sourceRepeater, meta.hops]).toEqual([5, 4, 234500101, 1]);
  });

  test("DMRE with a version byte below 4 is a bad version; a disagreeing byte without a new MAC is a bad MAC", () => {
    const v5 = fromHex(VECTOR_DMRE_V5);
    v5[55] = 3;
    expect(decodeDmre(v5, blake, new Uint8Array(16), new FbpMeta(), new Uint8Array(55))).toBe(DmreStatus.BadVersion);
    const v4 = fromHex(VECTOR_DMRE_V4);
    v4[55] = 5;
    expect(decodeDmre(v4, blake, new Uint8Array(16), new FbpMeta(), new Uint8Array(55))).toBe(DmreStatus.BadMac);
  });

  test("refused and unknown tags", () => {
    expect(classifyOpenBridge(new TextEncoder().encode("DMRFxxxxxxxxxxxxxxxxxxxxx"))).toBe(OpenBridgeKind.Refused);
    expect(classifyOpenBridge(new TextEncoder().encode("EOBPxxxx"))).toBe(OpenBridgeKind.Refused);
    expect(classifyOpenBridge(new TextEncoder().encode("RPTLxxxx"))).toBe(OpenBridgeKind.Unknown);
    expect(classifyOpenBridge(new Uint8Array(55))).toBe(OpenBridgeKind.Unknown);
  });
});

describe("round trips", () => {
  test("random frames survive OBP v1 and DMRE v4/v5 encode → decode", () => {
    const prng = new Prng(testSeed("openbridge round trip"));
    const out = new Uint8Array(128);
    const f55 = new Uint8Array(55);
    const meta = new FbpMeta();
    const got = new FbpMeta();
    for (let i = 0; i < 300; i++) {
      const frame = new Uint8Array(55);
      prng.fill(frame);
      frame.set([0x44, 0x4d, 0x52, 0x44], 0);
      const server = prng.nextUint32();
      let n = encodeObpV1(frame, server, hmac, out);
      const v1 = out.subarray(0, n);
      expect(verifyObpV1(v1, hmac)).toBe(true);
      expect(openBridgeSenderId(v1)).toBe(server);
      copyObpV1To55(v1, f55);
      for (let b = 0; b < 53; b++) if (b < 11 || b > 15) expect(f55[b]).toBe(frame[b]!);
      expect(f55[15]).toBe(frame[15]! & 0x7f);

      meta.version = prng.chance(1, 2) ? 4 : 5;
      meta.timestampMs = 1_600_000_000_000 + prng.nextInt(400_000_000_000);
      meta.sourceServer = prng.nextUint32();
      meta.sourceRepeater = meta.version === 5 ? prng.nextUint32() : 0;
      meta.hops = prng.nextInt(256);
      n = encodeDmre(frame, server, meta, blake, out);
      expect(decodeDmre(out.subarray(0, n), blake, new Uint8Array(16), got, f55)).toBe(DmreStatus.Ok);
      expect(got.version).toBe(meta.version);
      expect(got.sourceServer).toBe(meta.sourceServer);
      expect(got.sourceRepeater).toBe(meta.sourceRepeater);
      expect(got.hops).toBe(meta.hops);
      expect(Math.abs(got.timestampMs - meta.timestampMs)).toBeLessThan(0.001);
      expect(f55[53]).toBe(frame[53]!);
      expect(f55[54]).toBe(frame[54]!);
    }
  });

  test("nanosecond timestamps", () => {
    const b = new Uint8Array(8);
    writeNanoseconds(b, 0, 1_700_000_000_000);
    expect(toHex(b)).toBe("17979cfe362a0000");
    expect(readNanosecondsAsMs(b, 0)).toBe(1_700_000_000_000);
    writeNanoseconds(b, 0, 1_700_000_000_123.456);
    expect(Math.abs(readNanosecondsAsMs(b, 0) - 1_700_000_000_123.456)).toBeLessThan(0.001);
  });
});

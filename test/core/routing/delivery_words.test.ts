/**
 * Delivery into HBP sessions' aligned egress words (RouterPort.txWords, wire/dmrd.ts
 * copyDmrdWords): every copy carries the frame's 55 bytes exactly (53-byte sources padded with
 * BER/RSSI 0), the target slot's bit, the receiving peer's repeater id in bytes 11–14, on both
 * slots — and matches what a port without txWords gets by the byte copy.
 */
import { describe, expect, test } from "bun:test";
import { Endpoint } from "../../../src/core/endpoint.ts";
import { HbpCounters } from "../../../src/core/hbp_master/counters.ts";
import { SessionColumns } from "../../../src/core/hbp_master/session_columns.ts";
import { HbpSession, SessionBatch, SessionState } from "../../../src/core/hbp_master/session.ts";
import { copyDmrdWords, decodeDmrd, DMRD_WORDS_TS2, DmrdStage, DmrdStatus, FLAG_SLOT_TS2, readUint32 } from "../../../src/wire/dmrd.ts";
import type { Outbox } from "../../../src/core/outbox.ts";
import type { BridgeMemberOptions } from "../../../src/core/routing/options.ts";
import { buildDmrd, Harness, type FrameSpec } from "./harness.ts";

function session(h: Harness, portIndex: number, repeaterId: number, options: string): HbpSession {
  const s = new SessionBatch(new SessionColumns(new HbpCounters())).take(repeaterId, 0, "127.0.0.1", 50_000 + portIndex, 0, new Uint8Array(0), new Uint8Array(0), h.nowMs);
  s.state = SessionState.Connected;
  s.portIndex = portIndex;
  s.forgetLogin();
  h.router.onPortUp(h.nowMs, s);
  h.router.onOptions(h.nowMs, s, options);
  h.flush();
  return s;
}

/** Route one frame as the HBP master would, leaving the outbox undrained. */
function route(h: Harness, from: HbpSession, bytes: Uint8Array): void {
  expect(decodeDmrd(bytes, h.frame)).toBe(DmrdStatus.Ok);
  h.router.onFrame(h.nowMs, from, h.frame);
}

/** The outbox's entries for one frame, as copies, by receiving repeater id. */
function sendAndCollect(h: Harness, from: HbpSession, bytes: Uint8Array): Map<number, Uint8Array> {
  const got = new Map<number, Uint8Array>();
  route(h, from, bytes);
  const ob = h.outbox;
  for (let i = 0; i < ob.count; i++) {
    const b = ob.buffers[i]!.subarray(0, ob.lengths[i]!);
    got.set(readUint32(b, 11), b.slice());
  }
  h.flush();
  return got;
}

/** What a copy of `source` for `repeaterId` on `slot` must be. */
function expected(source: Uint8Array, repeaterId: number, slot: 1 | 2): Uint8Array {
  const out = new Uint8Array(55);
  out.set(source.subarray(0, Math.min(55, source.length)));
  out[11] = repeaterId >>> 24;
  out[12] = (repeaterId >>> 16) & 0xff;
  out[13] = (repeaterId >>> 8) & 0xff;
  out[14] = repeaterId & 0xff;
  out[15] = slot === 2 ? out[15]! | FLAG_SLOT_TS2 : out[15]! & ~FLAG_SLOT_TS2;
  return out;
}

/** A session that keeps a copy of every frame it queues (the harness drains the outbox after each frame). */
class RecordingSession extends HbpSession {
  readonly sent: Uint8Array[] = [];
  /** its own columns as a field (the master's sessions find theirs on their class's prototype, SessionBatch) */
  constructor(override readonly columns: SessionColumns) {
    super();
  }
  override emitStaged(nowMs: number, slot: 1 | 2, stage: Int32Array, flags: number, outbox: Outbox): void {
    const before = outbox.count;
    super.emitStaged(nowMs, slot, stage, flags, outbox);
    if (outbox.count > before) this.sent.push(outbox.buffers[before]!.slice(0, outbox.lengths[before]!));
  }
  override emit(nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    const before = outbox.count;
    super.emit(nowMs, frame, outbox);
    if (outbox.count > before) this.sent.push(outbox.buffers[before]!.slice(0, outbox.lengths[before]!));
  }
}

describe("delivery into aligned egress words", () => {
  test("copyDmrdWords fills exactly one slot's 55 bytes", () => {
    const stage = new DmrdStage();
    for (let i = 0; i < 55; i++) stage.bytes[i] = 0xa0 ^ i;
    const target = new Int32Array(28).fill(-1);
    const bytes = new Uint8Array(target.buffer);
    copyDmrdWords(stage.words, target, DMRD_WORDS_TS2);
    for (let i = 0; i < 56; i++) expect(bytes[i]).toBe(0xff); // slot 1 untouched
    for (let i = 0; i < 55; i++) expect(bytes[56 + i]).toBe(0xa0 ^ i);
    copyDmrdWords(stage.words, target, 0);
    for (let i = 0; i < 55; i++) expect(bytes[i]).toBe(0xa0 ^ i);
  });

  for (const length of [55, 53] as const) {
    for (const slot of [1, 2] as const) {
      test(`a ${length}-byte frame on TS${slot} reaches sessions on either slot with their own id, the slot bit and the source's bytes`, () => {
        const h = new Harness();
        const talker = session(h, 0, 3_100_001, "");
        // listeners on TS1 and TS2 of the same talkgroup (one per slot), and a FakePort (byte copy)
        const onTs2 = session(h, 1, 3_100_002, "TS2=91;");
        const onTs1 = session(h, 2, 3_100_003, "TS1=91;");
        const spec: FrameSpec = { sourceId: 2_345_001, destinationId: 91, slot, streamId: 0x1234, kind: "header", sequence: 0, repeaterId: talker.repeaterId, length, fill: 0x5c };
        const header = buildDmrd(spec);
        const first = sendAndCollect(h, talker, header);
        expect([...first.keys()].sort()).toEqual([onTs1.repeaterId, onTs2.repeaterId].sort());
        expect(first.get(onTs2.repeaterId)).toEqual(expected(header, onTs2.repeaterId, 2));
        expect(first.get(onTs1.repeaterId)).toEqual(expected(header, onTs1.repeaterId, 1));
        // the voice that follows: distinct payloads, all bytes carried
        for (let k = 0; k < 6; k++) {
          const voice = buildDmrd({ ...spec, kind: "voice", voiceIndex: k, sequence: 1 + k, fill: 0x11 * (k + 1) });
          const got = sendAndCollect(h, talker, voice);
          expect(got.get(onTs2.repeaterId)).toEqual(expected(voice, onTs2.repeaterId, 2));
          expect(got.get(onTs1.repeaterId)).toEqual(expected(voice, onTs1.repeaterId, 1));
        }
      });
    }
  }

  test("a port without txWords gets the same bytes by the byte copy", () => {
    const h = new Harness();
    h.hotspot({ repeaterId: 3_200_002, options: "TS2=92;" }); // port index 0
    const talker = session(h, 1, 3_200_001, "");
    const words = session(h, 2, 3_200_003, "TS2=92;");
    const header = buildDmrd({ sourceId: 2_345_002, destinationId: 92, slot: 1, streamId: 0x99, kind: "header", sequence: 0, repeaterId: talker.repeaterId, fill: 0x33 });
    route(h, talker, header);
    const ob = h.outbox;
    const copies = Array.from({ length: ob.count }, (_, i) => ob.buffers[i]!.slice(0, ob.lengths[i]!));
    h.flush();
    expect(copies.length).toBe(2);
    const fake = copies.find((b) => readUint32(b, 11) !== words.repeaterId)!;
    const session3 = copies.find((b) => readUint32(b, 11) === words.repeaterId)!;
    // the fake port does not stamp its id: apart from bytes 11–14 the copies are equal
    expect(readUint32(fake, 11)).toBe(talker.repeaterId);
    fake.set(session3.subarray(11, 15), 11);
    expect(fake).toEqual(session3);
  });

  test("a rewritten copy (bridge to another talkgroup and slot) takes the byte path: same bytes as a port without txWords, own id", () => {
    const member = (system: string, slot: 1 | 2, talkgroupId: number): BridgeMemberOptions => ({ system, slot, talkgroupId, active: true, timeoutMinutes: 0, timeoutType: "none", on: [], off: [], reset: [] });
    const h = new Harness({ bridges: [{ name: "uk", members: [member("club", 1, 3100), member("far", 2, 31000)] }] });
    const talker = h.hotspot({ rule: "club" }); // index 0
    const fake = h.hotspot({ rule: "far" }); // index 1
    const s = new RecordingSession(new SessionColumns(new HbpCounters()));
    s.start(3_300_002, 0, "127.0.0.1", 50_002, 0, new Uint8Array(0), new Uint8Array(0), h.nowMs);
    s.state = SessionState.Connected;
    s.portIndex = 2;
    s.accessRule = "far";
    s.forgetLogin();
    h.router.onPortUp(h.nowMs, s);
    h.flush();
    h.realCall(talker, { sourceId: 2_345_003, destinationId: 3100, slot: 1, streamId: 7, superframes: 1 });
    expect(fake.sent.length).toBe(8);
    expect(s.sent.length).toBe(8);
    for (let k = 0; k < 8; k++) {
      const mine = s.sent[k]!;
      expect(readUint32(mine, 11)).toBe(s.repeaterId);
      expect(mine[15]! & FLAG_SLOT_TS2).toBe(FLAG_SLOT_TS2);
      const theirs = fake.sent[k]!.bytes.slice();
      expect(fake.sent[k]!.destinationId).toBe(31000);
      theirs.set(mine.subarray(11, 15), 11);
      expect(mine).toEqual(theirs);
    }
  });
});

/**
 * Voice announcements in the routing core (deterministic, time as an argument): dial replies to
 * the caller as private voice calls, 5000 status, unlink, busy, rejected options, LANG=, relink after
 * the UA timer, the periodic ident, contention (wait, bounded wait, keying up over it). Synthetic
 * packs (test/support/voice_pack_fixture.ts) let every test read back which words were played.
 */
import { describe, expect, test } from "bun:test";
import { StreamInspector } from "../../../src/dmr/stream_inspector.ts";
import { parseIndexedPack, type VoicePack } from "../../../src/dmr/voice_pack.ts";
import type { RoutingOptionsInput } from "../../../src/core/routing/options.ts";
import { INDEXED_WORDS, indexedFiles, playedWords, syntheticPack } from "../../support/voice_pack_fixture.ts";
import { Harness, type FakePort, type Sent } from "./harness.ts";

const CALLER = 2345678;
const SERVER_ID = 2340999;

function pack(language: string, packNumber: number): VoicePack {
  const { ambe, indx } = indexedFiles(syntheticPack(packNumber, INDEXED_WORDS));
  const result = parseIndexedPack(language, ambe, indx);
  if (!result.ok) throw new Error(result.reason);
  return result.pack;
}

const EN = pack("en_GB", 1);
const DE = pack("de_DE", 2);

function voiceHarness(input: RoutingOptionsInput = {}): Harness {
  return new Harness({ serverId: SERVER_ID, ...input, voice: { packs: [EN, DE], defaultLanguage: "en_GB", ...input.voice } });
}

/** A private call to `number` from CALLER (the dial-a-TG gesture), then time for the reply. */
function dial(h: Harness, port: FakePort, number: number, streamId: number, slot: 1 | 2 = 2, waitMs = 3000): number {
  h.call(port, { sourceId: CALLER, destinationId: number, slot, unit: true, streamId, bursts: 2 });
  const endedAt = h.nowMs;
  h.advance(waitMs);
  return endedAt;
}

/** The frames of each announcement stream sent to a port, by stream id in order. */
function announcementCalls(port: FakePort): Sent[][] {
  const calls = new Map<number, Sent[]>();
  for (const s of port.sent) {
    if (s.sourceId !== SERVER_ID) continue;
    let list = calls.get(s.streamId);
    if (list === undefined) calls.set(s.streamId, (list = []));
    list.push(s);
  }
  return [...calls.values()];
}

function words(call: Sent[]): string[] {
  const played = playedWords(call.map((s) => s.bytes), INDEXED_WORDS);
  expect(played.unknownFrames).toBe(0);
  expect(played.outOfOrder).toBe(0);
  return played.words;
}

describe("announcements: dial replies", () => {
  test("dialling 91: the caller hears 'linked to 9 1' as a private voice call from the server id, after its own call ended, 60 ms per frame", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    const endedAt = dial(h, a, 91, 1);
    expect(h.router.dialedReflector(a)).toBe(91);
    const calls = announcementCalls(a);
    expect(calls.length).toBe(1);
    const call = calls[0]!;
    expect(words(call)).toEqual(["linkedto", "9", "1"]);
    expect(call[0]!.atMs).toBeGreaterThanOrEqual(endedAt);
    for (let i = 1; i < call.length; i++) expect(call[i]!.atMs - call[i - 1]!.atMs).toBe(60);
    expect(call.every((s) => s.unit && s.slot === 2 && s.destinationId === CALLER && s.sourceId === SERVER_ID && s.repeaterId === SERVER_ID)).toBe(true);
    // a proper voice call: 3 headers, superframes, 1 terminator; every LC valid and naming the caller
    const kinds = call.map((s) => s.frameType * 16 + s.dataType);
    expect(kinds.slice(0, 3)).toEqual([0x21, 0x21, 0x21]);
    expect(kinds.at(-1)).toBe(0x22);
    const voice = kinds.slice(3, -1);
    voice.forEach((k, i) => expect(k).toBe(i % 6 === 0 ? 0x10 : i % 6));
    const ins = new StreamInspector();
    for (const s of call) ins.push(s.bytes);
    expect(ins.headers.length).toBe(3);
    expect(ins.headers.every((x) => x.valid && x.flco === 3 && x.destinationId === CALLER && x.sourceId === SERVER_ID)).toBe(true);
    expect(ins.terminators.map((x) => [x.valid, x.flco, x.destinationId, x.sourceId])).toEqual([[true, 3, CALLER, SERVER_ID]]);
    expect(ins.embedded.length).toBeGreaterThan(0);
    expect(ins.embedded.every((e) => e.valid && e.identity && e.destinationId === CALLER && e.sourceId === SERVER_ID)).toBe(true);
    expect(ins.slotTypesInvalid + ins.embsInvalid + ins.embLcssMismatch + ins.incompleteEmbedded).toBe(0);
    expect(h.router.stats().announcementsPlayed).toBe(1);
    const events = h.ofType("announcement");
    expect(events.map((e) => [e.kind, e.outcome, e.words, e.callType])).toEqual([
      ["link", "queued", "linked 9 1", "unit"],
      ["link", "played", "linked 9 1", "unit"],
    ]);
  });

  test("the reply goes back on the slot the caller used (TS1)", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    dial(h, a, 2350, 1, 1);
    const call = announcementCalls(a)[0]!;
    expect(call.every((s) => s.slot === 1)).toBe(true);
    expect(words(call)).toEqual(["linkedto", "2", "3", "5", "0"]);
  });

  test("5000 answers with the status: linked to N, or not linked; 4000 says unlinked (the pack's 'notlinked')", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    dial(h, a, 5000, 1);
    dial(h, a, 3100, 2);
    dial(h, a, 5000, 3);
    dial(h, a, 4000, 4);
    dial(h, a, 4000, 5);
    expect(announcementCalls(a).map(words)).toEqual([["notlinked"], ["linkedto", "3", "1", "0", "0"], ["linkedto", "3", "1", "0", "0"], ["notlinked"], ["notlinked"]]);
    expect(h.ofType("announcement").filter((e) => e.outcome === "played").map((e) => e.kind)).toEqual(["status", "link", "status", "unlink", "unlink"]);
  });

  test("a number that cannot be dialled gets 'busy'", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    dial(h, a, 6, 1);
    expect(announcementCalls(a).map(words)).toEqual([["isbusy"]]);
  });

  test("without voice packs nothing is said and nothing is queued", () => {
    const h = new Harness({ serverId: SERVER_ID });
    const a = h.hotspot();
    dial(h, a, 91, 1);
    expect(a.sent.length).toBe(0);
    expect(h.ofType("announcement").length).toBe(0);
  });

  test("[voice] announcements off: dial replies are skipped", () => {
    const h = voiceHarness({ voice: { announcements: false } });
    const a = h.hotspot();
    dial(h, a, 91, 1);
    expect(a.sent.length).toBe(0);
  });
});

describe("announcements: options", () => {
  test("a rejected option token is answered on the dial talkgroup (group call, TS2)", () => {
    const h = voiceHarness();
    const a = h.hotspot({ options: "TS1=91;BOGUS=1" });
    h.advance(2000);
    const calls = announcementCalls(a);
    expect(calls.length).toBe(1);
    expect(words(calls[0]!)).toEqual(["isbusy"]);
    expect(calls[0]!.every((s) => !s.unit && s.slot === 2 && s.destinationId === 9)).toBe(true);
    // the same options again are not answered again; changed ones are
    h.router.onOptions(h.nowMs, a, "TS1=91;BOGUS=1");
    h.advance(2000);
    expect(announcementCalls(a).length).toBe(1);
    h.router.onOptions(h.nowMs, a, "TS1=91;BOGUS=2");
    h.advance(2000);
    expect(announcementCalls(a).length).toBe(2);
    const good = voiceHarness().hotspot({ options: "TS1=91" });
    expect(good.sent.length).toBe(0);
  });

  test("LANG= picks the hotspot's pack; an unloaded language is a rejected token", () => {
    const h = voiceHarness();
    const a = h.hotspot({ options: "LANG=de_DE" });
    const b = h.hotspot();
    dial(h, a, 91, 1);
    dial(h, b, 91, 2);
    const pa = playedWords(announcementCalls(a)[0]!.map((s) => s.bytes), INDEXED_WORDS);
    const pb = playedWords(announcementCalls(b)[0]!.map((s) => s.bytes), INDEXED_WORDS);
    expect([...pa.packs]).toEqual([2]);
    expect([...pb.packs]).toEqual([1]);
    const c = h.hotspot({ options: "LANG=xx_XX" });
    const applied = h.ofType("options.applied").filter((e) => e.portIndex === c.portIndex);
    expect(applied[0]!.rejected.join()).toContain("LANG=xx_XX");
  });
});

describe("announcements: contention", () => {
  test("waits while another call is delivered to the slot, then plays; never interleaved", () => {
    const h = voiceHarness({ hangTimeMs: 0 });
    const a = h.hotspot({ options: "TS2=3100" });
    const b = h.hotspot();
    // a group call to TG 3100 reaches A on TS2 while A's dial reply is waiting
    h.call(a, { sourceId: CALLER, destinationId: 91, slot: 2, unit: true, streamId: 1, bursts: 1 });
    const call = h.openCall(b, { sourceId: 3100001, destinationId: 3100, slot: 2, streamId: 2 });
    for (let i = 0; i < 20; i++) {
      call.burst();
      h.advance(60);
    }
    call.end();
    const lastRelayed = a.sent.filter((s) => s.streamId === 2).at(-1)!.atMs;
    expect(announcementCalls(a).length).toBe(0);
    h.advance(3000);
    const reply = announcementCalls(a)[0]!;
    expect(reply[0]!.atMs).toBeGreaterThan(lastRelayed);
    expect(words(reply)).toEqual(["linkedto", "9", "1"]);
  });

  test("a slot busy longer than max_wait drops the announcement (counted)", () => {
    const h = voiceHarness({ hangTimeMs: 0, voice: { maxWaitMs: 1000 } });
    const a = h.hotspot({ options: "TS2=3100" });
    const b = h.hotspot();
    h.call(a, { sourceId: CALLER, destinationId: 91, slot: 2, unit: true, streamId: 1, bursts: 1 });
    const call = h.openCall(b, { sourceId: 3100001, destinationId: 3100, slot: 2, streamId: 2 });
    for (let i = 0; i < 40; i++) {
      call.burst();
      h.advance(60);
    }
    call.end();
    h.advance(3000);
    expect(announcementCalls(a).length).toBe(0);
    expect(h.router.stats().announcementsDropped).toBe(1);
    expect(h.ofType("announcement").map((e) => e.outcome)).toEqual(["queued", "dropped"]);
  });

  test("the hotspot keying up over an announcement cuts it (its own transmission wins), and traffic flows after", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    h.call(a, { sourceId: CALLER, destinationId: 91, slot: 2, unit: true, streamId: 1, bursts: 1 });
    h.advance(300);
    const before = announcementCalls(a)[0]!.length;
    expect(before).toBeGreaterThan(0);
    h.call(a, { sourceId: CALLER, destinationId: 9, slot: 2, streamId: 2, bursts: 3 });
    h.advance(2000);
    expect(h.router.stats().announcementsAborted).toBe(1);
    const after = announcementCalls(a)[0]!;
    expect(after.at(-1)!.dataType).not.toBe(2);
    expect(after.every((s) => s.atMs < h.nowMs - 2000)).toBe(true);
  });

  test("a newer reply replaces one still waiting for the slot", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    h.call(a, { sourceId: CALLER, destinationId: 91, slot: 2, unit: true, streamId: 1, bursts: 1 });
    h.call(a, { sourceId: CALLER, destinationId: 92, slot: 2, unit: true, streamId: 2, bursts: 1, sequence: 10 });
    h.advance(3000);
    const calls = announcementCalls(a).map(words);
    expect(calls.at(-1)).toEqual(["linkedto", "9", "2"]);
  });
});

describe("announcements: relink and ident", () => {
  test("when the UA timer ends a dial link the default reflector is relinked and announced on TG 9", () => {
    const h = voiceHarness({ uaTimerMinutes: 1 });
    const a = h.hotspot({ options: "DIAL=2350" });
    expect(h.router.dialedReflector(a)).toBe(2350);
    dial(h, a, 91, 1);
    a.clear();
    h.advance(61_000, 100);
    expect(h.router.dialedReflector(a)).toBe(2350);
    const calls = announcementCalls(a);
    expect(calls.length).toBe(1);
    expect(words(calls[0]!)).toEqual(["linkedto", "2", "3", "5", "0"]);
    expect(calls[0]!.every((s) => !s.unit && s.destinationId === 9 && s.slot === 2)).toBe(true);
    expect(h.ofType("announcement").at(-1)!.kind).toBe("relink");
  });

  test("after 4000 unlinks the default reflector, its scheduled relink is announced too", () => {
    const h = voiceHarness({ uaTimerMinutes: 1 });
    const a = h.hotspot({ options: "DIAL=2350" });
    dial(h, a, 4000, 1);
    expect(h.router.dialedReflector(a)).toBe(0);
    expect(announcementCalls(a).map(words)).toEqual([["notlinked"]]);
    a.clear();
    h.advance(61_000, 100);
    expect(h.router.dialedReflector(a)).toBe(2350);
    const calls = announcementCalls(a);
    expect(calls.map(words)).toEqual([["linkedto", "2", "3", "5", "0"]]);
    expect(calls[0]!.every((s) => !s.unit && s.destinationId === 9)).toBe(true);
  });

  test("ident: the callsign spelled on the all-call TG once per interval when the slot is idle; VOICE=0 opts out; IDENTTG= moves it", () => {
    const h = voiceHarness({ voice: { ident: { callsign: "GB7FR", intervalMs: 60_000, idleMs: 30_000 } } });
    const a = h.hotspot();
    const quiet = h.hotspot({ options: "VOICE=0" });
    const moved = h.hotspot({ options: "IDENTTG=9112" });
    h.advance(59_000, 100);
    expect(a.sent.length).toBe(0);
    h.advance(8_000, 100);
    const calls = announcementCalls(a);
    expect(calls.length).toBe(1);
    expect(words(calls[0]!)).toEqual(["G", "B", "7", "F", "R"]);
    expect(calls[0]!.every((s) => !s.unit && s.destinationId === 16777215 && s.slot === 2)).toBe(true);
    expect(quiet.sent.length).toBe(0);
    expect(announcementCalls(moved)[0]!.every((s) => s.destinationId === 9112)).toBe(true);
    h.advance(50_000, 100);
    expect(announcementCalls(a).length).toBe(1);
    h.advance(20_000, 100);
    expect(announcementCalls(a).length).toBe(2);
    expect(h.router.stats().identsQueued).toBe(4);
  });

  test("ident waits until the slot has been idle for idle_seconds", () => {
    const h = voiceHarness({ voice: { ident: { callsign: "GB7FR", intervalMs: 60_000, idleMs: 30_000 } } });
    const a = h.hotspot();
    h.advance(50_000, 100);
    h.call(a, { sourceId: CALLER, destinationId: 3100, slot: 2, streamId: 9, bursts: 6 });
    const talkedAt = h.nowMs;
    h.advance(30_000, 100);
    expect(announcementCalls(a).length).toBe(0);
    h.advance(20_000, 100);
    const call = announcementCalls(a)[0]!;
    // idle = 30 s after the hang time of the last call ended
    expect(call[0]!.atMs - talkedAt).toBeGreaterThanOrEqual(30_000);
  });
});

describe("the shell's fast tick (wantsFastTick)", () => {
  test("wanted while a call is active and while an announcement waits or plays; not when all is idle", () => {
    const h = voiceHarness();
    const a = h.hotspot();
    expect(h.router.wantsFastTick()).toBe(false);
    const call = h.openCall(a, { sourceId: CALLER, destinationId: 91, slot: 2, unit: true, streamId: 7 });
    call.burst();
    expect(h.router.wantsFastTick()).toBe(true); // the call's silence must be noticed within 360 ms
    call.end();
    // the call ended; the reply waits for its slot, then plays 60 ms per frame
    expect(h.router.wantsFastTick()).toBe(true);
    h.advance(3000);
    expect(announcementCalls(a).length).toBe(1);
    expect(h.router.wantsFastTick()).toBe(false);
  });
});


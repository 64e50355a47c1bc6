/**
 * Voice announcements and talker-alias insertion end to end over real UDP, through the real
 * composition (startFreedmr: [voice] config → packs and users loaded from disk at start-up → router):
 *  - a hotspot dials reflector 91 and receives a private voice call from the server id to the caller
 *    saying "linked to 9 1" (words read back from the markers of a synthetic pack written to disk);
 *  - a caller without an alias reaches a listener with "N0CALL Ada" decoded by the independent
 *    StreamInspector, identity embedded LC still valid; a caller with its own alias arrives
 *    byte-identical (apart from bytes 11–14, which every port stamps with its own id).
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import type { CoreEvent } from "../../src/core/events.ts";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { TalkerAliasFormat } from "../../src/dmr/talker_alias.ts";
import { VoiceStreamBuilder } from "../../src/dmr/voice_stream_builder.ts";
import type { RunningServer } from "../../src/shell/server.ts";
import { CallType, DataType, FrameType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { testConfig } from "../support/test_server.ts";
import { INDEXED_WORDS, playedWords, syntheticPack, writeIndexedPack } from "../support/voice_pack_fixture.ts";

const SERVER_ID = 2340999;
const CALLER = 2345678;

const dir = mkdtempSync(join(tmpdir(), "freedmr-voice-e2e-"));
writeIndexedPack(dir, "en_GB", syntheticPack(1, INDEXED_WORDS));
const usersFile = join(dir, "users.json");
writeFileSync(usersFile, JSON.stringify({ users: [{ radio_id: CALLER, callsign: "N0CALL", fname: "Ada", surname: "Lovelace" }] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: RunningServer | null = null;
const clients: HbpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop("test");
  server = null;
});

async function start(voice: Record<string, unknown> = {}): Promise<{ port: number; events: CoreEvent[] }> {
  const config = testConfig({ config: { server: { name: "freedmr", server_id: SERVER_ID }, voice: { directory: dir, talker_alias_users_file: usersFile, ...voice } } });
  server = await startFreedmr(config, pino({ level: "silent" }));
  const events: CoreEvent[] = [];
  server.bus.register("voice-test", (e) => void events.push(e), { queueCapacity: 100_000 });
  return { port: server.boundSockets()[0]!.port, events };
}

async function repeater(port: number, repeaterId: number, options?: string): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: port, repeaterId, callsign: `N0RPT${repeaterId % 10}`, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000 });
  clients.push(client);
  await client.login(options !== undefined ? { options } : {});
  return client;
}

/** Send a builder-made voice call (valid LCs), a few ms apart; returns the datagrams sent. */
async function sendCall(client: HbpClient, p: { sourceId: number; destinationId: number; slot: 1 | 2; callType: CallType; streamId: number; superframes: number; alias?: string }): Promise<Uint8Array[]> {
  const builder = new VoiceStreamBuilder();
  builder.start({ ...p, repeaterId: client.repeaterId, colourCode: 1 });
  if (p.alias !== undefined) builder.setTalkerAlias(p.alias, TalkerAliasFormat.Iso88591);
  const frames: Uint8Array[] = [];
  const push = (write: (b: Uint8Array) => number): void => {
    const b = new Uint8Array(55);
    write(b);
    frames.push(b);
  };
  push((b) => builder.writeHeader(b));
  for (let i = 0; i < p.superframes * 6; i++) push((b) => builder.writeVoice(b));
  push((b) => builder.writeTerminator(b));
  for (const f of frames) {
    client.sendDmrd(f);
    await Bun.sleep(3);
  }
  return frames;
}

test("dialling 91 over UDP: the caller hears 'linked to 9 1', a private voice call from the server id", async () => {
  const { port, events } = await start();
  const a = await repeater(port, 2345601);
  await sendCall(a, { sourceId: CALLER, destinationId: 91, slot: 2, callType: CallType.Unit, streamId: 0x0a0a0a01, superframes: 1 });
  const end = await a.waitForDmrd((f) => f.sourceId === SERVER_ID && f.frameType === FrameType.DataSync && f.dataType === DataType.TerminatorWithLc, 5000);
  expect(end).not.toBeNull();
  const reply = a.dmrd.filter((f) => f.streamId === end!.streamId);
  expect(reply.every((f) => f.callType === CallType.Unit && f.destinationId === CALLER && f.sourceId === SERVER_ID && f.slot === 2 && f.repeaterId === a.repeaterId)).toBe(true);
  const played = playedWords(reply.map((f) => f.bytes), INDEXED_WORDS);
  expect(played.words).toEqual(["linkedto", "9", "1"]);
  expect(played.unknownFrames + played.outOfOrder).toBe(0);
  // sequence numbers count up with no gap: nothing lost or reordered on the way
  reply.forEach((f, i) => expect(f.sequence).toBe((reply[0]!.sequence + i) & 0xff));
  const ins = new StreamInspector();
  for (const f of reply) ins.push(f.bytes);
  expect(ins.headers.length).toBe(3);
  expect(ins.headers.every((h) => h.valid && h.flco === 3 && h.destinationId === CALLER && h.sourceId === SERVER_ID)).toBe(true);
  expect(ins.terminators.map((t) => [t.valid, t.destinationId])).toEqual([[true, CALLER]]);
  expect(ins.embedded.length).toBeGreaterThan(0);
  expect(ins.embedded.every((e) => e.valid && e.identity && e.destinationId === CALLER)).toBe(true);
  expect(ins.slotTypesInvalid + ins.embsInvalid + ins.embLcssMismatch).toBe(0);
  const played_ = events.filter((e) => e.type === "announcement" && e.outcome === "played");
  expect(played_.length).toBe(1);
});

test("talker alias over UDP: inserted for a caller without one; a caller's own alias passes byte-identical", async () => {
  const { port } = await start();
  const a = await repeater(port, 2345601);
  const b = await repeater(port, 3120001, "TS2=91");
  const bare = 0x0c0c0c01;
  await sendCall(a, { sourceId: CALLER, destinationId: 91, slot: 2, callType: CallType.Group, streamId: bare, superframes: 6 });
  expect(await b.waitForDmrd((f) => f.streamId === bare && f.dataType === DataType.TerminatorWithLc && f.frameType === FrameType.DataSync, 3000)).not.toBeNull();
  const ins = new StreamInspector();
  for (const f of b.dmrd.filter((x) => x.streamId === bare)) ins.push(f.bytes);
  expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
  expect(ins.identityEmbedded.length).toBe(3);
  expect(ins.identityEmbedded.every((e) => e.destinationId === 91 && e.sourceId === CALLER)).toBe(true);
  expect(ins.embedded.every((e) => e.valid)).toBe(true);

  const own = 0x0c0c0c02;
  const sent = await sendCall(a, { sourceId: CALLER, destinationId: 91, slot: 2, callType: CallType.Group, streamId: own, superframes: 6, alias: "N0CALL own radio" });
  expect(await b.waitForDmrd((f) => f.streamId === own && f.dataType === DataType.TerminatorWithLc && f.frameType === FrameType.DataSync, 3000)).not.toBeNull();
  const received = b.dmrd.filter((x) => x.streamId === own);
  expect(received.length).toBe(sent.length);
  received.forEach((f, i) => {
    const s = sent[i]!;
    expect(Buffer.from(f.bytes.subarray(0, 11)).equals(Buffer.from(s.subarray(0, 11)))).toBe(true);
    expect(Buffer.from(f.bytes.subarray(15)).equals(Buffer.from(s.subarray(15)))).toBe(true);
  });
});

test("over UDP: a rejected option token is answered on TG 9, and the ident spells the callsign on all-call", async () => {
  const { port } = await start({ ident_callsign: "GB7FR", ident_interval_seconds: 1, ident_idle_seconds: 0 });
  const a = await repeater(port, 2345601, "TS2=91;NOSUCH=1");
  const prompt = await a.waitForDmrd((f) => f.sourceId === SERVER_ID && f.destinationId === 9 && f.dataType === DataType.TerminatorWithLc && f.frameType === FrameType.DataSync, 5000);
  expect(prompt).not.toBeNull();
  const promptCall = a.dmrd.filter((f) => f.streamId === prompt!.streamId);
  expect(promptCall.every((f) => f.callType === CallType.Group && f.slot === 2)).toBe(true);
  expect(playedWords(promptCall.map((f) => f.bytes), INDEXED_WORDS).words).toEqual(["isbusy"]);
  const ident = await a.waitForDmrd((f) => f.sourceId === SERVER_ID && f.destinationId === 16777215 && f.dataType === DataType.TerminatorWithLc && f.frameType === FrameType.DataSync, 8000);
  expect(ident).not.toBeNull();
  const identCall = a.dmrd.filter((f) => f.streamId === ident!.streamId);
  expect(playedWords(identCall.map((f) => f.bytes), INDEXED_WORDS).words).toEqual(["G", "B", "7", "F", "R"]);
  const ins = new StreamInspector();
  for (const f of identCall) ins.push(f.bytes);
  expect(ins.headers.every((h) => h.valid && h.flco === 0 && h.destinationId === 16777215)).toBe(true);
  expect(ins.terminators.length).toBe(1);
});

/**
 * Dial-a-TG with the stream rewritten on the air interface, over real UDP: a hotspot dials
 * reflector 91 and receives, as TG 9, a stream a second hotspot sends on TG 91; every received
 * header, terminator and B–E burst decodes to TG 9 with valid checks, and a talker alias sent inside
 * the original stream arrives intact.
 */
import { afterEach, expect, test } from "bun:test";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { TalkerAliasFormat } from "../../src/dmr/talker_alias.ts";
import { VoiceStreamBuilder } from "../../src/dmr/voice_stream_builder.ts";
import { createRouter } from "../../src/core/routing/router.ts";
import { routingOptionsFromConfig } from "../../src/config/routing_options.ts";
import type { Router } from "../../src/core/routing/types.ts";
import { CallType, DataType, FrameType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { startTestServer, testConfig, type TestServer } from "../support/test_server.ts";

let server: TestServer | null = null;
const clients: HbpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
  await server?.stop();
  server = null;
});

/** A duplex repeater (distinct RX/TX, both slots). */
async function repeater(port: number, repeaterId: number): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: port, repeaterId, callsign: `N0RPT${repeaterId % 10}`, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000 });
  clients.push(client);
  await client.login();
  return client;
}

/** Send a voice call built by VoiceStreamBuilder, a few ms apart (the router needs no pacing). */
async function sendCall(
  client: HbpClient,
  params: { sourceId: number; destinationId: number; slot: 1 | 2; callType: CallType; streamId: number; superframes: number; talkerAlias?: string },
): Promise<void> {
  const builder = new VoiceStreamBuilder();
  builder.start({ ...params, repeaterId: client.repeaterId, colourCode: 1 });
  if (params.talkerAlias !== undefined) builder.setTalkerAlias(params.talkerAlias, TalkerAliasFormat.Iso88591);
  const frames: Uint8Array[] = [];
  const header = new Uint8Array(55);
  builder.writeHeader(header);
  frames.push(header);
  for (let i = 0; i < params.superframes * 6; i++) {
    const b = new Uint8Array(55);
    builder.writeVoice(b);
    frames.push(b);
  }
  const terminator = new Uint8Array(55);
  builder.writeTerminator(terminator);
  frames.push(terminator);
  for (const f of frames) {
    client.sendDmrd(f);
    await Bun.sleep(3);
  }
}

test("a hotspot dialled to reflector 91 hears TG 91 as TG 9: header, terminator and embedded LC rewritten, talker alias intact", async () => {
  let router: Router | null = null;
  server = await startTestServer({
    router: (deps) => {
      router = createRouter(routingOptionsFromConfig(testConfig()), deps);
      return router;
    },
  });
  const a = await repeater(server.port, 2345601);
  const b = await repeater(server.port, 3120001);

  // A dials 91 with a private call (on TS2, as Pi-Star users do)
  await sendCall(a, { sourceId: 2345678, destinationId: 91, slot: 2, callType: CallType.Unit, streamId: 0x0a0a0a01, superframes: 1 });
  const link = await server.waitForEvent("dial.link", (e) => e.action === "link" && e.reflector === 91);
  expect(link).not.toBeNull();
  expect(a.dmrd.length).toBe(0); // the dial call itself goes nowhere

  // B talks on TG 91 (TS1) with a talker alias in superframes 2 and 3
  const streamId = 0x0b0b0b02;
  await sendCall(b, { sourceId: 3120001, destinationId: 91, slot: 1, callType: CallType.Group, streamId, superframes: 3, talkerAlias: "N0CALL Probe" });
  const last = await a.waitForDmrd((f) => f.streamId === streamId && f.frameType === FrameType.DataSync && f.dataType === DataType.TerminatorWithLc, 3000);
  expect(last).not.toBeNull();

  const received = a.dmrd.filter((f) => f.streamId === streamId);
  expect(received.length).toBe(1 + 18 + 1);
  for (const f of received) {
    expect(f.length).toBe(55);
    expect(f.destinationId).toBe(9);
    expect(f.sourceId).toBe(3120001);
    expect(f.slot).toBe(2);
    expect(f.callType).toBe(CallType.Group);
    expect(f.repeaterId).toBe(a.repeaterId);
  }
  const inspector = new StreamInspector();
  for (const f of received) inspector.push(f.bytes);
  expect(inspector.headers.map((h) => [h.valid, h.destinationId, h.sourceId, h.flco])).toEqual([[true, 9, 3120001, 0]]);
  expect(inspector.terminators.map((t) => [t.valid, t.destinationId, t.sourceId])).toEqual([[true, 9, 3120001]]);
  expect(inspector.embedded.length).toBe(3);
  expect(inspector.embedded.every((e) => e.valid)).toBe(true);
  const identity = inspector.embedded.filter((e) => e.identity);
  expect(identity.length).toBeGreaterThan(0);
  expect(identity.every((e) => e.destinationId === 9 && e.sourceId === 3120001)).toBe(true);
  expect(inspector.slotTypesInvalid).toBe(0);
  expect(inspector.embsInvalid).toBe(0);
  expect(inspector.talkerAliases).toEqual(["N0CALL Probe"]);

  // the router saw the alias too (stream.end event)
  const end = await server.waitForEvent("stream.end", (e) => e.streamId === streamId);
  expect(end?.talkerAlias).toBe("N0CALL Probe");
  // B itself heard nothing back (no echo)
  expect(b.dmrd.filter((f) => f.streamId === streamId).length).toBe(0);
});

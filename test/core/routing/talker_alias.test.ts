/**
 * Talker alias for every caller (routing core): a caller whose radio sends no alias reaches
 * listeners with "callsign firstname" inserted into the embedded signalling; the identity embedded
 * LC still decodes in the superframes that carry it (also when the stream is rewritten to TG 9 for
 * a dial-a-TG listener); a stream with its own alias is byte-identical; opt-out and unknown ids get
 * nothing. Decoded by the independent StreamInspector.
 */
import { describe, expect, test } from "bun:test";
import type { AliasLookup, AliasNames } from "../../../src/dmr/talker_alias_inserter.ts";
import { StreamInspector } from "../../../src/dmr/stream_inspector.ts";
import { TalkerAliasFormat } from "../../../src/dmr/talker_alias.ts";
import { VoiceStreamBuilder } from "../../../src/dmr/voice_stream_builder.ts";
import type { RoutingOptionsInput } from "../../../src/core/routing/options.ts";
import { CallType } from "../../../src/wire/dmrd.ts";
import { Harness, type FakePort } from "./harness.ts";

const NAMES = new Map<number, AliasNames>([
  [2345678, { callsign: "N0CALL", firstName: "Ada" }],
  [3120001, { callsign: "W1AW", firstName: "Hiram Percy" }],
]);
const lookup: AliasLookup = (id) => NAMES.get(id);

function harness(input: RoutingOptionsInput = {}, aliases: AliasLookup | undefined = lookup): Harness {
  return new Harness(input, 1, undefined, aliases !== undefined ? { aliases } : {});
}

/** Send a builder-made voice call (valid LCs, embedded LC, optional own alias) 60 ms apart. */
function sendCall(h: Harness, port: FakePort, p: { sourceId: number; destinationId: number; slot: 1 | 2; streamId: number; superframes: number; alias?: string; unit?: boolean }): void {
  const b = new VoiceStreamBuilder();
  b.start({ sourceId: p.sourceId, destinationId: p.destinationId, repeaterId: port.repeaterId, slot: p.slot, callType: p.unit ? CallType.Unit : CallType.Group, streamId: p.streamId, colourCode: 1 });
  if (p.alias !== undefined) b.setTalkerAlias(p.alias, TalkerAliasFormat.Iso88591);
  const frame = new Uint8Array(55);
  b.writeHeader(frame);
  h.sendBytes(port, frame);
  h.advance(60);
  for (let i = 0; i < p.superframes * 6; i++) {
    b.writeVoice(frame);
    h.sendBytes(port, frame);
    h.advance(60);
  }
  b.writeTerminator(frame);
  h.sendBytes(port, frame);
  h.advance(400);
}

function inspect(port: FakePort): StreamInspector {
  const ins = new StreamInspector();
  for (const s of port.sent) ins.push(s.bytes);
  return ins;
}

describe("talker alias insertion", () => {
  test("a caller without an alias reaches listeners with callsign and first name; identity LC in every other superframe", () => {
    const h = harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS2=91" });
    sendCall(h, a, { sourceId: 2345678, destinationId: 91, slot: 2, streamId: 7, superframes: 8 });
    const ins = inspect(b);
    expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
    expect(ins.embedded.every((e) => e.valid)).toBe(true);
    const identity = ins.embedded.filter((e) => e.identity);
    expect(identity.length).toBe(4); // superframes 0, 2, 4, 6
    expect(identity.every((e) => e.destinationId === 91 && e.sourceId === 2345678)).toBe(true);
    expect(ins.embedded.filter((e) => !e.identity).map((e) => e.flco)).toEqual([4, 5, 4, 5]);
    expect(ins.headers[0]!.valid && ins.terminators[0]!.valid).toBe(true);
    expect(ins.embsInvalid + ins.embLcssMismatch + ins.incompleteEmbedded).toBe(0);
    expect(h.router.stats().talkerAliasStreams).toBe(1);
  });

  test("a long name fills header + 3 blocks in order (27 characters, ISO-8859-1)", () => {
    NAMES.set(2345999, { callsign: "VK2ABCDEF", firstName: "Bartholomew-Maximilian" });
    const h = harness();
    const a = h.hotspot();
    const b = h.hotspot({ options: "TS2=91" });
    sendCall(h, a, { sourceId: 2345999, destinationId: 91, slot: 2, streamId: 7, superframes: 9 });
    const ins = inspect(b);
    expect(ins.talkerAliases).toEqual(["VK2ABCDEF Bartholomew-Maxim"]);
    expect(ins.embedded.filter((e) => !e.identity).map((e) => e.flco)).toEqual([4, 5, 6, 7]);
  });

  test("dial-a-TG listener: stream rewritten to TG 9, alias inserted, identity embedded LC names TG 9", () => {
    const h = harness();
    const a = h.hotspot();
    const c = h.hotspot();
    h.call(c, { sourceId: 3120001, destinationId: 91, slot: 2, unit: true, streamId: 1, bursts: 2 });
    h.advance(12_000);
    expect(h.router.dialedReflector(c)).toBe(91);
    c.clear();
    sendCall(h, a, { sourceId: 2345678, destinationId: 91, slot: 1, streamId: 8, superframes: 6 });
    const ins = inspect(c);
    expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
    expect(ins.identityEmbedded.length).toBe(3);
    expect(ins.identityEmbedded.every((e) => e.destinationId === 9)).toBe(true);
    expect(ins.headers.every((x) => x.valid && x.destinationId === 9)).toBe(true);
    expect(ins.embedded.every((e) => e.valid)).toBe(true);
  });

  test("a stream that carries its own alias is byte-identical to the same stream with insertion off", () => {
    const run = (aliases: AliasLookup | undefined): Uint8Array[] => {
      const h = harness({}, aliases);
      const a = h.hotspot();
      const b = h.hotspot({ options: "TS2=91" });
      sendCall(h, a, { sourceId: 2345678, destinationId: 91, slot: 2, streamId: 7, superframes: 8, alias: "N0CALL own radio" });
      return b.sent.map((s) => Uint8Array.from(s.bytes));
    };
    const withInsertion = run(lookup);
    const without = run(undefined);
    expect(withInsertion.length).toBe(without.length);
    expect(withInsertion.length).toBe(1 + 48 + 1);
    for (let i = 0; i < without.length; i++) expect(Buffer.from(withInsertion[i]!).equals(Buffer.from(without[i]!))).toBe(true);
    const ins = new StreamInspector();
    for (const d of withInsertion) ins.push(d);
    expect(ins.talkerAliases[0]).toBe("N0CALL own radio");
  });

  test("per-talkgroup opt-out, unknown ids and insertion switched off get no alias", () => {
    const optedOut = harness({ talkerAlias: { enabled: true, optOutTalkgroups: [91] } });
    const a1 = optedOut.hotspot();
    const b1 = optedOut.hotspot({ options: "TS2=91" });
    sendCall(optedOut, a1, { sourceId: 2345678, destinationId: 91, slot: 2, streamId: 7, superframes: 6 });
    expect(inspect(b1).talkerAliases).toEqual([]);
    expect(inspect(b1).embedded.length).toBe(6);

    const unknown = harness();
    const a2 = unknown.hotspot();
    const b2 = unknown.hotspot({ options: "TS2=91" });
    sendCall(unknown, a2, { sourceId: 1234567, destinationId: 91, slot: 2, streamId: 7, superframes: 6 });
    expect(inspect(b2).talkerAliases).toEqual([]);

    const off = harness({ talkerAlias: { enabled: false, optOutTalkgroups: [] } });
    const a3 = off.hotspot();
    const b3 = off.hotspot({ options: "TS2=91" });
    sendCall(off, a3, { sourceId: 2345678, destinationId: 91, slot: 2, streamId: 7, superframes: 6 });
    expect(inspect(b3).talkerAliases).toEqual([]);
  });
});

import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/lib/hex.ts";
import { CallType } from "../../src/wire/dmrd.ts";
import { VoiceStreamBuilder } from "../../src/dmr/voice_stream_builder.ts";
import { TalkerAliasFormat } from "../../src/dmr/talker_alias.ts";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { AMBE_SILENCE_BURST, readAmbe } from "../../src/dmr/ambe_silence.ts";
import { encodeGpsLc } from "../../src/dmr/gps.ts";
import { vectors } from "./fixtures.ts";

function build(call: (typeof vectors.voiceCalls)[number]): string[] {
  const p = call.params;
  const builder = new VoiceStreamBuilder();
  builder.start({
    sourceId: p.src,
    destinationId: p.dst,
    repeaterId: p.repeaterId,
    slot: p.ts as 1 | 2,
    callType: p.priv ? CallType.Unit : CallType.Group,
    streamId: p.streamId,
    colourCode: p.cc,
    msSync: p.sync === "ms",
  });
  if (p.talkerAlias !== undefined) builder.setTalkerAlias(p.talkerAlias, TalkerAliasFormat.Iso88591);
  const out: string[] = [];
  const buffer = new Uint8Array(55);
  builder.writeHeader(buffer);
  out.push(toHex(buffer));
  for (let i = 0; i < 6 * p.superframes; i++) {
    builder.writeVoice(buffer);
    out.push(toHex(buffer));
  }
  builder.writeTerminator(buffer);
  out.push(toHex(buffer));
  return out;
}

describe("VoiceStreamBuilder", () => {
  for (const call of vectors.voiceCalls) {
    test(`reproduces the vector call byte for byte: ${call.name}`, () => {
      expect(build(call)).toEqual(call.dmrd);
    });
  }

  test("a generated stream decodes valid end to end, with GPS in rotation and real AMBE kept", () => {
    const builder = new VoiceStreamBuilder();
    builder.start({ sourceId: 3120001, destinationId: 9990, repeaterId: 312000101, slot: 2, callType: CallType.Unit, streamId: 7, colourCode: 7, firstSequence: 250 });
    const gps = new Uint8Array(9);
    encodeGpsLc(gps, 0, 51.5, -0.125, 3);
    builder.setExtraEmbeddedLcs(gps, 1);
    const ambe = new Uint8Array(27);
    for (let i = 0; i < 27; i++) ambe[i] = (i * 37 + 11) & 0xff;
    const inspector = new StreamInspector();
    const frames: Uint8Array[] = [];
    const next = (): Uint8Array => {
      const frame = new Uint8Array(55);
      frames.push(frame);
      return frame;
    };
    expect(builder.writeHeader(next())).toBe(55);
    for (let i = 0; i < 24; i++) expect(builder.writeVoice(next(), 0, ambe, 0)).toBe(55);
    expect(builder.writeTerminator(next())).toBe(55);
    for (const f of frames) inspector.push(f);
    expect(frames.map((f) => f[4])).toEqual(Array.from({ length: 26 }, (_, i) => (250 + i) & 0xff));
    expect(inspector.headers[0]!.valid && inspector.terminators[0]!.valid).toBe(true);
    expect(inspector.headers[0]!.flco).toBe(3);
    expect(inspector.embsInvalid + inspector.embLcssMismatch + inspector.slotTypesInvalid).toBe(0);
    expect(inspector.embedded.length).toBe(4);
    expect(inspector.embedded.every((e) => e.valid)).toBe(true);
    expect(inspector.embedded.map((e) => e.flco)).toEqual([3, 8, 3, 8]);
    expect(inspector.gps.length).toBe(2);
    expect(inspector.gps[0]!.latitude).toBeCloseTo(51.5, 4);
    expect(inspector.gps[0]!.longitude).toBeCloseTo(-0.125, 4);
    const back = new Uint8Array(27);
    readAmbe(frames[3]!, 20, back, 0);
    expect(toHex(back)).toBe(toHex(ambe));
    readAmbe(frames[3]!, 20, back, 0);
    expect(toHex(back)).not.toBe(toHex(AMBE_SILENCE_BURST));
  });
});

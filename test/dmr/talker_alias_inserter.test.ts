/**
 * TalkerAliasInserter (src/dmr/talker_alias_inserter.ts) on its own: alias LCs in odd superframes in
 * block order, identity learnt from the header (service options kept) or from the embedded LC (late
 * entry), never a partial superframe, and it yields to a stream's own GPS / alias.
 */
import { describe, expect, test } from "bun:test";
import { writeEmbeddedFragment } from "../../src/dmr/embedded_lc.ts";
import { encodeGpsLc } from "../../src/dmr/gps.ts";
import { StreamInspector } from "../../src/dmr/stream_inspector.ts";
import { TalkerAliasInserter } from "../../src/dmr/talker_alias_inserter.ts";
import { VoiceStreamBuilder, type VoiceStreamParams } from "../../src/dmr/voice_stream_builder.ts";
import { CallType, DmrdFrame, decodeDmrd } from "../../src/wire/dmrd.ts";

const PARAMS: VoiceStreamParams = { sourceId: 2345678, destinationId: 91, repeaterId: 1, slot: 2, callType: CallType.Group, streamId: 5, colourCode: 1 };

function stream(params: Partial<VoiceStreamParams> = {}, superframes = 8, header = true, extra?: (b: VoiceStreamBuilder) => void): Uint8Array[] {
  const b = new VoiceStreamBuilder();
  b.start({ ...PARAMS, ...params });
  extra?.(b);
  const out: Uint8Array[] = [];
  const push = (w: (x: Uint8Array) => number) => {
    const x = new Uint8Array(55);
    w(x);
    out.push(x);
  };
  if (header) push((x) => b.writeHeader(x));
  for (let i = 0; i < superframes * 6; i++) push((x) => b.writeVoice(x));
  push((x) => b.writeTerminator(x));
  return out;
}

/** Run the inserter over a stream the way the router does; returns the egress copies. */
function run(datagrams: Uint8Array[], callsign = "N0CALL", firstName = "Ada", drop?: (i: number) => boolean): { out: Uint8Array[]; ta: TalkerAliasInserter } {
  const ta = new TalkerAliasInserter();
  const frame = new DmrdFrame();
  const out: Uint8Array[] = [];
  datagrams.forEach((d, i) => {
    if (drop?.(i)) return;
    decodeDmrd(d, frame);
    if (out.length === 0) ta.start(frame, callsign, firstName);
    ta.observe(frame);
    const copy = Uint8Array.from(d);
    if (ta.write) writeEmbeddedFragment(copy, 20, ta.fragment);
    out.push(copy);
  });
  return { out, ta };
}

function inspect(datagrams: Uint8Array[]): StreamInspector {
  const ins = new StreamInspector();
  for (const d of datagrams) ins.push(d);
  return ins;
}

describe("TalkerAliasInserter", () => {
  test("odd superframes carry header, block 1, header, …; even ones keep the identity LC (late entry)", () => {
    const { out, ta } = run(stream());
    const ins = inspect(out);
    expect(ins.embedded.map((e) => (e.identity ? "id" : e.flco))).toEqual(["id", 4, "id", 5, "id", 4, "id", 5]);
    expect(ins.embedded.every((e) => e.valid)).toBe(true);
    expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
    expect(ta.inserted).toBe(4);
    expect(ta.lcCount).toBe(2);
  });

  test("the identity LC comes from the voice header, service options included (HBlink's 0x20)", () => {
    const { out } = run(stream({ serviceOptions: 0x20 }));
    const ins = inspect(out);
    expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
    expect(ins.identityEmbedded.every((e) => e.serviceOptions === 0x20)).toBe(true);
  });

  test("late entry without a header: the identity is learnt from the first embedded LC, insertion follows", () => {
    const { out, ta } = run(stream({ serviceOptions: 0x04 }, 8, false));
    const ins = inspect(out);
    expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
    expect(ta.inserted).toBeGreaterThanOrEqual(3);
    expect(ins.embedded.every((e) => e.valid)).toBe(true);
  });

  test("a superframe whose burst B was lost is left alone (never half an alias LC)", () => {
    // header = index 0; superframe 1 bursts are 7..12, B = 8
    const { out } = run(stream(), "N0CALL", "Ada", (i) => i === 8);
    const ins = inspect(out);
    expect(ins.embedded.every((e) => e.valid)).toBe(true);
    expect(ins.incompleteEmbedded).toBe(1);
    expect(ins.talkerAliases).toEqual(["N0CALL Ada"]);
  });

  test("a stream carrying GPS (or its own alias) makes it yield: untouched from there on", () => {
    const gps = new Uint8Array(9);
    encodeGpsLc(gps, 0, 51.5, -0.1);
    const source = stream({}, 8, true, (b) => b.setExtraEmbeddedLcs(gps, 1));
    const { out, ta } = run(source);
    expect(ta.yielded).toBe(true);
    expect(ta.inserted).toBe(0);
    out.forEach((d, i) => expect(Buffer.from(d).equals(Buffer.from(source[i]!))).toBe(true));
  });

  test("names are cut at 27 ISO-8859-1 characters, others become '?'", () => {
    const { out } = run(stream({}, 10), "DL1ABC", "Jürgen 🐧 Zoë-Ångström-Maximilian");
    expect(inspect(out).talkerAliases).toEqual(["DL1ABC Jürgen ?? Zoë-Ångstr"]);
  });

  test("no callsign: nothing to insert", () => {
    const { out, ta } = run(stream(), "", "");
    expect(ta.active).toBe(false);
    expect(inspect(out).talkerAliases).toEqual([]);
  });
});

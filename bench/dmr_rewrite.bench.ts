/**
 * Stream-rewrite benchmark (src/dmr/stream_rewriter.ts).
 *
 *   npx bun bench/dmr_rewrite.bench.ts [--packets 1000000]
 *
 * Reports, after JIT warm-up:
 *  - ns per rewritten packet over a realistic mix (voice LC header, superframes A–F with identity and
 *    talker-alias embedded LCs, terminator): `apply` alone (copyDmrdTo55 + LcRewrite.apply) and the
 *    whole per-packet path (decodeDmrd + SourceLc.observe + copy + apply);
 *  - heap objects allocated per packet over the whole run, from heapStats().objectTypeCounts
 *    (heapStats itself allocates ~150–350 cells, so the total is compared with a threshold);
 *  - per-stream set-up: SourceLc.reset + observe(header) + LcRewrite.prepare.
 * Goal: 0 objects per packet; apply well under 100 ns.
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import { CallType, DmrdFrame, copyDmrdTo55, decodeDmrd } from "../src/wire/dmrd.ts";
import { LcRewrite, SourceLc } from "../src/dmr/stream_rewriter.ts";
import { VoiceStreamBuilder } from "../src/dmr/voice_stream_builder.ts";
import { TalkerAliasFormat } from "../src/dmr/talker_alias.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const PACKETS = Number(arg("packets", "1000000"));
/** heapStats() allocates a few hundred cells itself; anything above this is our allocation */
const HEAP_NOISE_THRESHOLD = 1000;

// A realistic stream: 1 header, 10 superframes (identity, TA header, TA block 1, identity, …), terminator.
const builder = new VoiceStreamBuilder();
builder.start({ sourceId: 2345678, destinationId: 91, repeaterId: 234567801, slot: 1, callType: CallType.Group, streamId: 0x1234, colourCode: 1 });
builder.setTalkerAlias("N0CALL Bench", TalkerAliasFormat.Iso88591);
const stream: Uint8Array[] = [];
const push = (write: (b: Uint8Array) => number) => {
  const b = new Uint8Array(55);
  write(b);
  stream.push(b);
};
push((b) => builder.writeHeader(b));
for (let i = 0; i < 60; i++) push((b) => builder.writeVoice(b));
push((b) => builder.writeTerminator(b));

const frames = stream.map((d) => {
  const f = new DmrdFrame();
  decodeDmrd(d, f);
  return f;
});
const frame = new DmrdFrame();
const source = new SourceLc();
const rewrite = new LcRewrite();
const target = new Uint8Array(55);

function total(counts: Record<string, number>): number {
  let n = 0;
  for (const k in counts) n += counts[k]!;
  return n;
}

/** LcRewrite.apply alone over pre-decoded frames, target already copied (steady state of a stream) */
function runApplyOnly(packets: number): number {
  let check = 0;
  const n = stream.length;
  source.reset(frames[0]!);
  source.observe(frames[0]!);
  rewrite.release();
  rewrite.prepare(source, 9, CallType.Group);
  for (let i = 0; i < packets; i++) {
    const k = i % n;
    const datagram = stream[k]!;
    for (let j = 0; j < 55; j++) target[j] = datagram[j]!;
    rewrite.apply(frames[k]!, target);
    check ^= target[30]!;
  }
  return check;
}

/** copyDmrdTo55 + apply over pre-decoded frames (what the router does per egress port) */
function runCopyApply(packets: number): number {
  let check = 0;
  const n = stream.length;
  source.reset(frames[0]!);
  source.observe(frames[0]!);
  rewrite.release();
  rewrite.prepare(source, 9, CallType.Group);
  for (let i = 0; i < packets; i++) {
    const k = i % n;
    copyDmrdTo55(stream[k]!, target);
    rewrite.apply(frames[k]!, target);
    check ^= target[30]!;
  }
  return check;
}

/**
 * decode + observe + copy + apply: the whole per-packet path for one egress, including a new stream
 * (reset + prepare) every 62 packets and the talker alias completing once per stream
 */
function runFull(packets: number): number {
  let check = 0;
  const n = stream.length;
  for (let i = 0; i < packets; i++) {
    const k = i % n;
    const datagram = stream[k]!;
    decodeDmrd(datagram, frame);
    if (k === 0) {
      source.reset(frame);
      rewrite.release();
    }
    source.observe(frame);
    if (k === 0) rewrite.prepare(source, 9, CallType.Group);
    copyDmrdTo55(datagram, target);
    rewrite.apply(frame, target);
    check ^= target[30]!;
  }
  return check;
}

function runSetup(iterations: number): number {
  let check = 0;
  const header = frames[0]!;
  for (let i = 0; i < iterations; i++) {
    source.reset(header);
    source.observe(header);
    rewrite.release();
    rewrite.prepare(source, 9 + (i & 7), CallType.Group);
    check ^= rewrite.lc[5]!;
  }
  return check;
}

function measure(name: string, run: (n: number) => number, packets: number, unit: string): void {
  run(Math.min(packets, 200_000)); // warm-up (JIT)
  gcAndSweep();
  const before = heapStats().objectTypeCounts;
  const start = Bun.nanoseconds();
  const check = run(packets);
  const elapsed = Bun.nanoseconds() - start;
  const after = heapStats().objectTypeCounts;
  const delta = total(after) - total(before);
  const grew: string[] = [];
  for (const k in after) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d > 50) grew.push(`${k}+${d}`);
  }
  const perPacket = delta > HEAP_NOISE_THRESHOLD ? (delta / packets).toFixed(4) : "0";
  console.log(
    `${name.padEnd(44)} ${(elapsed / packets).toFixed(1).padStart(8)} ns/${unit}   heap objects: ${delta} over ${packets} ${unit}s (≈ ${perPacket}/${unit}, threshold ${HEAP_NOISE_THRESHOLD})${grew.length > 0 ? `  [${grew.join(" ")}]` : ""}  (check ${check})`,
  );
}

console.log(`dmr_rewrite: stream of ${stream.length} packets (header, 10 superframes with identity + TA embedded LCs, terminator), TG 91 → 9; ${PACKETS} packets per run; Bun ${Bun.version}`);
measure("LcRewrite.apply (target pre-copied)", runApplyOnly, PACKETS, "packet");
measure("copyDmrdTo55 + LcRewrite.apply", runCopyApply, PACKETS, "packet");
measure("decode + observe + copy + apply (+set-up)", runFull, PACKETS, "packet");
measure("set-up: reset + observe(header) + prepare", runSetup, Math.max(1000, Math.floor(PACKETS / 50)), "stream");

/**
 * Codec and hot-path benchmark: ns per packet and heap objects allocated per packet after warm-up
 * (bun:jsc heapStats around ~1,000,000 packets; goal 0).
 *
 *   npx bun bench/codec.bench.ts [--packets 1000000]
 *
 * Cases:
 *  - DMRD decode (decodeDmrd into a reused frame) + encode (copy to a 55-byte egress buffer, stamp
 *    the receiver's repeater id)
 *  - control classification (classifyHbp over RPTPING/RPTL/RPTK/RPTC/DMRD)
 *  - RPTPING → MSTPONG through HbpMaster with a live session (the realistic control path)
 *  - DMRD through HbpMaster → router → emit to another session (the realistic forward path)
 * Bun hands each datagram over in a fresh buffer; the benchmark reuses one per case, so any
 * allocation it reports is ours.
 * @module
 */
import { heapStats } from "bun:jsc";
import { createHash } from "node:crypto";
import { PERMIT_ALL } from "../src/core/acl.ts";
import { RecordingSink } from "../src/core/events.ts";
import { HbpMaster } from "../src/core/hbp_master/hbp_master.ts";
import { defaultHbpMasterOptions } from "../src/core/hbp_master/options.ts";
import type { HbpSession } from "../src/core/hbp_master/session.ts";
import { Outbox } from "../src/core/outbox.ts";
import type { FrameRouter } from "../src/core/router_contract.ts";
import type { RouterPort } from "../src/core/router_port.ts";
import { Prng } from "../src/lib/prng.ts";
import { DmrdFrame, copyDmrdTo55, decodeDmrd, writeUint32 } from "../src/wire/dmrd.ts";
import { HbpClassification, classifyHbp } from "../src/wire/hbp.ts";
import { encodeRptc } from "../src/wire/rptc.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const PACKETS = Number(arg("packets", "1000000"));

const enc = new TextEncoder();
function withId(tag: string, id: number, extra = 0): Uint8Array {
  const out = new Uint8Array(tag.length + 4 + extra);
  out.set(enc.encode(tag), 0);
  writeUint32(out, tag.length, id);
  return out;
}
function dmrd(id: number): Uint8Array {
  const out = new Uint8Array(55);
  out.set(enc.encode("DMRD"), 0);
  out.set([0x23, 0xca, 0xe9, 0x00, 0x00, 0x5b], 5);
  writeUint32(out, 11, id);
  out[15] = 0x81;
  writeUint32(out, 16, 0xcafe0001);
  return out;
}

interface Result {
  name: string;
  nsPerPacket: number;
  objectsPerPacket: number;
  objectsTotal: number;
}

function measure(name: string, packetsPerCall: number, body: (n: number) => void): Result {
  body(Math.min(200_000, PACKETS)); // warm-up: JIT tiers, caches
  const calls = Math.ceil(PACKETS / packetsPerCall);
  Bun.gc(true);
  const before = heapStats().objectCount;
  const t0 = Bun.nanoseconds();
  body(calls);
  const t1 = Bun.nanoseconds();
  const after = heapStats().objectCount;
  const packets = calls * packetsPerCall;
  // heapStats itself allocates a few hundred objects (bun-notes §2): report the raw difference.
  const objects = Math.max(0, after - before);
  return { name, nsPerPacket: (t1 - t0) / packets, objectsPerPacket: objects / packets, objectsTotal: objects };
}

const results: Result[] = [];

// 1. DMRD decode + encode
{
  const frame = new DmrdFrame();
  const datagram = dmrd(2345601);
  const egress = new Uint8Array(55);
  let sink = 0;
  results.push(
    measure("DMRD decode + encode (55 B)", 1, (n) => {
      for (let i = 0; i < n; i++) {
        datagram[4] = i & 0xff;
        decodeDmrd(datagram, frame);
        copyDmrdTo55(frame.bytes, egress);
        writeUint32(egress, 11, 3120101);
        sink += frame.sourceId + egress[4]!;
      }
    }),
  );
  if (sink === 42) console.log("");
}

// 2. Control classification
{
  const c = new HbpClassification();
  const packets = [withId("RPTPING", 1), withId("RPTL", 1), withId("RPTK", 1, 32), encodeRptc({ repeaterId: 1, callsign: "G4ABC" }), dmrd(1), withId("RPTCL", 1)];
  let sink = 0;
  results.push(
    measure("classifyHbp (RPTPING/RPTL/RPTK/RPTC/DMRD/RPTCL)", packets.length, (n) => {
      for (let i = 0; i < n; i++) for (let p = 0; p < packets.length; p++) sink += classifyHbp(packets[p]!, c);
    }),
  );
  if (sink === 42) console.log("");
}

// 3 + 4. Through HbpMaster with live sessions
{
  class ForwardRouter implements FrameRouter {
    target: RouterPort | null = null;
    outbox: Outbox | null = null;
    onPortUp(): void {}
    onPortDown(): void {}
    onOptions(): void {}
    onTick(): void {}
    onFrame(nowMs: number, _port: RouterPort, frame: DmrdFrame): void {
      const target = this.target;
      if (target === null) return;
      const tx = target.txBuffer(frame.slot);
      copyDmrdTo55(frame.bytes, tx);
      target.emit(nowMs, tx, this.outbox!);
    }
  }
  const router = new ForwardRouter();
  const outbox = new Outbox(1024);
  router.outbox = outbox;
  const master = new HbpMaster(defaultHbpMasterOptions({ registrationAcl: PERMIT_ALL, loginRateLimitPerMinute: 0 }), {
    router,
    outbox,
    events: new RecordingSink(1000),
    prng: new Prng(1),
  });
  const login = (id: number, port: number): HbpSession => {
    const address = "::ffff:192.0.2.1";
    master.onDatagram(0, 0, address, port, withId("RPTL", id));
    const salt = ((outbox.buffers[0]![6]! << 24) | (outbox.buffers[0]![7]! << 16) | (outbox.buffers[0]![8]! << 8) | outbox.buffers[0]![9]!) >>> 0;
    outbox.clear();
    const rptk = withId("RPTK", id, 32);
    const s = new Uint8Array(4);
    writeUint32(s, 0, salt);
    rptk.set(createHash("sha256").update(s).update(enc.encode("passw0rd")).digest(), 8);
    master.onDatagram(0, 0, address, port, rptk);
    master.onDatagram(0, 0, address, port, encodeRptc({ repeaterId: id, callsign: "G4ABC" }));
    outbox.clear();
    const session = master.session(id);
    if (session === undefined || !session.connected) throw new Error("bench login failed");
    return session;
  };
  login(2345601, 40001);
  router.target = login(3120101, 40002);
  const address = "::ffff:192.0.2.1";
  const ping = withId("RPTPING", 2345601);
  results.push(
    measure("RPTPING → MSTPONG through HbpMaster", 1, (n) => {
      for (let i = 0; i < n; i++) {
        master.onDatagram(i, 0, address, 40001, ping);
        outbox.clear();
      }
    }),
  );
  const frame = dmrd(2345601);
  results.push(
    measure("DMRD → HbpMaster → router → emit (55 B out)", 1, (n) => {
      for (let i = 0; i < n; i++) {
        frame[4] = i & 0xff;
        master.onDatagram(i, 0, address, 40001, frame);
        outbox.clear();
      }
    }),
  );
  if (master.counters.handlerErrors !== 0 || master.counters.dmrdOut === 0) throw new Error("bench: forward path did not run cleanly");
}

console.log(`codec benchmark: ${PACKETS.toLocaleString("en")} packets per case after warm-up (Bun ${Bun.version}, ${process.arch})`);
console.log("case".padEnd(52) + "ns/packet".padStart(11) + "objects/packet".padStart(16) + "objects (total)".padStart(17));
for (const r of results) {
  console.log(r.name.padEnd(52) + r.nsPerPacket.toFixed(1).padStart(11) + r.objectsPerPacket.toFixed(6).padStart(16) + String(r.objectsTotal).padStart(17));
}
const worst = Math.max(...results.map((r) => r.objectsPerPacket));
console.log(`goal: 0 heap objects per packet after warm-up → ${worst < 0.001 ? "met" : "NOT met"} (worst ${worst.toFixed(6)}; heapStats itself accounts for a few hundred objects)`);

/**
 * Federation benchmark: what a frame costs to cross one OpenBridge/FBP link.
 *
 *   npx bun bench/federation.bench.ts [--frames 500000] [--udp-seconds 2]
 *
 * Cases:
 *  - MAC cost per frame: our HMAC-SHA1 over 53 bytes (OBP v1), our keyed BLAKE2b-16 over 73 bytes
 *    (DMRE v5), and node:crypto's createHmac for comparison.
 *  - One link end to end in process: router frame → link A emit (encode + MAC) → link B onDatagram
 *    (classify, source/MAC/network-id checks, FBP checks, loop table, decode to 55 bytes) → router,
 *    for OBP v1 and FBP v5: frames per second and heap objects per frame (goal 0).
 *  - The same over UDP loopback (two Bun sockets in this process, link B verifying everything it
 *    receives): frames per second received and verified.
 * @module
 */
import { heapStats } from "bun:jsc";
import { createHmac } from "node:crypto";
import { RecordingSink } from "../src/core/events.ts";
import { createFederation } from "../src/core/federation/federation.ts";
import { openBridgeLinkOptions, type OpenBridgeProtocol } from "../src/core/federation/link_options.ts";
import type { OpenBridgeLink } from "../src/core/federation/openbridge_link.ts";
import { Outbox } from "../src/core/outbox.ts";
import type { FrameRouter } from "../src/core/router_contract.ts";
import { Blake2b } from "../src/lib/blake2b.ts";
import { HmacSha1 } from "../src/lib/hmac_sha1.ts";
import { writeUint32 } from "../src/wire/dmrd.ts";
import { openBridgeKey } from "../src/wire/openbridge.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const FRAMES = Number(arg("frames", "500000"));
const UDP_SECONDS = Number(arg("udp-seconds", "2"));

interface Result {
  name: string;
  nsPerFrame: number;
  framesPerSecond: number;
  objectsPerFrame: number;
}

function measure(name: string, body: (n: number) => void, frames = FRAMES): Result {
  body(Math.min(100_000, frames)); // warm-up
  Bun.gc(true);
  const before = heapStats().objectCount;
  const t0 = Bun.nanoseconds();
  body(frames);
  const t1 = Bun.nanoseconds();
  const objects = Math.max(0, heapStats().objectCount - before);
  const ns = (t1 - t0) / frames;
  return { name, nsPerFrame: ns, framesPerSecond: 1e9 / ns, objectsPerFrame: objects / frames };
}

const KEY = openBridgeKey("bench-link-secret");
const results: Result[] = [];

// ---- MAC cost --------------------------------------------------------------------------------
{
  const message = new Uint8Array(89);
  for (let i = 0; i < message.length; i++) message[i] = (i * 31) & 0xff;
  const hmac = new HmacSha1(KEY);
  const blake = new Blake2b(16, KEY);
  results.push(
    measure("MAC: HMAC-SHA1, 53 bytes (ours, precomputed key)", (n) => {
      for (let i = 0; i < n; i++) {
        message[0] = i & 0xff;
        hmac.compute(message, 0, 53, message, 53);
      }
    }),
  );
  results.push(
    measure("MAC: BLAKE2b-16 keyed, 73 bytes (ours)", (n) => {
      for (let i = 0; i < n; i++) {
        message[0] = i & 0xff;
        blake.reset().update(message, 0, 73).digestTo(message, 73);
      }
    }),
  );
  results.push(
    measure(
      "MAC: HMAC-SHA1, 53 bytes (node:crypto createHmac)",
      (n) => {
        for (let i = 0; i < n; i++) {
          message[0] = i & 0xff;
          createHmac("sha1", KEY).update(message.subarray(0, 53)).digest();
        }
      },
      Math.min(FRAMES, 200_000),
    ),
  );
}

// ---- one link, in process -------------------------------------------------------------------

class CountingRouter implements FrameRouter {
  frames = 0;
  onPortUp(): void {}
  onPortDown(): void {}
  onOptions(): void {}
  onFrame(): void {
    this.frames++;
  }
  onTick(): void {}
}

interface Pair {
  sender: OpenBridgeLink;
  receiver: OpenBridgeLink;
  senderOutbox: Outbox;
  receiverOutbox: Outbox;
  router: CountingRouter;
}

function pair(protocol: OpenBridgeProtocol, portA: number, portB: number): Pair {
  const make = (serverId: number, peerId: number, port: number, targetPort: number) => {
    const outbox = new Outbox(4096);
    const router = new CountingRouter();
    const federation = createFederation(
      {
        serverId,
        openbridge: [
          openBridgeLinkOptions({
            name: "bench",
            protocol,
            bindAddress: "127.0.0.1",
            port,
            targetAddress: "127.0.0.1",
            targetPort,
            passphrase: "bench-link-secret",
            networkId: peerId,
            relaxedChecks: false,
            keepaliveTimeoutMs: 1e12,
          }),
        ],
      },
      { router, outbox, events: new RecordingSink(16), wallClockMs: Date.now },
    );
    const link = federation.links[0]!;
    link.onSocketsBound([0], { reopen() {}, localPort: () => port });
    link.onTick(0); // v1: up; enhanced: first BCKA/BCVE queued for the peer
    return { link, outbox, router };
  };
  const a = make(2341, 2342, portA, portB);
  const b = make(2342, 2341, portB, portA);
  return { sender: a.link, receiver: b.link, senderOutbox: a.outbox, receiverOutbox: b.outbox, router: b.router };
}

function routerFrame(): Uint8Array {
  const f = new Uint8Array(55);
  f.set([0x44, 0x4d, 0x52, 0x44], 0);
  f.set([0x2f, 0x9b, 0xe5, 0x00, 0x0c, 0x1c], 5); // src 3120101 → TG 3100
  writeUint32(f, 11, 3120001);
  f[15] = 0x81;
  for (let i = 20; i < 53; i++) f[i] = i;
  return f;
}

function endToEnd(protocol: OpenBridgeProtocol): Result {
  const p = pair(protocol, 50001, 50002);
  // keepalives: deliver whatever the links queued at start so enhanced links come up
  const exchange = (): void => {
    for (let i = 0; i < p.senderOutbox.count; i++) p.receiver.onDatagram(0, 0, "127.0.0.1", 50001, p.senderOutbox.buffers[i]!.subarray(0, p.senderOutbox.lengths[i]!));
    for (let i = 0; i < p.receiverOutbox.count; i++) p.sender.onDatagram(0, 0, "127.0.0.1", 50002, p.receiverOutbox.buffers[i]!.subarray(0, p.receiverOutbox.lengths[i]!));
    p.senderOutbox.clear();
    p.receiverOutbox.clear();
  };
  exchange();
  if (!p.sender.up || !p.receiver.up) throw new Error(`bench links did not come up: ${p.sender.up} ${p.receiver.up} ${JSON.stringify(p.receiver.counters)}`);
  const frame = routerFrame();
  // Bun hands each datagram over in its own buffer: use one per wire length, reused
  const wire = new Uint8Array(protocol === 1 ? 73 : 89);
  let streamId = 0x10000;
  const result = measure(`link end to end, ${protocol === 1 ? "OBP v1 (HMAC-SHA1)" : "FBP v5 (BLAKE2b-16)"}: encode+MAC → verify+decode → router`, (n) => {
    for (let i = 0; i < n; i++) {
      if ((i & 127) === 0) writeUint32(frame, 16, ++streamId); // a new stream every 128 frames
      frame[4] = i & 0xff;
      p.sender.emit(i, frame, p.senderOutbox);
      const length = p.senderOutbox.lengths[0]!;
      wire.set(p.senderOutbox.buffers[0]!.subarray(0, length));
      p.senderOutbox.clear();
      p.receiver.onDatagram(i, 0, "127.0.0.1", 50001, wire);
      p.receiverOutbox.clear();
    }
  });
  const expected = FRAMES + Math.min(100_000, FRAMES);
  if (p.router.frames !== expected) throw new Error(`receiver accepted ${p.router.frames} of ${expected} frames`);
  return result;
}

results.push(endToEnd(1));
results.push(endToEnd(5));

// ---- over UDP loopback ------------------------------------------------------------------------

async function overUdp(protocol: OpenBridgeProtocol): Promise<Result & { sent: number; lossPercent: number }> {
  let received = 0;
  const rx = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data: (_s, data, port, address) => {
        p.receiver.onDatagram(0, 0, address, port, data);
        p.receiverOutbox.clear();
        received++;
      },
    },
  });
  const tx = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  const p = pair(protocol, tx.port, rx.port);
  // bring enhanced links up in-process (keepalives), then stream frames over the real socket
  for (let i = 0; i < p.senderOutbox.count; i++) p.receiver.onDatagram(0, 0, "127.0.0.1", tx.port, p.senderOutbox.buffers[i]!.subarray(0, p.senderOutbox.lengths[i]!));
  for (let i = 0; i < p.receiverOutbox.count; i++) p.sender.onDatagram(0, 0, "127.0.0.1", rx.port, p.receiverOutbox.buffers[i]!.subarray(0, p.receiverOutbox.lengths[i]!));
  p.senderOutbox.clear();
  p.receiverOutbox.clear();
  const frame = routerFrame();
  let sent = 0;
  let streamId = 0x20000;
  const t0 = Bun.nanoseconds();
  const end = t0 + UDP_SECONDS * 1e9;
  const batch: (Uint8Array | number | string)[] = [];
  while (Bun.nanoseconds() < end) {
    batch.length = 0;
    for (let k = 0; k < 32; k++) {
      if ((sent & 127) === 0) writeUint32(frame, 16, ++streamId);
      frame[4] = sent & 0xff;
      p.sender.emit(sent, frame, p.senderOutbox);
      sent++;
    }
    for (let i = 0; i < p.senderOutbox.count; i++) batch.push(p.senderOutbox.buffers[i]!.subarray(0, p.senderOutbox.lengths[i]!), rx.port, "127.0.0.1");
    try {
      tx.sendMany(batch);
    } catch {
      // ENOBUFS under load: counted as loss below
    }
    p.senderOutbox.clear();
    // let the receive side run (single process: sender and receiver share the event loop)
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  const seconds = (Bun.nanoseconds() - t0) / 1e9;
  tx.close();
  rx.close();
  if (p.router.frames !== received) throw new Error(`verified ${p.router.frames} of ${received} received frames`);
  return {
    name: `UDP loopback, ${protocol === 1 ? "OBP v1" : "FBP v5"}: frames received and verified (one process)`,
    nsPerFrame: (seconds * 1e9) / Math.max(1, received),
    framesPerSecond: received / seconds,
    objectsPerFrame: Number.NaN,
    sent,
    lossPercent: (100 * (sent - received)) / Math.max(1, sent),
  };
}

const udp = [await overUdp(1), await overUdp(5)];

console.log(`federation bench (${FRAMES} frames per in-process case, ${UDP_SECONDS} s per UDP case), Bun ${Bun.version}, ${process.arch}`);
console.log("case".padEnd(96), "ns/frame".padStart(10), "frames/s".padStart(12), "objects/frame".padStart(14));
for (const r of [...results, ...udp]) {
  console.log(
    r.name.padEnd(96),
    r.nsPerFrame.toFixed(0).padStart(10),
    Math.round(r.framesPerSecond).toLocaleString("en").padStart(12),
    (Number.isNaN(r.objectsPerFrame) ? "-" : r.objectsPerFrame.toFixed(3)).padStart(14),
  );
}
for (const u of udp) console.log(`  ${u.name}: sent ${u.sent}, lost ${u.lossPercent.toFixed(1)}% (kernel buffer overruns when the sender outruns the receiver)`);

/**
 * Heap objects per forwarded datagram on the whole packet path, in one process over real UDP:
 * freedmr's startServer (UdpHost → HbpMaster → router → drain/sendMany) against an in-process bare
 * relay (one sendMany per datagram), both with the same talker and listeners. Bun's own objects
 * per datagram (the Buffer, address string) show up in both; the difference per object type is
 * ours (goal 0). heapStats().objectTypeCounts diffed over windows after gcAndSweep
 * (bun-notes.md §2).
 *
 *   bun bench/support/shell_alloc.ts [--frames 20000] [--listeners 5]
 * @module
 */
import { gcAndSweep, heapStats } from "bun:jsc";
import pino from "pino";
import { defaultConfig } from "../../src/config/schema.ts";
import { createRouter, routingOptions } from "../../src/core/routing/index.ts";
import { startServer } from "../../src/shell/server.ts";
import { lcEncoder } from "../../test/sim/workload.ts";
import { BenchHotspot } from "./bench_hotspot.ts";
import { CallFrameSource } from "./talker.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const frames = Number(arg("frames", "20000"));
const listenerCount = Number(arg("listeners", "5"));
const TG = 2350;

function counts(): Map<string, number> {
  const c = heapStats().objectTypeCounts as Record<string, number>;
  return new Map(Object.entries(c));
}

async function measure(name: string, port: number): Promise<Map<string, number>> {
  const talker = new BenchHotspot({ serverPort: port, repeaterId: 311_000_000, passphrase: "passw0rd", options: "" });
  await talker.login();
  const listeners: BenchHotspot[] = [];
  for (let i = 0; i < listenerCount; i++) {
    const l = new BenchHotspot({ serverPort: port, repeaterId: 311_000_001 + i, passphrase: "passw0rd", options: `TS2=${TG};` });
    await l.login();
    listeners.push(l);
  }
  const source = new CallFrameSource(talker.repeaterId, 2_345_001, TG, 2, 100, 0x10000, 0, lcEncoder, 64);
  const expectAll = (n: number) => listeners.every((l) => l.received >= n);
  const sendWindow = async (n: number): Promise<void> => {
    const target = listeners[0]!.received + n;
    for (let i = 0; i < n; i++) {
      talker.sendRaw(source.next());
      if (i % 16 === 15) await Bun.sleep(0);
    }
    const deadline = performance.now() + 3000;
    while (!expectAll(target) && performance.now() < deadline) await Bun.sleep(1);
  };
  await sendWindow(5000); // warm-up (JIT)
  const total = new Map<string, number>();
  const windows = Math.max(1, Math.floor(frames / 2000));
  for (let w = 0; w < windows; w++) {
    gcAndSweep();
    const before = counts();
    await sendWindow(2000);
    const after = counts();
    for (const [k, v] of after) {
      const d = v - (before.get(k) ?? 0);
      if (d > 0) total.set(k, (total.get(k) ?? 0) + d);
    }
  }
  talker.close();
  for (const l of listeners) l.close();
  const perDatagram = new Map<string, number>();
  for (const [k, v] of total) perDatagram.set(k, v / (windows * 2000));
  console.log(`${name}: objects per ingress datagram (${windows * 2000} datagrams, ${listenerCount} listeners each)`);
  return perDatagram;
}

// The in-process bare relay (bench/bare_relay.ts's forwarding, login answered blindly).
async function bareRelay(): Promise<{ port: number; close(): void }> {
  const ack = new Uint8Array(10);
  ack.set(new TextEncoder().encode("RPTACK"), 0);
  const targets: (Uint8Array | number | string)[] = [];
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(sock, data, port, address) {
        if (data[0] === 0x44 && data[3] === 0x44) {
          for (let i = 0; i < targets.length; i += 3) targets[i] = data;
          if (targets.length > 0) sock.sendMany(targets as never);
          return;
        }
        sock.send(ack, port, address);
        if (data[3] === 0x4f) targets.push(ack, port, address); // RPTO: a listener
      },
      error() {},
    },
  });
  return { port: socket.port, close: () => socket.close() };
}

const bare = await bareRelay();
const bareCounts = await measure("bare relay (in-process)", bare.port);
bare.close();

const config = defaultConfig();
config.hbp.bind_addresses = ["127.0.0.1"];
config.hbp.port = 0;
config.hbp.login_rate_limit_per_minute = 0;
const server = await startServer(config, pino({ level: "silent" }), {
  warnDefaultPassphrase: false,
  withoutEventLog: true,
  createRouter: (deps) => createRouter(routingOptions({}), deps),
});
const freedmrCounts = await measure("freedmr (in-process)", server.boundSockets()[0]!.port);
await server.stop();

const types = new Set([...bareCounts.keys(), ...freedmrCounts.keys()]);
const rows = [...types]
  .map((t) => ({ t, bare: bareCounts.get(t) ?? 0, freedmr: freedmrCounts.get(t) ?? 0 }))
  .filter((r) => r.bare >= 0.01 || r.freedmr >= 0.01)
  .sort((a, b) => b.freedmr - b.bare - (a.freedmr - a.bare));
console.log("type".padEnd(28) + "bare".padStart(8) + "freedmr".padStart(9) + "  (objects per ingress datagram)");
for (const r of rows) console.log(r.t.padEnd(28) + r.bare.toFixed(3).padStart(8) + r.freedmr.toFixed(3).padStart(9));
process.exit(0);

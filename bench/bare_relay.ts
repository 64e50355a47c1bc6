/**
 * The ceiling for this runtime on this machine: a bare HBP relay in a few lines of Bun. It answers
 * the login (RPTL/RPTK/RPTC/RPTO, RPTPING) without checking anything and forwards every DMRD to
 * every other peer subscribed (RPTO `TS1=…;TS2=…`, slots ignored) to its destination talkgroup,
 * with one `sendMany` per datagram (bun-notes.md §1). No streams, no contention, no timers — the
 * benchmarks compare freedmr against it in the same topology and the same run.
 *
 *   bun bench/bare_relay.ts [--port 0]      prints `READY <port>` on stdout once bound
 * BARE_RELAY_PROBE=1: time every datagram (bench/support/server_probe.ts), `PROBE {json}` at exit.
 * @module
 */
import { ServerProbe } from "./support/server_probe.ts";
import "./support/sched_slice.ts";

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const listenPort = portArg >= 0 ? Number(args[portArg + 1]) : 0;
const probe = process.env.BARE_RELAY_PROBE === "1" ? new ServerProbe() : null;

type Batch = (Uint8Array | number | string)[];

interface Peer {
  readonly id: number;
  readonly port: number;
  readonly address: string;
  talkgroups: number[];
}

/** Per talkgroup: one [data, port, address, …] batch for all subscribers, and one per subscriber without itself. */
interface Group {
  all: Batch;
  without: Map<number, Batch>;
}

const peers = new Map<number, Peer>();
const groups = new Map<number, Group>();
const ack = new Uint8Array(10);
ack.set(new TextEncoder().encode("RPTACK"), 0);
const pong = new Uint8Array(11);
pong.set(new TextEncoder().encode("MSTPONG"), 0);
let forwarded = 0;

function rebuildGroups(): void {
  groups.clear();
  const members = new Map<number, Peer[]>();
  for (const peer of peers.values()) {
    for (const tg of peer.talkgroups) {
      if (!members.has(tg)) members.set(tg, []);
      members.get(tg)!.push(peer);
    }
  }
  const batchOf = (list: Peer[]): Batch => list.flatMap((p) => [ack, p.port, p.address]);
  for (const [tg, list] of members) {
    const without = new Map<number, Batch>();
    for (const p of list) without.set(p.id, batchOf(list.filter((q) => q !== p)));
    groups.set(tg, { all: batchOf(list), without });
  }
}

/** RPTO text `TS1=1,2;TS2=3;` → talkgroups (hbp-and-dmr.md §1.6). */
function parseOptions(text: string): number[] {
  const tgs: number[] = [];
  for (const part of text.split(";")) {
    const m = /^\s*TS[12]\s*=\s*(.*)$/i.exec(part);
    if (m !== null) for (const v of m[1]!.split(",")) if (/^\d+$/.test(v.trim())) tgs.push(Number(v.trim()));
  }
  return tgs;
}

const socket = await Bun.udpSocket({
  hostname: "127.0.0.1",
  port: listenPort,
  socket: {
    data(sock, data, port, address) {
      // 'D' 'M' 'R' 'D'
      if (data.length >= 53 && data[0] === 0x44 && data[3] === 0x44) {
        const startMs = probe !== null ? performance.now() : 0;
        const id = ((data[11]! << 24) | (data[12]! << 16) | (data[13]! << 8) | data[14]!) >>> 0;
        const tg = (data[8]! << 16) | (data[9]! << 8) | data[10]!;
        const group = groups.get(tg);
        if (group === undefined) return;
        const t = group.without.get(id) ?? group.all;
        for (let i = 0; i < t.length; i += 3) t[i] = data;
        try {
          forwarded += sock.sendMany(t as never);
        } catch {
          // ECONNREFUSED/ENOBUFS are thrown synchronously (bun-notes.md §1); drop.
        }
        if (probe !== null) probe.datagram(data, startMs, performance.now());
        return;
      }
      // RPTL, RPTK, RPTC, RPTO, RPTPING, RPTCL (hbp-and-dmr.md §1.2)
      if (data[0] !== 0x52 || data[1] !== 0x50 || data[2] !== 0x54) return;
      const tag = data[3];
      if (tag === 0x50 && data.length === 11) {
        pong.set(data.subarray(7, 11), 7);
        sock.send(pong, port, address);
        return;
      }
      if (tag === 0x43 && data.length === 9) {
        peers.delete(((data[5]! << 24) | (data[6]! << 16) | (data[7]! << 8) | data[8]!) >>> 0);
        rebuildGroups();
        return;
      }
      const id = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
      ack.set(data.subarray(4, 8), 6); // RPTL: a "salt" equal to the id is as good as any here
      sock.send(ack, port, address);
      if (tag === 0x43 && data.length === 302) {
        peers.set(id, { id, port, address, talkgroups: [] });
      } else if (tag === 0x4f) {
        const peer = peers.get(id);
        if (peer !== undefined) {
          peer.talkgroups = parseOptions(new TextDecoder().decode(data.subarray(8)));
          rebuildGroups();
        }
      }
    },
    error(err: unknown) {
      void err;
    },
  },
});

export {};

process.on("SIGTERM", () => {
  console.error(`bare relay: forwarded ${forwarded}`);
  probe?.print();
  socket.close();
  process.exit(0);
});

console.log(`READY ${socket.port}`);

/**
 * The ceiling for this runtime on this machine: a bare HBP relay in a few lines of Bun. It answers
 * the login (RPTL/RPTK/RPTC/RPTO, RPTPING) without checking anything and forwards every DMRD to
 * every other logged-in peer with one `sendMany` (bun-notes.md §1). No routing, no streams, no
 * subscriptions — the benchmarks compare freedmr against it in the same run.
 *
 *   bun bench/bare_relay.ts [--port 0]      prints `READY <port>` on stdout once bound
 * @module
 */

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const listenPort = portArg >= 0 ? Number(args[portArg + 1]) : 0;

interface Peer {
  readonly id: number;
  readonly port: number;
  readonly address: string;
  /** [data, port, address, …] for every other peer; data slots are filled per packet. */
  targets: (Uint8Array | number | string)[];
}

const peers = new Map<number, Peer>();
const ack = new Uint8Array(10);
ack.set(new TextEncoder().encode("RPTACK"), 0);
const pong = new Uint8Array(11);
pong.set(new TextEncoder().encode("MSTPONG"), 0);
let forwarded = 0;

function rebuildTargets(): void {
  for (const peer of peers.values()) {
    const targets: (Uint8Array | number | string)[] = [];
    for (const other of peers.values()) if (other !== peer) targets.push(ack, other.port, other.address);
    peer.targets = targets;
  }
}

const socket = await Bun.udpSocket({
  hostname: "127.0.0.1",
  port: listenPort,
  socket: {
    data(sock, data, port, address) {
      // 'D' 'M' 'R' 'D'
      if (data.length >= 53 && data[0] === 0x44 && data[3] === 0x44) {
        const id = ((data[11]! << 24) | (data[12]! << 16) | (data[13]! << 8) | data[14]!) >>> 0;
        const peer = peers.get(id);
        if (peer === undefined) return;
        const t = peer.targets;
        for (let i = 0; i < t.length; i += 3) t[i] = data;
        try {
          forwarded += sock.sendMany(t as never);
        } catch {
          // ECONNREFUSED/ENOBUFS are thrown synchronously (bun-notes.md §1); drop.
        }
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
        rebuildTargets();
        return;
      }
      const id = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
      ack.set(data.subarray(4, 8), 6); // RPTL: a "salt" equal to the id is as good as any here
      sock.send(ack, port, address);
      if (tag === 0x43 && data.length === 302) {
        peers.set(id, { id, port, address, targets: [] });
        rebuildTargets();
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
  socket.close();
  process.exit(0);
});

console.log(`READY ${socket.port}`);

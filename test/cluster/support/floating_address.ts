/**
 * A "floating address" for one hotspot, as a test-sized UDP forwarder: the hotspot sends to the
 * front socket; the forwarder sends on to the node it points at from one back socket of its own
 * (one per hotspot, as a NAT keeps one mapping), so every node sees the hotspot at the same
 * (address, port) — as after a floating IP moved between nodes — and replies go back to the hotspot.
 * `pointAt` moves it; it counts what the hotspot sent by tag (RPTL = a new login).
 */
import type { udp } from "bun";

type UdpSocket = udp.Socket<"uint8array">;

export class FloatingAddress {
  /** node HBP port the datagrams go to now */
  target: number;
  /** datagrams the hotspot sent, by their 4–7 letter tag */
  readonly sent = new Map<string, number>();
  #front: UdpSocket | null = null;
  #back: UdpSocket | null = null;
  #hotspot: { address: string; port: number } | null = null;

  private constructor(target: number) {
    this.target = target;
  }

  static async open(target: number): Promise<FloatingAddress> {
    const f = new FloatingAddress(target);
    f.#front = await Bun.udpSocket({
      hostname: "127.0.0.1",
      port: 0,
      binaryType: "uint8array",
      socket: {
        data: (_s, data, port, address) => {
          f.#hotspot = { address, port };
          const tag = tagOf(data);
          f.sent.set(tag, (f.sent.get(tag) ?? 0) + 1);
          f.#back?.send(data, f.target, "127.0.0.1");
        },
      },
    });
    f.#back = await Bun.udpSocket({
      hostname: "127.0.0.1",
      port: 0,
      binaryType: "uint8array",
      socket: {
        data: (_s, data) => {
          const h = f.#hotspot;
          if (h !== null) f.#front?.send(data, h.port, h.address);
        },
      },
    });
    return f;
  }

  /** where the hotspot sends to */
  get port(): number {
    return this.#front!.port;
  }

  /** the (address, port) the nodes see the hotspot at */
  get nodeSidePort(): number {
    return this.#back!.port;
  }

  pointAt(nodePort: number): void {
    this.target = nodePort;
  }

  count(tag: string): number {
    return this.sent.get(tag) ?? 0;
  }

  close(): void {
    this.#front?.close();
    this.#back?.close();
  }
}

function tagOf(bytes: Uint8Array): string {
  for (const tag of ["RPTPING", "RPTCL", "RPTL", "RPTK", "RPTC", "RPTO", "DMRD", "DMRA"]) {
    let ok = bytes.length >= tag.length;
    for (let i = 0; ok && i < tag.length; i++) ok = bytes[i] === tag.charCodeAt(i);
    if (ok) return tag;
  }
  return "?";
}

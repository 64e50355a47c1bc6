/**
 * A login flood over real UDP, for the login-protection tests and bench: one socket per local
 * source address (127.x.y.z are all local on Linux; IPv6 needs addresses added to lo), sending RPTL
 * at a fixed rate with random repeater ids, round-robin over the sockets.
 *
 *   mode "rptl"             half-open logins: RPTL only, the salts are never answered
 *   mode "wrong-passphrase" every salt is answered with an RPTK whose digest is wrong
 *
 * Counts what it sent and what came back. Uses its own seeded PRNG (the caller prints the seed).
 */
import { Prng } from "../../src/lib/prng.ts";
import { readUint32, writeUint32 } from "../../src/wire/dmrd.ts";

type Socket = Bun.udp.Socket<"uint8array">;

export interface LoginFloodOptions {
  serverPort: number;
  serverAddress: string;
  localAddresses: readonly string[];
  ratePerSecond: number;
  mode: "rptl" | "wrong-passphrase";
  seed: number;
  /** Repeater ids are drawn from [idBase, idBase + idSpan). */
  idBase?: number;
  idSpan?: number;
}

const TICK_MS = 10;

export class LoginFlooder {
  sent = 0;
  rptk = 0;
  salts = 0;
  naks = 0;
  sendErrors = 0;
  readonly #sockets: Socket[] = [];
  readonly #lastId = new Map<Socket, number>();
  readonly #prng: Prng;
  #timer: ReturnType<typeof setInterval> | null = null;
  #cursor = 0;
  #startedMs = 0;
  readonly #rptl = new Uint8Array(8);
  readonly #rptkBytes = new Uint8Array(40);

  private constructor(readonly options: LoginFloodOptions) {
    this.#prng = new Prng(options.seed);
    this.#rptl.set(new TextEncoder().encode("RPTL"), 0);
    this.#rptkBytes.set(new TextEncoder().encode("RPTK"), 0);
  }

  static async start(options: LoginFloodOptions): Promise<LoginFlooder> {
    const flooder = new LoginFlooder(options);
    for (const hostname of options.localAddresses) {
      const socket: Socket = await Bun.udpSocket({
        hostname,
        port: 0,
        binaryType: "uint8array",
        socket: {
          data: (s, data) => flooder.#onData(s, data),
          error: (() => {}) as unknown as (s: Socket, e: Error) => void,
        },
      });
      flooder.#sockets.push(socket);
    }
    flooder.#startedMs = performance.now();
    flooder.#timer = setInterval(() => flooder.#tick(), TICK_MS);
    return flooder;
  }

  #tick(): void {
    // Catch up to the rate from the start time (timers on a loaded machine fire late).
    const due = Math.floor(((performance.now() - this.#startedMs) / 1000) * this.options.ratePerSecond) - this.sent;
    const span = this.options.idSpan ?? 16_000_000;
    const base = this.options.idBase ?? 1;
    for (let i = 0; i < Math.min(due, this.options.ratePerSecond); i++) {
      const socket = this.#sockets[this.#cursor]!;
      this.#cursor = (this.#cursor + 1) % this.#sockets.length;
      const id = base + this.#prng.nextInt(span);
      this.#lastId.set(socket, id);
      writeUint32(this.#rptl, 4, id);
      this.#send(socket, this.#rptl);
      this.sent++;
    }
  }

  #send(socket: Socket, bytes: Uint8Array): void {
    try {
      socket.send(bytes, this.options.serverPort, this.options.serverAddress);
    } catch {
      this.sendErrors++;
    }
  }

  #onData(socket: Socket, data: Uint8Array): void {
    if (data.length !== 10) return;
    const tag = String.fromCharCode(data[0]!, data[1]!, data[2]!, data[3]!, data[4]!, data[5]!);
    if (tag === "MSTNAK") {
      this.naks++;
      return;
    }
    if (tag !== "RPTACK") return;
    this.salts++;
    if (this.options.mode !== "wrong-passphrase") return;
    const id = this.#lastId.get(socket);
    if (id === undefined || readUint32(data, 6) === id) return; // an RPTACK+id (not a salt)
    writeUint32(this.#rptkBytes, 4, id);
    this.#rptkBytes.fill(0x5a, 8); // not sha256(salt ‖ passphrase) for any passphrase we use
    this.#send(socket, this.#rptkBytes);
    this.rptk++;
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const socket of this.#sockets) socket.close();
    this.#sockets.length = 0;
  }
}

/** n distinct IPv4 loopback addresses 127.<base>.x.y (all of 127.0.0.0/8 is local on Linux). */
export function loopbackAddresses(n: number, base: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`127.${base}.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  return out;
}

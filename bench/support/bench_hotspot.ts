/**
 * A lean simulated hotspot for the load generators: one Bun UDP socket on 127.0.0.1 (port 0), the
 * HBP login (RPTL → RPTK → RPTC → RPTO, hbp-and-dmr.md §1.2/§1.6) and a DMRD receive hook. It
 * allocates nothing per received packet beyond Bun's own datagram buffer, so the generator's CPU
 * goes to the kernel, not to us.
 * @module
 */

const TEXT = new TextEncoder();

export interface BenchHotspotOptions {
  readonly serverPort: number;
  readonly repeaterId: number;
  readonly passphrase: string;
  /** RPTO text, or "" to send none. */
  readonly options: string;
  readonly callsign?: string;
  /** RPTC slots character: '3' duplex, '4' simplex. */
  readonly slots?: string;
  /** How long each login step waits for its reply (default 3000 ms; longer under valgrind, where a retry's stale replies and failed digests get 127.0.0.1 banned). */
  readonly stepTimeoutMs?: number;
}

/** 302-byte RPTC (hbp-and-dmr.md §1.3). */
export function buildRptc(repeaterId: number, callsign: string, slots: string): Uint8Array {
  const out = new Uint8Array(302);
  out.set(TEXT.encode("RPTC"), 0);
  new DataView(out.buffer).setUint32(4, repeaterId >>> 0);
  const text =
    callsign.padEnd(8).slice(0, 8) +
    "438800000" +
    (slots === "4" ? "438800000" : "431200000") + // RX = TX would make it simplex (hbp-and-dmr.md §1.3)
    "01" +
    "01" +
    "51.50000" +
    "-0.120000" +
    "010" +
    "Bench".padEnd(20) +
    "freedmr bench".padEnd(19) +
    slots +
    "".padEnd(124) +
    "20260713".padEnd(40) +
    "MMDVM".padEnd(40);
  out.set(TEXT.encode(text), 8);
  return out;
}

function idMessage(tag: string, repeaterId: number, extra?: Uint8Array): Uint8Array {
  const t = TEXT.encode(tag);
  const out = new Uint8Array(t.length + 4 + (extra?.length ?? 0));
  out.set(t, 0);
  new DataView(out.buffer).setUint32(t.length, repeaterId >>> 0);
  if (extra !== undefined) out.set(extra, t.length + 4);
  return out;
}

export class BenchHotspot {
  readonly repeaterId: number;
  received = 0;
  /** Called for every DMRD received after login. */
  onDmrd: ((data: Uint8Array) => void) | null = null;
  /** Called for every other datagram (MSTPONG, RPTACK, MSTNAK …) no login step is waiting for. */
  onControl: ((data: Uint8Array) => void) | null = null;
  private socket: Bun.udp.Socket<"buffer"> | null = null;
  private waiter: ((data: Uint8Array) => void) | null = null;

  constructor(readonly options: BenchHotspotOptions) {
    this.repeaterId = options.repeaterId;
  }

  async open(): Promise<void> {
    this.socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data: (_sock, data) => {
          if (data[0] === 0x44 && data[1] === 0x4d && data[2] === 0x52 && data[3] === 0x44) {
            this.received++;
            if (this.onDmrd !== null) this.onDmrd(data);
            return;
          }
          const w = this.waiter;
          if (w !== null) {
            this.waiter = null;
            w(data);
          }
          else if (this.onControl !== null) this.onControl(data);
        },
        error: () => {},
      },
    });
  }

  private request(message: Uint8Array, expect: string, timeoutMs = this.options.stepTimeoutMs ?? 3000): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`hotspot ${this.repeaterId}: no ${expect} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (data) => {
        const tag = new TextDecoder().decode(data.subarray(0, expect.length));
        clearTimeout(timer);
        if (tag !== expect) reject(new Error(`hotspot ${this.repeaterId}: expected ${expect}, got ${tag}`));
        else resolve(data);
      };
      this.sendRaw(message);
    });
  }

  async login(): Promise<void> {
    if (this.socket === null) await this.open();
    const o = this.options;
    const challenge = await this.request(idMessage("RPTL", o.repeaterId), "RPTACK");
    const salt = challenge.subarray(6, 10);
    const digest = new Bun.CryptoHasher("sha256").update(salt).update(o.passphrase).digest();
    await this.request(idMessage("RPTK", o.repeaterId, new Uint8Array(digest)), "RPTACK");
    await this.request(buildRptc(o.repeaterId, o.callsign ?? "N0CALL", o.slots ?? "3"), "RPTACK");
    if (o.options !== "") await this.request(idMessage("RPTO", o.repeaterId, TEXT.encode(o.options)), "RPTACK");
  }

  #ping: Uint8Array | null = null;

  /** RPTPING + id (hbp-and-dmr.md §1.2): the keepalive a hotspot sends every few seconds. */
  ping(): void {
    this.#ping ??= idMessage("RPTPING", this.repeaterId);
    this.sendRaw(this.#ping);
  }

  sendRaw(data: Uint8Array): void {
    try {
      this.socket!.send(data, this.options.serverPort, "127.0.0.1");
    } catch {
      // ENOBUFS/ECONNREFUSED: a lost packet, counted by the receiver side.
    }
  }

  /** Send a batch of datagrams in one `sendMany` (all to the server). Returns how many went. */
  sendBatch(batch: (Uint8Array | number | string)[]): number {
    try {
      return this.socket!.sendMany(batch as never);
    } catch {
      return 0;
    }
  }

  close(): void {
    try {
      this.sendRaw(idMessage("RPTCL", this.repeaterId));
    } catch {}
    this.socket?.close();
    this.socket = null;
  }
}

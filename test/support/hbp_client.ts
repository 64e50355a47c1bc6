/**
 * A simulated HomeBrew hotspot over real UDP (hbp-and-dmr.md §1): what every end-to-end test uses
 * to talk to the server. One Bun UDP socket on 127.0.0.1 or ::1 with an ephemeral port.
 *
 *   const client = await HbpClient.open({ serverPort: server.port, repeaterId: 2345601 });
 *   await client.login();                                   // RPTL/RPTK/RPTC[/RPTO], throws on refusal
 *   await client.ping();                                    // true when MSTPONG came back
 *   client.sendFrame({ sourceId: 2345001, destinationId: 91, slot: 2, burst });
 *   const frame = await client.waitForDmrd((f) => f.destinationId === 91);
 *   await client.close();                                   // sends RPTCL first (close({ rptcl: false }) does not)
 *
 * Everything received is kept in `received` (with the sender's address and port, so tests can
 * check replies leave from the socket the client sent to); DMRD are also decoded into `dmrd`.
 * `waitFor` looks at everything received so far, `waitForNext` only at what arrives after the call.
 */
import { createHash } from "node:crypto";
import { CallType, DataType, FrameType, dmrdFlags, readUint24, readUint32, writeUint24, writeUint32 } from "../../src/wire/dmrd.ts";
import { encodeRptc, type RptcFields } from "../../src/wire/rptc.ts";

type UdpSocket = Bun.udp.Socket<"uint8array">;

export interface HbpClientOptions {
  serverPort: number;
  /** Default "127.0.0.1". Use "::1" for IPv6. */
  serverAddress?: string;
  /** Local address to bind (default: loopback of the server's family). */
  localAddress?: string;
  repeaterId: number;
  passphrase?: string;
  callsign?: string;
  rxFrequencyHz?: number;
  txFrequencyHz?: number;
  colourCode?: number;
  /** RPTC slots character: "1", "2", "3" duplex, "4" simplex (default). */
  slots?: string;
  latitude?: number;
  longitude?: number;
  heightM?: number;
  location?: string;
  description?: string;
  url?: string;
  softwareId?: string;
  packageId?: string;
  /** RPTO text sent after RPTC (none if undefined). */
  options?: string;
}

export interface Received {
  bytes: Uint8Array;
  address: string;
  port: number;
  /** Tag as ASCII (first 4–7 letters), e.g. "RPTACK", "MSTNAK", "MSTPONG", "MSTCL", "DMRD". */
  tag: string;
  /** Index in `received`. */
  index: number;
}

/** A received DMRD, decoded (a copy; safe to keep). */
export interface ReceivedDmrd {
  bytes: Uint8Array;
  length: number;
  sequence: number;
  sourceId: number;
  destinationId: number;
  repeaterId: number;
  slot: 1 | 2;
  callType: CallType;
  frameType: FrameType;
  dataType: number;
  streamId: number;
  burst: Uint8Array;
  ber: number;
  rssi: number;
  from: { address: string; port: number };
}

export interface DmrdFields {
  sequence?: number;
  sourceId: number;
  destinationId: number;
  /** Default: the client's repeater id. */
  repeaterId?: number;
  slot?: 1 | 2;
  callType?: CallType;
  frameType?: FrameType;
  /** Data type (data sync) or voice sequence 0..5 (voice). */
  dataType?: number;
  streamId?: number;
  /** 33 bytes (zeros if omitted). */
  burst?: Uint8Array;
  ber?: number;
  rssi?: number;
  /** 53 to leave out BER/RSSI. */
  length?: 53 | 55;
}

export type LoginStage = "rptl" | "rptk" | "rptc" | "rpto";
export type LoginResult =
  | { ok: true; salt: number }
  | { ok: false; stage: LoginStage; reason: "nak" | "timeout" | "unexpected"; reply: Received | null };

const encoder = new TextEncoder();

function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

function tagOf(bytes: Uint8Array): string {
  const known = ["MSTPONG", "RPTSBKN", "RPTACK", "MSTNAK", "MSTCL", "DMRD", "DMRA", "DMRG"];
  for (const tag of known) {
    if (bytes.length < tag.length) continue;
    let match = true;
    for (let i = 0; i < tag.length; i++) if (bytes[i] !== tag.charCodeAt(i)) match = false;
    if (match) return tag;
  }
  let text = "";
  for (let i = 0; i < Math.min(4, bytes.length); i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

export function buildDmrd(fields: DmrdFields & { repeaterId: number }): Uint8Array {
  const length = fields.length ?? 55;
  const out = new Uint8Array(length);
  out.set(ascii("DMRD"), 0);
  out[4] = (fields.sequence ?? 0) & 0xff;
  writeUint24(out, 5, fields.sourceId);
  writeUint24(out, 8, fields.destinationId);
  writeUint32(out, 11, fields.repeaterId);
  out[15] = dmrdFlags(
    fields.slot ?? 1,
    fields.callType ?? CallType.Group,
    fields.frameType ?? FrameType.DataSync,
    fields.dataType ?? DataType.VoiceLcHeader,
  );
  writeUint32(out, 16, fields.streamId ?? 0x12345678);
  if (fields.burst !== undefined) out.set(fields.burst.subarray(0, 33), 20);
  if (length === 55) {
    out[53] = fields.ber ?? 0;
    out[54] = fields.rssi ?? 0;
  }
  return out;
}

export function decodeReceivedDmrd(bytes: Uint8Array, from: { address: string; port: number }): ReceivedDmrd | null {
  if (bytes.length !== 55 && bytes.length !== 53) return null;
  if (tagOf(bytes) !== "DMRD") return null;
  const flags = bytes[15]!;
  return {
    bytes: bytes.slice(),
    length: bytes.length,
    sequence: bytes[4]!,
    sourceId: readUint24(bytes, 5),
    destinationId: readUint24(bytes, 8),
    repeaterId: readUint32(bytes, 11),
    slot: (flags & 0x80) !== 0 ? 2 : 1,
    callType: (flags & 0x40) !== 0 ? CallType.Unit : CallType.Group,
    frameType: ((flags >>> 4) & 3) as FrameType,
    dataType: flags & 0x0f,
    streamId: readUint32(bytes, 16),
    burst: bytes.slice(20, 53),
    ber: bytes.length === 55 ? bytes[53]! : 0,
    rssi: bytes.length === 55 ? bytes[54]! : 0,
    from,
  };
}

interface Waiter {
  predicate: (r: Received) => boolean;
  fromIndex: number;
  resolve: (r: Received) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class HbpClient {
  readonly options: HbpClientOptions;
  readonly serverAddress: string;
  readonly received: Received[] = [];
  readonly dmrd: ReceivedDmrd[] = [];
  #socket: UdpSocket;
  #waiters: Waiter[] = [];
  #closed = false;
  /** Salt from the last RPTACK to an RPTL. */
  salt = 0;

  private constructor(options: HbpClientOptions, socket: UdpSocket) {
    this.options = options;
    this.serverAddress = options.serverAddress ?? "127.0.0.1";
    this.#socket = socket;
  }

  static async open(options: HbpClientOptions): Promise<HbpClient> {
    const client = new HbpClient(options, null as unknown as UdpSocket);
    client.#socket = await client.#bind();
    return client;
  }

  get repeaterId(): number {
    return this.options.repeaterId;
  }

  get localPort(): number {
    return this.#socket.port;
  }

  get localAddress(): string {
    return this.options.localAddress ?? (this.serverAddress.includes(":") ? "::1" : "127.0.0.1");
  }

  async #bind(): Promise<UdpSocket> {
    return Bun.udpSocket({
      hostname: this.localAddress,
      port: 0,
      binaryType: "uint8array",
      socket: {
        data: (socket, data, port, address) => {
          if (socket !== this.#socket) return;
          this.#onData(new Uint8Array(data), address, port);
        },
        error: (() => {}) as unknown as (socket: UdpSocket, error: Error) => void,
      },
    });
  }

  #onData(bytes: Uint8Array, address: string, port: number): void {
    const entry: Received = { bytes, address, port, tag: tagOf(bytes), index: this.received.length };
    this.received.push(entry);
    if (entry.tag === "DMRD") {
      const frame = decodeReceivedDmrd(bytes, { address, port });
      if (frame !== null) this.dmrd.push(frame);
    }
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (entry.index >= waiter.fromIndex && waiter.predicate(entry)) {
        clearTimeout(waiter.timer);
        waiter.resolve(entry);
      } else {
        still.push(waiter);
      }
    }
    this.#waiters = still;
  }

  // Sending ------------------------------------------------------------------------------------

  /** Send raw bytes to the server (returns false if the socket refused). */
  send(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    try {
      return this.#socket.send(bytes, this.options.serverPort, this.serverAddress);
    } catch {
      return false;
    }
  }

  #withId(tag: string, extra = 0, idOffset = tag.length): Uint8Array {
    const out = new Uint8Array(idOffset + 4 + extra);
    out.set(ascii(tag), 0);
    writeUint32(out, idOffset, this.options.repeaterId);
    return out;
  }

  sendRptl(): boolean {
    return this.send(this.#withId("RPTL"));
  }

  rptkFor(salt: number, passphrase = this.options.passphrase ?? "passw0rd"): Uint8Array {
    const saltBytes = new Uint8Array(4);
    writeUint32(saltBytes, 0, salt);
    const digest = createHash("sha256").update(saltBytes).update(ascii(passphrase)).digest();
    const out = this.#withId("RPTK", 32);
    out.set(digest, 8);
    return out;
  }

  sendRptk(salt = this.salt, passphrase?: string): boolean {
    return this.send(this.rptkFor(salt, passphrase));
  }

  rptc(overrides: Partial<RptcFields> = {}): Uint8Array {
    const o = this.options;
    return encodeRptc({
      repeaterId: o.repeaterId,
      callsign: o.callsign ?? "N0CALL",
      ...(o.rxFrequencyHz !== undefined ? { rxFrequencyHz: o.rxFrequencyHz } : {}),
      ...(o.txFrequencyHz !== undefined ? { txFrequencyHz: o.txFrequencyHz } : {}),
      ...(o.colourCode !== undefined ? { colourCode: o.colourCode } : {}),
      ...(o.latitude !== undefined ? { latitude: o.latitude } : {}),
      ...(o.longitude !== undefined ? { longitude: o.longitude } : {}),
      ...(o.heightM !== undefined ? { heightM: o.heightM } : {}),
      ...(o.location !== undefined ? { location: o.location } : {}),
      ...(o.description !== undefined ? { description: o.description } : {}),
      ...(o.url !== undefined ? { url: o.url } : {}),
      ...(o.softwareId !== undefined ? { softwareId: o.softwareId } : {}),
      ...(o.packageId !== undefined ? { packageId: o.packageId } : {}),
      slots: o.slots ?? "4",
      ...overrides,
    });
  }

  sendRptc(overrides: Partial<RptcFields> = {}): boolean {
    return this.send(this.rptc(overrides));
  }

  sendRpto(text: string): boolean {
    const body = ascii(text);
    const out = this.#withId("RPTO", body.length);
    out.set(body, 8);
    return this.send(out);
  }

  sendPing(): boolean {
    return this.send(this.#withId("RPTPING"));
  }

  sendRptcl(): boolean {
    return this.send(this.#withId("RPTCL"));
  }

  /** Send a DMRD built from fields (repeater id defaults to ours). Returns the bytes sent. */
  sendFrame(fields: DmrdFields): Uint8Array {
    const bytes = buildDmrd({ ...fields, repeaterId: fields.repeaterId ?? this.options.repeaterId });
    this.send(bytes);
    return bytes;
  }

  /** Send raw DMRD bytes. */
  sendDmrd(bytes: Uint8Array): boolean {
    return this.send(bytes);
  }

  // Waiting ------------------------------------------------------------------------------------

  /** First datagram received so far (or later) matching `predicate`; null on timeout. */
  waitFor(predicate: (r: Received) => boolean, timeoutMs = 2000, fromIndex = 0): Promise<Received | null> {
    for (let i = fromIndex; i < this.received.length; i++) {
      const r = this.received[i]!;
      if (predicate(r)) return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        predicate,
        fromIndex,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(null);
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** First datagram arriving after this call matching `predicate`; null on timeout. */
  waitForNext(predicate: (r: Received) => boolean, timeoutMs = 2000): Promise<Received | null> {
    return this.waitFor(predicate, timeoutMs, this.received.length);
  }

  /** First DMRD received so far (or later) matching `predicate`; null on timeout. */
  async waitForDmrd(predicate: (f: ReceivedDmrd) => boolean = () => true, timeoutMs = 2000): Promise<ReceivedDmrd | null> {
    const found = this.dmrd.find(predicate);
    if (found !== undefined) return found;
    const r = await this.waitFor((r) => {
      if (r.tag !== "DMRD") return false;
      const f = decodeReceivedDmrd(r.bytes, r);
      return f !== null && predicate(f);
    }, timeoutMs, this.received.length);
    return r === null ? null : decodeReceivedDmrd(r.bytes, r);
  }

  /** Resolve after `ms` of wall time (lets datagrams that should NOT arrive have their chance). */
  static settle(ms = 50): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Received datagrams with this tag. */
  ofTag(tag: string): Received[] {
    return this.received.filter((r) => r.tag === tag);
  }

  clear(): void {
    this.received.length = 0;
    this.dmrd.length = 0;
  }

  // Login and keep-alive -------------------------------------------------------------------------

  async #step(stage: LoginStage, send: () => void, timeoutMs: number): Promise<LoginResult | Received> {
    const from = this.received.length;
    send();
    const reply = await this.waitFor((r) => r.tag === "RPTACK" || r.tag === "MSTNAK" || r.tag === "MSTCL", timeoutMs, from);
    if (reply === null) return { ok: false, stage, reason: "timeout", reply: null };
    if (reply.tag === "MSTNAK") return { ok: false, stage, reason: "nak", reply };
    if (reply.tag !== "RPTACK" || reply.bytes.length !== 10) return { ok: false, stage, reason: "unexpected", reply };
    return reply;
  }

  /** Run the handshake; returns the outcome (never throws). */
  async tryLogin(options: { options?: string; passphrase?: string; timeoutMs?: number } = {}): Promise<LoginResult> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const rptl = await this.#step("rptl", () => this.sendRptl(), timeoutMs);
    if (!("bytes" in rptl)) return rptl;
    this.salt = readUint32(rptl.bytes, 6);
    const rptk = await this.#step("rptk", () => this.sendRptk(this.salt, options.passphrase), timeoutMs);
    if (!("bytes" in rptk)) return rptk;
    const rptc = await this.#step("rptc", () => this.sendRptc(), timeoutMs);
    if (!("bytes" in rptc)) return rptc;
    const text = options.options ?? this.options.options;
    if (text !== undefined) {
      const rpto = await this.#step("rpto", () => this.sendRpto(text), timeoutMs);
      if (!("bytes" in rpto)) return rpto;
    }
    return { ok: true, salt: this.salt };
  }

  /** Run the handshake; throws with the stage and reason if refused. */
  async login(options: { options?: string; passphrase?: string; timeoutMs?: number } = {}): Promise<void> {
    const result = await this.tryLogin(options);
    if (!result.ok) throw new Error(`login of ${this.options.repeaterId} failed at ${result.stage}: ${result.reason}`);
  }

  /** Send RPTPING; true if MSTPONG (with our id) came back, false on MSTNAK (with our id) or timeout. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    const from = this.received.length;
    this.sendPing();
    const ours = (r: Received): boolean => r.bytes.length >= 10 && readUint32(r.bytes, r.bytes.length - 4) === this.options.repeaterId;
    const reply = await this.waitFor((r) => (r.tag === "MSTPONG" || r.tag === "MSTNAK") && ours(r), timeoutMs, from);
    return reply !== null && reply.tag === "MSTPONG";
  }

  // Socket lifecycle -------------------------------------------------------------------------------

  /** Close the socket and open a new one on a new ephemeral port (what clients do after NAK/MSTCL/timeout). */
  async reopen(): Promise<number> {
    const old = this.#socket;
    this.#socket = await this.#bind();
    old.close();
    return this.#socket.port;
  }

  async close(options: { rptcl?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (options.rptcl !== false) this.sendRptcl();
    this.#closed = true;
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(null as unknown as Received);
    }
    this.#waiters = [];
    this.#socket.close();
  }
}

/** Is IPv6 loopback usable here? (Decided at run time; IPv6 tests skip without it.) */
export async function ipv6LoopbackAvailable(): Promise<boolean> {
  try {
    const socket = await Bun.udpSocket({ hostname: "::1", port: 0 });
    socket.close();
    return true;
  } catch {
    return false;
  }
}

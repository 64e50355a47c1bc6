/**
 * FreeDMR's report socket for FDMR-Monitor / HBmonitor (freedmr-reference.md §3): a TCP server
 * that monitors connect to, netstring framed. On connect, on CONFIG_REQ (0x00) and every
 * `intervalSeconds` each client gets CONFIG_SND (0x01 + pickle of the systems) and BRIDGE_SND
 * (0x03 + pickle of the bridges); every call start/end and data call is a BRDG_EVENT (0x07 + CSV).
 *
 * Fed with core events (onEvent, or attach to a bus); it never calls into the core. Clients are limited in number and by an allow-list
 * of addresses; each has a bounded send queue — a monitor that does not read is disconnected
 * (counted) rather than buffered without bound, and resynchronises when it reconnects.
 * @module
 */
import type { Socket, TCPSocketListener } from "bun";
import type { EventBus } from "../../bus/event_bus.ts";
import type { CoreEvent } from "../../core/events.ts";
import { encodeNetstring, NetstringDecoder } from "./netstring.ts";
import { pickleDumps } from "./pickle.ts";
import { ReportState, type ReportStateOptions } from "./report_state.ts";

export const REPORT_SERVICE = "report-socket";

/** Opcodes (FreeDMR reporting_const.py). */
export const Opcode = {
  CONFIG_REQ: 0x00,
  CONFIG_SND: 0x01,
  BRIDGE_REQ: 0x02,
  BRIDGE_SND: 0x03,
  BRDG_EVENT: 0x07,
} as const;

/** Requests from monitors are a byte or two; anything longer is not a monitor. */
const MAX_REQUEST = 1024;

export interface ReportServerOptions extends Omit<ReportStateOptions, "wallClockMs" | "monotonicMs"> {
  bindAddress: string;
  /** 0 = a free port (tests). */
  port: number;
  intervalSeconds: number;
  /** Addresses allowed to connect; "*" allows any. IPv4-mapped IPv6 addresses match their IPv4 form. */
  clients: readonly string[];
  maxClients: number;
  /** Most bytes queued for one client before it is disconnected. */
  clientQueueBytes: number;
  wallClockMs?: () => number;
  monotonicMs?: () => number;
  queueCapacity?: number;
}

interface Client {
  readonly address: string;
  readonly decoder: NetstringDecoder;
  queue: Uint8Array[];
  queuedBytes: number;
  closed: boolean;
}

export interface ReportCounters {
  connections: number;
  refusedNotAllowed: number;
  refusedFull: number;
  slowClientsDropped: number;
  badRequests: number;
  configsSent: number;
  eventsSent: number;
}

export class ReportServer {
  readonly state: ReportState;
  readonly counters: ReportCounters = { connections: 0, refusedNotAllowed: 0, refusedFull: 0, slowClientsDropped: 0, badRequests: 0, configsSent: 0, eventsSent: 0 };
  readonly #clients = new Set<Socket<Client>>();
  readonly #listener: TCPSocketListener<Client>;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #allowAll: boolean;
  readonly #allowed: Set<string>;
  #unregister: (() => void) | null = null;

  constructor(private readonly options: ReportServerOptions) {
    this.state = new ReportState({ ...options, wallClockMs: options.wallClockMs ?? Date.now, monotonicMs: options.monotonicMs ?? (() => performance.now()) });
    this.#allowAll = options.clients.includes("*");
    this.#allowed = new Set(options.clients.map(normaliseAddress));
    const self = this;
    this.#listener = Bun.listen<Client>({
      hostname: options.bindAddress,
      port: options.port,
      socket: {
        open(socket) {
          self.#open(socket);
        },
        data(socket, data) {
          self.#data(socket, data);
        },
        drain(socket) {
          self.#flush(socket);
        },
        close(socket) {
          socket.data.closed = true;
          self.#clients.delete(socket);
        },
        error(socket) {
          socket.data.closed = true;
          self.#clients.delete(socket);
        },
      },
    });
    this.#timer = setInterval(() => this.#sendConfig(null), Math.max(1, options.intervalSeconds) * 1000);
  }

  /** Feeds this server from a bus (on the packet thread's bus; the services Worker calls onEvent). */
  attach(bus: EventBus<CoreEvent>): void {
    this.#unregister = bus.register(REPORT_SERVICE, (event) => this.onEvent(event), { queueCapacity: this.options.queueCapacity ?? 8192 });
  }

  get port(): number {
    return this.#listener.port;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  onEvent(event: CoreEvent): void {
    const lines = this.state.apply(event);
    if (lines.length === 0 || this.#clients.size === 0) return;
    for (const line of lines) {
      const bytes = new TextEncoder().encode(line);
      const payload = new Uint8Array(bytes.length + 1);
      payload[0] = Opcode.BRDG_EVENT;
      payload.set(bytes, 1);
      const framed = encodeNetstring(payload);
      for (const client of this.#clients) this.#send(client, framed);
      this.counters.eventsSent++;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#unregister?.();
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    this.#listener.stop(true);
  }

  #open(socket: Socket<Client>): void {
    const address = normaliseAddress(socket.remoteAddress);
    socket.data = { address, decoder: new NetstringDecoder(MAX_REQUEST), queue: [], queuedBytes: 0, closed: false };
    if (!this.#allowAll && !this.#allowed.has(address)) {
      this.counters.refusedNotAllowed++;
      socket.end();
      return;
    }
    if (this.#clients.size >= this.options.maxClients) {
      this.counters.refusedFull++;
      socket.end();
      return;
    }
    this.#clients.add(socket);
    this.counters.connections++;
    this.#sendConfig(socket);
  }

  #data(socket: Socket<Client>, data: Uint8Array): void {
    if (!this.#clients.has(socket)) return;
    const fed = socket.data.decoder.feed(data);
    if (!fed.ok) {
      this.counters.badRequests++;
      socket.end();
      return;
    }
    for (const message of fed.messages) {
      if (message[0] === Opcode.CONFIG_REQ || message[0] === Opcode.BRIDGE_REQ) this.#sendConfig(socket);
      else this.counters.badRequests++;
    }
  }

  /** CONFIG_SND + BRIDGE_SND to one client, or to all (`null`). Built only when someone listens. */
  #sendConfig(only: Socket<Client> | null): void {
    const targets = only !== null ? [only] : [...this.#clients];
    if (targets.length === 0) return;
    const config = encodeNetstring(withOpcode(Opcode.CONFIG_SND, pickleDumps(this.state.configSystems())));
    const bridges = encodeNetstring(withOpcode(Opcode.BRIDGE_SND, pickleDumps(this.state.bridges())));
    for (const client of targets) {
      this.#send(client, config);
      this.#send(client, bridges);
    }
    this.counters.configsSent += targets.length;
  }

  #send(socket: Socket<Client>, framed: Uint8Array): void {
    const client = socket.data;
    if (client.closed) return;
    if (client.queue.length === 0) {
      const written = socket.write(framed);
      if (written === framed.length) return;
      framed = framed.subarray(Math.max(0, written));
    }
    if (client.queuedBytes + framed.length > this.options.clientQueueBytes) {
      // a monitor that does not read is dropped, not buffered without bound; it resyncs on reconnect
      this.counters.slowClientsDropped++;
      client.closed = true;
      client.queue = [];
      client.queuedBytes = 0;
      this.#clients.delete(socket);
      socket.terminate();
      return;
    }
    client.queue.push(framed);
    client.queuedBytes += framed.length;
  }

  #flush(socket: Socket<Client>): void {
    const client = socket.data;
    while (client.queue.length > 0 && !client.closed) {
      const head = client.queue[0]!;
      const written = socket.write(head);
      if (written < head.length) {
        client.queue[0] = head.subarray(Math.max(0, written));
        client.queuedBytes -= Math.max(0, written);
        return;
      }
      client.queue.shift();
      client.queuedBytes -= head.length;
    }
  }
}

function withOpcode(opcode: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = opcode;
  out.set(body, 1);
  return out;
}

function normaliseAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}

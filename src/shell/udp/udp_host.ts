/**
 * The UDP host: the one place sockets live. It opens every socket the hosted handlers declare,
 * hands each datagram to its owner with the monotonic time, drains the shared Outbox after every
 * core call (or, for forwarded copies, after Bun's receive batch), ticks the handlers (and the
 * router) every 25 or 100 ms, reopens sockets on request (SocketControl), and on shutdown lets
 * each handler queue its goodbyes, flushes, closes.
 *
 * Two tick rates. Fast (every `tickIntervalMs`, 25 ms) while a handler or tickable wants it (an
 * active stream, a paced playback, a command waiting, a sweep backlog: `wantsFastTick`); idle
 * (every `idleTickIntervalMs`, 100 ms) otherwise. Each tick costs ~100 µs of CPU on an idle
 * machine (the wake-up more than our work: measured 0.67 % of a core at 25 ms, 0.35 % at 100 ms),
 * which on a Pi is worth a quarter of it. The rate is chosen again after every tick; switching
 * re-arms the timer (calls start and end, never per packet). `wake()` switches at once.
 *
 * While datagrams arrive, the tick runs from the data path once three quarters of the interval
 * have passed (one comparison per datagram) and the timer is pushed back (`refresh`): with
 * datagrams closer than a quarter interval apart (a few calls) the timer never fires, and traffic
 * pays no wake-ups for it (each ~70 µs on this machine, against ~10 µs for the tick's work). This
 * also keeps ticks running through a flood: Bun's UDP readable dispatch reads until the socket is
 * empty (recvmmsg until EAGAIN, oven-sh/bun PR #37103), so while datagrams
 * arrive as fast as we handle them no timer runs (measured: a 1.96 s tick gap when it relied on
 * the timer alone).
 *
 * Sending: entries are grouped per socket and go out in one sendmmsg per socket and drain. To IPv4
 * peers (nearly all) through sendmmsg_batch.ts, which writes each destination from the endpoint's
 * numeric key into kernel structures built once, rather than through Bun's `sendMany`, which parses
 * every destination's address string anew (fan-out bench, same windows: 11–12 % less CPU per
 * forwarded packet). IPv6 peers, and every peer where that is unavailable, go through Bun: one
 * entry with `send`, several with `sendMany`. Within a socket the outbox's order is kept across
 * the two.
 *
 * When all a datagram queued are the outbox's own copies of forwarded frames (outbox.ts
 * `holdable`) and fewer than HOLD_BELOW_ENTRIES, they are held (for at most `holdDatagrams`
 * datagrams) and sent from an immediate that runs once Bun's receive batch is done: the streams
 * benchmark's ~3.7 datagrams per wake-up go out in one sendmmsg rather than one each, about half
 * the syscalls of the bare relay. Anything else queued (a reply, a buffer its owner reuses) is sent
 * before the next datagram.
 *
 * Send errors: Bun sets IP_RECVERR, so a send can fail with ECONNREFUSED (a stale ICMP error from
 * some other peer) or ENOBUFS. sendmmsg stops at the datagram that fails; Bun's calls throw, and
 * its sendMany can stop short (bun-notes.md §1). Either way the failed datagram is tried once more,
 * then dropped, the rest still go out, and failures are counted (the last one named), never thrown.
 *
 * Overload: each socket's receive backlog is watched while datagrams arrive; while it is deep, voice
 * bursts are dropped before any handler sees them and counted (`voiceShed`), so delivered voice stays
 * fresh and pings/logins are still answered (overload_shedder.ts).
 * @module
 */
import type { HostedHandler, SocketControl, SocketSpec } from "../../core/datagram_handler.ts";
import type { Outbox } from "../../core/outbox.ts";
import { monotonicMs } from "../clock.ts";
import { DEFAULT_SHEDDING, QueueWatch, type SheddingOptions } from "./overload_shedder.ts";
import { raiseReceiveBuffer, socketFd, type ReceiveBufferResult } from "./receive_buffer.ts";
import { errnoName } from "./libc_calls.ts";
import { SendmmsgBatch } from "./sendmmsg_batch.ts";
import { checkReusePort, reusePortSocketOptions } from "./reuse_port.ts";

type BunUdpSocket = Bun.udp.Socket<"buffer">;

export interface Tickable {
  onTick(nowMs: number): void;
  /** Optional: true while it needs the fast tick (datagram_handler.ts `wantsFastTick`). */
  wantsFastTick?(): boolean;
}

export interface BoundSocket {
  socketIndex: number;
  name: string;
  handler: string;
  address: string;
  port: number;
  receiveBuffer: ReceiveBufferResult;
  /** How IPv4 peers are sent to: "sendmmsg" (sendmmsg_batch.ts) or "bun" (Bun's send/sendMany; then `sendmmsgUnavailable` says why). */
  sendPath: "sendmmsg" | "bun";
  sendmmsgUnavailable: string | null;
}

export interface UdpHostStats {
  datagramsIn: number;
  datagramsOut: number;
  /** send and sendMany calls (each one syscall): datagramsOut / sendCalls is how well sends are batched */
  sendCalls: number;
  sendErrors: number;
  sendShort: number;
  sendDropped: number;
  receiveErrors: number;
  truncated: number;
  handlerErrors: number;
  outboxDropped: number;
  /** ticks run from the data path because one was due while datagrams arrived (see the module comment) */
  inlineTicks: number;
  /** Voice bursts dropped unprocessed while a socket's receive backlog was deep (overload_shedder.ts). */
  voiceShed: number;
  /** Times a socket entered the shedding state. */
  sheddingEpisodes: number;
  /** Deepest receive backlog measured on any socket (bytes of kernel truesize). */
  peakQueuedBytes: number;
  /** Event-loop lag of the packet thread, seen by the tick: how late the last tick ran, ms. */
  tickLagMs: number;
  /** The largest tick lag in the last ~5 s window (the window before the current one), ms. */
  tickLagMaxMs: number;
  /** Ticks that ran more than 100 ms late (a stalled event loop). */
  tickLagOver100Ms: number;
  lastSendError: string | null;
}

/**
 * Optional timing hooks for benchmarks (e.g. FREEDMR_BENCH_PROBE in bench/support/freedmr_entry.ts).
 * Without a probe the packet path takes no extra timestamps: production pays one null check.
 * Times are monotonicMs(); hooks must not throw and should not allocate.
 */
export interface HostProbe {
  /**
   * One datagram: its bytes, when its data callback started and when the drain after it returned
   * (its output held for the receive batch: when the core call returned).
   */
  datagram(data: Uint8Array, startMs: number, doneMs: number): void;
  /** One shell tick: when the timer callback started and when its drain returned. */
  tick(startMs: number, doneMs: number): void;
}

export interface UdpHostOptions {
  /** The fast tick (default 25 ms). */
  tickIntervalMs?: number;
  /** The idle tick, while nothing wants the fast one (default 4 × tickIntervalMs). */
  idleTickIntervalMs?: number;
  /** Told about exceptions escaping a handler (already counted). Must not throw. */
  onHandlerError?: (where: string, error: unknown) => void;
  /** Benchmark timing hooks (default none). */
  probe?: HostProbe | null;
  /** Overload shedding thresholds (default DEFAULT_SHEDDING; highBytes 0 = off). */
  shedding?: SheddingOptions;
  /** Bind every socket with SO_REUSEPORT (cluster workers sharing the HBP port; default false). */
  reusePort?: boolean;
  /**
   * Send the output of up to this many received datagrams together, after Bun's receive batch
   * (default DEFAULT_HOLD_DATAGRAMS; 0 or 1 = send after every datagram). Only output that is all
   * the outbox's own copies is held (outbox.ts holdable).
   */
  holdDatagrams?: number;
  /** Send to IPv4 peers through sendmmsg_batch.ts where it is available (default true); false: always through Bun. */
  sendmmsg?: boolean;
}

/**
 * Datagrams whose output may go out together: Bun reads up to 8 per recvmmsg (bun-notes.md §1),
 * a wake-up under the streams benchmark brings ~3.7; at most 8 keeps the first one's added delay
 * to the service time of the other 7 (a few µs each). Holding costs one setImmediate per receive
 * batch (an object and a task, no syscall: epoll_pwait2 calls per datagram measured equal with and
 * without it).
 */
export const DEFAULT_HOLD_DATAGRAMS = 8;

/**
 * Queued datagrams from which the outbox is sent at once rather than held: sendmmsg's CPU per
 * datagram on loopback here (kernel delivery included) measured 4.3–4.4 µs with 1–2 per call,
 * 3.7 with 8, 3.4 with 16, 3.1–3.4 with 32 and 2.9–3.4 with 64: little is left to gain past 32.
 */
export const HOLD_BELOW_ENTRIES = 32;

class SocketSlot {
  socket: BunUdpSocket | null = null;
  localPort = 0;
  receiveBuffer: ReceiveBufferResult = { requested: 0, effective: -1, method: "unchanged", fd: -1 };
  /** Reused flat [data, port, address, …] batch for sendMany. */
  readonly batch: (Uint8Array | number | string)[] = [];
  batchCount = 0;
  dirty = false;
  /** Receive-backlog watch (overload shedding); null until the socket is open. */
  watch: QueueWatch | null = null;
  /** The sendmmsg batch of the open socket (sendmmsg_batch.ts), or null: everything goes through Bun. */
  native: SendmmsgBatch | null = null;
  /** Why `native` is null while the socket is open (null: it is not, or sendmmsg is turned off). */
  nativeUnavailable: string | null = null;
  /** Its handler was removed (reload): the socket is closed and the index is never reused. */
  removed = false;

  constructor(
    readonly index: number,
    readonly spec: SocketSpec,
    readonly handler: HostedHandler,
  ) {}
}

/** The data path runs the tick a quarter interval before the timer would (at least 1 ms before). */
function inlineAfter(intervalMs: number): number {
  return intervalMs - Math.max(1, intervalMs / 4);
}

export class UdpHost implements SocketControl {
  readonly #outbox: Outbox;
  readonly #handlers: HostedHandler[] = [];
  readonly #tickables: Tickable[] = [];
  readonly #slots: SocketSlot[] = [];
  readonly #dirtySlots: SocketSlot[] = [];
  readonly #tickIntervalMs: number;
  readonly #idleTickIntervalMs: number;
  /** The interval the timer runs at now (fast or idle). */
  #currentIntervalMs: number;
  /** A datagram runs the tick once it is this old: a quarter interval before the timer would. */
  #inlineAfterMs: number;
  readonly #onHandlerError: (where: string, error: unknown) => void;
  readonly #probe: HostProbe | null;
  readonly #shedding: SheddingOptions;
  readonly #sendmmsg: boolean;
  /** Shedding episodes of sockets since replaced (reopen). */
  #closedEpisodes = 0;
  readonly #reusePort: boolean;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #holdDatagrams: number;
  /** Datagrams whose output is held in the outbox now (a drain is scheduled while this is > 0). */
  #held = 0;
  #drainScheduled = false;
  /** monotonicMs of the last tick; the data path ticks once it is #inlineAfterMs old */
  #lastTickMs = 0;
  #started = false;
  #stopped = false;
  readonly stats: UdpHostStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    sendCalls: 0,
    sendErrors: 0,
    sendShort: 0,
    sendDropped: 0,
    receiveErrors: 0,
    truncated: 0,
    handlerErrors: 0,
    outboxDropped: 0,
    inlineTicks: 0,
    voiceShed: 0,
    sheddingEpisodes: 0,
    peakQueuedBytes: 0,
    tickLagMs: 0,
    tickLagMaxMs: 0,
    tickLagOver100Ms: 0,
    lastSendError: null,
  };
  /** Tick-lag window: its start and its largest lag so far. */
  #lagWindowStartMs = 0;
  #lagWindowMaxMs = 0;

  constructor(outbox: Outbox, options: UdpHostOptions = {}) {
    this.#outbox = outbox;
    this.#tickIntervalMs = options.tickIntervalMs ?? 25;
    this.#idleTickIntervalMs = Math.max(this.#tickIntervalMs, options.idleTickIntervalMs ?? 4 * this.#tickIntervalMs);
    this.#currentIntervalMs = this.#tickIntervalMs;
    this.#inlineAfterMs = inlineAfter(this.#tickIntervalMs);
    this.#onHandlerError = options.onHandlerError ?? (() => {});
    this.#probe = options.probe ?? null;
    this.#shedding = options.shedding ?? DEFAULT_SHEDDING;
    this.#reusePort = options.reusePort ?? false;
    this.#holdDatagrams = Math.max(0, Math.trunc(options.holdDatagrams ?? DEFAULT_HOLD_DATAGRAMS));
    this.#sendmmsg = options.sendmmsg ?? true;
  }

  addHandler(handler: HostedHandler): void {
    if (this.#started) throw new Error("UdpHost: add handlers before start()");
    this.#handlers.push(handler);
  }

  /** Ticked after the handlers, every interval (the router's housekeeping). */
  addTickable(tickable: Tickable): void {
    this.#tickables.push(tickable);
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error("UdpHost: already started");
    this.#started = true;
    let opening: SocketSpec | null = null;
    try {
      for (const handler of this.#handlers) {
        const indexes: number[] = [];
        for (const spec of handler.socketSpecs()) {
          const slot = new SocketSlot(this.#slots.length, spec, handler);
          this.#slots.push(slot);
          opening = spec;
          await this.#open(slot, spec.port);
          opening = null;
          indexes.push(slot.index);
        }
        handler.onSocketsBound?.(indexes, this);
      }
    } catch (error) {
      this.#closeAll();
      // say which socket could not open (the HBP master's, or which link's)
      throw opening === null ? error : new SocketOpenError(opening, error);
    }
    this.#lastTickMs = monotonicMs();
    this.#timer = setInterval(this.#onTimer, this.#currentIntervalMs);
  }

  /** The tick interval in use now: fast while something wants it, idle otherwise. */
  get tickIntervalMs(): number {
    return this.#currentIntervalMs;
  }

  /** Tick fast from now on (until a tick finds nothing wanting it), e.g. a command was queued. */
  wake(): void {
    this.#setInterval(this.#tickIntervalMs);
  }

  readonly #onTimer = (): void => this.#tick();

  /**
   * Re-arm the timer at a new interval (a rate change: never per packet). Its next tick is one new
   * interval from now: right after a tick when slowing down, within 25 ms when woken.
   */
  #setInterval(intervalMs: number): void {
    if (intervalMs === this.#currentIntervalMs || this.#timer === null || this.#stopped) return;
    this.#currentIntervalMs = intervalMs;
    this.#inlineAfterMs = inlineAfter(intervalMs);
    clearInterval(this.#timer);
    this.#timer = setInterval(this.#onTimer, intervalMs);
  }

  /** Does any handler or tickable want the fast tick? (after every tick; a few calls) */
  #wantsFast(): boolean {
    for (const handler of this.#handlers) if (handler.wantsFastTick?.() === true) return true;
    for (const tickable of this.#tickables) if (tickable.wantsFastTick?.() === true) return true;
    return false;
  }

  /**
   * Reload: host a handler while running — open its sockets, tell it their indexes, tick it from
   * now on. On failure (port in use) the sockets it got are closed, it is not hosted, and the error
   * is thrown for the caller to report.
   */
  async hostLive(handler: HostedHandler): Promise<void> {
    if (!this.#started || this.#stopped) throw new Error("UdpHost: hostLive needs a running host");
    const opened: SocketSlot[] = [];
    try {
      for (const spec of handler.socketSpecs()) {
        const slot = new SocketSlot(this.#slots.length, spec, handler);
        this.#slots.push(slot);
        opened.push(slot);
        await this.#open(slot, spec.port);
      }
    } catch (error) {
      for (const slot of opened) this.#closeSlot(slot);
      throw error;
    }
    handler.onSocketsBound?.(
      opened.map((slot) => slot.index),
      this,
    );
    this.#handlers.push(handler);
  }

  /**
   * Reload: stop hosting a handler — let it queue its goodbyes, send them, close its sockets.
   * Other handlers and their sockets are untouched; socket indexes are never reused.
   */
  unhost(handler: HostedHandler): void {
    const at = this.#handlers.indexOf(handler);
    if (at < 0) return;
    const nowMs = monotonicMs();
    this.#shutDown(handler, nowMs);
    this.drain();
    this.#handlers.splice(at, 1);
    for (const slot of this.#slots) if (slot.handler === handler) this.#closeSlot(slot);
  }

  #closeSlot(slot: SocketSlot): void {
    slot.removed = true;
    const socket = slot.socket;
    slot.socket = null;
    slot.native = null; // its fd number may be reused once the socket is closed
    try {
      socket?.close();
    } catch {
      // already closed
    }
  }

  boundSockets(): BoundSocket[] {
    return this.#slots.filter((slot) => !slot.removed).map((slot) => ({
      socketIndex: slot.index,
      name: slot.spec.name,
      handler: slot.handler.name,
      address: slot.spec.bindAddress,
      port: slot.localPort,
      receiveBuffer: slot.receiveBuffer,
      sendPath: slot.native !== null ? "sendmmsg" : "bun",
      sendmmsgUnavailable: slot.native !== null ? null : this.#sendmmsg ? slot.nativeUnavailable : "turned off",
    }));
  }

  // SocketControl --------------------------------------------------------------------------------

  reopen(socketIndex: number): void {
    const slot = this.#slots[socketIndex];
    if (slot === undefined || slot.removed || this.#stopped) return;
    const old = slot.socket;
    slot.socket = null;
    slot.native = null;
    try {
      old?.close();
    } catch {
      // already closed
    }
    this.#open(slot, 0).catch((error: unknown) => {
      this.stats.handlerErrors++;
      this.#onHandlerError(`reopen ${slot.spec.name}`, error);
    });
  }

  localPort(socketIndex: number): number {
    return this.#slots[socketIndex]?.localPort ?? 0;
  }

  // Shutdown -------------------------------------------------------------------------------------

  /** Let every handler queue its goodbyes, flush them, close every socket. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sumBacklog();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    const nowMs = monotonicMs();
    for (const handler of this.#handlers) this.#shutDown(handler, nowMs);
    this.drain();
    this.#closeAll();
  }

  /** Let a handler queue its goodbyes in rounds (it returns false while it has more), sending each round. */
  #shutDown(handler: HostedHandler, nowMs: number): void {
    if (handler.shutdown === undefined) return;
    for (let round = 0; round < 100_000; round++) {
      let done: boolean | void = true;
      try {
        done = handler.shutdown(nowMs);
      } catch (error) {
        this.stats.handlerErrors++;
        this.#onHandlerError(`${handler.name}.shutdown`, error);
      }
      this.drain();
      if (done !== false) break;
    }
  }

  // Packet path ------------------------------------------------------------------------------------

  async #open(slot: SocketSlot, port: number): Promise<void> {
    const onData = (socket: BunUdpSocket, data: Buffer, remotePort: number, address: string, flags?: { truncated?: boolean }): void => {
      if (socket !== slot.socket) return; // a datagram still queued on a socket being replaced
      this.stats.datagramsIn++;
      if (flags !== undefined && flags.truncated === true) this.stats.truncated++;
      const nowMs = monotonicMs();
      const watch = slot.watch;
      if (watch !== null && watch.shed(nowMs, data)) {
        this.stats.voiceShed++;
        if (nowMs - this.#lastTickMs >= this.#inlineAfterMs) this.#inlineTick();
        return;
      }
      try {
        slot.handler.onDatagram(nowMs, slot.index, address, remotePort, data);
      } catch (error) {
        this.stats.handlerErrors++;
        this.#onHandlerError(`${slot.handler.name}.onDatagram`, error);
      }
      // Forwarded copies (the outbox's own rows) wait for the rest of Bun's receive batch: the
      // immediate runs once the batch is done, and one sendmmsg per socket sends it all. A batch
      // already as large as HOLD_BELOW_ENTRIES (a big fan-out) gains nothing by waiting.
      const outbox = this.#outbox;
      if (outbox.holdable && outbox.count !== 0 && outbox.count < HOLD_BELOW_ENTRIES && this.#held + 1 < this.#holdDatagrams) {
        this.#held++;
        if (!this.#drainScheduled) {
          this.#drainScheduled = true;
          setImmediate(this.#onImmediate);
        }
      } else {
        this.drain();
      }
      if (this.#probe !== null) this.#probe.datagram(data, nowMs, monotonicMs());
      if (nowMs - this.#lastTickMs >= this.#inlineAfterMs) this.#inlineTick();
      // idle rate and this datagram started a stream (or queued a prompt): tick fast from now on
      else if (this.#currentIntervalMs !== this.#tickIntervalMs && this.#wantsFast()) this.wake();
    };
    const socket = await Bun.udpSocket({
      hostname: slot.spec.bindAddress,
      port,
      ...reusePortSocketOptions(slot.spec.reusePort === true), // SO_REUSEPORT before bind (reuse_port.ts)
      binaryType: "buffer",
      // flags 4 = SO_REUSEPORT (undocumented in bun-types; bun-notes.md "Undocumented options")
      ...(this.#reusePort ? ({ flags: 4 } as object) : {}),
      socket: {
        data: onData,
        // Bun calls error(err) with one argument (bun-notes.md §1): ICMP port-unreachable etc.
        error: (() => {
          this.stats.receiveErrors++;
        }) as unknown as (socket: BunUdpSocket, error: Error) => void,
      },
    });
    if (slot.removed) {
      socket.close(); // its handler was unhosted while the socket was opening
      return;
    }
    if (slot.spec.reusePort === true || this.#reusePort) {
      try {
        checkReusePort(socket, socket.port, slot.spec.name);
      } catch (error) {
        socket.close();
        throw error;
      }
    }
    slot.socket = socket;
    slot.localPort = socket.port;
    const native = this.#sendmmsg ? SendmmsgBatch.open((socket as { fd?: number }).fd, socket.address.family) : null;
    slot.native = typeof native === "object" ? native : null;
    slot.nativeUnavailable = typeof native === "string" ? native : null;
    if (slot.spec.receiveBufferBytes > 0) {
      slot.receiveBuffer = raiseReceiveBuffer(socket, socket.port, slot.spec.receiveBufferBytes);
    }
    const fd = slot.receiveBuffer.fd >= 0 ? slot.receiveBuffer.fd : this.#shedding.highBytes > 0 ? socketFd(socket, socket.port) : -1;
    if (slot.watch !== null) this.#closedEpisodes += slot.watch.episodes;
    slot.watch = fd >= 0 && this.#shedding.highBytes > 0 ? new QueueWatch(fd, this.#shedding) : null;
  }

  /** Shedding figures summed over the sockets (called on every tick: a handful of additions). */
  #sumBacklog(): void {
    let episodes = this.#closedEpisodes;
    let peak = this.stats.peakQueuedBytes;
    for (const slot of this.#slots) {
      const watch = slot.watch;
      if (watch === null) continue;
      episodes += watch.episodes;
      if (watch.peakBytes > peak) peak = watch.peakBytes;
    }
    this.stats.sheddingEpisodes = episodes;
    this.stats.peakQueuedBytes = peak;
  }

  /** The tick is due while datagrams arrive: run it here and push the timer back a whole interval. */
  #inlineTick(): void {
    const timer = this.#timer;
    if (timer === null) return;
    this.stats.inlineTicks++;
    timer.refresh();
    this.#tick();
  }

  #tick(): void {
    const nowMs = monotonicMs();
    this.#measureLag(nowMs);
    this.#lastTickMs = nowMs;
    this.#sumBacklog();
    for (const handler of this.#handlers) {
      try {
        handler.onTick(nowMs);
      } catch (error) {
        this.stats.handlerErrors++;
        this.#onHandlerError(`${handler.name}.onTick`, error);
      }
    }
    for (const tickable of this.#tickables) {
      try {
        tickable.onTick(nowMs);
      } catch (error) {
        this.stats.handlerErrors++;
        this.#onHandlerError("router.onTick", error);
      }
    }
    this.drain();
    this.#setInterval(this.#wantsFast() ? this.#tickIntervalMs : this.#idleTickIntervalMs);
    if (this.#probe !== null) this.#probe.tick(nowMs, monotonicMs());
  }

  /** How late this tick is against the interval; windowed maximum for the stats snapshot. */
  #measureLag(nowMs: number): void {
    const lag = Math.max(0, nowMs - this.#lastTickMs - this.#currentIntervalMs);
    const stats = this.stats;
    stats.tickLagMs = lag;
    if (lag > 100) stats.tickLagOver100Ms++;
    if (lag > this.#lagWindowMaxMs) this.#lagWindowMaxMs = lag;
    if (nowMs - this.#lagWindowStartMs >= 5_000) {
      stats.tickLagMaxMs = this.#lagWindowMaxMs;
      this.#lagWindowMaxMs = 0;
      this.#lagWindowStartMs = nowMs;
    }
  }

  readonly #onImmediate = (): void => {
    this.#drainScheduled = false;
    this.drain();
  };

  /**
   * Send everything in the outbox, grouped per socket, then clear it. Within a socket the outbox's
   * order is kept: entries for IPv4 peers gather in its sendmmsg batch, others in its Bun batch, and
   * a switch from one to the other sends what the first holds (an IPv6 peer among IPv4 ones costs
   * a system call more, never a reordering).
   */
  drain(): void {
    this.#held = 0;
    const outbox = this.#outbox;
    const count = outbox.count;
    if (outbox.dropped !== 0) {
      this.stats.outboxDropped += outbox.dropped;
      outbox.dropped = 0;
    }
    if (count === 0) return;
    const slots = this.#slots;
    const dirty = this.#dirtySlots;
    const endpoints = outbox.endpoints;
    const buffers = outbox.buffers;
    const lengths = outbox.lengths;
    // runs of entries for one socket (the usual case: one HBP socket) look their socket up once
    let socketIndex = -1;
    let slot: SocketSlot | undefined;
    for (let i = 0; i < count; i++) {
      const endpoint = endpoints[i]!;
      if (endpoint.socketIndex !== socketIndex) {
        socketIndex = endpoint.socketIndex;
        slot = slots[socketIndex];
        if (slot !== undefined && slot.socket !== null && !slot.dirty) {
          slot.dirty = true;
          dirty.push(slot);
        }
      }
      if (slot === undefined || slot.socket === null) {
        this.stats.sendDropped++;
        continue;
      }
      const buffer = buffers[i]!;
      const length = lengths[i]!;
      const native = slot.native;
      const ipv4Key = endpoint.ipv4Key;
      if (native !== null && ipv4Key >= 0) {
        if (slot.batchCount !== 0) this.#flushBun(slot);
        if (native.full) this.#flushNative(native);
        native.add(buffer, length, ipv4Key);
        continue;
      }
      if (native !== null && native.count !== 0) this.#flushNative(native);
      const data = length === buffer.length ? buffer : buffer.subarray(0, length);
      const at = slot.batchCount * 3;
      const batch = slot.batch;
      if (at < batch.length) {
        batch[at] = data;
        batch[at + 1] = endpoint.port;
        batch[at + 2] = endpoint.address;
      } else {
        batch.push(data, endpoint.port, endpoint.address);
      }
      slot.batchCount++;
    }
    for (let d = 0; d < dirty.length; d++) {
      const slot = dirty[d]!;
      if (slot.native !== null && slot.native.count !== 0) this.#flushNative(slot.native);
      else if (slot.batchCount !== 0) this.#flushBun(slot);
      slot.dirty = false;
    }
    dirty.length = 0;
    // only now: a sendmmsg batch holds its payloads by address, so the outbox keeps the arrays alive until they are sent
    outbox.clear();
  }

  /**
   * Send the socket's sendmmsg batch. The kernel stops at a datagram that fails: the rest go in
   * the next call. A failed datagram is tried once more (the error is often a stale ICMP report
   * about some other peer, which the failure has now cleared: IP_RECVERR, bun-notes.md §1), then
   * dropped and counted. Every call sends or drops at least one datagram.
   */
  #flushNative(native: SendmmsgBatch): void {
    const n = native.count;
    const stats = this.stats;
    let first = 0;
    let retried = -1;
    while (first < n) {
      stats.sendCalls++;
      const sent = native.send(first);
      if (sent > 0) {
        stats.datagramsOut += sent;
        first += sent;
        if (first < n) stats.sendShort++;
        continue;
      }
      stats.sendErrors++;
      stats.lastSendError = errnoName(-sent);
      if (retried !== first) {
        retried = first;
        continue;
      }
      stats.sendDropped++;
      first++;
    }
    native.clear();
  }

  /** Send the socket's Bun batch: one entry with `send`, several with `sendMany`. */
  #flushBun(slot: SocketSlot): void {
    const socket = slot.socket!;
    const n = slot.batchCount;
    const batch = slot.batch;
    slot.batchCount = 0;
    if (n === 1) {
      this.#sendOne(socket, batch[0] as Uint8Array, batch[1] as number, batch[2] as string);
    } else {
      // sendMany needs an array holding exactly this batch; trim the reusable one if it is longer.
      if (batch.length !== n * 3) batch.length = n * 3;
      let sent = 0;
      this.stats.sendCalls++;
      try {
        sent = socket.sendMany(batch as unknown as Parameters<BunUdpSocket["sendMany"]>[0]);
      } catch (error) {
        this.#sendFailed(error);
        sent = 0;
      }
      if (sent < 0 || !Number.isFinite(sent)) sent = 0;
      this.stats.datagramsOut += sent;
      if (sent < n) {
        this.stats.sendShort++;
        for (let i = sent; i < n; i++) {
          this.#sendOne(socket, batch[i * 3] as Uint8Array, batch[i * 3 + 1] as number, batch[i * 3 + 2] as string);
        }
      }
    }
    // Drop references to sent buffers so pooled egress buffers are not retained by the batch.
    for (let i = 0; i < n * 3; i += 3) batch[i] = EMPTY;
  }

  #sendOne(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void {
    this.stats.sendCalls++;
    try {
      if (socket.send(data, port, address)) this.stats.datagramsOut++;
      else this.stats.sendDropped++;
    } catch (error) {
      // Retry once: the error is often a stale ICMP report about some other peer (IP_RECVERR).
      this.#sendFailed(error);
      try {
        if (socket.send(data, port, address)) this.stats.datagramsOut++;
        else this.stats.sendDropped++;
      } catch (again) {
        this.#sendFailed(again);
        this.stats.sendDropped++;
      }
    }
  }

  #sendFailed(error: unknown): void {
    this.stats.sendErrors++;
    const code = (error as { code?: unknown }).code;
    this.stats.lastSendError = typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
  }

  #closeAll(): void {
    for (const slot of this.#slots) {
      try {
        slot.socket?.close();
      } catch {
        // ignore
      }
      slot.socket = null;
      slot.native = null;
    }
  }
}

const EMPTY = new Uint8Array(0);

/** A socket could not be opened at start: which one (`socket`), with the system error as `cause` and its `code`. */
export class SocketOpenError extends Error {
  override readonly name = "SocketOpenError";
  readonly code: string | undefined;
  constructor(
    readonly socket: SocketSpec,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown } | null)?.code;
    super(`cannot open UDP socket ${socket.name} on ${socket.bindAddress} port ${socket.port}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = typeof code === "string" ? code : undefined;
  }
}

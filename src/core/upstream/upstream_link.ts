/**
 * Upstream link: freedmr logs in to another master (BrandMeister, FreeDMR, HBlink, another freedmr)
 * as an HBP client, and the link is a RouterPort of kind Upstream — its traffic takes part in
 * routing like a hotspot's (subscriptions, contention, hang time), through the talkgroup map the
 * router applies (`setPortTalkgroupMap`).
 *
 * Client state machine and timers are DMRGateway's (hbp-and-dmr.md §1.6):
 *
 *   WaitingConnect --retry--> RPTL → WaitingLogin --RPTACK salt--> RPTK → WaitingAuthorisation
 *   --RPTACK--> RPTC → WaitingConfig --RPTACK--> [RPTO → WaitingOptions --RPTACK-->] Running
 *   every RPTACK restarts both timers; retry expiry resends the state's message (Running: RPTPING)
 *   MSTPONG restarts the timeout; MSTNAK while Running → WaitingLogin on the same socket;
 *   MSTNAK otherwise, MSTCL, or timeout → reopen on a new source port, WaitingConnect
 *   DMRD is accepted only while Running; shutdown while Running sends RPTCL.
 *
 * Only datagrams from the master's address and port are accepted (DMRGateway ADDRESS_AND_PORT).
 * Loop control shares the federation stream table with OpenBridge links: a stream already arriving
 * from another port is not taken from the master, and a stream that came down is never sent back up.
 * @module
 */
import { aclPermits } from "../acl.ts";
import { loginDigest, passphraseBytes } from "../hbp_master/auth.ts";
import { encodeRptc } from "../../wire/rptc.ts";
import {
  DMRD_LENGTH,
  DMRD_OFFSET_DESTINATION,
  DMRD_OFFSET_FLAGS,
  DMRD_OFFSET_REPEATER,
  DMRD_OFFSET_SOURCE,
  DMRD_OFFSET_STREAM,
  DmrdFrame,
  DmrdStatus,
  FLAG_CALL_UNIT,
  FLAG_SLOT_TS2,
  copyDmrdTo55,
  decodeDmrd,
  readUint24,
  readUint32,
  writeUint32,
} from "../../wire/dmrd.ts";
import type { SocketControl, SocketSpec } from "../datagram_handler.ts";
import { Endpoint } from "../endpoint.ts";
import type { Outbox } from "../outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import type { FederationContext } from "../federation/context.ts";
import { NOT_FOUND, ORIGIN_LOCAL } from "../federation/stream_table.ts";
import { MasterMessage, classifyMasterMessage, rptackValue } from "./master_messages.ts";
import { type UpstreamLinkOptions, upstreamRouterMap } from "./upstream_options.ts";

export const enum UpstreamState {
  WaitingConnect = 0,
  WaitingLogin = 1,
  WaitingAuthorisation = 2,
  WaitingConfig = 3,
  WaitingOptions = 4,
  Running = 5,
}

export const UPSTREAM_STATE_NAMES = ["waiting-connect", "waiting-login", "waiting-authorisation", "waiting-config", "waiting-options", "running"] as const;

const WIRE_RING = 64;
const UNIT_ID_MIN = 1_000_000;
const DIRECTION_UP = 1;
const DIRECTION_DOWN = 2;
/** A stream id seen on the other slot within this long is the same call twice. */
const DUPLICATE_WINDOW_MS = 2_000;

export class UpstreamCounters {
  datagramsIn = 0;
  framesIn = 0;
  framesOut = 0;
  logins = 0;
  loginFailures = 0;
  naks = 0;
  masterClosed = 0;
  timeouts = 0;
  reopens = 0;
  pingsOut = 0;
  pongsIn = 0;
  beaconRequests = 0;
  /** From an address/port other than the master's. */
  badSource = 0;
  malformed = 0;
  /** DMRD while not logged in. */
  notRunning = 0;
  /** Talkgroup map direction, filter, ACL or unit-call rules. */
  filtered = 0;
  loop = 0;
  /** The same stream on the other slot too (the master has us on the talkgroup twice). */
  duplicateSlot = 0;
  egressDown = 0;
  egressEcho = 0;
  egressFiltered = 0;
  egressDropped = 0;
}

export interface UpstreamLinkInfo {
  name: string;
  portIndex: number;
  state: (typeof UPSTREAM_STATE_NAMES)[number];
  master: string;
  localPort: number;
  counters: UpstreamCounters;
}

export class UpstreamLink implements RouterPort {
  // ---- RouterPort ----
  readonly portIndex: number;
  readonly kind = PortKind.Upstream;
  readonly name: string;
  readonly repeaterId: number;
  readonly simplex = false;
  readonly callsign: string;
  readonly accessRule: string | null = null;
  readonly acceptsUnitDataFlood = false;

  readonly options: UpstreamLinkOptions;
  readonly counters = new UpstreamCounters();
  readonly federationIndex: number;

  readonly #ctx: FederationContext;
  readonly #passphrase: Uint8Array;
  readonly #txBuffers: [Uint8Array, Uint8Array] = [new Uint8Array(DMRD_LENGTH), new Uint8Array(DMRD_LENGTH)];
  readonly #wire: Uint8Array[] = [];
  #wireCursor = 0;
  readonly #rptl = new Uint8Array(8);
  readonly #rptk = new Uint8Array(40);
  readonly #rptc: Uint8Array;
  readonly #rpto: Uint8Array | null;
  readonly #ping = new Uint8Array(11);
  readonly #rptcl = new Uint8Array(9);
  readonly #ingress = new Uint8Array(DMRD_LENGTH);
  readonly #frame = new DmrdFrame();
  readonly #masterMapped: string;
  /** Direction rules of the map, flattened: [slot, first, last, directionBits] per range. */
  readonly #ranges: Int32Array;

  #socketIndex = -1;
  #control: SocketControl | null = null;
  #master: Endpoint | null = null;
  #state = UpstreamState.WaitingConnect;
  #retryAtMs = 0;
  #timeoutAtMs = Number.POSITIVE_INFINITY;
  #started = false;
  #lastPingMs = Number.NEGATIVE_INFINITY;
  #closed = false;
  /** Stream id last seen on each slot from the master, and when (same stream on both slots = duplicate). */
  readonly #slotStreams = new Uint32Array(2);
  readonly #slotSeenMs = new Float64Array(2).fill(Number.NEGATIVE_INFINITY);

  constructor(options: UpstreamLinkOptions, ctx: FederationContext, portIndex: number, federationIndex: number) {
    if (options.address === "") throw new Error(`upstream ${options.name}: address is required`);
    if (options.passphrase === "") throw new Error(`upstream ${options.name}: passphrase is required`);
    this.options = options;
    this.name = options.name;
    this.callsign = options.callsign === "" ? options.name : options.callsign;
    this.repeaterId = options.repeaterId;
    this.portIndex = portIndex;
    this.federationIndex = federationIndex;
    this.#ctx = ctx;
    this.#passphrase = passphraseBytes(options.passphrase);
    const ring = new Uint8Array(WIRE_RING * DMRD_LENGTH);
    for (let i = 0; i < WIRE_RING; i++) this.#wire.push(ring.subarray(i * DMRD_LENGTH, (i + 1) * DMRD_LENGTH));
    const id = options.repeaterId;
    writeTagged(this.#rptl, "RPTL", id);
    writeTagged(this.#rptk, "RPTK", id);
    writeTagged(this.#ping, "RPTPING", id);
    writeTagged(this.#rptcl, "RPTCL", id);
    this.#rptc = encodeRptc({
      repeaterId: id,
      callsign: this.callsign,
      rxFrequencyHz: options.rxFrequencyHz,
      txFrequencyHz: options.txFrequencyHz,
      power: options.txPower,
      colourCode: options.colourCode,
      latitude: options.latitude,
      longitude: options.longitude,
      heightM: options.heightM,
      location: options.location,
      description: options.description,
      slots: options.slots,
      url: options.url,
      softwareId: options.softwareId,
      packageId: options.packageId,
    });
    if (options.options !== "") {
      const text = new TextEncoder().encode(options.options);
      this.#rpto = new Uint8Array(8 + text.length);
      writeTagged(this.#rpto, "RPTO", id);
      this.#rpto.set(text, 8);
    } else {
      this.#rpto = null;
    }
    this.#masterMapped = options.address.includes(".") ? `::ffff:${options.address}` : options.address;
    const ranges = new Int32Array(options.talkgroups.length * 4);
    options.talkgroups.forEach((r, i) => {
      ranges[i * 4] = r.slot;
      ranges[i * 4 + 1] = r.remoteFirst;
      ranges[i * 4 + 2] = r.remoteLast;
      ranges[i * 4 + 3] = r.direction === "up" ? DIRECTION_UP : r.direction === "down" ? DIRECTION_DOWN : DIRECTION_UP | DIRECTION_DOWN;
    });
    this.#ranges = ranges;
    ctx.router.setPortTalkgroupMap?.(this, upstreamRouterMap(options));
  }

  // ---- hosting -----------------------------------------------------------------------------

  socketSpecs(): readonly SocketSpec[] {
    return [{ name: `upstream:${this.name}`, bindAddress: this.options.bindAddress, port: 0, receiveBufferBytes: 0 }];
  }

  onSocketsBound(socketIndexes: readonly number[], control: SocketControl): void {
    const index = socketIndexes[0];
    if (index === undefined) throw new Error(`upstream ${this.name}: no socket`);
    this.#socketIndex = index;
    this.#control = control;
    this.#master = new Endpoint(index, this.options.address, this.options.port);
  }

  /** RPTCL when logged in (§1.6), then nothing more. */
  shutdown(nowMs: number): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#state === UpstreamState.Running && this.#master !== null) this.#send(this.#rptcl, this.#rptcl.length);
    this.#leaveRunning(nowMs, "shutdown");
    this.#state = UpstreamState.WaitingConnect;
  }

  get state(): UpstreamState {
    return this.#state;
  }

  info(): UpstreamLinkInfo {
    return {
      name: this.name,
      portIndex: this.portIndex,
      state: UPSTREAM_STATE_NAMES[this.#state],
      master: this.#master?.toString() ?? `${this.options.address}:${this.options.port}`,
      localPort: this.#control?.localPort(this.#socketIndex) ?? 0,
      counters: this.counters,
    };
  }

  // ---- DatagramHandler -----------------------------------------------------------------------

  onTick(nowMs: number): void {
    if (this.#closed || this.#master === null) return;
    this.#ctx.streams.sweep(nowMs);
    if (!this.#started) {
      this.#started = true;
      this.#retryAtMs = nowMs + this.options.initialDelayMs;
    }
    if (nowMs >= this.#timeoutAtMs) {
      this.counters.timeouts++;
      this.#reopen(nowMs, "timeout");
      return;
    }
    if (this.#state === UpstreamState.Running) {
      if (nowMs - this.#lastPingMs >= this.options.pingIntervalMs) {
        this.#lastPingMs = nowMs;
        if (this.#send(this.#ping, this.#ping.length)) this.counters.pingsOut++;
      }
      return;
    }
    if (nowMs < this.#retryAtMs) return;
    this.#retryAtMs = nowMs + this.options.retryMs;
    switch (this.#state) {
      case UpstreamState.WaitingConnect:
        this.#state = UpstreamState.WaitingLogin;
        // The 60 s timeout runs from the first RPTL: a master that never answers gets a new port.
        this.#timeoutAtMs = nowMs + this.options.timeoutMs;
        this.#send(this.#rptl, this.#rptl.length);
        return;
      case UpstreamState.WaitingLogin:
        this.#send(this.#rptl, this.#rptl.length);
        return;
      case UpstreamState.WaitingAuthorisation:
        this.#send(this.#rptk, this.#rptk.length);
        return;
      case UpstreamState.WaitingConfig:
        this.#send(this.#rptc, this.#rptc.length);
        return;
      case UpstreamState.WaitingOptions:
        if (this.#rpto !== null) this.#send(this.#rpto, this.#rpto.length);
        return;
    }
  }

  onDatagram(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    c.datagramsIn++;
    if (this.#closed) return;
    const master = this.#master;
    if (master === null || socketIndex !== this.#socketIndex || port !== master.port || (address !== master.address && address !== this.#masterMapped)) {
      c.badSource++;
      return;
    }
    switch (classifyMasterMessage(bytes)) {
      case MasterMessage.Dmrd:
        this.#onDmrd(nowMs, bytes);
        return;
      case MasterMessage.Mstpong:
        c.pongsIn++;
        if (this.#state === UpstreamState.Running) this.#timeoutAtMs = nowMs + this.options.timeoutMs;
        return;
      case MasterMessage.Rptack:
        this.#onRptack(nowMs, bytes);
        return;
      case MasterMessage.Mstnak:
        this.#onMstnak(nowMs);
        return;
      case MasterMessage.Mstcl:
        c.masterClosed++;
        this.#reopen(nowMs, "closed-by-master");
        return;
      case MasterMessage.Rptsbkn:
        c.beaconRequests++;
        return;
      case MasterMessage.Unknown:
        c.malformed++;
        return;
    }
  }

  // ---- RouterPort --------------------------------------------------------------------------

  txBuffer(slot: Slot): Uint8Array {
    return this.#txBuffers[slot - 1]!;
  }

  emit(nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    const c = this.counters;
    const master = this.#master;
    if (this.#state !== UpstreamState.Running || master === null) {
      c.egressDown++;
      return;
    }
    const flags = frame[DMRD_OFFSET_FLAGS]!;
    const streamId = readUint32(frame, DMRD_OFFSET_STREAM);
    const streams = this.#ctx.streams;
    const entry = streams.find(streamId);
    if (entry !== NOT_FOUND && streams.origin(entry) === this.federationIndex) {
      c.egressEcho++;
      return;
    }
    if (!this.#allowed(flags, readUint24(frame, DMRD_OFFSET_SOURCE), readUint24(frame, DMRD_OFFSET_DESTINATION), DIRECTION_UP)) {
      c.egressFiltered++;
      return;
    }
    if (entry === NOT_FOUND && streamId !== 0) {
      streams.insert(nowMs, streamId, ORIGIN_LOCAL, 1, this.#ctx.serverId, readUint32(frame, DMRD_OFFSET_REPEATER));
    } else if (entry !== NOT_FOUND && streams.origin(entry) === ORIGIN_LOCAL) {
      streams.touch(entry, nowMs);
    }
    const wire = this.#nextWire();
    for (let i = 0; i < DMRD_LENGTH; i++) wire[i] = frame[i]!;
    // Client → master: the client's own id in bytes 11–14 (§1.4).
    writeUint32(wire, DMRD_OFFSET_REPEATER, this.repeaterId);
    if (outbox.push(master, wire, DMRD_LENGTH)) c.framesOut++;
    else c.egressDropped++;
  }

  // ---- ingress -----------------------------------------------------------------------------

  #onDmrd(nowMs: number, bytes: Uint8Array): void {
    const c = this.counters;
    if (this.#state !== UpstreamState.Running) {
      c.notRunning++;
      return;
    }
    copyDmrdTo55(bytes, this.#ingress);
    const frame = this.#frame;
    if (decodeDmrd(this.#ingress, frame) !== DmrdStatus.Ok) {
      c.malformed++;
      return;
    }
    const flags = this.#ingress[DMRD_OFFSET_FLAGS]!;
    if (!this.#allowed(flags, frame.sourceId, frame.destinationId, DIRECTION_DOWN)) {
      c.filtered++;
      return;
    }
    const streamId = frame.streamId;
    // A master that has us subscribed to a talkgroup on both slots sends the call twice: keep the
    // slot it arrived on first.
    const slotIndex = frame.slot - 1;
    const otherIndex = 1 - slotIndex;
    if (streamId !== 0 && this.#slotStreams[otherIndex] === streamId && nowMs - this.#slotSeenMs[otherIndex]! < DUPLICATE_WINDOW_MS) {
      c.duplicateSlot++;
      return;
    }
    this.#slotStreams[slotIndex] = streamId;
    this.#slotSeenMs[slotIndex] = nowMs;
    if (streamId !== 0) {
      const streams = this.#ctx.streams;
      const entry = streams.find(streamId);
      if (entry === NOT_FOUND) {
        streams.insert(nowMs, streamId, this.federationIndex, 1, this.#ctx.serverId, frame.repeaterId);
      } else if (streams.origin(entry) !== this.federationIndex) {
        c.loop++;
        return;
      } else {
        streams.touch(entry, nowMs);
      }
    }
    c.framesIn++;
    this.#ctx.router.onFrame(nowMs, this, frame);
  }

  #onRptack(nowMs: number, bytes: Uint8Array): void {
    const o = this.options;
    switch (this.#state) {
      case UpstreamState.WaitingLogin: {
        const digest = loginDigest(rptackValue(bytes), this.#passphrase);
        this.#rptk.set(digest, 8);
        this.#advance(nowMs, UpstreamState.WaitingAuthorisation, this.#rptk, this.#rptk.length);
        return;
      }
      case UpstreamState.WaitingAuthorisation:
        this.#advance(nowMs, UpstreamState.WaitingConfig, this.#rptc, this.#rptc.length);
        return;
      case UpstreamState.WaitingConfig:
        if (this.#rpto !== null) this.#advance(nowMs, UpstreamState.WaitingOptions, this.#rpto, this.#rpto.length);
        else this.#enterRunning(nowMs);
        return;
      case UpstreamState.WaitingOptions:
        this.#enterRunning(nowMs);
        return;
      default:
        // An ack to a repeated message, or a master restarting a handshake we are not in: restart timers only.
        if (this.#state === UpstreamState.Running) this.#timeoutAtMs = nowMs + o.timeoutMs;
        return;
    }
  }

  #onMstnak(nowMs: number): void {
    const c = this.counters;
    c.naks++;
    if (this.#state === UpstreamState.Running) {
      // §1.6: MSTNAK while running → log in again on the same socket, RPTL one retry period later.
      this.#leaveRunning(nowMs, "nak");
      this.#state = UpstreamState.WaitingLogin;
      this.#retryAtMs = nowMs + this.options.retryMs;
      this.#timeoutAtMs = nowMs + this.options.timeoutMs;
      return;
    }
    if (this.#state === UpstreamState.WaitingConnect) return;
    c.loginFailures++;
    this.#ctx.events.publish({
      type: "log",
      atMs: nowMs,
      level: "warn",
      msg: `upstream ${this.name}: login to ${this.options.address}:${this.options.port} refused (MSTNAK in ${UPSTREAM_STATE_NAMES[this.#state]}); retrying`,
      data: { link: this.name, state: UPSTREAM_STATE_NAMES[this.#state] },
    });
    this.#reopen(nowMs, "nak");
  }

  // ---- state changes -----------------------------------------------------------------------

  #advance(nowMs: number, state: UpstreamState, message: Uint8Array, length: number): void {
    this.#state = state;
    this.#retryAtMs = nowMs + this.options.retryMs;
    this.#timeoutAtMs = nowMs + this.options.timeoutMs;
    this.#send(message, length);
  }

  #enterRunning(nowMs: number): void {
    this.#state = UpstreamState.Running;
    this.#timeoutAtMs = nowMs + this.options.timeoutMs;
    this.#lastPingMs = nowMs;
    this.counters.logins++;
    this.#ctx.router.onPortUp(nowMs, this);
    this.#ctx.events.publish({ type: "link.up", atMs: nowMs, link: this.name, reason: "logged-in" });
  }

  #leaveRunning(nowMs: number, reason: string): void {
    if (this.#state !== UpstreamState.Running) return;
    this.#ctx.router.onPortDown(nowMs, this);
    this.#ctx.streams.forgetOrigin(this.federationIndex);
    this.#ctx.events.publish({ type: "link.down", atMs: nowMs, link: this.name, reason });
  }

  /** Close and reopen the socket on a new source port; RPTL again one retry period later (§1.6). */
  #reopen(nowMs: number, reason: string): void {
    this.#leaveRunning(nowMs, reason);
    this.#state = UpstreamState.WaitingConnect;
    this.#retryAtMs = nowMs + this.options.retryMs;
    this.#timeoutAtMs = Number.POSITIVE_INFINITY;
    this.counters.reopens++;
    this.#control?.reopen(this.#socketIndex);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Map direction, low-level filter, unit-call rule and subscriber ACL for a frame on the master's side. */
  #allowed(flags: number, sourceId: number, destinationId: number, direction: number): boolean {
    const o = this.options;
    if (!aclPermits(o.subscriberAcl, sourceId)) return false;
    if ((flags & FLAG_CALL_UNIT) !== 0) return o.unitCalls && destinationId >= UNIT_ID_MIN;
    const slot = (flags & FLAG_SLOT_TS2) !== 0 ? 2 : 1;
    const r = this.#ranges;
    for (let i = 0; i < r.length; i += 4) {
      if (r[i] === slot && destinationId >= r[i + 1]! && destinationId <= r[i + 2]!) return (r[i + 3]! & direction) !== 0;
    }
    return o.passAllTalkgroups;
  }

  #nextWire(): Uint8Array {
    const wire = this.#wire[this.#wireCursor]!;
    this.#wireCursor = (this.#wireCursor + 1) % WIRE_RING;
    return wire;
  }

  #send(bytes: Uint8Array, length: number): boolean {
    const master = this.#master;
    if (master === null) return false;
    if (this.#ctx.outbox.push(master, bytes, length)) return true;
    this.counters.egressDropped++;
    return false;
  }
}

function writeTagged(out: Uint8Array, tag: string, repeaterId: number): void {
  for (let i = 0; i < tag.length; i++) out[i] = tag.charCodeAt(i);
  writeUint32(out, tag.length, repeaterId);
}


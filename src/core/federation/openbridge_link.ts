/**
 * One OpenBridge/FBP link (freedmr-reference.md §2): a DatagramHandler owning one UDP socket and a
 * RouterPort of kind OpenBridge.
 *
 * Ingress, in order (§2.3): classify → source address (strict checks) → MAC → network id in bytes
 * 11–14 → proof of life (keepalive) → protocol/version → [FBP: age ≤ 5 s, source server sane and not
 * us, hops + 1 ≤ 10] → low-level TG filter → subscriber/TG ACLs → loop control (stream table) →
 * `router.onFrame` with a 55-byte DMRD in the link's namespace (TS1, link TG; the router applies
 * the link's talkgroup map). Drops after authentication that concern a stream (age, hops, filter,
 * ACL, loop) answer with one BCSQ per stream on enhanced links.
 *
 * Egress (`emit`): the router's 55-byte frame in the link namespace → filter/ACL → OBP v1 (53 bytes
 * + HMAC-SHA1, our server id in 11–14, TS1) or DMRE v4/v5 (source server, source repeater and hops
 * from the stream table, BLAKE2b-16) into a ring of wire buffers allocated at start-up.
 *
 * Liveness: links with bridge control (`enhanced`) send BCKA every 10 s and BCVE every 60 s; they
 * are up (get traffic) while the peer's BCKA or frames keep arriving, and down after 60 s of silence.
 * Plain v1 links (BrandMeister, HBlink) are always up.
 *
 * The peer's address (README "Link address rules"): strict checks accept target_address:target_port
 * only. Relaxed checks accept signed packets from any address, but the link *sends* to a new address
 * only on proof that cannot be replayed: an FBP (DMRE) frame whose MAC verifies and whose timestamp is
 * within maxAgeMs of our clock and newer than every FBP timestamp heard before (§2.3). BCKA, BCVE and
 * BCSQ sign constant or timeless text, and OpenBridge v1 frames carry no timestamp: none of them ever
 * moves the link (a replayed BCKA from a third address gets no traffic). When the peer's address has
 * been silent for keepaliveTimeoutMs, a signed BCKA from elsewhere is answered with our BCKA (at most
 * one a second) so a peer that really moved hears us, comes up and proves its move with traffic.
 * With no address known yet (target_address ""), the first signed packet sets it.
 * @module
 */
import { aclPermits } from "../acl.ts";
import { Blake2b } from "../../lib/blake2b.ts";
import { HmacSha1 } from "../../lib/hmac_sha1.ts";
import {
  DMRD_LENGTH,
  DMRD_OFFSET_DESTINATION,
  DMRD_OFFSET_FLAGS,
  DMRD_OFFSET_REPEATER,
  DMRD_OFFSET_SOURCE,
  DMRD_OFFSET_STREAM,
  DmrdFrame,
  DmrdStatus,
  CallType,
  FLAG_CALL_UNIT,
  FLAG_SLOT_TS2,
  decodeDmrd,
  readUint24,
  readUint32,
} from "../../wire/dmrd.ts";
import {
  bcsqStream,
  bcsqTalkgroup,
  bcveVersion,
  encodeBcka,
  encodeBcsq,
  encodeBcve,
  verifyBcka,
  verifyBcsq,
  verifyBcve,
} from "../../wire/bridge_control.ts";
import { DMRE_MAC_LENGTH, DmreStatus, FbpMeta, decodeDmre, encodeDmre } from "../../wire/fbp.ts";
import {
  BCKA_LENGTH,
  BCVE_LENGTH,
  DMRE_V5_LENGTH,
  OpenBridgeKind,
  classifyOpenBridge,
  copyObpV1To55,
  encodeObpV1,
  openBridgeKey,
  openBridgeSenderId,
  verifyObpV1,
} from "../../wire/openbridge.ts";
import type { SocketControl, SocketSpec } from "../datagram_handler.ts";
import { Endpoint } from "../endpoint.ts";
import type { Outbox } from "../outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import type { FederationContext } from "./context.ts";
import { LinkCounters } from "./link_counters.ts";
import { LinkRefusal, LinkRefusalReporter } from "./link_refusals.ts";
import type { OpenBridgeLinkOptions } from "./link_options.ts";
import { FilterVerdict, lowLevelFilter } from "./low_level_filter.ts";
import { NOT_FOUND, ORIGIN_LOCAL } from "./stream_table.ts";

/** Wire buffers per link: more than the frames one core call can emit to one link. */
const WIRE_RING = 64;
/** Stream ids we already answered with BCSQ for a refusal (not loop; loop uses the stream table). */
const REFUSED_RING = 32;
/** Unit calls to ids below this are local services (dial-a-TG control, parrot, 4000/5000 …). */
const UNIT_ID_MIN = 1_000_000;
/** At most one BCKA answer to keepalives from another address per … (bounds reflection). */
const FOREIGN_KEEPALIVE_REPLY_INTERVAL_MS = 1_000;
/** At most one "peer is now at" log event per link per … (a flapping peer is counted, not logged each time). */
const FOLLOW_LOG_INTERVAL_MS = 10_000;

export interface OpenBridgeLinkInfo {
  name: string;
  portIndex: number;
  protocol: number;
  enhanced: boolean;
  up: boolean;
  peer: string | null;
  lastHeardMs: number | null;
  counters: LinkCounters;
}

export class OpenBridgeLink implements RouterPort {
  // ---- RouterPort ----
  readonly portIndex: number;
  readonly kind = PortKind.OpenBridge;
  readonly name: string;
  readonly repeaterId: number;
  readonly simplex = false;
  readonly callsign: string;
  readonly accessRule: string | null = null;
  readonly acceptsUnitDataFlood: boolean;

  readonly options: OpenBridgeLinkOptions;
  readonly counters = new LinkCounters();
  /** Index among federation ports (bit in the stream table's masks). */
  readonly federationIndex: number;

  readonly #ctx: FederationContext;
  readonly #hmac: HmacSha1;
  readonly #blake: Blake2b;
  readonly #txBuffers: [Uint8Array, Uint8Array] = [new Uint8Array(DMRD_LENGTH), new Uint8Array(DMRD_LENGTH)];
  readonly #wire: Uint8Array[] = [];
  #wireCursor = 0;
  readonly #bcka = new Uint8Array(BCKA_LENGTH);
  readonly #bcve = new Uint8Array(BCVE_LENGTH);
  readonly #ingress = new Uint8Array(DMRD_LENGTH);
  readonly #frame = new DmrdFrame();
  readonly #meta = new FbpMeta();
  readonly #egressMeta = new FbpMeta();
  readonly #macScratch = new Uint8Array(DMRE_MAC_LENGTH);
  readonly #refused = new Uint32Array(REFUSED_RING);
  /** Drops an operator can fix → rate-limited link.refused events. */
  readonly #refusals: LinkRefusalReporter;
  #refusedCursor = 0;
  /** Plain and IPv4-mapped forms of the peer's address (configured, then followed), for the source check. */
  #targetPlain: string;
  #targetMapped: string;

  #socketIndex = -1;
  #target: Endpoint | null = null;
  /** Protocol in use now: starts at options.protocol, follows BCVE (upgrade) and DMRE version bytes. */
  #version: number;
  #up = false;
  #started = false;
  #lastHeardMs = Number.NEGATIVE_INFINITY;
  #lastKeepaliveSentMs = Number.NEGATIVE_INFINITY;
  #lastVersionSentMs = Number.NEGATIVE_INFINITY;
  /** Last signed packet from the peer's current address (not from elsewhere). */
  #targetHeardMs = Number.NEGATIVE_INFINITY;
  /** Newest FBP timestamp of any signed DMRE: a new address must beat it to be followed. */
  #newestTimestampMs = Number.NEGATIVE_INFINITY;
  #lastForeignReplyMs = Number.NEGATIVE_INFINITY;
  #lastFollowLogMs = Number.NEGATIVE_INFINITY;

  constructor(options: OpenBridgeLinkOptions, ctx: FederationContext, portIndex: number, federationIndex: number) {
    if (options.passphrase === "") throw new Error(`openbridge ${options.name}: the passphrase must not be empty`);
    if (options.targetAddress === "" && !(options.relaxedChecks && options.enhanced)) {
      throw new Error(`openbridge ${options.name}: target_address is required unless relaxed_checks and enhanced are on`);
    }
    this.options = options;
    this.name = options.name;
    this.callsign = options.name;
    this.repeaterId = options.networkId;
    this.portIndex = portIndex;
    this.federationIndex = federationIndex;
    this.acceptsUnitDataFlood = options.unitCalls && options.protocol >= 4;
    this.#ctx = ctx;
    this.#refusals = new LinkRefusalReporter(options.name, options.networkId, ctx.events);
    this.#version = options.protocol;
    const key = openBridgeKey(options.passphrase);
    this.#hmac = new HmacSha1(key);
    this.#blake = new Blake2b(DMRE_MAC_LENGTH, key);
    const ring = new Uint8Array(WIRE_RING * DMRE_V5_LENGTH);
    for (let i = 0; i < WIRE_RING; i++) this.#wire.push(ring.subarray(i * DMRE_V5_LENGTH, (i + 1) * DMRE_V5_LENGTH));
    encodeBcka(this.#hmac, this.#bcka);
    encodeBcve(this.#version, this.#hmac, this.#bcve);
    this.#targetPlain = options.targetAddress;
    this.#targetMapped = options.targetAddress.includes(".") ? `::ffff:${options.targetAddress}` : options.targetAddress;
    ctx.router.setPortTalkgroupMap?.(this, options.talkgroupMap);
  }

  // ---- hosting -----------------------------------------------------------------------------

  socketSpecs(): readonly SocketSpec[] {
    const o = this.options;
    return [{ name: `obp:${o.name}`, bindAddress: o.bindAddress, port: o.port, receiveBufferBytes: o.receiveBufferBytes }];
  }

  onSocketsBound(socketIndexes: readonly number[], _control?: SocketControl): void {
    const index = socketIndexes[0];
    if (index === undefined) throw new Error(`openbridge ${this.name}: no socket`);
    this.#socketIndex = index;
    if (this.options.targetAddress !== "") this.#target = new Endpoint(index, this.options.targetAddress, this.options.targetPort);
  }

  /** Say goodbye: the link goes down in the router. OpenBridge has no close message. */
  shutdown(nowMs: number): void {
    this.#setDown(nowMs, "shutdown");
  }

  get up(): boolean {
    return this.#up;
  }
  get version(): number {
    return this.#version;
  }
  get target(): Endpoint | null {
    return this.#target;
  }

  info(): OpenBridgeLinkInfo {
    return {
      name: this.name,
      portIndex: this.portIndex,
      protocol: this.#version,
      enhanced: this.options.enhanced,
      up: this.#up,
      peer: this.#target?.toString() ?? null,
      lastHeardMs: Number.isFinite(this.#lastHeardMs) ? this.#lastHeardMs : null,
      counters: this.counters,
    };
  }

  // ---- DatagramHandler -----------------------------------------------------------------------

  onTick(nowMs: number): void {
    const o = this.options;
    this.#ctx.streams.sweep(nowMs);
    this.#refusals.flush(nowMs);
    if (!this.#started) {
      this.#started = true;
      if (!o.enhanced) this.#setUp(nowMs, "started");
    }
    if (!o.enhanced) return;
    if (this.#up && nowMs - this.#lastHeardMs > o.keepaliveTimeoutMs) this.#setDown(nowMs, "keepalive-timeout");
    const target = this.#target;
    if (target === null) return;
    if (nowMs - this.#lastKeepaliveSentMs >= o.keepaliveIntervalMs) {
      this.#lastKeepaliveSentMs = nowMs;
      if (this.#push(target, this.#bcka, BCKA_LENGTH)) this.counters.keepalivesOut++;
    }
    if (nowMs - this.#lastVersionSentMs >= o.versionIntervalMs) {
      this.#lastVersionSentMs = nowMs;
      if (this.#push(target, this.#bcve, BCVE_LENGTH)) this.counters.versionsOut++;
    }
  }

  onDatagram(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    c.datagramsIn++;
    switch (classifyOpenBridge(bytes)) {
      case OpenBridgeKind.DmrdV1:
        this.#onDmrd(nowMs, socketIndex, address, port, bytes);
        return;
      case OpenBridgeKind.Dmre:
        this.#onDmre(nowMs, socketIndex, address, port, bytes);
        return;
      case OpenBridgeKind.Bcka:
        this.#onBcka(nowMs, socketIndex, address, port, bytes);
        return;
      case OpenBridgeKind.Bcsq:
        this.#onBcsq(nowMs, address, port, bytes);
        return;
      case OpenBridgeKind.Bcve:
        this.#onBcve(nowMs, address, port, bytes);
        return;
      case OpenBridgeKind.Bcst:
      case OpenBridgeKind.Refused:
        c.unsupported++;
        return;
      case OpenBridgeKind.Unknown:
      case OpenBridgeKind.BadLength:
        c.malformed++;
        this.#refusals.report(nowMs, LinkRefusal.Malformed, address, port);
        return;
    }
  }

  // ---- RouterPort --------------------------------------------------------------------------

  txBuffer(slot: Slot): Uint8Array {
    return this.#txBuffers[slot - 1]!;
  }

  emit(nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    const c = this.counters;
    const target = this.#target;
    if (!this.#up || target === null) {
      c.egressDown++;
      return;
    }
    const ctx = this.#ctx;
    const flags = frame[DMRD_OFFSET_FLAGS]!;
    const destinationId = readUint24(frame, DMRD_OFFSET_DESTINATION);
    const sourceId = readUint24(frame, DMRD_OFFSET_SOURCE);
    const streamId = readUint32(frame, DMRD_OFFSET_STREAM);
    const streams = ctx.streams;
    const meta = this.#egressMeta;
    meta.hops = 1;
    meta.sourceServer = ctx.serverId;
    // The router leaves the source's repeater id in 11–14 (RouterPort.emit); a frame that carries
    // this link's own id came from no hotspot, so it has no FBP v5 source repeater.
    const repeaterId = readUint32(frame, DMRD_OFFSET_REPEATER);
    meta.sourceRepeater = repeaterId === this.repeaterId ? 0 : repeaterId;
    const slot = streams.find(streamId);
    if (slot !== NOT_FOUND) {
      const origin = streams.origin(slot);
      if (origin === this.federationIndex) {
        c.egressEcho++;
        return;
      }
      if (streams.isQuenchedBy(slot, this.federationIndex)) {
        c.egressQuenched++;
        return;
      }
      meta.hops = streams.hopsOut(slot);
      meta.sourceServer = streams.sourceServer(slot);
      meta.sourceRepeater = streams.sourceRepeater(slot);
      if (origin === ORIGIN_LOCAL) streams.touch(slot, nowMs);
    }
    if (!this.#egressAllowed(flags, sourceId, destinationId, meta.sourceServer)) {
      c.egressFiltered++;
      return;
    }
    if (slot === NOT_FOUND && streamId !== 0) {
      // Sent to a link without having come from one: a local stream. Copies coming back are loops.
      streams.insert(nowMs, streamId, ORIGIN_LOCAL, 1, meta.sourceServer, meta.sourceRepeater);
    }
    const wire = this.#nextWire();
    let length: number;
    if (this.#version >= 4) {
      meta.version = this.#version === 4 ? 4 : 5;
      meta.timestampMs = ctx.wallClockMs();
      length = encodeDmre(frame, ctx.serverId, meta, this.#blake, wire);
    } else {
      length = encodeObpV1(frame, ctx.serverId, this.#hmac, wire);
    }
    if (outbox.push(target, wire, length)) c.framesOut++;
    else c.egressDropped++;
  }

  onStreamRefused(nowMs: number, streamId: number, talkgroupId: number, outbox: Outbox): void {
    void nowMs;
    void outbox;
    this.#quench(talkgroupId, streamId);
  }

  // ---- ingress -----------------------------------------------------------------------------

  #onDmrd(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    if (!this.#authenticate(address, port) || !verifyObpV1(bytes, this.#hmac)) return this.#rejectMac(nowMs, address, port);
    const senderId = openBridgeSenderId(bytes);
    if (!this.#senderAllowed(senderId)) {
      c.badNetworkId++;
      this.#refusals.report(nowMs, LinkRefusal.WrongNetworkId, address, port, senderId);
      return;
    }
    this.#heard(nowMs, socketIndex, address, port, false);
    if (this.#version >= 4) {
      // §2.2: an FBP link that receives plain DMRD drops it and tells the peer our version.
      c.wrongProtocol++;
      this.#refusals.report(nowMs, LinkRefusal.WrongProtocol, address, port, 1);
      if (this.options.enhanced && this.#target !== null && this.#push(this.#target, this.#bcve, BCVE_LENGTH)) c.versionsOut++;
      return;
    }
    if ((bytes[DMRD_OFFSET_FLAGS]! & FLAG_SLOT_TS2) !== 0) {
      c.badSlot++;
      this.#refusals.report(nowMs, LinkRefusal.BadSlot, address, port);
      return;
    }
    copyObpV1To55(bytes, this.#ingress);
    // §2.2: inbound v1 traffic is attributed to our server id; v1 carries no hop count.
    const sourceRepeater = senderId !== this.options.networkId ? senderId : 0;
    this.#deliver(nowMs, 1, this.#ctx.serverId, sourceRepeater, 1);
  }

  #onDmre(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    const o = this.options;
    if (!this.#authenticate(address, port)) return this.#rejectMac(nowMs, address, port);
    const meta = this.#meta;
    const status = decodeDmre(bytes, this.#blake, this.#macScratch, meta, this.#ingress);
    if (status === DmreStatus.BadMac) return this.#rejectMac(nowMs, address, port);
    if (status !== DmreStatus.Ok) {
      c.malformed++;
      this.#refusals.report(nowMs, LinkRefusal.Malformed, address, port);
      return;
    }
    const senderId = openBridgeSenderId(bytes);
    if (!this.#senderAllowed(senderId)) {
      c.badNetworkId++;
      this.#refusals.report(nowMs, LinkRefusal.WrongNetworkId, address, port, senderId);
      return;
    }
    if (this.#version < 4 && !o.enhanced) {
      c.wrongProtocol++;
      this.#refusals.report(nowMs, LinkRefusal.WrongProtocol, address, port, meta.version);
      return;
    }
    this.#followIfFresh(nowMs, socketIndex, address, port, meta.timestampMs);
    this.#heard(nowMs, socketIndex, address, port, false);
    if (meta.versionByte !== meta.version) c.layoutByLength++;
    if (meta.version !== this.#version) this.#setVersion(nowMs, meta.version, "dmre");
    const streamId = readUint32(this.#ingress, DMRD_OFFSET_STREAM);
    const talkgroupId = readUint24(this.#ingress, DMRD_OFFSET_DESTINATION);
    const ageMs = this.#ctx.wallClockMs() - meta.timestampMs;
    if (ageMs > o.maxAgeMs) {
      c.tooOld++;
      this.#refusals.report(nowMs, LinkRefusal.TooOld, address, port, ageMs);
      this.#quenchOnce(talkgroupId, streamId);
      return;
    }
    const serverId = this.#ctx.serverId;
    if (meta.sourceServer === 0 || (serverId !== 0 && meta.sourceServer === serverId)) {
      c.badSourceServer++;
      this.#refusals.report(nowMs, LinkRefusal.BadSourceServer, address, port, meta.sourceServer);
      this.#quenchOnce(talkgroupId, streamId);
      return;
    }
    if (meta.hops + 1 > o.maxHops) {
      c.tooManyHops++;
      this.#refusals.report(nowMs, LinkRefusal.TooManyHops, address, port, meta.hops);
      this.#quenchOnce(talkgroupId, streamId);
      return;
    }
    this.#deliver(nowMs, meta.version, meta.sourceServer, meta.sourceRepeater, meta.hops + 1);
  }

  /** Common tail of DMRD/DMRE ingress: the 55-byte frame is in #ingress. */
  #deliver(nowMs: number, version: number, sourceServer: number, sourceRepeater: number, hopsOut: number): void {
    const c = this.counters;
    const o = this.options;
    const frame = this.#frame;
    if (decodeDmrd(this.#ingress, frame) !== DmrdStatus.Ok) {
      c.badFrame++;
      return;
    }
    const streamId = frame.streamId;
    const destinationId = frame.destinationId;
    if (frame.callType === CallType.Unit) {
      if (!o.unitCalls || destinationId < UNIT_ID_MIN) {
        c.unitRefused++;
        this.#quenchOnce(destinationId, streamId);
        return;
      }
    } else {
      if (this.#filtered(lowLevelFilter(destinationId, version, sourceServer, this.#ctx.serverId))) {
        c.filtered++;
        this.#quenchOnce(destinationId, streamId);
        return;
      }
      if (!aclPermits(o.talkgroupMap.ingressAcl, destinationId)) {
        c.acl++;
        this.#quenchOnce(destinationId, streamId);
        return;
      }
    }
    if (!aclPermits(o.subscriberAcl, frame.sourceId)) {
      c.acl++;
      this.#quenchOnce(destinationId, streamId);
      return;
    }
    if (streamId !== 0) {
      const streams = this.#ctx.streams;
      const slot = streams.find(streamId);
      if (slot === NOT_FOUND) {
        streams.insert(nowMs, streamId, this.federationIndex, hopsOut, sourceServer, sourceRepeater);
      } else if (streams.origin(slot) !== this.federationIndex) {
        // §2.5: first arrival wins, local always wins; one BCSQ per stream to the loser.
        c.loop++;
        if (streams.markQuenchSent(slot, this.federationIndex)) this.#quench(destinationId, streamId);
        return;
      } else {
        streams.touch(slot, nowMs);
      }
    }
    c.framesIn++;
    this.#ctx.router.onFrame(nowMs, this, frame);
  }

  #onBcka(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    if (!this.options.enhanced) {
      c.controlIgnored++;
      return;
    }
    if (!this.#authenticate(address, port) || !verifyBcka(bytes, this.#hmac)) return this.#rejectMac(nowMs, address, port);
    c.keepalivesIn++;
    if (!this.#heard(nowMs, socketIndex, address, port, true)) this.#answerForeignKeepalive(nowMs, socketIndex, address, port);
  }

  #onBcsq(nowMs: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    if (!this.options.enhanced) {
      c.controlIgnored++;
      return;
    }
    if (!this.#authenticate(address, port) || !verifyBcsq(bytes, this.#hmac)) return this.#rejectMac(nowMs, address, port);
    c.quenchesIn++;
    const streamId = bcsqStream(bytes);
    const talkgroupId = bcsqTalkgroup(bytes);
    const streams = this.#ctx.streams;
    const slot = streams.find(streamId);
    if (slot !== NOT_FOUND) streams.markQuenchedBy(slot, this.federationIndex);
    this.#ctx.router.quench?.(nowMs, this, talkgroupId, streamId);
  }

  #onBcve(nowMs: number, address: string, port: number, bytes: Uint8Array): void {
    const c = this.counters;
    if (!this.options.enhanced) {
      c.controlIgnored++;
      return;
    }
    if (!this.#authenticate(address, port) || !verifyBcve(bytes, this.#hmac)) return this.#rejectMac(nowMs, address, port);
    c.versionsIn++;
    const version = bcveVersion(bytes);
    // §2.4: upgrade only; 2, 3 and > 5 are ignored.
    if ((version === 4 || version === 5) && version > this.#version) this.#setVersion(nowMs, version, "bcve");
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Strict checks: the datagram must come from the configured peer. */
  #authenticate(address: string, port: number): boolean {
    if (this.options.relaxedChecks) return true;
    const target = this.#target;
    if (target !== null && port === target.port && (address === this.#targetPlain || address === this.#targetMapped || address === target.address)) {
      return true;
    }
    this.counters.badSource++;
    return false;
  }

  #senderAllowed(senderId: number): boolean {
    return this.options.acceptAnyPeerId || senderId === this.options.networkId;
  }

  #rejectMac(nowMs: number, address: string, port: number): void {
    // #authenticate counted a bad source itself; everything else reaching here is a bad MAC.
    if (!this.options.relaxedChecks && !this.#isTarget(address, port)) return;
    this.counters.badMac++;
    this.#refusals.report(nowMs, LinkRefusal.BadMac, address, port);
  }

  #isTarget(address: string, port: number): boolean {
    const target = this.#target;
    return target !== null && port === target.port && (address === this.#targetPlain || address === this.#targetMapped || address === target.address);
  }

  /**
   * A signed packet arrived: the peer is alive. Returns whether it came from the peer's address; with
   * no address known yet (relaxed checks, target_address "") it sets it. It never moves a known one.
   */
  #heard(nowMs: number, socketIndex: number, address: string, port: number, keepalive: boolean): boolean {
    this.#lastHeardMs = nowMs;
    if (this.#target === null) this.#follow(nowMs, socketIndex, address, port, "first contact");
    const fromTarget = this.#isTarget(address, port);
    if (fromTarget) this.#targetHeardMs = nowMs;
    else this.counters.addressNotFollowed++;
    if (!this.#up) this.#setUp(nowMs, keepalive ? "keepalive" : "traffic");
    return fromTarget;
  }

  /**
   * The only proof that moves a known peer address (relaxed checks): a signed FBP frame from the new
   * address whose timestamp is within maxAgeMs of our clock (either way) and newer than every FBP
   * timestamp heard before, so a replay — of a keepalive or of an old frame — never qualifies.
   */
  #followIfFresh(nowMs: number, socketIndex: number, address: string, port: number, timestampMs: number): void {
    // only timestamps near our clock count, so one wild stamp cannot block following for long
    if (timestampMs <= this.#newestTimestampMs || Math.abs(this.#ctx.wallClockMs() - timestampMs) > this.options.maxAgeMs) return;
    this.#newestTimestampMs = timestampMs;
    if (!this.options.relaxedChecks || this.#target === null || this.#isTarget(address, port)) return;
    this.#follow(nowMs, socketIndex, address, port, "fresh FBP traffic");
  }

  #follow(nowMs: number, socketIndex: number, address: string, port: number, reason: string): void {
    const previous = this.#target;
    this.#target = new Endpoint(socketIndex, address, port);
    this.#targetPlain = address;
    this.#targetMapped = address;
    this.#targetHeardMs = nowMs;
    this.counters.addressFollowed++;
    if (nowMs - this.#lastFollowLogMs < FOLLOW_LOG_INTERVAL_MS) return;
    this.#lastFollowLogMs = nowMs;
    this.#ctx.events.publish({
      type: "log",
      atMs: nowMs,
      level: "info",
      msg: `openbridge ${this.name}: peer is now at ${this.#target.toString()} (${reason})`,
      data: { link: this.name, address, port, previous: previous?.toString() ?? null, reason, followed: this.counters.addressFollowed },
    });
  }

  /**
   * A signed BCKA from another address while the peer's address has been silent for the keepalive
   * timeout: a peer that moved does not hear our keepalives any more and sends no traffic until it
   * does, so answer with one of ours (a constant the sender already holds; no traffic goes there).
   */
  #answerForeignKeepalive(nowMs: number, socketIndex: number, address: string, port: number): void {
    if (this.#version < 4 || nowMs - this.#targetHeardMs <= this.options.keepaliveTimeoutMs) return;
    if (nowMs - this.#lastForeignReplyMs < FOREIGN_KEEPALIVE_REPLY_INTERVAL_MS) return;
    this.#lastForeignReplyMs = nowMs;
    if (this.#push(new Endpoint(socketIndex, address, port), this.#bcka, BCKA_LENGTH)) this.counters.keepaliveAnswers++;
  }

  #setUp(nowMs: number, reason: string): void {
    if (this.#up) return;
    this.#up = true;
    this.#ctx.router.onPortUp(nowMs, this);
    this.#ctx.events.publish({ type: "link.up", atMs: nowMs, link: this.name, reason });
  }

  #setDown(nowMs: number, reason: string): void {
    if (!this.#up) return;
    this.#up = false;
    this.#ctx.router.onPortDown(nowMs, this);
    this.#ctx.streams.forgetOrigin(this.federationIndex);
    this.#ctx.events.publish({ type: "link.down", atMs: nowMs, link: this.name, reason });
  }

  #setVersion(nowMs: number, version: number, reason: string): void {
    const previous = this.#version;
    this.#version = version;
    encodeBcve(version, this.#hmac, this.#bcve);
    this.#ctx.events.publish({
      type: "log",
      atMs: nowMs,
      level: "info",
      msg: `openbridge ${this.name}: protocol version ${previous} → ${version} (${reason})`,
      data: { link: this.name, previous, version },
    });
  }

  #egressAllowed(flags: number, sourceId: number, destinationId: number, sourceServer: number): boolean {
    const o = this.options;
    if ((flags & FLAG_CALL_UNIT) !== 0) {
      if (!o.unitCalls || destinationId < UNIT_ID_MIN) return false;
    } else {
      if (this.#filtered(lowLevelFilter(destinationId, this.#version, sourceServer, this.#ctx.serverId))) return false;
      if (!aclPermits(o.talkgroupMap.egressAcl, destinationId)) return false;
    }
    return aclPermits(o.subscriberAcl, sourceId);
  }

  /** The local-only part of the filter (≤ 79, 9990–9999, 900999) can be switched off; the regional rules cannot. */
  #filtered(verdict: FilterVerdict): boolean {
    if (verdict === FilterVerdict.Pass) return false;
    return verdict !== FilterVerdict.Local || this.options.talkgroupMap.localOnlyFilter;
  }

  /** BCSQ once per refused stream (a refused stream keeps arriving until the peer stops it). */
  #quenchOnce(talkgroupId: number, streamId: number): void {
    const ring = this.#refused;
    for (let i = 0; i < REFUSED_RING; i++) if (ring[i] === streamId) return;
    ring[this.#refusedCursor] = streamId;
    this.#refusedCursor = (this.#refusedCursor + 1) % REFUSED_RING;
    this.#quench(talkgroupId, streamId);
  }

  #quench(talkgroupId: number, streamId: number): void {
    const target = this.#target;
    if (!this.options.enhanced || target === null) return;
    const wire = this.#nextWire();
    const length = encodeBcsq(talkgroupId, streamId, this.#hmac, wire);
    if (this.#push(target, wire, length)) this.counters.quenchesOut++;
  }

  #nextWire(): Uint8Array {
    const wire = this.#wire[this.#wireCursor]!;
    this.#wireCursor = (this.#wireCursor + 1) % WIRE_RING;
    return wire;
  }

  #push(target: Endpoint, bytes: Uint8Array, length: number): boolean {
    if (this.#ctx.outbox.push(target, bytes, length)) return true;
    this.counters.egressDropped++;
    return false;
  }
}

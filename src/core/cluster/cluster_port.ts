/**
 * The cluster port: the other nodes of a freedmr cluster seen as one router port (a trunk link like
 * an OpenBridge link: many streams at once, every talkgroup one to one on TS1, the same loop
 * control, contention, hang time and rewrite rules as any link). Deterministic and I/O-free:
 *
 *  - out: the router emits a group frame (or a unit frame whose destination radio was last heard on
 *    another node) into a bounded ring of preallocated messages (cluster_wire.ts); the shell drains
 *    the ring and publishes each message on its subject (src/shell/cluster/cluster_node.ts). A full
 *    ring drops and counts; nothing waits.
 *  - in: the shell hands every message from NATS to `receive`, which checks the header (version, hop
 *    1, not our own node id), learns where the source radio is (for unit calls back), and gives the
 *    DMRD to the router as a frame from this port. A frame from the cluster never goes back to it:
 *    the router never delivers a stream to the port it came from.
 *  - talker aliases (DMRA side channel): the router hands the port each TA LC of a stream it is a
 *    target of (`emitTalkerAlias`); it goes into the same ring as a 28-byte message on the subject
 *    of the stream's frames, and the receiving node joins it to its stream of that call (never
 *    published again: a trunk port's aliases are not forwarded).
 *  - configured bridges: the router hands the port every frame of a stream that joined a bridge
 *    here (`emitBridgeFrame`); it goes out on the bridge's subject, and the receiving node routes
 *    it into the same bridge (`onBridgeFrame`), to its own active members
 *    (src/core/routing/features/bridge_trunk.ts).
 * @module
 */
import type { FrameRouter } from "../router_contract.ts";
import { PortKind, type RouterPort, type Slot } from "../router_port.ts";
import type { Outbox } from "../outbox.ts";
import { decodeDmrd, DmrdFrame, DmrdStatus, DMRD_LENGTH, DMRD_OFFSET_DESTINATION, DMRD_OFFSET_FLAGS, DMRD_OFFSET_SOURCE, FLAG_CALL_UNIT, FLAG_SLOT_TS2 } from "../../wire/dmrd.ts";
import {
  CLUSTER_ALIAS_DATA_BYTES,
  CLUSTER_ALIAS_LENGTH,
  CLUSTER_ALIAS_OFFSET_BLOCK,
  CLUSTER_ALIAS_OFFSET_DATA,
  CLUSTER_ALIAS_OFFSET_SOURCE,
  CLUSTER_ALIAS_OFFSET_STREAM,
  CLUSTER_BRIDGE_LENGTH,
  CLUSTER_BRIDGE_OFFSET_KEY,
  bridgeKey,
  CLUSTER_HEADER_LENGTH,
  CLUSTER_MESSAGE_LENGTH,
  CLUSTER_OFFSET_HOP,
  CLUSTER_OFFSET_KIND,
  CLUSTER_OFFSET_ORIGIN,
  CLUSTER_WIRE_VERSION,
  ClusterKind,
  readU32,
  writeClusterHeader,
  writeU32,
} from "./cluster_wire.ts";

export const enum ClusterReceive {
  Routed = 0,
  BadLength = 1,
  BadVersion = 2,
  BadHop = 3,
  OwnOrigin = 4,
  BadFrame = 5,
  /** a talker-alias LC, handed to the router */
  Alias = 6,
  /** a talker-alias message with a bad block number or reserved byte */
  BadAlias = 7,
  /** a bridge frame, handed to the router */
  Bridge = 8,
  /** a bridge frame for a bridge this node does not have (by name) */
  UnknownBridge = 9,
}

export interface ClusterPortOptions {
  nodeId: number;
  portIndex: number;
  name: string;
  /** messages the out ring holds between two drains (default 2048) */
  queueCapacity?: number;
  /** radios remembered with the node they were last heard on (default 100,000) */
  radioCapacity?: number;
  /** names of the configured bridges, by index (their keys on the wire; default none) */
  bridgeNames?: readonly string[];
}

/** The subject a queued message goes to (with `targets[i]`): `grp.<talkgroup>`, `unit.<node id>`, `brg.<bridge key>`. */
export const enum ClusterSubject {
  Group = 0,
  Unit = 1,
  Bridge = 2,
}

export class ClusterPortCounters {
  published = 0;
  droppedQueueFull = 0;
  droppedUnitUnknownNode = 0;
  received = 0;
  droppedBadLength = 0;
  droppedBadVersion = 0;
  droppedBadHop = 0;
  droppedOwnOrigin = 0;
  droppedBadFrame = 0;
  aliasesPublished = 0;
  aliasesReceived = 0;
  droppedBadAlias = 0;
  bridgeFramesPublished = 0;
  bridgeFramesReceived = 0;
  /** bridge frames for a bridge name this node has not configured */
  droppedUnknownBridge = 0;
}

function readU24(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
}

export class ClusterPort implements RouterPort {
  readonly portIndex: number;
  readonly kind = PortKind.Cluster;
  readonly name: string;
  readonly repeaterId: number;
  readonly simplex = false;
  readonly callsign = "CLUSTER";
  readonly accessRule: string | null = null;
  readonly nodeId: number;
  readonly counters = new ClusterPortCounters();

  // out ring: message i is messages[i], published on the subject of (kinds[i], targets[i])
  readonly capacity: number;
  /** each message's first CLUSTER_MESSAGE_LENGTH bytes (group/unit frames) */
  readonly messages: Uint8Array[] = [];
  /** the first CLUSTER_ALIAS_LENGTH bytes of each message (views made at start-up) */
  readonly #aliasViews: Uint8Array[] = [];
  /** each message whole, CLUSTER_BRIDGE_LENGTH bytes (bridge frames) */
  readonly #bridgeViews: Uint8Array[] = [];
  /** bridge key by bridge index, and back */
  readonly bridgeKeys: Uint32Array;
  readonly #bridgeIndexes = new Map<number, number>();
  readonly kinds: Uint8Array;
  /** talkgroup (group) or destination node id (unit) of each message */
  readonly targets: Float64Array;
  /** per message: the ClusterSubject it is published on */
  readonly #subjects: Uint8Array;
  head = 0;
  count = 0;
  /** called when the ring goes from empty to non-empty (the shell schedules one drain) */
  onPending: (() => void) | null = null;

  readonly #tx: Uint8Array[] = [new Uint8Array(DMRD_LENGTH), new Uint8Array(DMRD_LENGTH)];
  readonly #rx = new Uint8Array(DMRD_LENGTH);
  readonly #aliasData = new Uint8Array(CLUSTER_ALIAS_DATA_BYTES);
  readonly #frame = new DmrdFrame();
  /** radio id → node id it was last heard on (learned from the cluster; bounded, oldest out) */
  readonly radioNodes = new Map<number, number>();
  readonly #radioCapacity: number;

  constructor(options: ClusterPortOptions) {
    this.nodeId = options.nodeId >>> 0;
    this.repeaterId = this.nodeId;
    this.portIndex = options.portIndex;
    this.name = options.name;
    this.capacity = options.queueCapacity ?? 2048;
    this.#radioCapacity = options.radioCapacity ?? 100_000;
    for (let i = 0; i < this.capacity; i++) {
      const message = new Uint8Array(CLUSTER_BRIDGE_LENGTH);
      this.#bridgeViews.push(message);
      this.messages.push(message.subarray(0, CLUSTER_MESSAGE_LENGTH));
      this.#aliasViews.push(message.subarray(0, CLUSTER_ALIAS_LENGTH));
    }
    const names = options.bridgeNames ?? [];
    this.bridgeKeys = new Uint32Array(names.length);
    names.forEach((name, index) => {
      const key = bridgeKey(name);
      this.bridgeKeys[index] = key;
      if (!this.#bridgeIndexes.has(key)) this.#bridgeIndexes.set(key, index);
    });
    this.kinds = new Uint8Array(this.capacity);
    this.#subjects = new Uint8Array(this.capacity);
    this.targets = new Float64Array(this.capacity);
  }

  txBuffer(slot: Slot): Uint8Array {
    return this.#tx[slot - 1]!;
  }

  emit(nowMs: number, frame: Uint8Array, _outbox: Outbox): void {
    const unit = (frame[DMRD_OFFSET_FLAGS]! & FLAG_CALL_UNIT) !== 0;
    const target = this.#subjectTarget(readU24(frame, DMRD_OFFSET_DESTINATION), unit);
    if (target < 0) return;
    const kind = unit ? ClusterKind.Unit : ClusterKind.Group;
    const at = this.#reserve(kind, target);
    if (at < 0) return;
    const message = this.messages[at]!;
    writeClusterHeader(message, kind, this.nodeId, nowMs);
    for (let i = 0; i < DMRD_LENGTH; i++) message[CLUSTER_HEADER_LENGTH + i] = frame[i]!;
    this.counters.published++;
    this.#commit();
  }

  /** A DMRA talker-alias LC of a stream delivered here: queued for the subject of the stream's frames. */
  emitTalkerAlias(nowMs: number, streamId: number, sourceId: number, destinationId: number, unit: boolean, block: number, data: Uint8Array): void {
    const target = this.#subjectTarget(destinationId, unit);
    if (target < 0) return;
    this.#queueAlias(nowMs, unit ? ClusterSubject.Unit : ClusterSubject.Group, target, streamId, sourceId, block, data);
  }

  /** A DMRA talker-alias LC of a stream that joined configured bridge `bridgeIndex` here: queued for the bridge's subject. */
  emitBridgeTalkerAlias(nowMs: number, bridgeIndex: number, streamId: number, sourceId: number, block: number, data: Uint8Array): void {
    if (bridgeIndex < 0 || bridgeIndex >= this.bridgeKeys.length) {
      this.counters.droppedUnknownBridge++;
      return;
    }
    this.#queueAlias(nowMs, ClusterSubject.Bridge, this.bridgeKeys[bridgeIndex]!, streamId, sourceId, block, data);
  }

  #queueAlias(nowMs: number, subject: ClusterSubject, target: number, streamId: number, sourceId: number, block: number, data: Uint8Array): void {
    const at = this.#reserve(ClusterKind.Alias, target);
    if (at < 0) return;
    this.#subjects[at] = subject;
    const message = this.messages[at]!;
    writeClusterHeader(message, ClusterKind.Alias, this.nodeId, nowMs);
    writeU32(message, CLUSTER_ALIAS_OFFSET_STREAM, streamId >>> 0);
    message[CLUSTER_ALIAS_OFFSET_SOURCE] = (sourceId >>> 16) & 0xff;
    message[CLUSTER_ALIAS_OFFSET_SOURCE + 1] = (sourceId >>> 8) & 0xff;
    message[CLUSTER_ALIAS_OFFSET_SOURCE + 2] = sourceId & 0xff;
    message[CLUSTER_ALIAS_OFFSET_BLOCK] = block & 0xff;
    for (let i = 0; i < CLUSTER_ALIAS_DATA_BYTES; i++) message[CLUSTER_ALIAS_OFFSET_DATA + i] = data[i] ?? 0;
    message[CLUSTER_ALIAS_LENGTH - 1] = 0;
    this.counters.aliasesPublished++;
    this.#commit();
  }

  /** A frame of a stream that joined configured bridge `bridgeIndex` here: queued for the bridge's subject, on the bridge lane (TS2). */
  emitBridgeFrame(nowMs: number, bridgeIndex: number, frame: Uint8Array): void {
    if (bridgeIndex < 0 || bridgeIndex >= this.bridgeKeys.length) {
      this.counters.droppedUnknownBridge++;
      return;
    }
    const key = this.bridgeKeys[bridgeIndex]!;
    const at = this.#reserve(ClusterKind.Bridge, key);
    if (at < 0) return;
    const message = this.#bridgeViews[at]!;
    writeClusterHeader(message, ClusterKind.Bridge, this.nodeId, nowMs);
    for (let i = 0; i < DMRD_LENGTH; i++) message[CLUSTER_HEADER_LENGTH + i] = frame[i]!;
    message[CLUSTER_HEADER_LENGTH + DMRD_OFFSET_FLAGS] = message[CLUSTER_HEADER_LENGTH + DMRD_OFFSET_FLAGS]! | FLAG_SLOT_TS2;
    writeU32(message, CLUSTER_BRIDGE_OFFSET_KEY, key);
    this.counters.bridgeFramesPublished++;
    this.#commit();
  }

  /** The talkgroup (group) or the node the destination radio was last heard on (unit); -1 = not sendable (counted). */
  #subjectTarget(destinationId: number, unit: boolean): number {
    if (!unit) return destinationId;
    const node = this.radioNodes.get(destinationId);
    if (node === undefined || node === this.nodeId) {
      this.counters.droppedUnitUnknownNode++;
      return -1;
    }
    return node;
  }

  /** The ring slot for the next message (its kind and subject target set), or -1 when full (counted). */
  #reserve(kind: ClusterKind, target: number): number {
    if (this.count >= this.capacity) {
      this.counters.droppedQueueFull++;
      return -1;
    }
    const at = (this.head + this.count) % this.capacity;
    this.kinds[at] = kind;
    this.targets[at] = target;
    this.#subjects[at] = kind === ClusterKind.Unit ? ClusterSubject.Unit : kind === ClusterKind.Bridge ? ClusterSubject.Bridge : ClusterSubject.Group;
    return at;
  }

  /** The reserved slot is written: queue it (one wake-up when the ring was empty). */
  #commit(): void {
    this.count++;
    if (this.count === 1) this.onPending?.();
  }

  /** The bytes to publish for queued message `i` (a view of the right length; no allocation). */
  messageAt(i: number): Uint8Array {
    const kind = this.kinds[i];
    return kind === ClusterKind.Alias ? this.#aliasViews[i]! : kind === ClusterKind.Bridge ? this.#bridgeViews[i]! : this.messages[i]!;
  }

  /** Which subject queued message `i` goes to; `targets[i]` is its talkgroup, node id or bridge key. */
  subjectOf(i: number): ClusterSubject {
    return this.#subjects[i]! as ClusterSubject;
  }

  /** True when queued message `i` goes to a node's unit subject (unit frames, aliases of unit calls). */
  toNode(i: number): boolean {
    return this.#subjects[i] === ClusterSubject.Unit;
  }

  /** Index of the oldest queued message (valid while count > 0). */
  peekIndex(): number {
    return this.head;
  }

  /** Forget the oldest queued message (after the shell published or dropped it). */
  shift(): void {
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  /** Drop everything queued (NATS away); returns how many. */
  clearQueue(): number {
    const n = this.count;
    this.head = 0;
    this.count = 0;
    return n;
  }

  /** Remember that `radioId` is on `nodeId` (from the cluster's traffic or its shared subscriber map). */
  learnRadio(radioId: number, nodeId: number): void {
    const map = this.radioNodes;
    if (map.get(radioId) === nodeId) return;
    if (!map.has(radioId) && map.size >= this.#radioCapacity) {
      for (const oldest of map.keys()) {
        map.delete(oldest);
        break;
      }
    }
    map.set(radioId, nodeId);
  }

  /** One message from NATS: checked, learned from, routed as a frame from this port. */
  receive(nowMs: number, bytes: Uint8Array, router: FrameRouter): ClusterReceive {
    const c = this.counters;
    const length = bytes.length;
    if (length !== CLUSTER_MESSAGE_LENGTH && length !== CLUSTER_ALIAS_LENGTH && length !== CLUSTER_BRIDGE_LENGTH) {
      c.droppedBadLength++;
      return ClusterReceive.BadLength;
    }
    if (bytes[0] !== CLUSTER_WIRE_VERSION) {
      c.droppedBadVersion++;
      return ClusterReceive.BadVersion;
    }
    const kind = bytes[CLUSTER_OFFSET_KIND]!;
    if (bytes[CLUSTER_OFFSET_HOP] !== 1 || kind > ClusterKind.Bridge) {
      c.droppedBadHop++;
      return ClusterReceive.BadHop;
    }
    if (length !== (kind === ClusterKind.Alias ? CLUSTER_ALIAS_LENGTH : kind === ClusterKind.Bridge ? CLUSTER_BRIDGE_LENGTH : CLUSTER_MESSAGE_LENGTH)) {
      c.droppedBadLength++;
      return ClusterReceive.BadLength;
    }
    const origin = readU32(bytes, CLUSTER_OFFSET_ORIGIN);
    if (origin === this.nodeId) {
      c.droppedOwnOrigin++;
      return ClusterReceive.OwnOrigin;
    }
    if (kind === ClusterKind.Alias) return this.#receiveAlias(nowMs, bytes, router);
    const rx = this.#rx;
    for (let i = 0; i < DMRD_LENGTH; i++) rx[i] = bytes[CLUSTER_HEADER_LENGTH + i]!;
    if (decodeDmrd(rx, this.#frame) !== DmrdStatus.Ok) {
      c.droppedBadFrame++;
      return ClusterReceive.BadFrame;
    }
    if (kind === ClusterKind.Bridge) {
      if ((rx[DMRD_OFFSET_FLAGS]! & FLAG_CALL_UNIT) !== 0) {
        c.droppedBadFrame++; // bridges carry group calls only
        return ClusterReceive.BadFrame;
      }
      const index = this.#bridgeIndexes.get(readU32(bytes, CLUSTER_BRIDGE_OFFSET_KEY));
      if (index === undefined || router.onBridgeFrame === undefined) {
        c.droppedUnknownBridge++;
        return ClusterReceive.UnknownBridge;
      }
      c.bridgeFramesReceived++;
      this.learnRadio(readU24(rx, DMRD_OFFSET_SOURCE), origin);
      router.onBridgeFrame(nowMs, this, this.#frame, index);
      return ClusterReceive.Bridge;
    }
    c.received++;
    this.learnRadio(readU24(rx, DMRD_OFFSET_SOURCE), origin);
    router.onFrame(nowMs, this, this.#frame);
    return ClusterReceive.Routed;
  }

  /** A talker-alias LC from another node: checked, then joined to this node's stream of that call by the router. */
  #receiveAlias(nowMs: number, bytes: Uint8Array, router: FrameRouter): ClusterReceive {
    const block = bytes[CLUSTER_ALIAS_OFFSET_BLOCK]!;
    // TA header and blocks 1–3 only (FLCO 4–7 − 4, hbp-and-dmr.md §3.1)
    if (block > 3 || bytes[CLUSTER_ALIAS_LENGTH - 1] !== 0) {
      this.counters.droppedBadAlias++;
      return ClusterReceive.BadAlias;
    }
    const data = this.#aliasData;
    for (let i = 0; i < CLUSTER_ALIAS_DATA_BYTES; i++) data[i] = bytes[CLUSTER_ALIAS_OFFSET_DATA + i]!;
    this.counters.aliasesReceived++;
    router.onTalkerAlias?.(nowMs, this, readU24(bytes, CLUSTER_ALIAS_OFFSET_SOURCE), block, data, readU32(bytes, CLUSTER_ALIAS_OFFSET_STREAM));
    return ClusterReceive.Alias;
  }
}

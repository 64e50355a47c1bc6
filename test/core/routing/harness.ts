/**
 * Deterministic test harness for the routing core: fake ports that record what they are sent, a
 * fake clock, and builders for DMRD voice/data frames. No sockets, no timers.
 */
import { encodeBptc19696 } from "../../../src/dmr/bptc_196_96.ts";
import { CRC_MASK_CSBK, CRC_MASK_DATA_HEADER, crcCcittEncodeBlock } from "../../../src/dmr/crc.ts";
import { Endpoint } from "../../../src/core/endpoint.ts";
import { RecordingSink } from "../../../src/core/events.ts";
import { Outbox } from "../../../src/core/outbox.ts";
import { PortKind, type RouterPort, type Slot } from "../../../src/core/router_port.ts";
import { createRouter, type RouterExtras } from "../../../src/core/routing/router.ts";
import { routingOptions, type RoutingOptionsInput } from "../../../src/core/routing/options.ts";
import type { Router } from "../../../src/core/routing/types.ts";
import type { RewriterFactory } from "../../../src/core/routing/frames/rewrite.ts";
import { Prng } from "../../../src/lib/prng.ts";
import { VoiceStreamBuilder } from "../../../src/dmr/voice_stream_builder.ts";
import { TalkerAliasFormat } from "../../../src/dmr/talker_alias.ts";
import {
  DataType,
  decodeDmrd,
  DmrdFrame,
  DmrdStatus,
  FrameType,
  readUint24,
  readUint32,
  writeUint24,
  writeUint32,
} from "../../../src/wire/dmrd.ts";

export interface Sent {
  atMs: number;
  bytes: Uint8Array;
  slot: Slot;
  sourceId: number;
  destinationId: number;
  repeaterId: number;
  streamId: number;
  unit: boolean;
  frameType: number;
  dataType: number;
  sequence: number;
}

export function describeSent(bytes: Uint8Array, atMs: number): Sent {
  const flags = bytes[15]!;
  return {
    atMs,
    bytes,
    slot: (flags & 0x80) !== 0 ? 2 : 1,
    sourceId: readUint24(bytes, 5),
    destinationId: readUint24(bytes, 8),
    repeaterId: readUint32(bytes, 11),
    streamId: readUint32(bytes, 16),
    unit: (flags & 0x40) !== 0,
    frameType: (flags >>> 4) & 3,
    dataType: flags & 0x0f,
    sequence: bytes[4]!,
  };
}

const endpoint = new Endpoint(0, "127.0.0.1", 1);

export class FakePort implements RouterPort {
  readonly sent: Sent[] = [];
  readonly refused: { streamId: number; talkgroupId: number }[] = [];
  readonly #buffers: [Uint8Array, Uint8Array] = [new Uint8Array(55), new Uint8Array(55)];
  acceptsUnitDataFlood?: boolean;

  constructor(
    readonly portIndex: number,
    readonly kind: PortKind,
    readonly name: string,
    readonly repeaterId: number,
    readonly simplex: boolean,
    readonly callsign: string,
    readonly accessRule: string | null,
  ) {}

  txBuffer(slot: Slot): Uint8Array {
    return this.#buffers[slot - 1]!;
  }
  emit(nowMs: number, frame: Uint8Array, outbox: Outbox): void {
    this.sent.push(describeSent(frame.slice(), nowMs));
    outbox.push(endpoint, frame, 55);
  }
  onStreamRefused(_nowMs: number, streamId: number, talkgroupId: number): void {
    this.refused.push({ streamId, talkgroupId });
  }
  clear(): void {
    this.sent.length = 0;
    this.refused.length = 0;
  }
  /** Distinct stream ids received. */
  streams(): number[] {
    return [...new Set(this.sent.map((s) => s.streamId))];
  }
}

export type FrameKind = "header" | "pi" | "voice" | "terminator" | "csbk" | "dataHeader" | "rate12" | "rate34" | "rate1";

export interface FrameSpec {
  sourceId: number;
  destinationId: number;
  slot?: Slot;
  unit?: boolean;
  streamId: number;
  kind: FrameKind;
  /** voice: position in the superframe 0 (A) … 5 (F) */
  voiceIndex?: number;
  sequence: number;
  repeaterId?: number;
  /** fills the payload (distinct frames differ) */
  fill?: number;
  /** exact 33-byte burst */
  payload?: Uint8Array;
  length?: 53 | 55;
}

export function buildDmrd(spec: FrameSpec): Uint8Array {
  const length = spec.length ?? 55;
  const b = new Uint8Array(length);
  b.set([0x44, 0x4d, 0x52, 0x44]);
  b[4] = spec.sequence & 0xff;
  writeUint24(b, 5, spec.sourceId);
  writeUint24(b, 8, spec.destinationId);
  writeUint32(b, 11, spec.repeaterId ?? 0);
  let frameType: FrameType = FrameType.DataSync;
  let dataType = 0;
  switch (spec.kind) {
    case "header":
      dataType = DataType.VoiceLcHeader;
      break;
    case "pi":
      dataType = DataType.PiHeader;
      break;
    case "terminator":
      dataType = DataType.TerminatorWithLc;
      break;
    case "csbk":
      dataType = DataType.Csbk;
      break;
    case "dataHeader":
      dataType = DataType.DataHeader;
      break;
    case "rate12":
      dataType = DataType.Rate12Data;
      break;
    case "rate34":
      dataType = DataType.Rate34Data;
      break;
    case "rate1":
      dataType = DataType.Rate1Data;
      break;
    case "voice": {
      const v = spec.voiceIndex ?? 1;
      frameType = v === 0 ? FrameType.VoiceSync : FrameType.Voice;
      dataType = v;
      break;
    }
  }
  b[15] = ((spec.slot ?? 1) === 2 ? 0x80 : 0) | (spec.unit ? 0x40 : 0) | (frameType << 4) | dataType;
  writeUint32(b, 16, spec.streamId);
  if (spec.payload !== undefined) b.set(spec.payload.subarray(0, 33), 20);
  else for (let i = 0; i < 33; i++) b[20 + i] = ((spec.fill ?? spec.sequence) * 7 + i * 13 + dataType) & 0xff;
  return b;
}

/** A CSBK burst: preamble (CSBKO 0x3D) or another opcode, valid CRC. */
export function csbkPayload(opts: { preamble: boolean; group: boolean; blocks: number; destinationId: number; sourceId: number; csbko?: number }): Uint8Array {
  const block = new Uint8Array(12);
  block[0] = 0x80 | (opts.preamble ? 0x3d : (opts.csbko ?? 0x24));
  block[1] = 0;
  block[2] = opts.preamble ? 0x80 | (opts.group ? 0x40 : 0) : 0;
  block[3] = opts.blocks;
  writeUint24(block, 4, opts.destinationId);
  writeUint24(block, 7, opts.sourceId);
  crcCcittEncodeBlock(block, 0, CRC_MASK_CSBK);
  const burst = new Uint8Array(33);
  encodeBptc19696(block, 0, burst, 0);
  return burst;
}

/** A data header burst (unconfirmed, DPF 2) announcing `blocks` blocks, valid CRC. */
export function dataHeaderPayload(opts: { group: boolean; blocks: number; destinationId: number; sourceId: number }): Uint8Array {
  const block = new Uint8Array(12);
  block[0] = (opts.group ? 0x80 : 0) | 0x02;
  block[1] = 0x40; // SAP IP
  writeUint24(block, 2, opts.destinationId);
  writeUint24(block, 5, opts.sourceId);
  block[8] = 0x80 | (opts.blocks & 0x7f);
  block[9] = 0;
  crcCcittEncodeBlock(block, 0, CRC_MASK_DATA_HEADER);
  const burst = new Uint8Array(33);
  encodeBptc19696(block, 0, burst, 0);
  return burst;
}

export interface CallSpec {
  sourceId: number;
  destinationId: number;
  slot?: Slot;
  unit?: boolean;
  streamId: number;
  /** voice bursts (default 6 = one superframe) */
  bursts?: number;
  header?: boolean;
  terminator?: boolean;
  /** ms between frames (default 60) */
  spacingMs?: number;
  /** first sequence number (default 0) */
  sequence?: number;
}

export class Harness {
  nowMs = 1_000_000;
  readonly events = new RecordingSink();
  readonly outbox = new Outbox(100_000);
  readonly router: Router;
  readonly frame = new DmrdFrame();
  readonly ports: FakePort[] = [];
  #nextIndex = 0;

  constructor(input: RoutingOptionsInput = {}, seed = 1, rewriter?: RewriterFactory, extras: Omit<RouterExtras, "rewriter"> = {}) {
    this.router = createRouter(routingOptions(input), {
      outbox: this.outbox,
      events: this.events,
      prng: new Prng(seed),
      ...(rewriter !== undefined ? { rewriter } : {}),
      ...extras,
    });
  }

  hotspot(opts: { repeaterId?: number; name?: string; simplex?: boolean; rule?: string | null; options?: string; up?: boolean } = {}): FakePort {
    const index = this.#nextIndex++;
    const repeaterId = opts.repeaterId ?? 2340000 + index;
    const port = new FakePort(index, PortKind.Hotspot, opts.name ?? `HS${index}`, repeaterId, opts.simplex ?? false, `CALL${index}`, opts.rule ?? null);
    this.ports.push(port);
    if (opts.up !== false) this.router.onPortUp(this.nowMs, port);
    if (opts.options !== undefined) this.router.onOptions(this.nowMs, port, opts.options);
    this.flush();
    return port;
  }

  link(opts: { name?: string; kind?: PortKind; flood?: boolean; networkId?: number; up?: boolean } = {}): FakePort {
    const index = this.#nextIndex++;
    const port = new FakePort(index, opts.kind ?? PortKind.OpenBridge, opts.name ?? `OBP${index}`, opts.networkId ?? 9000 + index, false, "", null);
    if (opts.flood) port.acceptsUnitDataFlood = true;
    this.ports.push(port);
    if (opts.up !== false) this.router.onPortUp(this.nowMs, port);
    return port;
  }

  /** Feed one frame (decoded like the HBP master would). */
  send(port: RouterPort, spec: FrameSpec): void {
    this.sendBytes(port, buildDmrd(spec));
  }

  sendBytes(port: RouterPort, bytes: Uint8Array): void {
    const status = decodeDmrd(bytes, this.frame);
    if (status !== DmrdStatus.Ok) throw new Error(`bad test frame ${status}`);
    this.router.onFrame(this.nowMs, port, this.frame);
    this.flush();
  }

  /**
   * Drain the outbox. A buffer pushed twice before one drain means the router reused an egress
   * buffer while an earlier frame in it was still waiting to be sent (that frame is lost on the
   * wire, its bytes overwritten): a bug in every test.
   */
  flush(): void {
    const ob = this.outbox;
    for (let i = 1; i < ob.count; i++) {
      for (let j = 0; j < i; j++) {
        if (ob.buffers[i] === ob.buffers[j]) throw new Error(`egress buffer reused before the outbox drained (entries ${j} and ${i} at ${this.nowMs})`);
      }
    }
    ob.clear();
  }

  /** Advance the clock in `stepMs` steps, ticking the router each step. */
  advance(ms: number, stepMs = 20): void {
    const end = this.nowMs + ms;
    while (this.nowMs < end) {
      this.nowMs = Math.min(end, this.nowMs + stepMs);
      this.router.onTick(this.nowMs);
      this.flush();
    }
  }

  /**
   * Send a whole voice call: header, bursts A–F…, terminator, 60 ms apart, ticking in between
   * (bytes 11–14 carry the sending port's repeater id, as a hotspot sends them).
   * Returns the next sequence number.
   */
  call(port: RouterPort, spec: CallSpec): number {
    let seq = spec.sequence ?? 0;
    const spacing = spec.spacingMs ?? 60;
    const base = { sourceId: spec.sourceId, destinationId: spec.destinationId, slot: spec.slot ?? 1, unit: spec.unit ?? false, streamId: spec.streamId, repeaterId: port.repeaterId };
    if (spec.header !== false) {
      this.send(port, { ...base, kind: "header", sequence: seq++ });
      this.advance(spacing);
    }
    const bursts = spec.bursts ?? 6;
    for (let i = 0; i < bursts; i++) {
      this.send(port, { ...base, kind: "voice", voiceIndex: i % 6, sequence: seq++ });
      this.advance(spacing);
    }
    if (spec.terminator !== false) {
      this.send(port, { ...base, kind: "terminator", sequence: seq++ });
    }
    return seq;
  }

  /** Start a call (header + first bursts) without ending it; returns a continuation. */
  openCall(port: RouterPort, spec: CallSpec): { seq: number; burst(): void; end(): void } {
    const base = { sourceId: spec.sourceId, destinationId: spec.destinationId, slot: spec.slot ?? 1, unit: spec.unit ?? false, streamId: spec.streamId, repeaterId: port.repeaterId };
    let seq = spec.sequence ?? 0;
    let v = 0;
    if (spec.header !== false) this.send(port, { ...base, kind: "header", sequence: seq++ });
    const self = this;
    return {
      get seq() {
        return seq;
      },
      burst() {
        self.send(port, { ...base, kind: "voice", voiceIndex: v++ % 6, sequence: seq++ });
      },
      end() {
        self.send(port, { ...base, kind: "terminator", sequence: seq++ });
      },
    };
  }

  /**
   * Send a real voice call (valid LC header, embedded LCs, terminator) built by VoiceStreamBuilder;
   * optional talker alias in the embedded LCs of later superframes.
   */
  realCall(port: RouterPort, spec: { sourceId: number; destinationId: number; slot: Slot; unit?: boolean; streamId: number; superframes: number; talkerAlias?: string; sequence?: number }): void {
    const builder = new VoiceStreamBuilder();
    builder.start({
      sourceId: spec.sourceId,
      destinationId: spec.destinationId,
      repeaterId: port.repeaterId,
      slot: spec.slot,
      callType: spec.unit ? 1 : 0,
      streamId: spec.streamId,
      colourCode: 1,
      firstSequence: spec.sequence ?? 0,
    });
    if (spec.talkerAlias !== undefined) builder.setTalkerAlias(spec.talkerAlias, TalkerAliasFormat.Iso88591);
    const buffer = new Uint8Array(55);
    builder.writeHeader(buffer);
    this.sendBytes(port, buffer.slice());
    this.advance(60);
    for (let i = 0; i < spec.superframes * 6; i++) {
      builder.writeVoice(buffer);
      this.sendBytes(port, buffer.slice());
      this.advance(60);
    }
    builder.writeTerminator(buffer);
    this.sendBytes(port, buffer.slice());
  }

  ofType<T extends Parameters<RecordingSink["ofType"]>[0]>(type: T) {
    return this.events.ofType(type);
  }
}

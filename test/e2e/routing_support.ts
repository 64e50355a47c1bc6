/**
 * Helpers for the routing scenario tests over real UDP: a server with the real router plugged in,
 * hotspots that log in with options, and whole calls (header, bursts, terminator; CSBK preamble,
 * data header, blocks) built with the simulation's frame writer so every burst carries a tag.
 */
import { createRouter, routingOptions, type RoutingOptionsInput } from "../../src/core/routing/index.ts";
import { CallType, DataType } from "../../src/wire/dmrd.ts";
import { HbpClient, type ReceivedDmrd } from "../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../support/test_server.ts";
import { SimFrameKind, readTag, writeFrame, type FrameFields } from "../sim/frames.ts";
import { lcEncoder } from "../sim/workload.ts";
import { encodeCsbkBlock } from "../../src/dmr/csbk.ts";
import { encodeDataHeaderBlock } from "../../src/dmr/data_header.ts";

export async function routingServer(input: RoutingOptionsInput = {}): Promise<TestServer> {
  return startTestServer({ router: (deps) => createRouter(routingOptions(input), deps) });
}

let nextRepeater = 310_000_100;
export async function hotspot(server: TestServer, options?: string, slots = "3"): Promise<HbpClient> {
  // RX = TX also makes a simplex hotspot (hbp-and-dmr.md §1.3): duplex ones get a repeater shift.
  const duplex = slots !== "4";
  const client = await HbpClient.open({
    serverPort: server.port,
    repeaterId: nextRepeater++,
    slots,
    options,
    callsign: "E2E",
    rxFrequencyHz: 438_800_000,
    txFrequencyHz: duplex ? 431_200_000 : 438_800_000,
  });
  await client.login();
  return client;
}

let nextStream = 0x5000_0000;
let nextTag = 1;

export interface CallSpec {
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  unit?: boolean;
  superframes?: number;
  streamId?: number;
}

export interface SentCall {
  streamId: number;
  tags: number[];
  frames: number;
}

/** Send a voice call (header, superframes × bursts A–F, terminator) as fast as loopback takes it. */
export async function sendVoiceCall(client: HbpClient, spec: CallSpec): Promise<SentCall> {
  const streamId = spec.streamId ?? nextStream++;
  const fields: FrameFields = {
    sequence: 0,
    sourceId: spec.sourceId,
    destinationId: spec.destinationId,
    repeaterId: client.repeaterId,
    slot: spec.slot,
    callType: spec.unit === true ? CallType.Unit : CallType.Group,
    kind: SimFrameKind.Header,
    voiceIndex: 0,
    streamId,
    tag: 0,
  };
  const tags: number[] = [];
  const send = (kind: SimFrameKind, voiceIndex = 0) => {
    const bytes = new Uint8Array(55);
    fields.kind = kind;
    fields.voiceIndex = voiceIndex;
    fields.tag = nextTag++;
    writeFrame(bytes, fields, lcEncoder);
    if (kind === SimFrameKind.Burst) tags.push(fields.tag);
    client.sendDmrd(bytes);
    fields.sequence = (fields.sequence + 1) & 0xff;
  };
  send(SimFrameKind.Header);
  const superframes = spec.superframes ?? 2;
  for (let s = 0; s < superframes; s++) {
    for (let v = 0; v < 6; v++) send(SimFrameKind.Burst, v);
    await HbpClient.settle(2);
  }
  send(SimFrameKind.Terminator);
  return { streamId, tags, frames: superframes * 6 + 2 };
}

/** Unit or group data: CSBK preamble, data header (blocks to follow), `blocks` rate-½ blocks. */
export async function sendDataCall(client: HbpClient, spec: { sourceId: number; destinationId: number; slot: 1 | 2; unit: boolean; blocks: number }): Promise<{ tags: number[] }> {
  const fields: FrameFields = {
    sequence: 0,
    sourceId: spec.sourceId,
    destinationId: spec.destinationId,
    repeaterId: client.repeaterId,
    slot: spec.slot,
    callType: spec.unit ? CallType.Unit : CallType.Group,
    kind: SimFrameKind.Csbk,
    voiceIndex: 0,
    streamId: nextStream++,
    tag: nextTag++,
  };
  const address = (b: Uint8Array, at: number) => {
    b[at] = (spec.destinationId >>> 16) & 0xff;
    b[at + 1] = (spec.destinationId >>> 8) & 0xff;
    b[at + 2] = spec.destinationId & 0xff;
    b[at + 3] = (spec.sourceId >>> 16) & 0xff;
    b[at + 4] = (spec.sourceId >>> 8) & 0xff;
    b[at + 5] = spec.sourceId & 0xff;
  };
  let bytes = new Uint8Array(55);
  writeFrame(bytes, fields);
  const csbk = new Uint8Array(12);
  csbk[0] = 0x80 | 0x3d; // last block, preamble (hbp-and-dmr.md §2.9)
  csbk[2] = 0x80 | (spec.unit ? 0 : 0x40);
  csbk[3] = spec.blocks + 1;
  address(csbk, 4);
  encodeCsbkBlock(csbk, bytes, 20);
  client.sendDmrd(bytes);
  await HbpClient.settle(5);
  fields.kind = SimFrameKind.DataHeader;
  fields.streamId = nextStream++;
  fields.sequence = 1;
  fields.tag = nextTag++;
  bytes = new Uint8Array(55);
  writeFrame(bytes, fields);
  const header = new Uint8Array(12);
  header[0] = (spec.unit ? 0 : 0x80) | 2; // G/I, DPF unconfirmed
  header[1] = 0x40;
  address(header, 2);
  header[8] = 0x80 | spec.blocks;
  encodeDataHeaderBlock(header, bytes, 20);
  client.sendDmrd(bytes);
  const tags: number[] = [];
  for (let i = 0; i < spec.blocks; i++) {
    fields.kind = SimFrameKind.DataBlock;
    fields.blockType = DataType.Rate12Data;
    fields.sequence = 2 + i;
    fields.tag = nextTag++;
    tags.push(fields.tag);
    bytes = new Uint8Array(55);
    writeFrame(bytes, fields);
    client.sendDmrd(bytes);
  }
  return { tags };
}

/** Voice bursts received with one of these tags. */
export function burstsWithTags(frames: readonly ReceivedDmrd[], tags: readonly number[]): ReceivedDmrd[] {
  const wanted = new Set(tags);
  return frames.filter((f) => f.frameType !== 2 && wanted.has(readTag(f.bytes)));
}

export function dataFramesWithTags(frames: readonly ReceivedDmrd[], tags: readonly number[]): ReceivedDmrd[] {
  const wanted = new Set(tags);
  return frames.filter((f) => wanted.has(readTag(f.bytes)));
}

/** Wait until `client` has received `count` frames matching `predicate` (or the timeout). */
export async function receivedCount(client: HbpClient, predicate: (f: ReceivedDmrd) => boolean, count: number, timeoutMs = 2000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const n = client.dmrd.filter(predicate).length;
    if (n >= count || performance.now() > deadline) return n;
    await HbpClient.settle(10);
  }
}

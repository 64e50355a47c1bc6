/**
 * End-to-end helpers for federation over real UDP on 127.0.0.1: free ports chosen at run time,
 * in-process servers (the real shell, router and federation, wired the way the lead wires
 * startServer), hotspots that log in with static talkgroups, and voice calls sent as HBP frames.
 */
import { createFederation, type Federation, type FederationOptions } from "../../../../src/core/federation/federation.ts";
import { createRouter, routingOptions } from "../../../../src/core/routing/index.ts";
import type { FederationRouter } from "../../../../src/core/federation/context.ts";
import { readFileSync } from "node:fs";
import { CallType, FrameType } from "../../../../src/wire/dmrd.ts";
import { HbpClient, type ReceivedDmrd } from "../../../support/hbp_client.ts";
import { startTestServer, type TestServer } from "../../../support/test_server.ts";

/**
 * Ports for servers that must be told their port before they start (links name each other's).
 * Chosen at run time, at random, *below* the kernel's ephemeral range: a port released here is
 * then not handed to some other socket's bind(0) before the server binds it (with many tests and
 * benchmarks on one machine that race was real). Each candidate is proven free by binding it.
 */
const EPHEMERAL_LOW = ((): number => {
  try {
    const text = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8") as string;
    const low = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12000 ? low : 32768;
  } catch {
    return 32768;
  }
})();

type UdpSocket = { readonly port: number; close(): void };

async function bindable(port: number): Promise<UdpSocket | null> {
  try {
    return await Bun.udpSocket({ hostname: "127.0.0.1", port });
  } catch {
    return null;
  }
}

/** A UDP port that was free a moment ago (see freePorts). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

export async function freePorts(count: number): Promise<number[]> {
  const sockets: UdpSocket[] = [];
  const used = new Set<number>();
  for (let attempts = 0; sockets.length < count && attempts < count * 50; attempts++) {
    const port = 10000 + Math.floor(Math.random() * (EPHEMERAL_LOW - 10000));
    if (used.has(port)) continue;
    used.add(port);
    const socket = await bindable(port);
    if (socket !== null) sockets.push(socket);
  }
  // fall back to the kernel's choice if the low range is crowded
  while (sockets.length < count) sockets.push(await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 }));
  const ports = sockets.map((s) => s.port);
  for (const s of sockets) s.close();
  return ports;
}

export interface FederatedServer {
  test: TestServer;
  federation: Federation;
  stop(): Promise<void>;
}

/** The real server with the real router and the given federation options, HBP on 127.0.0.1:0. */
export async function startFederatedServer(options: Partial<FederationOptions> & { serverId: number }, hbpPort = 0): Promise<FederatedServer> {
  let federation: Federation | null = null;
  const test = await startTestServer({
    hbp: { port: hbpPort },
    config: { server: { server_id: options.serverId, name: `s${options.serverId}` } },
    router: (deps) => createRouter(routingOptions({ serverId: options.serverId }), deps),
    options: {
      extraHandlers: (deps) => {
        federation = createFederation(options, {
          router: deps.router as FederationRouter,
          outbox: deps.outbox,
          events: deps.events,
          prng: deps.prng,
          wallClockMs: Date.now,
          portIndexes: deps.portIndexes,
        });
        return [...federation.handlers];
      },
    },
  });
  if (federation === null) throw new Error("federation was not created");
  return { test, federation, stop: () => test.stop() };
}

let nextRepeater = 3_100_000_01;

/** A hotspot logged in with static talkgroups (RPTO), e.g. "TS2=3100;". */
export async function hotspot(serverPort: number, options: string): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort, repeaterId: nextRepeater++, slots: "3", rxFrequencyHz: 438_000_000, txFrequencyHz: 430_000_000 });
  await client.login({ options });
  return client;
}

export interface CallOptions {
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  streamId: number;
  voiceFrames?: number;
  unit?: boolean;
  /** ms between frames (real DMR: 60). */
  frameMs?: number;
}

/** Send a voice call (header, bursts, terminator); resolves after the last frame. Returns the frame count. */
export async function sendCall(client: HbpClient, call: CallOptions): Promise<number> {
  const voice = call.voiceFrames ?? 12;
  const callType = call.unit === true ? CallType.Unit : CallType.Group;
  const base = { sourceId: call.sourceId, destinationId: call.destinationId, slot: call.slot, streamId: call.streamId, callType };
  const burst = (seq: number): Uint8Array => {
    const b = new Uint8Array(33);
    for (let i = 0; i < 33; i++) b[i] = (seq * 13 + i) & 0xff;
    return b;
  };
  let seq = 0;
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, call.frameMs ?? 5));
  client.sendFrame({ ...base, sequence: seq, frameType: FrameType.DataSync, dataType: 1, burst: burst(seq) });
  seq++;
  await pause();
  for (let i = 0; i < voice; i++) {
    const n = i % 6;
    client.sendFrame({ ...base, sequence: seq, frameType: n === 0 ? FrameType.VoiceSync : FrameType.Voice, dataType: n, burst: burst(seq) });
    seq++;
    await pause();
  }
  client.sendFrame({ ...base, sequence: seq, frameType: FrameType.DataSync, dataType: 2, burst: burst(seq) });
  seq++;
  return seq;
}

export function framesOf(client: HbpClient, streamId: number): ReceivedDmrd[] {
  return client.dmrd.filter((f) => f.streamId === streamId);
}

/** Wait until `client` holds `count` frames of the stream (or the timeout passes). */
export async function waitForFrames(client: HbpClient, streamId: number, count: number, timeoutMs = 3000): Promise<ReceivedDmrd[]> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && framesOf(client, streamId).length < count) await HbpClient.settle(10);
  return framesOf(client, streamId);
}

export async function until(predicate: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (predicate()) return true;
    await HbpClient.settle(10);
  }
  return predicate();
}

/**
 * freedmr cluster nodes as separate processes (`bun src/main.ts --config …`) joined through a real
 * nats-server; hotspots, real voice streams (VoiceStreamBuilder) and their checks (StreamInspector).
 */
import { StreamInspector } from "../../../src/dmr/stream_inspector.ts";
import { VoiceStreamBuilder } from "../../../src/dmr/voice_stream_builder.ts";
import { CallType } from "../../../src/wire/dmrd.ts";
import { framesOf, freePorts, until, waitForFrames } from "../../core/federation/support/e2e.ts";
import { killAll, serverToml, spawnServer, type ObpLinkToml, type ServerProcess } from "../../core/federation/support/processes.ts";
import { HbpClient, type ReceivedDmrd } from "../../support/hbp_client.ts";
import { startNatsServer, stopAllNats, type NatsServer } from "./nats_server.ts";

export { framesOf, until };
/** Frames of one stream a hotspot holds, once it holds `count` (or at the timeout). */
export const waitFrames = waitForFrames;

export interface NodeSpec {
  name: string;
  /** NATS URLs this node connects to */
  servers: string[];
  /** extra TOML for [cluster] */
  clusterExtra?: string;
  /** extra TOML sections */
  extra?: string;
  /** the HBP port (default: a free one) */
  hbpPort?: number;
  /** what to run (default: bun src/main.ts); e.g. [the compiled binary] */
  command?: string[];
  /** OpenBridge/FBP links of this node */
  links?: ObpLinkToml[];
}

export interface ClusterNodeProcess {
  spec: NodeSpec;
  hbpPort: number;
  proc: ServerProcess;
}

export function clusterToml(spec: NodeSpec, hbpPort: number): string {
  return [
    serverToml(2340, hbpPort, spec.links ?? []),
    "[http]", // never the fixed dashboard port in tests
    "enabled = false",
    "[cluster]",
    "enabled = true",
    `node_name = "${spec.name}"`,
    `servers = [${spec.servers.map((s) => `"${s}"`).join(", ")}]`,
    "interest_linger_seconds = 1",
    spec.clusterExtra ?? "",
    spec.extra ?? "",
    "",
  ].join("\n");
}

let serial = 0;

export async function startNode(spec: NodeSpec, waitForNats = true): Promise<ClusterNodeProcess> {
  let hbpPort = 0;
  let proc: ServerProcess | null = null;
  // a port free a moment ago may be taken meanwhile (other processes on the machine): another one
  for (let attempt = 0; proc === null; attempt++) {
    hbpPort = spec.hbpPort ?? (await freePorts(1))[0]!;
    try {
      proc = await spawnServer(`${spec.name}-${++serial}`, clusterToml(spec, hbpPort), 1 + (spec.links?.length ?? 0), 15_000, spec.command);
    } catch (error) {
      if (attempt >= 4 || spec.hbpPort !== undefined || !String(error).includes("EADDRINUSE")) throw error;
    }
  }
  if (waitForNats) {
    const line = await proc.waitForLog((l) => l["msg"] === "cluster: connected to NATS", 10_000);
    if (line === null) throw new Error(`${spec.name} did not connect to NATS:\n${proc.lines.map((l) => JSON.stringify(l)).join("\n")}`);
  }
  return { spec, hbpPort, proc };
}

/** A nats-server and one node per name, each connected with its shared state ready. */
export async function startCluster(names: string[]): Promise<{ nats: NatsServer; nodes: ClusterNodeProcess[] }> {
  const nats = await startNatsServer();
  const nodes = await Promise.all(names.map((name) => startNode({ name, servers: [nats.url] })));
  for (const n of nodes) {
    const ready = await n.proc.waitForLog((l) => l["msg"] === "cluster: shared state in JetStream KV ready", 10_000);
    if (ready === null) throw new Error(`${n.spec.name}: no shared state`);
  }
  return { nats, nodes };
}

let nextRepeater = 3_110_000_01;
export const clients: HbpClient[] = [];

/** afterAll: close every hotspot, kill every freedmr process, stop every nats-server. */
export async function cleanUpCluster(): Promise<void> {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await killAll();
  await stopAllNats();
}

/** A duplex hotspot logged in with options (e.g. "TS2=3100;"). */
export async function hotspotOn(port: number, options: string, repeaterId = nextRepeater++): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: port, repeaterId, slots: "3", rxFrequencyHz: 438_000_000, txFrequencyHz: 430_000_000 });
  clients.push(client);
  await client.login({ options });
  return client;
}

export interface VoiceCall {
  sourceId: number;
  destinationId: number;
  slot: 1 | 2;
  streamId: number;
  superframes: number;
  callType?: CallType;
  /** ms between frames (default 3; real DMR is 60) */
  frameMs?: number;
}

/** Send a real voice stream (LC header, superframes with embedded LC, terminator); returns its frame count. */
export async function sendVoice(client: HbpClient, call: VoiceCall): Promise<number> {
  const builder = new VoiceStreamBuilder();
  builder.start({ ...call, callType: call.callType ?? CallType.Group, repeaterId: client.repeaterId, colourCode: 1 });
  const frame = new Uint8Array(55);
  builder.writeHeader(frame);
  client.sendDmrd(frame);
  let n = 1;
  for (let i = 0; i < call.superframes * 6; i++) {
    await Bun.sleep(call.frameMs ?? 3);
    builder.writeVoice(frame);
    client.sendDmrd(frame);
    n++;
  }
  await Bun.sleep(call.frameMs ?? 3);
  builder.writeTerminator(frame);
  client.sendDmrd(frame);
  return n + 1;
}

let streamSeq = 0x5c000000;
export function nextStreamId(): number {
  return ++streamSeq;
}

/**
 * Calls from `from` until every hotspot in `to` hears one completely (subscriptions propagate
 * through NATS asynchronously); true when that happened before the timeout.
 */
export async function callCrosses(from: HbpClient, to: HbpClient[], destinationId: number, slot: 1 | 2, timeoutMs = 10_000, callType = CallType.Group): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const streamId = nextStreamId();
    const n = await sendVoice(from, { sourceId: 3120999, destinationId, slot, streamId, superframes: 1, callType });
    let all = true;
    for (const t of to) all = (await waitFrames(t, streamId, n, 700)).length === n && all;
    if (all) return true;
  }
  return false;
}

/** What a listener heard of one stream, decoded: header/terminator LC, embedded LC, counts. */
export function inspect(frames: ReceivedDmrd[]): StreamInspector {
  const inspector = new StreamInspector();
  for (const f of frames) inspector.push(f.bytes);
  return inspector;
}

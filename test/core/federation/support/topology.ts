/** Build fake servers joined by OpenBridge links, and play calls into them. */
import { createFederation, type Federation } from "../../../../src/core/federation/federation.ts";
import { openBridgeLinkOptions, type OpenBridgeLinkOptions, type OpenBridgeProtocol } from "../../../../src/core/federation/link_options.ts";
import type { OpenBridgeLink } from "../../../../src/core/federation/openbridge_link.ts";
import type { UpstreamLinkOptions } from "../../../../src/core/upstream/upstream_options.ts";
import { DmrdFrame, DmrdStatus, decodeDmrd } from "../../../../src/wire/dmrd.ts";
import type { RecordingSink } from "../../../../src/core/events.ts";
import type { Outbox } from "../../../../src/core/outbox.ts";
import { FakeNet, type BenchRouter, type FakeServer, type HotspotPort } from "./fake_net.ts";

export const EPOCH_MS = 1_750_000_000_000;

export interface Node {
  server: FakeServer;
  serverId: number;
  federation: Federation;
}

export interface LinkEnd {
  name: string;
  port: number;
  options?: Partial<OpenBridgeLinkOptions>;
}

export interface PairSpec {
  a: number;
  b: number;
  protocol: OpenBridgeProtocol;
  passphraseA?: string;
  passphraseB?: string;
  optionsA?: Partial<OpenBridgeLinkOptions>;
  optionsB?: Partial<OpenBridgeLinkOptions>;
}

/**
 * Nodes 0..n-1 at 10.0.0.(i+1) with server ids 2340+i+1 (4-digit OBP net ids), joined by `pairs`.
 * Link names are "to-<other index>"; link ports 50000 + 100*a + b.
 */
export function buildNetwork(
  count: number,
  pairs: PairSpec[],
  extra: {
    upstream?: (i: number) => UpstreamLinkOptions[];
    clockSkewMs?: (i: number) => number;
    makeRouter?: (outbox: Outbox, events: RecordingSink) => BenchRouter;
  } = {},
): { net: FakeNet; nodes: Node[] } {
  const net = new FakeNet();
  const servers = Array.from({ length: count }, (_, i) => net.server(`10.0.0.${i + 1}`, extra.makeRouter));
  const serverIds = servers.map((_, i) => 2341 + i);
  const linkOptions: OpenBridgeLinkOptions[][] = servers.map(() => []);
  const portOf = (from: number, to: number): number => 50000 + 100 * from + to;
  for (const p of pairs) {
    const common = { protocol: p.protocol, relaxedChecks: false };
    linkOptions[p.a]!.push(
      openBridgeLinkOptions({
        name: `to-${p.b}`,
        ...common,
        bindAddress: "0.0.0.0",
        port: portOf(p.a, p.b),
        targetAddress: `10.0.0.${p.b + 1}`,
        targetPort: portOf(p.b, p.a),
        passphrase: p.passphraseA ?? "s3cret-link",
        networkId: serverIds[p.b]!,
        ...p.optionsA,
      }),
    );
    linkOptions[p.b]!.push(
      openBridgeLinkOptions({
        name: `to-${p.a}`,
        ...common,
        bindAddress: "0.0.0.0",
        port: portOf(p.b, p.a),
        targetAddress: `10.0.0.${p.a + 1}`,
        targetPort: portOf(p.a, p.b),
        passphrase: p.passphraseB ?? "s3cret-link",
        networkId: serverIds[p.a]!,
        ...p.optionsB,
      }),
    );
  }
  const nodes = servers.map((server, i): Node => {
    const skew = extra.clockSkewMs?.(i) ?? 0;
    const federation = createFederation(
      { serverId: serverIds[i]!, openbridge: linkOptions[i]!, upstream: extra.upstream?.(i) ?? [] },
      { router: server.router, outbox: server.outbox, events: server.events, wallClockMs: () => EPOCH_MS + net.nowMs + skew },
    );
    for (const h of federation.handlers) server.host(h);
    return { server, serverId: serverIds[i]!, federation };
  });
  return { net, nodes };
}

export function link(node: Node, name: string): OpenBridgeLink {
  const l = node.federation.links.find((x) => x.name === name);
  if (l === undefined) throw new Error(`no link ${name}`);
  return l;
}

const scratch = new DmrdFrame();

/** Play frames from a hotspot into its server's router, one every 60 ms, delivering after each. */
export function playCall(net: FakeNet, node: Node, hotspot: HotspotPort, frames: Uint8Array[], frameMs = 60): void {
  for (const f of frames) {
    const bytes = f.slice();
    if (decodeDmrd(bytes, scratch) !== DmrdStatus.Ok) throw new Error("bad test frame");
    node.server.router.onFrame(net.nowMs, hotspot, scratch);
    net.run();
    net.nowMs += frameMs;
  }
}

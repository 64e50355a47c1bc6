/**
 * The federation subsystem as the server assembly sees it: every configured OpenBridge/FBP link and
 * upstream link, built from plain options, sharing one stream table (loop control and the FBP side
 * channel) and one port-index pool with the HBP master.
 *
 *   const federation = createFederation(federationOptionsFromConfig(config), { router, outbox, events, prng, wallClockMs, portIndexes });
 *   for (const handler of federation.handlers) shell.host(handler);
 *
 * Each handler declares its sockets (`socketSpecs`), learns their indexes (`onSocketsBound`) and is
 * driven by `onDatagram`/`onTick`; `shutdown` says goodbye (upstream: RPTCL).
 * @module
 */
import type { Prng } from "../../lib/prng.ts";
import type { SocketControl, SocketSpec } from "../datagram_handler.ts";
import type { EventSink } from "../events.ts";
import type { Outbox } from "../outbox.ts";
import { UpstreamLink } from "../upstream/upstream_link.ts";
import type { UpstreamLinkOptions } from "../upstream/upstream_options.ts";
import type { FederationContext, FederationRouter, PortIndexSource } from "./context.ts";
import type { OpenBridgeLinkOptions } from "./link_options.ts";
import { OpenBridgeLink } from "./openbridge_link.ts";
import { FederationStreams } from "./stream_table.ts";

export interface FederationOptions {
  /** Our GLOBAL SERVER_ID (config `server.server_id`). */
  readonly serverId: number;
  readonly openbridge: readonly OpenBridgeLinkOptions[];
  readonly upstream: readonly UpstreamLinkOptions[];
  /** Streams tracked for loop control at once (rounded up to a power of two). */
  readonly streamCapacity: number;
  /** How long a stream is remembered after its last frame (FreeDMR: 180 s). */
  readonly streamMemoryMs: number;
}

export const DEFAULT_FEDERATION_OPTIONS: FederationOptions = {
  serverId: 0,
  openbridge: [],
  upstream: [],
  streamCapacity: 16384,
  streamMemoryMs: 180_000,
};

export interface FederationDeps {
  readonly router: FederationRouter;
  readonly outbox: Outbox;
  readonly events: EventSink;
  readonly prng?: Prng;
  /** Wall clock in ms since the epoch (FBP timestamps). The shell passes `Date.now`. */
  readonly wallClockMs: () => number;
  /** The port-index pool shared with the HBP master; a private one if omitted (tests). */
  readonly portIndexes?: PortIndexSource;
}

/** What the shell hosts (structurally the master's HostedHandler). */
export interface FederationHandler {
  readonly name: string;
  socketSpecs(): readonly SocketSpec[];
  onSocketsBound(socketIndexes: readonly number[], control: SocketControl): void;
  onDatagram(nowMs: number, socketIndex: number, address: string, port: number, bytes: Uint8Array): void;
  onTick(nowMs: number): void;
  shutdown(nowMs: number): void;
}

export interface Federation {
  readonly handlers: readonly FederationHandler[];
  readonly links: readonly OpenBridgeLink[];
  readonly upstreams: readonly UpstreamLink[];
  readonly streams: FederationStreams;
  linkByName(name: string): OpenBridgeLink | UpstreamLink | undefined;
}

class CountingPortIndexes implements PortIndexSource {
  #next = 0;
  acquire(): number {
    return this.#next++;
  }
  release(): void {}
}

export function createFederation(options: Partial<FederationOptions>, deps: FederationDeps): Federation {
  const o: FederationOptions = { ...DEFAULT_FEDERATION_OPTIONS, ...options };
  const names = new Set<string>();
  for (const link of [...o.openbridge, ...o.upstream]) {
    if (names.has(link.name)) throw new Error(`federation: two links are named "${link.name}"`);
    names.add(link.name);
  }
  const portCount = o.openbridge.length + o.upstream.length;
  const streams = new FederationStreams(o.streamCapacity, o.streamMemoryMs, portCount);
  const ctx: FederationContext = {
    serverId: o.serverId,
    router: deps.router,
    outbox: deps.outbox,
    events: deps.events,
    streams,
    wallClockMs: deps.wallClockMs,
  };
  const portIndexes = deps.portIndexes ?? new CountingPortIndexes();
  let federationIndex = 0;
  const links = o.openbridge.map((link) => new OpenBridgeLink(link, ctx, portIndexes.acquire(), federationIndex++));
  const upstreams = o.upstream.map((link) => new UpstreamLink(link, ctx, portIndexes.acquire(), federationIndex++));
  const handlers: FederationHandler[] = [...links, ...upstreams];
  const byName = new Map<string, OpenBridgeLink | UpstreamLink>();
  for (const h of [...links, ...upstreams]) byName.set(h.name, h);
  return { handlers, links, upstreams, streams, linkByName: (name) => byName.get(name) };
}

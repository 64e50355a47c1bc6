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
  /**
   * Reload: build one more link (a fresh port index and loop-control index). The shell hosts it
   * (opens its sockets), then it runs like the others. Throws when the name is taken or every
   * loop-control index is in use (FEDERATION_PORTS_MIN, or as many as were configured at start).
   */
  addOpenBridge(options: OpenBridgeLinkOptions): OpenBridgeLink;
  addUpstream(options: UpstreamLinkOptions): UpstreamLink;
  /**
   * Reload: forget a link the shell has shut down (goodbyes sent, sockets closed): its port index
   * and loop-control index are free again. Streams it originated are forgotten.
   */
  removeLink(name: string): boolean;
}

/**
 * Loop-control indexes the stream table has room for beyond the links configured at start, so
 * links added by a reload fit (a bit per port per tracked stream: 16384 streams × 4 words × 2 = 512 KiB).
 */
export const FEDERATION_PORTS_MIN = 128;

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
  const portCount = Math.max(FEDERATION_PORTS_MIN, o.openbridge.length + o.upstream.length);
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
  const freeIndexes: number[] = [];
  const nextIndex = (name: string): number => {
    const reused = freeIndexes.pop();
    if (reused !== undefined) return reused;
    if (federationIndex >= portCount) throw new Error(`federation: no room for link "${name}" (at most ${portCount} links; restart to add more)`);
    return federationIndex++;
  };
  const links = o.openbridge.map((link) => new OpenBridgeLink(link, ctx, portIndexes.acquire(), nextIndex(link.name)));
  const upstreams = o.upstream.map((link) => new UpstreamLink(link, ctx, portIndexes.acquire(), nextIndex(link.name)));
  const handlers: FederationHandler[] = [...links, ...upstreams];
  const byName = new Map<string, OpenBridgeLink | UpstreamLink>();
  for (const h of [...links, ...upstreams]) byName.set(h.name, h);
  const checkName = (name: string): void => {
    if (byName.has(name)) throw new Error(`federation: two links are named "${name}"`);
  };
  const remove = <T extends FederationHandler>(list: T[], item: FederationHandler): void => {
    const at = list.indexOf(item as T);
    if (at >= 0) list.splice(at, 1);
  };
  return {
    handlers,
    links,
    upstreams,
    streams,
    linkByName: (name) => byName.get(name),
    addOpenBridge(link) {
      checkName(link.name);
      const added = new OpenBridgeLink(link, ctx, portIndexes.acquire(), nextIndex(link.name));
      links.push(added);
      handlers.push(added);
      byName.set(added.name, added);
      return added;
    },
    addUpstream(link) {
      checkName(link.name);
      const added = new UpstreamLink(link, ctx, portIndexes.acquire(), nextIndex(link.name));
      upstreams.push(added);
      handlers.push(added);
      byName.set(added.name, added);
      return added;
    },
    removeLink(name) {
      const link = byName.get(name);
      if (link === undefined) return false;
      byName.delete(name);
      remove(links, link);
      remove(upstreams, link);
      remove(handlers, link);
      streams.forgetOrigin(link.federationIndex);
      deps.router.setPortTalkgroupMap?.(link, null);
      portIndexes.release(link.portIndex);
      freeIndexes.push(link.federationIndex);
      return true;
    },
  };
}

/**
 * Live updates for browsers over WebSocket (/api/v1/live): one message per event batch (every
 * ~100 ms at most), serialised once and sent to every client. Each client's queue is bounded (Bun's
 * per-connection backpressure limit): a client that falls behind gets nothing more until its
 * socket drains, then a `resync` message and a fresh snapshot — it is resynchronised, never
 * buffered without bound. Public view only: no address, passphrase or option key.
 *
 * Messages (JSON, server → browser; docs/api.md):
 *   {type:"hello", version, serverTime}           on connect
 *   {type:"snapshot", now, hotspots}              on connect and after each resync
 *   {type:"events", events:[…]}                   live changes (see LiveEvent)
 *   {type:"resync", reason}                       you missed events; a snapshot follows
 * @module
 */
import type { ServerWebSocket } from "bun";
import { redactOptionKey } from "../lib/option_key.ts";
import type { WorkerEvent } from "./worker/protocol.ts";

export type LiveEvent =
  | { type: "call.start"; streamId: number; sourceId: number; destinationId: number; slot: 1 | 2; callType: string; kind: string; port: string; portIndex: number; at: string }
  | { type: "call.end"; streamId: number; sourceId: number; destinationId: number; slot: 1 | 2; callType: string; kind: string; port: string; portIndex: number; durationMs: number; lost: number; talkerAlias: string | null; endedBy: string; at: string }
  | { type: "call.alias"; streamId: number; portIndex: number; sourceId: number; talkerAlias: string; at: string }
  | { type: "hotspot.up"; repeaterId: number; callsign: string; portIndex: number; at: string }
  | { type: "hotspot.down"; repeaterId: number; callsign: string; portIndex: number; reason: string; at: string }
  | { type: "hotspot.refused"; repeaterId: number; reason: string; at: string }
  | { type: "subscription"; portIndex: number; port: string; slot: 1 | 2; talkgroupId: number; action: string; reason: string; at: string }
  | { type: "options"; portIndex: number; port: string; rejected: string[]; at: string }
  | { type: "link"; link: string; up: boolean; reason: string; at: string }
  | { type: "figures"; hotspots: number; callsInProgress: number; uptimeMs: number; at: string };

export interface LiveClient {
  behind: boolean;
}

/** Bytes a browser may have waiting before it is taken for slow (Bun's backpressureLimit). */
export const LIVE_BACKPRESSURE_BYTES = 256 * 1024;

export class LiveHub {
  readonly #clients = new Set<ServerWebSocket<LiveClient>>();
  readonly counters = { connected: 0, refused: 0, messages: 0, resyncs: 0 };

  constructor(
    readonly maxClients: number,
    /** The snapshot message body (now + hotspots), built on demand. */
    readonly snapshot: () => unknown,
    readonly hello: () => unknown,
    readonly toWall: (atMs: number) => number,
  ) {}

  get size(): number {
    return this.#clients.size;
  }

  canAccept(): boolean {
    return this.#clients.size < this.maxClients;
  }

  open(ws: ServerWebSocket<LiveClient>): void {
    this.#clients.add(ws);
    this.counters.connected++;
    ws.send(JSON.stringify({ type: "hello", ...(this.hello() as object) }));
    ws.send(JSON.stringify({ type: "snapshot", ...(this.snapshot() as object) }));
  }

  close(ws: ServerWebSocket<LiveClient>): void {
    this.#clients.delete(ws);
  }

  /** The socket drained: a client that was behind is resynchronised. */
  drain(ws: ServerWebSocket<LiveClient>): void {
    if (!ws.data.behind) return;
    ws.data.behind = false;
    this.counters.resyncs++;
    this.#send(ws, JSON.stringify({ type: "resync", reason: "slow-client" }));
    if (!ws.data.behind) this.#send(ws, JSON.stringify({ type: "snapshot", ...(this.snapshot() as object) }));
  }

  /** One batch of events → one message to every client that keeps up. */
  publish(batch: readonly WorkerEvent[]): void {
    if (this.#clients.size === 0) return;
    const events: LiveEvent[] = [];
    for (const e of batch) {
      const live = this.#convert(e);
      if (live !== null) events.push(live);
    }
    if (events.length === 0) return;
    this.broadcast(JSON.stringify({ type: "events", events }));
  }

  /** A resync for everyone (the Worker's own tables were rebuilt). */
  resyncAll(reason: string): void {
    for (const ws of this.#clients) {
      if (ws.data.behind) continue;
      this.#send(ws, JSON.stringify({ type: "resync", reason }));
      if (!ws.data.behind) this.#send(ws, JSON.stringify({ type: "snapshot", ...(this.snapshot() as object) }));
    }
  }

  broadcast(text: string): void {
    for (const ws of this.#clients) if (!ws.data.behind) this.#send(ws, text);
  }

  #send(ws: ServerWebSocket<LiveClient>, text: string): void {
    const status = ws.send(text);
    this.counters.messages++;
    // -1: queued over the limit's mark (backpressure); 0: dropped. Either way: stop until drained.
    if (status <= 0) ws.data.behind = true;
  }

  /** Names for call events from the alias data (sourceCallsign, sourceName, …; set by the Worker). */
  names: ((sourceId: number, destinationId: number, callType: string) => object) | null = null;

  #convert(e: WorkerEvent): LiveEvent | null {
    const at = (atMs: number): string => new Date(this.toWall(atMs)).toISOString();
    switch (e.type) {
      case "stream.start":
        return { type: "call.start", streamId: e.streamId, sourceId: e.sourceId, ...this.names?.(e.sourceId, e.destinationId, e.callType), destinationId: e.destinationId, slot: e.slot, callType: e.callType, kind: e.kind, port: e.portName, portIndex: e.portIndex, at: at(e.atMs) };
      case "stream.end":
        return {
          type: "call.end",
          streamId: e.streamId,
          sourceId: e.sourceId,
          ...this.names?.(e.sourceId, e.destinationId, e.callType),
          destinationId: e.destinationId,
          slot: e.slot,
          callType: e.callType,
          kind: e.kind,
          port: e.portName,
          portIndex: e.portIndex,
          durationMs: e.durationMs,
          lost: e.lost,
          talkerAlias: e.talkerAlias,
          endedBy: e.endedBy,
          at: at(e.atMs),
        };
      case "stream.alias":
        return { type: "call.alias", streamId: e.streamId, portIndex: e.portIndex, sourceId: e.sourceId, talkerAlias: e.talkerAlias, at: at(e.atMs) };
      case "session.up":
        return { type: "hotspot.up", repeaterId: e.repeaterId, callsign: e.callsign, portIndex: e.portIndex, at: at(e.atMs) };
      case "session.down":
        return { type: "hotspot.down", repeaterId: e.repeaterId, callsign: e.callsign, portIndex: e.portIndex, reason: e.reason, at: at(e.atMs) };
      case "session.refused":
        return { type: "hotspot.refused", repeaterId: e.repeaterId, reason: e.reason, ...(e.count !== undefined ? { count: e.count } : {}), at: at(e.atMs) };
      case "subscription.change":
        return { type: "subscription", portIndex: e.portIndex, port: e.portName, slot: e.slot, talkgroupId: e.talkgroupId, action: e.action, reason: e.reason, at: at(e.atMs) };
      case "options.applied":
        return { type: "options", portIndex: e.portIndex, port: e.portName, rejected: e.rejected.map(redactOptionKey), at: at(e.atMs) };
      case "link.up":
      case "link.down":
        return { type: "link", link: e.link, up: e.type === "link.up", reason: e.reason, at: at(e.atMs) };
      case "stats":
        return { type: "figures", hotspots: e.snapshot.hbp?.connected ?? 0, callsInProgress: e.snapshot.routing?.["streamsActive"] ?? 0, uptimeMs: e.snapshot.uptimeMs, at: at(e.atMs) };
      default:
        return null;
    }
  }
}

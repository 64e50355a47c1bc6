/**
 * The live last-heard feed for apps (docs/api.md "Last-heard feed"): every call start and end as a
 * BrandMeister-style record (./last_heard_record.ts), pushed to WebSocket clients
 * (`/api/v1/feed/lastheard/ws`) and Server-Sent Events clients (`/api/v1/feed/lastheard`), with
 * server-side filters given in the query string:
 *
 *   tg=91,3100        destination id is one of these
 *   source=2341234    source id is one of these
 *   country=234,235   source id or destination id starts with one of these digit prefixes (MCC-style)
 *   format=envelope   WebSocket only: BrandMeister's Socket.IO "mqtt" event body, {topic:"LH", payload:"<record JSON>"}
 *
 * Filters combine with AND; each list holds at most 64 entries. Each client's queue is bounded: a
 * client whose socket has more than FEED_CLIENT_QUEUE_BYTES waiting misses records (counted,
 * per client and in /metrics) — it is never buffered without bound and never slows anyone else.
 * @module
 */
import type { ServerWebSocket } from "bun";
import type { LastHeardRecord } from "./last_heard_record.ts";

/** Bytes one feed client may have waiting; beyond, records are dropped for it. Holds a full event batch (512 events) of records, so a burst of call starts reaches a client that reads. */
export const FEED_CLIENT_QUEUE_BYTES = 512 * 1024;
/** SSE comment sent this often so proxies keep an idle stream open. */
export const SSE_KEEPALIVE_MS = 15_000;
const MAX_FILTER_ENTRIES = 64;

export interface FeedFilter {
  talkgroups: Set<number> | null;
  sources: Set<number> | null;
  countries: string[] | null;
  envelope: boolean;
}

export type FilterResult = { ok: true; filter: FeedFilter } | { ok: false; message: string };

function idList(value: string | null, name: string, maxDigits: number): { ok: true; ids: number[] | null } | { ok: false; message: string } {
  if (value === null || value === "") return { ok: true, ids: null };
  const parts = value.split(",");
  if (parts.length > MAX_FILTER_ENTRIES) return { ok: false, message: `${name}: at most ${MAX_FILTER_ENTRIES} entries` };
  const ids: number[] = [];
  for (const part of parts) {
    const text = part.trim();
    if (!new RegExp(`^[0-9]{1,${maxDigits}}$`).test(text)) return { ok: false, message: `${name}: "${text.slice(0, 16)}" is not a number (comma-separated ids)` };
    ids.push(Number(text));
  }
  return { ok: true, ids };
}

/** Parses `tg`, `source`, `country`, `format` from a query string. */
export function parseFeedFilter(params: URLSearchParams): FilterResult {
  const tg = idList(params.get("tg"), "tg", 10);
  if (!tg.ok) return tg;
  const source = idList(params.get("source"), "source", 10);
  if (!source.ok) return source;
  const country = idList(params.get("country"), "country", 7);
  if (!country.ok) return country;
  const format = params.get("format");
  if (format !== null && format !== "" && format !== "plain" && format !== "envelope") return { ok: false, message: 'format: "plain" (default) or "envelope"' };
  return {
    ok: true,
    filter: {
      talkgroups: tg.ids === null ? null : new Set(tg.ids),
      sources: source.ids === null ? null : new Set(source.ids),
      // the prefixes as typed (a leading 0 is not an id digit, so it is kept out by the regex only if given)
      countries: country.ids === null ? null : (params.get("country") ?? "").split(",").map((c) => c.trim()),
      envelope: format === "envelope",
    },
  };
}

export function matchesFilter(filter: FeedFilter, record: LastHeardRecord): boolean {
  if (filter.talkgroups !== null && !filter.talkgroups.has(record.DestinationID)) return false;
  if (filter.sources !== null && !filter.sources.has(record.SourceID)) return false;
  if (filter.countries !== null) {
    const source = String(record.SourceID);
    const destination = String(record.DestinationID);
    let hit = false;
    for (const prefix of filter.countries) {
      if (source.startsWith(prefix) || destination.startsWith(prefix)) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}

export interface FeedSocketData {
  feed: FeedFilter;
  dropped: number;
}

interface SseClient {
  filter: FeedFilter;
  controller: ReadableStreamDefaultController<Uint8Array>;
  dropped: number;
  keepalive: ReturnType<typeof setInterval>;
}

export interface FeedCounters {
  connected: number;
  refused: number;
  records: number;
  sent: number;
  dropped: number;
}

export class LastHeardFeed {
  readonly #ws = new Set<ServerWebSocket<FeedSocketData>>();
  readonly #sse = new Set<SseClient>();
  readonly counters: FeedCounters = { connected: 0, refused: 0, records: 0, sent: 0, dropped: 0 };
  readonly #encoder = new TextEncoder();

  constructor(readonly maxClients: number) {}

  get webSocketClients(): number {
    return this.#ws.size;
  }

  get sseClients(): number {
    return this.#sse.size;
  }

  canAccept(): boolean {
    return this.#ws.size + this.#sse.size < this.maxClients;
  }

  openWebSocket(ws: ServerWebSocket<FeedSocketData>): void {
    this.#ws.add(ws);
    this.counters.connected++;
  }

  closeWebSocket(ws: ServerWebSocket<FeedSocketData>): void {
    this.#ws.delete(ws);
  }

  /** A `text/event-stream` Response for one SSE client. */
  sseResponse(filter: FeedFilter, headers: Record<string, string>): Response {
    let client: SseClient | null = null;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client = {
            filter,
            controller,
            dropped: 0,
            keepalive: setInterval(() => this.#sseWrite(client!, ": keepalive\n\n", true), SSE_KEEPALIVE_MS),
          };
          this.#sse.add(client);
          this.counters.connected++;
          controller.enqueue(this.#encoder.encode(": freedmr last-heard feed\nretry: 3000\n\n"));
        },
        cancel: () => {
          if (client !== null) this.#dropSse(client);
        },
      },
      { highWaterMark: FEED_CLIENT_QUEUE_BYTES, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    return new Response(stream, {
      status: 200,
      headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  /** One record to every client whose filter matches (serialised once per format). */
  publish(record: LastHeardRecord): void {
    this.counters.records++;
    if (this.#ws.size === 0 && this.#sse.size === 0) return;
    const json = JSON.stringify(record);
    let envelope: string | null = null;
    for (const ws of this.#ws) {
      const data = ws.data;
      if (!matchesFilter(data.feed, record)) continue;
      if (ws.getBufferedAmount() > FEED_CLIENT_QUEUE_BYTES) {
        data.dropped++;
        this.counters.dropped++;
        continue;
      }
      const text = data.feed.envelope ? (envelope ??= JSON.stringify({ topic: "LH", payload: json })) : json;
      const sent = ws.send(text);
      if (sent === 0) {
        data.dropped++;
        this.counters.dropped++;
      } else this.counters.sent++;
    }
    if (this.#sse.size > 0) {
      const frame = `event: lastheard\ndata: ${json}\n\n`;
      for (const client of this.#sse) if (matchesFilter(client.filter, record)) this.#sseWrite(client, frame, false);
    }
  }

  stop(): void {
    for (const ws of this.#ws) ws.close(1001, "server stopping");
    this.#ws.clear();
    for (const client of [...this.#sse]) {
      try {
        client.controller.close();
      } catch {
        // already closed
      }
      this.#dropSse(client);
    }
  }

  #sseWrite(client: SseClient, text: string, keepalive: boolean): void {
    const desired = client.controller.desiredSize;
    if (desired === null) {
      this.#dropSse(client);
      return;
    }
    if (desired <= 0) {
      if (!keepalive) {
        client.dropped++;
        this.counters.dropped++;
      }
      return;
    }
    try {
      client.controller.enqueue(this.#encoder.encode(text));
      if (!keepalive) this.counters.sent++;
    } catch {
      this.#dropSse(client);
    }
  }

  #dropSse(client: SseClient): void {
    clearInterval(client.keepalive);
    this.#sse.delete(client);
  }
}

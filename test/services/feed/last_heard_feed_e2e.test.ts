/**
 * The last-heard feed end to end: the real composition with the services Worker, hotspots over
 * real UDP, calls, and feed clients over real WebSocket and SSE receiving BrandMeister-style
 * records (field names, values, Session-Start/Session-Stop), with the server-side filters
 * (tg, source, country), the envelope format, bad filters (400) and the client bound (503).
 */
import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../../src/cli/start_freedmr.ts";
import type { ServerWebSocket } from "bun";
import { validateConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/schema.ts";
import { LastHeardRecordSchema, type LastHeardRecord } from "../../../src/services/feed/last_heard_record.ts";
import { FEED_CLIENT_QUEUE_BYTES, LastHeardFeed, matchesFilter, parseFeedFilter, type FeedSocketData } from "../../../src/services/feed/last_heard_feed.ts";
import type { RunningServer } from "../../../src/shell/server.ts";
import { HbpClient } from "../../support/hbp_client.ts";
import { sendVoiceCall } from "../../e2e/routing_support.ts";
import { until, useCleanups } from "../../support/cleanups.ts";

const cleanups = useCleanups();

function configFrom(http: Record<string, unknown> = {}): Config {
  const result = validateConfig({
    log: { level: "silent" },
    server: { server_id: 2345 },
    hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
    http: { bind_address: "127.0.0.1", port: 0, ...http },
  });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.errors)}`);
  return result.config;
}

async function start(config: Config): Promise<RunningServer> {
  const server = await startFreedmr(config, pino({ level: "silent" }), { statsIntervalMs: 100, servicesBatchIntervalMs: 20 });
  cleanups.push(() => server.stop("test"));
  return server;
}


class FeedSocket {
  readonly messages: unknown[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => this.messages.push(JSON.parse(String(e.data)));
  }
  static open(url: string): Promise<FeedSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new FeedSocket(ws);
      ws.onopen = () => resolve(client);
      ws.onerror = () => reject(new Error(`cannot open ${url}`));
      cleanups.push(() => ws.close());
    });
  }
}

class SseClient {
  readonly events: { event: string; data: unknown }[] = [];
  #buffer = "";
  constructor(readonly response: Response, controller: AbortController) {
    cleanups.push(() => controller.abort());
    void this.#read();
  }
  async #read(): Promise<void> {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.#buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
          const block = this.#buffer.slice(0, end);
          this.#buffer = this.#buffer.slice(end + 2);
          let event = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data !== "") this.events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  }
}

async function login(server: RunningServer, repeaterId: number, callsign: string): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId, callsign, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, options: "TS2=2350,3100;" });
  cleanups.push(() => client.close());
  await client.login();
  return client;
}

describe("last-heard feed (BrandMeister field names)", () => {
  test("WebSocket and SSE clients get every call start and stop, filtered by tg, source and country", async () => {
    const server = await start(configFrom());
    const base = server.http!.url.replace(/\/$/, "");
    const wsBase = base.replace(/^http/, "ws");
    const all = await FeedSocket.open(`${wsBase}/api/v1/feed/lastheard/ws`);
    const tg3100 = await FeedSocket.open(`${wsBase}/api/v1/feed/lastheard/ws?tg=3100`);
    const country310 = await FeedSocket.open(`${wsBase}/api/v1/feed/lastheard/ws?country=310&format=envelope`);
    const abort = new AbortController();
    const sseResponse = await fetch(`${base}/api/v1/feed/lastheard?source=2351234`, { signal: abort.signal });
    expect(sseResponse.status).toBe(200);
    expect(sseResponse.headers.get("content-type")).toStartWith("text/event-stream");
    const sse = new SseClient(sseResponse, abort);

    const talker = await login(server, 235_100_001, "G0ABC");
    const first = await sendVoiceCall(talker, { sourceId: 2_351_234, destinationId: 2350, slot: 2, superframes: 1 });
    const second = await sendVoiceCall(talker, { sourceId: 3_101_234, destinationId: 3100, slot: 2, superframes: 1 });

    expect(await until(() => all.messages.length >= 4)).toBe(true);
    const records = all.messages as LastHeardRecord[];
    for (const r of records) expect([...Value.Errors(LastHeardRecordSchema, r)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(records.map((r) => [r.Event, r.SourceID, r.DestinationID])).toEqual([
      ["Session-Start", 2_351_234, 2350],
      ["Session-Stop", 2_351_234, 2350],
      ["Session-Start", 3_101_234, 3100],
      ["Session-Stop", 3_101_234, 3100],
    ]);
    const stop = records[1]!;
    expect(stop).toMatchObject({
      SessionID: (first.streamId >>> 0).toString(16).padStart(8, "0"),
      LinkName: "G0ABC 235100001",
      LinkTypeName: "Hotspot",
      LinkCall: "G0ABC",
      ContextID: 235_100_001,
      Master: 2345,
      Slot: 2,
      CallTypes: ["Voice", "Group"],
      EndedBy: "terminator",
      // names come from alias data; none is loaded in this server
      SourceCall: "",
      SourceName: "",
      DestinationName: "",
    });
    expect(stop.Start).toBeGreaterThan(1_700_000_000);
    expect(stop.Stop).toBeGreaterThanOrEqual(stop.Start);
    expect(stop.TotalCount).toBeGreaterThan(0);
    expect(records[0]!.Stop).toBe(0);

    // tg=3100: only the second call; country=310 (source or destination starts with 310): only the second, in BM's envelope
    expect(await until(() => tg3100.messages.length >= 2 && country310.messages.length >= 2 && sse.events.length >= 2)).toBe(true);
    expect((tg3100.messages as LastHeardRecord[]).map((r) => r.SessionID)).toEqual([second.streamId, second.streamId].map((s) => (s >>> 0).toString(16).padStart(8, "0")));
    const envelopes = country310.messages as { topic: string; payload: string }[];
    expect(envelopes.map((e) => e.topic)).toEqual(["LH", "LH"]);
    expect(envelopes.map((e) => (JSON.parse(e.payload) as LastHeardRecord).SourceID)).toEqual([3_101_234, 3_101_234]);
    // SSE with source=2351234: only the first call
    expect(sse.events.map((e) => e.event)).toEqual(["lastheard", "lastheard"]);
    expect(sse.events.map((e) => [(e.data as LastHeardRecord).Event, (e.data as LastHeardRecord).SourceID])).toEqual([
      ["Session-Start", 2_351_234],
      ["Session-Stop", 2_351_234],
    ]);
    // and the others have not received more than their share
    await sendVoiceCall(talker, { sourceId: 3_101_234, destinationId: 3100, slot: 2, superframes: 1 });
    expect(await until(() => all.messages.length >= 6 && tg3100.messages.length >= 4)).toBe(true);
    expect(sse.events.length).toBe(2);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/freedmr_feed_clients\{transport="websocket"\} 3/);
    expect(metrics).toMatch(/freedmr_feed_clients\{transport="sse"\} 1/);
    expect(metrics).toMatch(/freedmr_feed_records_total 6/);
  });

  test("names come from alias data: SourceCall, SourceName, DestinationName", async () => {
    const dir = mkdtempSync(join(tmpdir(), "freedmr-feed-aliases-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "users.csv"), "RADIO_ID,CALLSIGN,FIRST_NAME,LAST_NAME,CITY,STATE,COUNTRY\n2345678,G0ABC,Ada,Lovelace,London,England,United Kingdom\n");
    writeFileSync(join(dir, "tg.json"), JSON.stringify({ "91": "Worldwide" }));
    const result = validateConfig({
      log: { level: "silent" },
      hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
      http: { bind_address: "127.0.0.1", port: 0 },
      aliases: { users: join(dir, "users.csv"), talkgroups: join(dir, "tg.json"), cache_directory: dir },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const server = await start(result.config);
    expect(await until(() => server.aliases.updates >= 2)).toBe(true);
    const feed = await FeedSocket.open(`${server.http!.url.replace(/^http/, "ws")}api/v1/feed/lastheard/ws`);
    const client = await HbpClient.open({ serverPort: server.boundSockets()[0]!.port, repeaterId: 234_567_801, callsign: "G0ABC", slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, options: "TS2=91;" });
    cleanups.push(() => client.close());
    await client.login();
    await sendVoiceCall(client, { sourceId: 2_345_678, destinationId: 91, slot: 2, superframes: 1 });
    expect(await until(() => feed.messages.length >= 2)).toBe(true);
    expect(feed.messages[1]).toMatchObject({ Event: "Session-Stop", SourceID: 2_345_678, SourceCall: "G0ABC", SourceName: "Ada", DestinationID: 91, DestinationName: "Worldwide" });
  });

  test("bad filters are 400 naming the parameter; more clients than max_live_clients are 503", async () => {
    const server = await start(configFrom({ max_live_clients: 2 }));
    const base = server.http!.url.replace(/\/$/, "");
    const bad = await fetch(`${base}/api/v1/feed/lastheard?tg=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toStartWith("tg:");
    expect((await fetch(`${base}/api/v1/feed/lastheard?format=xml`)).status).toBe(400);
    expect((await fetch(`${base}/api/v1/feed/lastheard`, { method: "POST" })).status).toBe(405);
    const head = await fetch(`${base}/api/v1/feed/lastheard`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toStartWith("text/event-stream");
    const wsBase = base.replace(/^http/, "ws");
    await FeedSocket.open(`${wsBase}/api/v1/feed/lastheard/ws`);
    await FeedSocket.open(`${wsBase}/api/v1/feed/lastheard/ws`);
    const third = await fetch(`${base}/api/v1/feed/lastheard`);
    expect(third.status).toBe(503);
  });
});

describe("feed filters", () => {
  const record = (source: number, destination: number) => ({ SourceID: source, DestinationID: destination }) as LastHeardRecord;
  test("tg, source and country combine with AND; country matches a digit prefix of source or destination", () => {
    const parse = (q: string) => {
      const r = parseFeedFilter(new URLSearchParams(q));
      if (!r.ok) throw new Error(r.message);
      return r.filter;
    };
    expect(matchesFilter(parse(""), record(1, 2))).toBe(true);
    expect(matchesFilter(parse("tg=91,3100"), record(1, 91))).toBe(true);
    expect(matchesFilter(parse("tg=91,3100"), record(1, 92))).toBe(false);
    expect(matchesFilter(parse("source=2341234"), record(2341234, 9))).toBe(true);
    expect(matchesFilter(parse("source=2341234&tg=9"), record(2341234, 91))).toBe(false);
    expect(matchesFilter(parse("country=234"), record(2341234, 9))).toBe(true);
    expect(matchesFilter(parse("country=234"), record(3101234, 2340))).toBe(true);
    expect(matchesFilter(parse("country=234,235"), record(3101234, 91))).toBe(false);
    expect(parseFeedFilter(new URLSearchParams("tg=" + Array.from({ length: 65 }, (_, i) => i + 1).join(","))).ok).toBe(false);
    expect(parseFeedFilter(new URLSearchParams("country=12345678")).ok).toBe(false);
  });

  test("a client with a full queue misses records (counted), the others still get them", () => {
    const parse = parseFeedFilter(new URLSearchParams(""));
    if (!parse.ok) throw new Error(parse.message);
    const fake = (buffered: number) => {
      const sent: string[] = [];
      const ws = { data: { feed: parse.filter, dropped: 0 }, getBufferedAmount: () => buffered, send: (text: string) => (sent.push(text), text.length) };
      return { ws: ws as unknown as ServerWebSocket<FeedSocketData>, sent };
    };
    const feed = new LastHeardFeed(10);
    const slow = fake(FEED_CLIENT_QUEUE_BYTES + 1);
    const fast = fake(0);
    feed.openWebSocket(slow.ws);
    feed.openWebSocket(fast.ws);
    for (let i = 0; i < 5; i++) feed.publish(record(2341234, 91));
    expect(slow.sent.length).toBe(0);
    expect(fast.sent.length).toBe(5);
    expect(slow.ws.data.dropped).toBe(5);
    expect(feed.counters.dropped).toBe(5);
    expect(feed.counters.sent).toBe(5);
  });
});

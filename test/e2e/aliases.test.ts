/**
 * Alias data end to end: the real server (startFreedmr, services Worker on) loads users, repeaters
 * and talkgroups from a local HTTP server, posts the tables to the packet thread (talker-alias
 * lookup, login callsign check), and the API names callers, talkgroups and hotspot owners. The
 * optional callsign check refuses a hotspot whose callsign is not its id's owner, with its reason.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { validateConfig } from "../../src/config/load.ts";
import type { CoreEvent } from "../../src/core/events.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { sendVoiceCall } from "./routing_support.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-aliases-e2e-"));
const data = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/users.csv") return new Response("RADIO_ID,CALLSIGN,FIRST_NAME,LAST_NAME,CITY,STATE,COUNTRY\n2345678,G0ABC,Ada,Lovelace,London,England,United Kingdom\n3100001,N0CALL,Bob,,Denver,Colorado,United States\n");
    if (path === "/rptrs.json") return Response.json({ rptrs: [{ id: 310000199, callsign: "N0CALL", city: "Denver", country: "United States" }] });
    if (path === "/tg.json") return Response.json({ "91": "Worldwide" });
    if (path === "/users2.json") return Response.json({ users: [{ radio_id: 2345678, callsign: "G0ABC", fname: "Augusta", surname: "King" }] });
    return new Response("no", { status: 404 });
  },
});
afterAll(() => {
  data.stop(true);
  rmSync(work, { recursive: true, force: true });
});

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (predicate()) return true;
    await HbpClient.settle(10);
  }
  return predicate();
}

describe("alias data in the running server", () => {
  test("names in the API, tables on the packet thread, the optional login callsign check", async () => {
    const base = `http://127.0.0.1:${data.port}`;
    const document = (users: string, check: boolean) => ({
      hbp: { bind_addresses: ["127.0.0.1"], port: 0, login_rate_limit_per_minute: 0 },
      http: { enabled: true, bind_address: "127.0.0.1", port: 0 },
      log: { level: "info" },
      aliases: { users, repeaters: `${base}/rptrs.json`, talkgroups: `${base}/tg.json`, cache_directory: work, check_callsign: check },
    });
    const result = validateConfig(document(`${base}/users.csv`, true));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const server = await startFreedmr(result.config, logger, { warnDefaultPassphrase: false, servicesBatchIntervalMs: 20 });
    const events: CoreEvent[] = [];
    server.bus.register("aliases-test", (e) => void events.push(e), { queueCapacity: 100_000 });
    const port = server.boundSockets().find((s) => s.handler === "hbp")!.port;
    const clients: HbpClient[] = [];
    const open = async (repeaterId: number, callsign: string, options?: string) => {
      const c = await HbpClient.open({ serverPort: port, repeaterId, callsign, slots: "3", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000, ...(options !== undefined ? { options } : {}) });
      clients.push(c);
      return c;
    };
    try {
      // the three tables reach the packet thread
      expect(await until(() => server.aliases.updates >= 3)).toBe(true);
      expect(server.aliases.lookup(2345678)).toEqual({ callsign: "G0ABC", firstName: "Ada" });
      expect(server.aliases.ownerCallsign(234567801)).toBe("G0ABC"); // a 9-digit hotspot id → its radio id's owner
      expect(readdirSync(work).sort()).toEqual(["aliases-repeaters.cache", "aliases-talkgroups.cache", "aliases-users.cache"]);

      // login check: the owner's callsign (any suffix) is admitted, another callsign is refused, unknown ids pass
      const owner = await open(234567801, "g0abc-1", "TS1=91;");
      expect((await owner.tryLogin()).ok).toBe(true);
      const repeater = await open(310000199, "N0CALL", "TS1=91;");
      expect((await repeater.tryLogin()).ok).toBe(true);
      const impostor = await open(234567802, "M0BAD");
      expect(await impostor.tryLogin()).toMatchObject({ ok: false, stage: "rptc" });
      const unknown = await open(999999901, "ZZ9ZZ");
      expect((await unknown.tryLogin()).ok).toBe(true);
      expect(await until(() => events.some((e) => e.type === "session.refused" && e.reason === "callsign-mismatch"))).toBe(true);
      expect(events.find((e) => e.type === "session.refused")).toMatchObject({ repeaterId: 234567802, callsign: "M0BAD", reason: "callsign-mismatch" });

      // a call: live events and last heard name the caller and the talkgroup; hotspots name their owners
      const api = server.http!.url;
      const live: { type: string; events?: Record<string, unknown>[] }[] = [];
      const ws = new WebSocket(`${api.replace("http", "ws")}api/v1/live`);
      ws.onmessage = (m) => void live.push(JSON.parse(String(m.data)) as (typeof live)[number]);
      expect(await until(() => live.some((m) => m.type === "snapshot"))).toBe(true);
      await HbpClient.settle(50);
      await sendVoiceCall(owner, { sourceId: 2345678, destinationId: 91, slot: 1 });
      const liveStart = () => live.flatMap((m) => m.events ?? []).find((e) => e["type"] === "call.start");
      expect(await until(() => liveStart() !== undefined)).toBe(true);
      expect(liveStart()).toMatchObject({ sourceId: 2345678, sourceCallsign: "G0ABC", sourceName: "Ada Lovelace", destinationName: "Worldwide" });
      ws.close();
      let lastHeard: { calls: Record<string, unknown>[] } = { calls: [] };
      expect(
        await until(() => {
          void fetch(`${api}api/v1/last-heard`)
            .then((r) => r.json())
            .then((j) => (lastHeard = j as typeof lastHeard))
            .catch(() => {}); // a poll still in flight when the server stops
          return lastHeard.calls.length > 0;
        }),
      ).toBe(true);
      expect(lastHeard.calls[0]).toMatchObject({ sourceId: 2345678, sourceCallsign: "G0ABC", sourceName: "Ada Lovelace", sourceCity: "London", sourceCountry: "United Kingdom", destinationName: "Worldwide" });
      const searched = (await (await fetch(`${api}api/v1/last-heard?q=lovelace`)).json()) as { total: number };
      expect(searched.total).toBe(1);
      const hotspots = (await (await fetch(`${api}api/v1/hotspots`)).json()) as { hotspots: { repeaterId: number; owner: unknown }[] };
      const byId = new Map(hotspots.hotspots.map((h) => [h.repeaterId, h.owner]));
      expect(byId.get(234567801)).toEqual({ callsign: "G0ABC", name: "Ada Lovelace", city: "London", country: "United Kingdom" });
      expect(byId.get(310000199)).toMatchObject({ callsign: "N0CALL", city: "Denver" });
      expect(byId.get(999999901)).toBeNull();
      // the packet thread's log names the caller; the Worker logged each load
      expect(logs.filter((l) => String(l["msg"]).startsWith("aliases: ") && String(l["msg"]).includes("loaded from the download")).length).toBe(3);

      // reload: a new users source is loaded by the Worker and reaches the packet thread; the
      // callsign check switched off lets the impostor in
      const next = validateConfig(document(`${base}/users2.json`, false));
      if (!next.ok) throw new Error(JSON.stringify(next.errors));
      const updates = server.aliases.updates;
      const report = await server.reloader.reload(next.config);
      expect(report.applied.sort()).toEqual(["aliases.check_callsign", "aliases.users"]);
      expect(await until(() => server.aliases.updates > updates && server.aliases.lookup(2345678)?.firstName === "Augusta")).toBe(true);
      await impostor.reopen();
      expect((await impostor.tryLogin()).ok).toBe(true);
      let renamed = false;
      expect(
        await until(() => {
          void fetch(`${api}api/v1/last-heard`)
            .then((r) => r.json())
            .then((j) => (renamed = (j as typeof lastHeard).calls[0]?.["sourceName"] === "Augusta King"))
            .catch(() => {}); // a poll still in flight when the server stops
          return renamed;
        }),
      ).toBe(true);
      expect(logs.find((l) => l["msg"] === "stream start" && l["sourceId"] === 2345678)).toMatchObject({ sourceCallsign: "G0ABC" });
    } finally {
      for (const c of clients) await c.close();
      await server.stop();
    }
  }, 30_000);
});

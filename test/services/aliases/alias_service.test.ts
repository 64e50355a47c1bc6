/**
 * The alias service against a local HTTP server (never the internet): download, cache written
 * atomically and read first at the next start, a failing / oversized / slow source keeps the old
 * data, a local file source.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AliasService, type AliasServiceOptions } from "../../../src/services/aliases/alias_service.ts";
import type { AliasTable } from "../../../src/services/aliases/alias_table.ts";

const work = mkdtempSync(join(tmpdir(), "freedmr-aliases-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let mode: "ok" | "500" | "slow" | "huge" | "garbage" = "ok";
const usersJson = JSON.stringify({ users: [{ radio_id: 2345678, callsign: "G0ABC", fname: "Ada", city: "London", country: "United Kingdom" }] });
const http = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch() {
    if (mode === "500") return new Response("boom", { status: 500 });
    if (mode === "slow") {
      await Bun.sleep(3000);
      return new Response(usersJson);
    }
    if (mode === "huge") return new Response("x".repeat(200_000));
    if (mode === "garbage") return new Response("<html>not data</html>");
    return new Response(usersJson, { headers: { "content-type": "application/json" } });
  },
});
afterAll(() => http.stop(true));

const services: AliasService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
  mode = "ok";
});

function service(options: Partial<AliasServiceOptions> & { cacheDirectory: string }) {
  const logs: { level: string; msg: string }[] = [];
  const loaded: { kind: string; table: AliasTable }[] = [];
  const s = new AliasService(
    { sources: { users: `http://127.0.0.1:${http.port}/users.json`, repeaters: "", talkgroups: "" }, refreshMs: 0, timeoutMs: 1000, maxBytes: 100_000, ...options },
    { log: (level, msg) => void logs.push({ level, msg }), onLoaded: (kind, table) => void loaded.push({ kind, table }) },
  );
  services.push(s);
  return { s, logs, loaded };
}

describe("alias service", () => {
  test("downloads, caches atomically, and the next start reads the cache before downloading", async () => {
    const dir = join(work, "a");
    const first = service({ cacheDirectory: dir });
    await first.s.start();
    expect(first.s.tables.users.field(2345678, "callsign")).toBe("G0ABC");
    expect(first.loaded.map((l) => l.kind)).toEqual(["users"]);
    expect(readdirSync(dir)).toEqual(["aliases-users.cache"]); // no temporary file left

    mode = "500";
    const second = service({ cacheDirectory: dir });
    await second.s.start();
    // the cache was loaded, then the download failed and the cached data stayed
    expect(second.s.tables.users.field(2345678, "city")).toBe("London");
    expect(second.logs.some((l) => l.msg.includes("from the cache"))).toBe(true);
    expect(second.logs.some((l) => l.level === "warn" && l.msg.includes("HTTP 500") && l.msg.includes("keeping the 1"))).toBe(true);
  });

  test("a failing, oversized, slow or unparsable refresh keeps the data already loaded", async () => {
    const t = service({ cacheDirectory: join(work, "b") });
    await t.s.start();
    for (const [m, reason] of [
      ["500", "HTTP 500"],
      ["huge", "max_download_bytes"],
      ["slow", "within"],
      ["garbage", "RADIO_ID"],
    ] as const) {
      mode = m;
      const outcome = await t.s.refresh("users");
      expect(outcome).toEqual({ ok: false, reason: expect.stringContaining(reason) });
      expect(t.s.tables.users.field(2345678, "callsign")).toBe("G0ABC");
    }
    expect(t.s.counters.failures).toBe(4);
  });

  test("a local file source needs no cache; a missing file is reported", async () => {
    const file = join(work, "tg.json");
    writeFileSync(file, '{"91":"Worldwide"}');
    const dir = join(work, "c");
    const t = service({ cacheDirectory: dir, sources: { users: "", repeaters: "", talkgroups: file } });
    await t.s.start();
    expect(t.s.tables.talkgroups.field(91, "callsign")).toBe("Worldwide");
    expect(existsSync(dir)).toBe(false);
    rmSync(file);
    expect(await t.s.refresh("talkgroups")).toEqual({ ok: false, reason: expect.stringContaining("no such file") });
    expect(t.s.tables.talkgroups.size).toBe(1);
  });
});

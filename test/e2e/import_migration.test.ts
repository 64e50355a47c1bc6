/**
 * A migration end to end over real UDP: a FreeDMR config is imported, the result is served by the
 * real server (startFreedmr), and hotspots find what FreeDMR gave them — its passphrase, its
 * blacklist, and the MASTER's static talkgroups — without any options of their own.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { startFreedmr } from "../../src/cli/start_freedmr.ts";
import { convertConfig } from "../../src/config/import/index.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { RunningServer } from "../../src/shell/server.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { burstsWithTags, receivedCount, sendVoiceCall } from "./routing_support.ts";

const fixtures = join(import.meta.dir, "..", "config", "import", "fixtures");
let server: RunningServer;
let port = 0;
const clients: HbpClient[] = [];

beforeAll(async () => {
  const imported = convertConfig({ from: "freedmr", configText: readFileSync(join(fixtures, "freedmr.cfg"), "utf8"), configName: "freedmr.cfg" }, "test");
  if (!imported.ok) throw new Error(imported.error);
  const loaded = parseConfigText(imported.toml, "toml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const config = loaded.config;
  // the machine, not the migration: loopback, a free port, no links to the outside world
  config.hbp.bind_addresses = ["127.0.0.1"];
  config.hbp.port = 0;
  config.hbp.login_rate_limit_per_minute = 0;
  config.openbridge = [];
  config.upstream = [];
  config.log.level = "silent";
  config.http.enabled = false;
  server = await startFreedmr(config, pino({ level: "silent" }));
  port = server.boundSockets()[0]!.port;
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.stop();
});

async function open(repeaterId: number): Promise<HbpClient> {
  const client = await HbpClient.open({ serverPort: port, repeaterId, slots: "3", callsign: "M1GRT", rxFrequencyHz: 438_800_000, txFrequencyHz: 431_200_000 });
  clients.push(client);
  return client;
}

describe("a FreeDMR config, imported, serves its hotspots", () => {
  test("the imported passphrase logs in, FreeDMR's default does not, the proxy's BlackList is refused", async () => {
    const ok = await open(234_000_101);
    expect((await ok.tryLogin({ passphrase: "club-secret-2026" })).ok).toBe(true);
    const wrong = await open(234_000_102);
    expect((await wrong.tryLogin({ passphrase: "passw0rd" })).ok).toBe(false);
    const blacklisted = await open(1_234_567);
    const result = await blacklisted.tryLogin({ passphrase: "club-secret-2026" });
    expect(result.ok).toBe(false);
  });

  test("TS1_STATIC of the MASTER: a call on TG 2350 TS1 reaches a hotspot that sent no options", async () => {
    const talker = await open(234_000_201);
    const listener = await open(234_000_202);
    await talker.login({ passphrase: "club-secret-2026" });
    await listener.login({ passphrase: "club-secret-2026" });
    const call = await sendVoiceCall(talker, { sourceId: 2_340_001, destinationId: 2350, slot: 1, superframes: 2 });
    expect(await receivedCount(listener, (f) => f.streamId === call.streamId, call.frames)).toBe(call.frames);
    expect(burstsWithTags(listener.dmrd, call.tags).every((f) => f.slot === 1 && f.destinationId === 2350)).toBe(true);
    // a talkgroup the MASTER did not make static does not reach it
    const other = await sendVoiceCall(talker, { sourceId: 2_340_001, destinationId: 2351, slot: 1, superframes: 1 });
    await HbpClient.settle(200);
    expect(listener.dmrd.some((f) => f.streamId === other.streamId)).toBe(false);
  });
});

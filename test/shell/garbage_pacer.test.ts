import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { defaultConfig } from "../../src/config/schema.ts";
import { GarbagePacer } from "../../src/shell/garbage_pacer.ts";
import { startServer, type RunningServer } from "../../src/shell/server.ts";
import { HbpClient } from "../support/hbp_client.ts";

describe("GarbagePacer", () => {
  test("collects once `everyDatagrams` have come and gone while quiet, not before", () => {
    let traffic = 100;
    let collected = 0;
    const pacer = new GarbagePacer({ traffic: () => traffic, quiet: () => true }, () => collected++, 50);
    expect(pacer.check()).toBe(false);
    traffic = 149;
    expect(pacer.check()).toBe(false);
    traffic = 150;
    expect(pacer.check()).toBe(true);
    expect(collected).toBe(1);
    // counted again from this collection
    traffic = 199;
    expect(pacer.check()).toBe(false);
    traffic = 260;
    expect(pacer.check()).toBe(true);
    expect(collected).toBe(2);
    expect(pacer.collections).toBe(2);
  });

  test("while the server is busy (the fast tick) it leaves the pace to the collector, and counts afresh from there", () => {
    let traffic = 0;
    let quiet = false;
    let collected = 0;
    const pacer = new GarbagePacer({ traffic: () => traffic, quiet: () => quiet }, () => collected++, 50);
    traffic = 500;
    expect(pacer.check()).toBe(false);
    expect(collected).toBe(0);
    // quiet again: what passed while busy is not owed
    quiet = true;
    traffic = 520;
    expect(pacer.check()).toBe(false);
    traffic = 550;
    expect(pacer.check()).toBe(true);
    expect(collected).toBe(1);
  });

  test("a threshold of zero is a bug", () => {
    expect(() => new GarbagePacer({ traffic: () => 0, quiet: () => true }, () => {}, 0)).toThrow();
  });
});

describe("garbage pacing in the server", () => {
  let running: RunningServer | null = null;
  let client: HbpClient | null = null;
  afterEach(async () => {
    await client?.close({ rptcl: false });
    await running?.stop();
    client = null;
    running = null;
  });

  function config() {
    const c = defaultConfig();
    c.hbp.bind_addresses = ["127.0.0.1"];
    c.hbp.port = 0;
    c.http.enabled = false;
    c.log.level = "silent";
    return c;
  }

  test("an idle server's pings and their answers pace collections; none without traffic", async () => {
    let collected = 0;
    running = await startServer(config(), pino({ level: "silent" }), { warnDefaultPassphrase: false, garbagePacing: { collect: () => collected++, everyDatagrams: 20, checkIntervalMs: 20 } });
    expect(running.host.ticksIdle).toBe(false); // fast at start, until a tick finds nothing wanting it
    await Bun.sleep(300);
    expect(running.host.ticksIdle).toBe(true);
    expect(collected).toBe(0);
    client = await HbpClient.open({ serverPort: running.boundSockets()[0]!.port, repeaterId: 2345601 });
    await client.login();
    for (let i = 0; i < 12; i++) expect(await client.ping()).toBe(true);
    // 4 login datagrams and 12 pings in, as many answers out: 32 ≥ 20
    const deadline = Date.now() + 2000;
    while (collected === 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(collected).toBeGreaterThanOrEqual(1);
  });
});

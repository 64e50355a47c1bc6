import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { defaultConfig } from "../../../src/config/schema.ts";
import { startServer, type RunningServer } from "../../../src/shell/server.ts";
import { collectDuringBursts, FOLLOW_CHECKS, FOLLOW_GROWTH_BYTES, scheduleSettleAfterLogins } from "../../../src/shell/memory/settle_after_logins.ts";
import { HbpClient } from "../../support/hbp_client.ts";
import { expectSettlesOncePerBurst } from "../../support/settle_after_burst.ts";

describe("scheduleSettleAfterLogins", () => {
  test("settles once after a burst has gone quiet, never while logins go on or below the threshold", async () => {
    await expectSettlesOncePerBurst((logins, onSettled, tuning) => scheduleSettleAfterLogins(logins, onSettled, tuning));
  });

  test("after a settle, hands the binary's pages back whenever they have grown FOLLOW_GROWTH_BYTES, for FOLLOW_CHECKS checks, then no more", async () => {
    const quietMs = 20;
    let logins = 0;
    let fileRss = 20 * 1024 * 1024;
    const released: number[] = [];
    const stop = scheduleSettleAfterLogins(() => logins, () => {}, {
      quietMs,
      minLogins: 10,
      pages: {
        always: true,
        readFileRss: () => fileRss,
        release: () => {
          released.push(fileRss);
          fileRss = 20 * 1024 * 1024; // what stays resident after a hand-back
          return null;
        },
      },
    });
    const waitFor = async (n: number): Promise<void> => {
      const deadline = Date.now() + 5_000;
      while (released.length < n && Date.now() < deadline) await Bun.sleep(5);
    };
    try {
      logins = 50; // a burst, then quiet: the settle hands back once
      await waitFor(1);
      expect(released.length).toBe(1);
      fileRss += FOLLOW_GROWTH_BYTES - 4096; // grown, not enough
      await Bun.sleep(quietMs * 4);
      expect(released.length).toBe(1);
      fileRss += 4096; // enough: handed back at the next check
      await waitFor(2);
      expect(released).toEqual([20 * 1024 * 1024, 20 * 1024 * 1024 + FOLLOW_GROWTH_BYTES]);
      await Bun.sleep(quietMs * (FOLLOW_CHECKS + 4)); // the follow-up is over
      fileRss += 10 * FOLLOW_GROWTH_BYTES;
      await Bun.sleep(quietMs * 4);
      expect(released.length).toBe(2);
    } finally {
      stop();
    }
  });
});

describe("collectDuringBursts", () => {
  test("collects every `every` logins as the ticks see them, and asks for the fast tick only while logins come in", () => {
    let logins = 7;
    let collected = 0;
    const collector = collectDuringBursts(() => logins, () => collected++, 10);
    collector.onTick(0);
    expect(collector.wantsFastTick()).toBe(false);
    logins = 16;
    collector.onTick(25);
    expect(collected).toBe(0);
    expect(collector.wantsFastTick()).toBe(true);
    logins = 17;
    collector.onTick(50);
    expect(collected).toBe(1);
    logins = 40;
    collector.onTick(75);
    expect(collected).toBe(2); // one per tick at most
    collector.onTick(100);
    expect(collector.wantsFastTick()).toBe(false); // quiet: back to the idle tick
    expect(collected).toBe(2);
    expect(collector.collections).toBe(2);
  });

  let running: RunningServer | null = null;
  afterEach(async () => {
    await running?.stop();
    running = null;
  });

  test("a server collects while hotspots log in over real sockets, and not while they only ping", async () => {
    const config = defaultConfig();
    config.hbp.bind_addresses = ["127.0.0.1"];
    config.hbp.port = 0;
    config.http.enabled = false;
    config.hbp.login_rate_limit_per_minute = 0;
    let collected = 0;
    running = await startServer(config, pino({ level: "silent" }), { withoutEventLog: true, burstCollect: { every: 5, collect: () => collected++ } });
    const port = running.boundSockets()[0]!.port;
    const clients: HbpClient[] = [];
    const logIn = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const client = await HbpClient.open({ serverPort: port, repeaterId: 3_120_001 + clients.length });
        await client.login();
        clients.push(client);
      }
    };
    // the host ticks every 25–100 ms and collects at most once a tick: wait for it between groups
    const ticked = async (want: number): Promise<void> => {
      for (let i = 0; i < 40 && collected < want; i++) await HbpClient.settle(25);
    };
    await logIn(4);
    await HbpClient.settle(250);
    expect(collected).toBe(0); // 4 < 5
    await logIn(1);
    await ticked(1);
    expect(collected).toBe(1);
    await logIn(6);
    await ticked(2);
    expect(collected).toBe(2);
    await HbpClient.settle(250);
    expect(collected).toBe(2); // 11 in all: the next is due at the 15th
    for (const client of clients) await client.ping();
    await HbpClient.settle(300);
    expect(collected).toBe(2);
    for (const client of clients) await client.close();
  });
});

/**
 * Overload drops instead of delaying (src/shell/overload_shedder.ts), over real UDP: a backlog of
 * voice queued in the HBP socket while the server could not read (this test sends it in one
 * synchronous turn, so the server — same event loop — reads it all afterwards) is shed and counted
 * while it is deep; pings queued in the middle of it are all answered, a login started behind it is
 * answered, and the call's header and terminator still reach the router. Counts only, no timing.
 */
import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { defaultConfig } from "../../src/config/schema.ts";
import { startServer, type RunningServer } from "../../src/shell/server.ts";
import { isVoiceBurst } from "../../src/shell/overload_shedder.ts";
import { libcAvailable } from "../../src/shell/libc_calls.ts";
import { DataType, FrameType } from "../../src/wire/dmrd.ts";
import { HbpClient } from "../support/hbp_client.ts";
import { RecordingRouter } from "../support/test_server.ts";

let running: RunningServer | null = null;
const clients: HbpClient[] = [];
afterEach(async () => {
  await running?.stop();
  running = null;
  for (const c of clients.splice(0)) await c.close({ rptcl: false });
});

const VOICE_FRAMES = 1200;
const PING_EVERY = 60;

describe("overload shedding", () => {
  test("isVoiceBurst: voice and voice sync DMRD only", () => {
    const frame = new Uint8Array(55);
    frame.set([0x44, 0x4d, 0x52, 0x44]);
    frame[15] = 0x00; // voice
    expect(isVoiceBurst(frame)).toBe(true);
    frame[15] = 0x10; // voice sync
    expect(isVoiceBurst(frame)).toBe(true);
    frame[15] = 0x21; // data sync, voice LC header
    expect(isVoiceBurst(frame)).toBe(false);
    expect(isVoiceBurst(frame.subarray(0, 40))).toBe(false);
    const ping = new TextEncoder().encode("RPTPING\0\0\0\x01");
    expect(isVoiceBurst(ping)).toBe(false);
  });

  test("a deep backlog of voice is shed and counted; pings and a login behind it are answered; header and terminator go through", async () => {
    if (!libcAvailable()) {
      if (process.env.CI === "true") throw new Error("bun:ffi/libc unavailable: overload shedding cannot be tested");
      console.warn("skipping: bun:ffi/libc unavailable (no queue-depth measurement)");
      return;
    }
    const config = defaultConfig();
    config.hbp.bind_addresses = ["127.0.0.1"];
    config.hbp.port = 0;
    config.http.enabled = false;
    config.hbp.login_rate_limit_per_minute = 0;
    const router = new RecordingRouter();
    running = await startServer(config, pino({ level: "silent" }), {
      warnDefaultPassphrase: false,
      createRouter: () => router,
      withoutEventLog: true,
      // 1,200 queued DMRD are ~1 MB of kernel truesize: far above this.
      shedding: { highBytes: 64 * 1024, lowBytes: 16 * 1024, sustainMs: 40 },
    });
    const serverPort = running.boundSockets()[0]!.port;
    const talker = await HbpClient.open({ serverPort, repeaterId: 3120001 });
    const pinger = await HbpClient.open({ serverPort, repeaterId: 3120002 });
    const newcomer = await HbpClient.open({ serverPort, repeaterId: 3120003 });
    clients.push(talker, pinger, newcomer);
    await talker.login();
    await pinger.login();
    pinger.clear();

    // One synchronous turn: nothing is read by the server until it ends.
    const call = { sourceId: 3120001, destinationId: 91, streamId: 0x5eed, slot: 1 as const };
    talker.sendFrame({ ...call, frameType: FrameType.DataSync, dataType: DataType.VoiceLcHeader, sequence: 0 });
    let pings = 0;
    for (let i = 0; i < VOICE_FRAMES; i++) {
      talker.sendFrame({ ...call, frameType: i % 6 === 0 ? FrameType.VoiceSync : FrameType.Voice, dataType: i % 6, sequence: (i + 1) & 0xff });
      if (i % PING_EVERY === PING_EVERY / 2) {
        pinger.sendPing();
        pings++;
      }
    }
    newcomer.sendRptl();
    talker.sendFrame({ ...call, frameType: FrameType.DataSync, dataType: DataType.TerminatorWithLc, sequence: (VOICE_FRAMES + 1) & 0xff });

    const salt = await newcomer.waitFor((r) => r.tag === "RPTACK", 5000);
    for (let waited = 0; waited < 100 && pinger.ofTag("MSTPONG").length < pings; waited++) await HbpClient.settle(50);
    await HbpClient.settle(80); // the host sums its sockets' shedding figures on each tick
    const host = running.host.stats;
    const dataSync = router.frames.filter((f) => ((f.bytes[15]! >>> 4) & 3) === FrameType.DataSync);
    const voice = router.frames.length - dataSync.length;

    expect(host.voiceShed).toBeGreaterThan(0);
    expect(host.sheddingEpisodes).toBeGreaterThan(0);
    expect(host.peakQueuedBytes).toBeGreaterThan(64 * 1024);
    // every voice frame was either routed or shed (none lost elsewhere)
    expect(voice + host.voiceShed).toBe(VOICE_FRAMES);
    expect(pinger.ofTag("MSTPONG").length).toBe(pings);
    expect(salt).not.toBeNull();
    expect(dataSync.map((f) => f.bytes[15]! & 0x0f)).toEqual([DataType.VoiceLcHeader, DataType.TerminatorWithLc]);
  });

  test("no backlog, nothing shed: every frame of a paced call is routed", async () => {
    const config = defaultConfig();
    config.hbp.bind_addresses = ["127.0.0.1"];
    config.hbp.port = 0;
    config.http.enabled = false;
    const router = new RecordingRouter();
    running = await startServer(config, pino({ level: "silent" }), { warnDefaultPassphrase: false, createRouter: () => router, withoutEventLog: true });
    const talker = await HbpClient.open({ serverPort: running.boundSockets()[0]!.port, repeaterId: 3120011 });
    clients.push(talker);
    await talker.login();
    for (let i = 0; i < 30; i++) {
      talker.sendFrame({ sourceId: 3120011, destinationId: 91, streamId: 7, frameType: FrameType.Voice, dataType: i % 6, sequence: i });
      await HbpClient.settle(1);
    }
    for (let waited = 0; waited < 40 && router.frames.length < 30; waited++) await HbpClient.settle(25);
    expect(router.frames.length).toBe(30);
    expect(running.host.stats.voiceShed).toBe(0);
  });
});
